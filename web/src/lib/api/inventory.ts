// The inventory (admins): the hosts the config file defines and those added here. Shapes mirror
// server/http/schemas.ts (NewHostBody, HostPatchBody, HostSummary).
import { getEveryHost, request } from './client';
import type { HostSummary } from './types';

/** A new host, as the config file's `hosts:` entry would say it. */
export interface NewHost {
  name: string;
  address: string;
  port?: number;
  user?: string;
  labels?: string[];
  identityFile?: string;
  intervalMinutes?: number;
  trustOnFirstUse?: boolean;
  jump?: string[];
}

/** A change: the keys given replace the host's; null drops one (back to the default). */
export type HostPatch = { [K in Exclude<keyof NewHost, 'name'>]?: NewHost[K] | null };

/** Every active host by name, the config file's and the API's. */
export function getInventory(signal?: AbortSignal): Promise<HostSummary[]> {
  return getEveryHost([], { sort: 'name' }, signal);
}

export function addHost(host: NewHost): Promise<HostSummary> {
  return request('POST', '/hosts', { body: host });
}

export function changeHost(id: number, patch: HostPatch): Promise<HostSummary> {
  return request('PATCH', `/hosts/${encodeURIComponent(id)}`, { body: patch });
}

/** Retires the host: its history stays, it is no longer listed or scanned. */
export function removeHost(id: number): Promise<HostSummary> {
  return request('DELETE', `/hosts/${encodeURIComponent(id)}`);
}
