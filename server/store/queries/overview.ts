import { SCAN_STATUSES, type ScanStatus } from '../../collect/status.js';
import type { Db } from '../db.js';
import { DataGeneration, GenerationMemo, labelsKey } from '../generation.js';
import { type Distribution, distributionOf } from './distribution.js';
import { type HostState, LiveHosts, NO_EXPOSURE } from './live-hosts.js';
import { type LiveSelection, LiveSelections, type Tally } from './live-selection.js';

export interface Overview {
  hosts: {
    total: number;
    /** By the status of each host's latest scan, every status listed. */
    byStatus: { status: ScanStatus; hosts: number }[];
    neverScanned: number;
    /** Hosts whose units are counted: those with a successful scan. */
    withUnits: number;
  };
  /** Current units, with or without an exposure. */
  units: number;
  exposure: Distribution;
  lastScanAt: number | null;
}

/** Units by exposure (index 0…100, tenths; 101: units without one) of the hosts counted. */
class ExposureTally implements Tally {
  readonly histogram = new Int32Array(102);

  add(host: HostState, sign: 1 | -1): void {
    const h = this.histogram;
    for (const e of host.exposures) {
      const bucket = e === NO_EXPOSURE ? 101 : e;
      h[bucket] = (h[bucket] as number) + sign;
    }
  }
}

/**
 * Fleet screen: where the (labelled) fleet stands now. Each host's current units and latest
 * scan are kept in memory (LiveHosts) and summed per label filter as they change, so a request
 * after a scan costs that host, not the fleet.
 */
export class OverviewQuery {
  private readonly memo: GenerationMemo<Overview>;
  private readonly selections: LiveSelections<ExposureTally>;

  constructor(db: Db, live = new LiveHosts(db)) {
    this.memo = new GenerationMemo(new DataGeneration(db));
    this.selections = new LiveSelections(live, () => new ExposureTally());
  }

  /** The overview of the hosts carrying every label; the same object until the data changes. */
  run(labels: readonly string[]): Overview {
    const key = labelsKey(labels);
    return this.memo.get(key, () => this.read(this.selections.get(key, labels)));
  }

  private read(selection: LiveSelection<ExposureTally>): Overview {
    const hosts = selection.sync();
    const counts = new Map<ScanStatus, number>();
    let scanned = 0;
    let withUnits = 0;
    let lastScanAt: number | null = null;
    for (const host of hosts.values()) {
      if (host.hasOk) withUnits++;
      if (host.last === null) continue;
      scanned++;
      counts.set(host.last.status, (counts.get(host.last.status) ?? 0) + 1);
      lastScanAt = Math.max(lastScanAt ?? host.last.startedAt, host.last.startedAt);
    }
    const counts101 = Array.from(selection.tally.histogram);
    const unscored = counts101.pop() ?? 0;
    return {
      hosts: {
        total: hosts.size,
        byStatus: SCAN_STATUSES.map((status) => ({ status, hosts: counts.get(status) ?? 0 })),
        neverScanned: hosts.size - scanned,
        withUnits,
      },
      units: counts101.reduce((sum, n) => sum + n, unscored),
      exposure: distributionOf(counts101),
      lastScanAt,
    };
  }
}
