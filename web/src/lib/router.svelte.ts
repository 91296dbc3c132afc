// Hash routing without a dependency. The route is the single source of truth for what is shown,
// including which units are open, so any view can be shared as a link.
//   #/                          hosts
//   #/hosts/:id                 one host
//   #/hosts/:id?unit=a&unit=b   one host with those units' checks open
//   #/setup?token=T             create the first admin (the link the server prints at first start)
//   #/account                   one's own password
//   #/admin/users|tokens|audit  administration

export type Route =
  | { name: 'hosts' }
  | { name: 'host'; hostId: number; units: string[] }
  | { name: 'setup'; token: string }
  | { name: 'account' }
  | { name: 'admin'; tab: AdminTab }
  | { name: 'not-found'; path: string };

export const ADMIN_TABS = ['users', 'tokens', 'audit'] as const;
export type AdminTab = (typeof ADMIN_TABS)[number];

export function parseHash(hash: string): Route {
  const raw = hash.replace(/^#/, '');
  const q = raw.indexOf('?');
  const path = (q === -1 ? raw : raw.slice(0, q)).replace(/\/+$/, '') || '/';
  const query = new URLSearchParams(q === -1 ? '' : raw.slice(q + 1));

  if (path === '/') return { name: 'hosts' };
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

export const hostsHref = '#/';
export const accountHref = '#/account';
export const adminHref = (tab: AdminTab = 'users') => `#/admin/${tab}`;

export function hostHref(hostId: number, units: readonly string[] = []): string {
  const query = new URLSearchParams();
  for (const unit of units) query.append('unit', unit);
  const qs = query.toString();
  return `#/hosts/${hostId}${qs ? `?${qs}` : ''}`;
}

class Router {
  route: Route = $state(parseHash(window.location.hash));

  constructor() {
    window.addEventListener('hashchange', () => {
      this.route = parseHash(window.location.hash);
    });
  }

  /** Changes the URL without a history entry (opening a unit should not make Back close it). */
  replace(href: string): void {
    const url = new URL(window.location.href);
    url.hash = href;
    window.history.replaceState(window.history.state, '', url);
    this.route = parseHash(url.hash);
  }
}

export const router = new Router();
