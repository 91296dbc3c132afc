import type { FleetOverviewResponse, ScanStatus } from '../lib/api/types';

/** The statuses some host is in, ok first, then most hosts first; "never scanned" is null. */
export function statusCounts(
  hosts: FleetOverviewResponse['hosts'],
): { status: ScanStatus | null; hosts: number }[] {
  const counts: { status: ScanStatus | null; hosts: number }[] = hosts.byStatus.filter((s) => s.hosts > 0);
  if (hosts.neverScanned > 0) counts.push({ status: null, hosts: hosts.neverScanned });
  return counts.sort((a, b) => Number(b.status === 'ok') - Number(a.status === 'ok') || b.hosts - a.hosts);
}
