import type { HostSummary } from '../lib/api/types';

export type HostSortKey = 'worst' | 'name';
export interface HostSort {
  key: HostSortKey;
  descending: boolean;
}

export const DEFAULT_SORT: HostSort = { key: 'worst', descending: true };

const byName = (a: HostSummary, b: HostSummary) =>
  a.name.localeCompare(b.name, undefined, { numeric: true, sensitivity: 'base' });

/** Hosts without a score (never scanned, no units) always go last, whatever the direction. */
export function sortHosts(hosts: readonly HostSummary[], sort: HostSort): HostSummary[] {
  const sign = sort.descending ? -1 : 1;
  return [...hosts].sort((a, b) => {
    if (sort.key === 'name') return sign * byName(a, b);
    const wa = a.worstExposure;
    const wb = b.worstExposure;
    if (wa === null || wb === null) {
      if (wa !== wb) return wa === null ? 1 : -1;
      return byName(a, b);
    }
    return sign * (wa - wb) || byName(a, b);
  });
}

export interface FleetFigures {
  hosts: number;
  hostsOk: number;
  hostsFailing: number;
  neverScanned: number;
  units: number;
  worst: HostSummary | null;
  keyChanged: HostSummary[];
}

export function fleetFigures(hosts: readonly HostSummary[]): FleetFigures {
  let worst: HostSummary | null = null;
  let units = 0;
  let hostsOk = 0;
  let neverScanned = 0;
  for (const host of hosts) {
    units += host.unitCount ?? 0;
    if (host.lastScan === null) neverScanned++;
    else if (host.lastScan.status === 'ok') hostsOk++;
    if (host.worstExposure !== null && (worst === null || host.worstExposure > (worst.worstExposure ?? -1))) {
      worst = host;
    }
  }
  return {
    hosts: hosts.length,
    hostsOk,
    hostsFailing: hosts.length - hostsOk - neverScanned,
    neverScanned,
    units,
    worst,
    keyChanged: hosts.filter((h) => h.lastScan?.status === 'hostkey-changed'),
  };
}
