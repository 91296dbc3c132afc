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

async function get<T>(path: string, signal?: AbortSignal): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`${BASE}${path}`, { headers: { accept: 'application/json' }, signal });
  } catch (err) {
    if (signal?.aborted) throw err;
    throw new ApiRequestError(0, 'Cannot reach the unitscore server.');
  }
  const body: unknown = await res.json().catch(() => null);
  if (!res.ok) {
    const message = isApiError(body) ? body.message : `${res.status} ${res.statusText}`.trim();
    throw new ApiRequestError(res.status, message);
  }
  if (body === null) throw new ApiRequestError(res.status, 'The server sent a response that is not JSON.');
  return body as T;
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
