// Hash routing without a dependency. The route is the single source of truth for what is shown,
// including which units are open and the label filter, so any view can be shared as a link.
//   #/?label=env=prod&days=30&bucket=day   fleet overview (the landing page)
//   #/hosts?label=…             hosts
//   #/units?label=…&unit=a      worst units, grouped by name (`unit`: open, repeatable)
//   #/gaps?label=…              directive gaps: what to harden next
//   #/review?label=…            weekly review: the last 7 days
//   #/hosts/:id                 one host
//   #/hosts/:id?unit=a&unit=b   one host with those units' checks open
//   #/setup?token=T             create the first admin (the link the server prints at first start)
//   #/account                   one's own password
//   #/admin/users|tokens|inventory|audit  administration
//
// `label` (repeatable: a host must carry all of them) is the fleet filter: every fleet screen
// reads it, and the navigation carries it from one fleet screen to the next.

import type { TrendBucket, TrendDays } from './api/types';

export const TREND_DAYS: readonly TrendDays[] = [7, 30, 90, 365];
export const TREND_BUCKETS: readonly TrendBucket[] = ['day', 'week'];

export type FleetScreen = 'overview' | 'hosts' | 'units' | 'gaps' | 'review';

export type Route =
  | { name: 'overview'; labels: string[]; days: TrendDays; bucket: TrendBucket }
  | { name: 'hosts'; labels: string[] }
  | { name: 'units'; labels: string[]; units: string[] }
  | { name: 'gaps'; labels: string[] }
  | { name: 'review'; labels: string[] }
  | { name: 'host'; hostId: number; units: string[] }
  | { name: 'setup'; token: string }
  | { name: 'account' }
  | { name: 'admin'; tab: AdminTab }
  | { name: 'not-found'; path: string };

export const ADMIN_TABS = ['users', 'tokens', 'inventory', 'audit'] as const;
export type AdminTab = (typeof ADMIN_TABS)[number];

/** Labels as the API takes them: non-empty, each once, in the order given. */
function cleanLabels(values: readonly string[]): string[] {
  return [...new Set(values.map((l) => l.trim()).filter((l) => l !== ''))];
}

export function parseHash(hash: string): Route {
  const raw = hash.replace(/^#/, '');
  const q = raw.indexOf('?');
  const path = (q === -1 ? raw : raw.slice(0, q)).replace(/\/+$/, '') || '/';
  const query = new URLSearchParams(q === -1 ? '' : raw.slice(q + 1));
  const labels = cleanLabels(query.getAll('label'));

  if (path === '/') {
    const days = TREND_DAYS.find((d) => String(d) === query.get('days')) ?? 30;
    const bucket = TREND_BUCKETS.find((b) => b === query.get('bucket')) ?? 'day';
    return { name: 'overview', labels, days, bucket };
  }
  if (path === '/hosts') return { name: 'hosts', labels };
  if (path === '/units') {
    return { name: 'units', labels, units: query.getAll('unit').filter((u) => u !== '') };
  }
  if (path === '/gaps') return { name: 'gaps', labels };
  if (path === '/review') return { name: 'review', labels };
  const host = /^\/hosts\/(\d+)$/.exec(path);
  if (host?.[1]) {
    return { name: 'host', hostId: Number(host[1]), units: query.getAll('unit').filter((u) => u !== '') };
  }
  if (path === '/setup') return { name: 'setup', token: query.get('token') ?? '' };
  if (path === '/account') return { name: 'account' };
  if (path === '/admin') return { name: 'admin', tab: 'users' };
  const admin = /^\/admin\/([a-z]+)$/.exec(path)?.[1];
  const tab = ADMIN_TABS.find((t) => t === admin);
  if (tab) return { name: 'admin', tab };
  return { name: 'not-found', path };
}

function withQuery(path: string, params: [string, string][]): string {
  const qs = new URLSearchParams(params).toString();
  return `#${path}${qs ? `?${qs}` : ''}`;
}

const labelParams = (labels: readonly string[]): [string, string][] => labels.map((l) => ['label', l]);

const FLEET_PATHS: Record<FleetScreen, string> = {
  overview: '/',
  hosts: '/hosts',
  units: '/units',
  gaps: '/gaps',
  review: '/review',
};

/** A fleet screen with the label filter (and the screen's own options). */
export function fleetHref(
  screen: FleetScreen,
  labels: readonly string[] = [],
  extra: [string, string][] = [],
): string {
  return withQuery(FLEET_PATHS[screen], [...labelParams(labels), ...extra]);
}

export const overviewHref = '#/';
export const hostsHref = '#/hosts';
export const accountHref = '#/account';
export const adminHref = (tab: AdminTab = 'users') => `#/admin/${tab}`;

export function overviewRangeHref(labels: readonly string[], days: TrendDays, bucket: TrendBucket): string {
  const extra: [string, string][] = [];
  if (days !== 30) extra.push(['days', String(days)]);
  if (bucket !== 'day') extra.push(['bucket', bucket]);
  return fleetHref('overview', labels, extra);
}

export function unitsHref(labels: readonly string[], units: readonly string[] = []): string {
  return fleetHref(
    'units',
    labels,
    units.map((u): [string, string] => ['unit', u]),
  );
}

export function hostHref(hostId: number, units: readonly string[] = []): string {
  return withQuery(
    `/hosts/${hostId}`,
    units.map((u): [string, string] => ['unit', u]),
  );
}

/** The label filter of a route: fleet screens have one; elsewhere it is empty. */
export function routeLabels(route: Route): string[] {
  return 'labels' in route ? route.labels : [];
}

/** The same route with another label filter (open units stay; other screens' options stay). */
export function withLabels(route: Route, labels: readonly string[]): string {
  const clean = cleanLabels(labels);
  switch (route.name) {
    case 'overview':
      return overviewRangeHref(clean, route.days, route.bucket);
    case 'units':
      return unitsHref(clean, route.units);
    case 'hosts':
    case 'gaps':
    case 'review':
      return fleetHref(route.name, clean);
    default:
      return fleetHref('overview', clean);
  }
}

class Router {
  route: Route = $state(parseHash(window.location.hash));
  /**
   * The label filter last used on a fleet screen: a host page has none of its own, and the way
   * back to the fleet (breadcrumbs, the top bar) keeps it.
   */
  lastLabels: string[] = $state(routeLabels(parseHash(window.location.hash)));

  constructor() {
    window.addEventListener('hashchange', () => this.set(parseHash(window.location.hash)));
  }

  private set(route: Route): void {
    this.route = route;
    if ('labels' in route) this.lastLabels = route.labels;
  }

  /** Goes to `href` with a history entry (Back returns, as after following a link). */
  go(href: string): void {
    window.location.hash = href;
  }

  /** Changes the URL without a history entry (opening a unit should not make Back close it). */
  replace(href: string): void {
    const url = new URL(window.location.href);
    url.hash = href;
    window.history.replaceState(window.history.state, '', url);
    this.set(parseHash(url.hash));
  }
}

export const router = new Router();
