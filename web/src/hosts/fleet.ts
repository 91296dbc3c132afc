import type { FleetOverviewResponse, HostSortKey, HostSummary, HostsPageQuery } from '../lib/api/types';

export type { HostSortKey };
export interface HostSort {
  key: HostSortKey;
  descending: boolean;
}

export const DEFAULT_SORT: HostSort = { key: 'worst', descending: true };

export const isDefaultSort = (sort: HostSort): boolean =>
  sort.key === DEFAULT_SORT.key && sort.descending === DEFAULT_SORT.descending;

/** The sort as the API takes it (it sorts; hosts without a score go last either way). */
export const sortQuery = (sort: HostSort): Pick<HostsPageQuery, 'sort' | 'order'> => ({
  sort: sort.key,
  order: sort.descending ? 'desc' : 'asc',
});

export interface FleetFigures {
  hosts: number;
  hostsOk: number;
  hostsFailing: number;
  neverScanned: number;
  units: number;
  worst: HostSummary | null;
}

/**
 * The strip above the table, for the whole filter however few hosts are shown: counts from the
 * fleet overview, the worst host from the first host worst first.
 */
export function fleetFigures(overview: FleetOverviewResponse, worst: HostSummary | null): FleetFigures {
  const { total, byStatus, neverScanned } = overview.hosts;
  const hostsOk = byStatus.find((s) => s.status === 'ok')?.hosts ?? 0;
  return {
    hosts: total,
    hostsOk,
    hostsFailing: total - hostsOk - neverScanned,
    neverScanned,
    units: overview.units,
    worst: worst?.worstExposure === null ? null : worst,
  };
}

/** How many hosts of the filter have the status on their last scan. */
export const hostsWithStatus = (overview: FleetOverviewResponse, status: string): number =>
  overview.hosts.byStatus.find((s) => s.status === status)?.hosts ?? 0;
