// The only module that talks to the server. Components get data through the feature state modules.
import type {
  ApiError,
  Health,
  HostsResponse,
  HostUnitsResponse,
  ScanActivity,
  UnitDetailResponse,
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

export function getHealth(signal?: AbortSignal): Promise<Health> {
  return get('/health', signal);
}

export function getHosts(signal?: AbortSignal): Promise<HostsResponse> {
  return get('/hosts', signal);
}

export function getHostUnits(hostId: number, signal?: AbortSignal): Promise<HostUnitsResponse> {
  return get(`/hosts/${encodeURIComponent(hostId)}/units`, signal);
}

export function getUnit(hostId: number, unit: string, signal?: AbortSignal): Promise<UnitDetailResponse> {
  return get(`/hosts/${encodeURIComponent(hostId)}/units/${encodeURIComponent(unit)}`, signal);
}

export function getScanActivity(signal?: AbortSignal): Promise<ScanActivity> {
  return get('/scans/activity', signal);
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
