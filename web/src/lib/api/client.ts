// The only module that talks to the server. Components get data through the feature state modules.
import type {
  ApiError,
  DirectiveGapsResponse,
  FleetHostUnitsResponse,
  FleetOverviewResponse,
  FleetTrendResponse,
  FleetUnitsResponse,
  Health,
  HostSummary,
  HostsPageQuery,
  HostsResponse,
  HostTrendResponse,
  HostUnitsResponse,
  LabelsResponse,
  ScanActivity,
  ScanDiffResponse,
  ScanNowRequest,
  ScanNowResponse,
  SuggestionResponse,
  TrendBucket,
  TrendDays,
  UnitDetailResponse,
  UnitHistoryResponse,
  WhatIfRequest,
  WhatIfResponse,
} from './types';

const BASE = '/api/v1';

/** A failed request, carrying the server's own message when it sent one. */
export class ApiRequestError extends Error {
  override readonly name = 'ApiRequestError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function isApiError(body: unknown): body is ApiError {
  return typeof body === 'object' && body !== null && typeof (body as ApiError).message === 'string';
}

// Access control (issue 6): the session's CSRF token goes with every change; a 401 anywhere
// means the session is gone, and the app shows the login page.
let csrfToken: string | null = null;
const unauthorizedListeners = new Set<() => void>();

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** Calls `listener` whenever the server answers 401; returns the unsubscribe. */
export function onUnauthorized(listener: () => void): () => void {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

export async function request<T>(
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  path: string,
  options: { body?: unknown; signal?: AbortSignal; quiet401?: boolean } = {},
): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  let res: Response;
  try {
    res = await fetch(`${BASE}${path}`, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      credentials: 'same-origin',
      signal: options.signal,
    });
  } catch (err) {
    if (options.signal?.aborted) throw err;
    throw new ApiRequestError(0, 'Cannot reach the unitscore server.');
  }
  if (res.status === 204) return undefined as T;
  const body: unknown = await res.json().catch(() => null);
  if (!res.ok) {
    if (res.status === 401 && !options.quiet401)
      for (const listener of [...unauthorizedListeners]) listener();
    const message = isApiError(body) ? body.message : `${res.status} ${res.statusText}`.trim();
    throw new ApiRequestError(res.status, message);
  }
  if (body === null) throw new ApiRequestError(res.status, 'The server sent a response that is not JSON.');
  return body as T;
}

function get<T>(path: string, signal?: AbortSignal): Promise<T> {
  return request('GET', path, { signal });
}

const unitPath = (hostId: number, unit: string) =>
  `/hosts/${encodeURIComponent(hostId)}/units/${encodeURIComponent(unit)}`;

export function getHealth(signal?: AbortSignal): Promise<Health> {
  return get('/health', signal);
}

/** One page of the active hosts carrying every label of `labels` (all of them when it is empty). */
export function getHosts(
  labels: readonly string[],
  page: HostsPageQuery = {},
  signal?: AbortSignal,
): Promise<HostsResponse> {
  const { sort, order, status, cursor, limit } = page;
  return get(`/hosts${query({ label: labels, sort, order, status, cursor, limit })}`, signal);
}

/**
 * Every active host of the filter, page after page of the largest size: for the screens that
 * need them all (the inventory, the review's candidates), never the hosts page itself.
 */
export async function getEveryHost(
  labels: readonly string[],
  page: Pick<HostsPageQuery, 'sort' | 'order'> = {},
  signal?: AbortSignal,
): Promise<HostSummary[]> {
  const hosts: HostSummary[] = [];
  let cursor: string | null = null;
  do {
    const res: HostsResponse = await getHosts(labels, { ...page, cursor, limit: 1000 }, signal);
    hosts.push(...res.hosts);
    cursor = res.nextCursor;
  } while (cursor !== null);
  return hosts;
}

/** Every label of the active hosts, with how many carry it. */
export function getLabels(signal?: AbortSignal): Promise<LabelsResponse> {
  return get('/labels', signal);
}

export function getHostUnits(hostId: number, signal?: AbortSignal): Promise<HostUnitsResponse> {
  return get(`/hosts/${encodeURIComponent(hostId)}/units`, signal);
}

export function getUnit(hostId: number, unit: string, signal?: AbortSignal): Promise<UnitDetailResponse> {
  return get(unitPath(hostId, unit), signal);
}

export function getScanActivity(signal?: AbortSignal): Promise<ScanActivity> {
  return get('/scans/activity', signal);
}

/** A query string from optional values; arrays repeat the key (`label=a&label=b`). */
function query(params: Record<string, string | number | readonly string[] | null | undefined>): string {
  const q = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === null || value === undefined) continue;
    if (typeof value === 'object') for (const v of value) q.append(key, v);
    else q.set(key, String(value));
  }
  const qs = q.toString();
  return qs ? `?${qs}` : '';
}

// ---- Fleet screens: every one takes the label filter (all labels must match).

export function getFleetOverview(
  labels: readonly string[],
  signal?: AbortSignal,
): Promise<FleetOverviewResponse> {
  return get(`/fleet/overview${query({ label: labels })}`, signal);
}

export function getFleetTrend(
  labels: readonly string[],
  range: { days: TrendDays; bucket: TrendBucket },
  signal?: AbortSignal,
): Promise<FleetTrendResponse> {
  return get(`/fleet/trend${query({ label: labels, days: range.days, bucket: range.bucket })}`, signal);
}

export function getFleetUnits(
  labels: readonly string[],
  page: { cursor?: string | null; limit?: number } = {},
  signal?: AbortSignal,
): Promise<FleetUnitsResponse> {
  return get(`/fleet/units${query({ label: labels, cursor: page.cursor, limit: page.limit })}`, signal);
}

export function getFleetHostUnits(
  labels: readonly string[],
  unit: string,
  page: { cursor?: string | null; limit?: number } = {},
  signal?: AbortSignal,
): Promise<FleetHostUnitsResponse> {
  return get(
    `/fleet/host-units${query({ label: labels, unit, cursor: page.cursor, limit: page.limit })}`,
    signal,
  );
}

export function getDirectiveGaps(
  labels: readonly string[],
  page: { cursor?: string | null; limit?: number } = {},
  signal?: AbortSignal,
): Promise<DirectiveGapsResponse> {
  return get(
    `/fleet/directive-gaps${query({ label: labels, cursor: page.cursor, limit: page.limit })}`,
    signal,
  );
}

// ---- One host over time, and the score model.

export function getHostTrend(
  hostId: number,
  range: { days: TrendDays; bucket: TrendBucket },
  signal?: AbortSignal,
): Promise<HostTrendResponse> {
  return get(`/hosts/${encodeURIComponent(hostId)}/trend${query(range)}`, signal);
}

/** What changed on a host since the end of `fromDate` (YYYY-MM-DD, UTC) up to its latest state. */
export function getHostDiff(
  hostId: number,
  fromDate: string,
  signal?: AbortSignal,
): Promise<ScanDiffResponse> {
  return get(`/hosts/${encodeURIComponent(hostId)}/diff${query({ fromDate })}`, signal);
}

export function getUnitHistory(
  hostId: number,
  unit: string,
  page: { cursor?: string | null; limit?: number } = {},
  signal?: AbortSignal,
): Promise<UnitHistoryResponse> {
  return get(`${unitPath(hostId, unit)}/history${query({ cursor: page.cursor, limit: page.limit })}`, signal);
}

export function getSuggestion(
  hostId: number,
  unit: string,
  signal?: AbortSignal,
): Promise<SuggestionResponse> {
  return get(`${unitPath(hostId, unit)}/suggestion`, signal);
}

/** A drop-in's predicted effect; a drop-in that does not parse is a 400 naming its lines. */
export function postWhatIf(body: WhatIfRequest, signal?: AbortSignal): Promise<WhatIfResponse> {
  return request('POST', '/whatif', { body, signal });
}

/** Scan now (operators): a host by name, the hosts of a label, or with neither the whole fleet. */
export function postScanNow(filter: ScanNowRequest): Promise<ScanNowResponse> {
  return request('POST', '/scans', { body: filter });
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
