import { PREDICATES } from '../../server/analyze/model.js';
import { predicateFor } from '../../server/analyze/numbers.js';
import { SCAN_STATUSES } from '../../server/collect/status.js';
import type { Db } from '../../server/store/db.js';
import {
  compareGaps,
  type DirectiveGap,
  type DirectiveGaps,
} from '../../server/store/queries/directive-gaps.js';
import type { Distribution } from '../../server/store/queries/distribution.js';
import { exposureGainIfFixed } from '../../server/store/queries/exposure-gain.js';
import type { Overview } from '../../server/store/queries/overview.js';
import { compareGroups, type UnitGroup } from '../../server/store/queries/worst-units.js';
import { decodeChecks, median } from '../../server/store/scans.js';

// The fleet aggregates computed the plain way, from scratch, straight from the tables: every
// current unit read and sorted, no histograms, no memory of earlier requests. What the live
// aggregates (kept in memory, changed host by host) must always equal.

interface Row {
  hostId: number;
  unit: string;
  exposure: number | null;
  checks: string;
}

/** The hosts a label filter selects, as a JSON array: the labels tested in SQL. */
const selected = (db: Db, labels: readonly string[]): string =>
  JSON.stringify(
    db
      .prepare(`SELECT id FROM hosts h WHERE retired_at IS NULL AND NOT EXISTS
        (SELECT 1 FROM json_each(?) l WHERE l.value NOT IN (SELECT value FROM json_each(h.labels)))`)
      .pluck()
      .all(JSON.stringify(labels)),
  );

function currentUnits(db: Db, ids: string): Row[] {
  return db
    .prepare(`SELECT i.host_id AS hostId, n.name AS unit, i.exposure, a.checks FROM unit_intervals i
      JOIN unit_names n ON n.id = i.unit_id JOIN assessments a ON a.id = i.assessment_id
      WHERE i.to_scan IS NULL AND i.host_id IN (SELECT value FROM json_each(?))`)
    .all(ids) as Row[];
}

function distribution(exposures: number[]): Distribution {
  const sorted = [...exposures].sort((a, b) => a - b);
  const bands = Object.fromEntries(PREDICATES.map((p) => [p, 0])) as Distribution['bands'];
  for (const e of sorted) bands[predicateFor(e)]++;
  if (sorted.length === 0) return { units: 0, median: null, p90: null, worst: null, bands };
  return {
    units: sorted.length,
    median: median(sorted),
    p90: sorted[Math.ceil(0.9 * sorted.length) - 1] ?? null,
    worst: sorted[sorted.length - 1] ?? null,
    bands,
  };
}

export function referenceOverview(db: Db, labels: readonly string[]): Overview {
  const ids = JSON.parse(selected(db, labels)) as number[];
  const last = db.prepare(
    'SELECT status, started_at AS at FROM scans WHERE host_id = ? ORDER BY id DESC LIMIT 1',
  );
  const ok = db.prepare("SELECT count(*) FROM scans WHERE host_id = ? AND status = 'ok'").pluck();
  const scans = ids
    .map((id) => last.get(id) as { status: string; at: number } | undefined)
    .filter((s) => s !== undefined);
  const units = currentUnits(db, JSON.stringify(ids));
  return {
    hosts: {
      total: ids.length,
      byStatus: SCAN_STATUSES.map((status) => ({
        status,
        hosts: scans.filter((s) => s.status === status).length,
      })),
      neverScanned: ids.length - scans.length,
      withUnits: ids.filter((id) => (ok.get(id) as number) > 0).length,
    },
    units: units.length,
    exposure: distribution(units.flatMap((u) => (u.exposure === null ? [] : [u.exposure]))),
    lastScanAt: scans.length === 0 ? null : Math.max(...scans.map((s) => s.at)),
  };
}

export function referenceGroups(db: Db, labels: readonly string[]): UnitGroup[] {
  const byUnit = new Map<string, Row[]>();
  for (const row of currentUnits(db, selected(db, labels))) {
    byUnit.set(row.unit, [...(byUnit.get(row.unit) ?? []), row]);
  }
  return [...byUnit]
    .map(([unit, rows]) => {
      const d = distribution(rows.flatMap((u) => (u.exposure === null ? [] : [u.exposure])));
      return { unit, hosts: rows.length, median: d.median, worst: d.worst };
    })
    .sort(compareGroups);
}

export function referenceGaps(db: Db, labels: readonly string[]): DirectiveGaps {
  const units = currentUnits(db, selected(db, labels));
  const gaps = new Map<string, DirectiveGap & { hostIds: Set<number> }>();
  for (const u of units) {
    const checks = decodeChecks(u.checks);
    for (const c of checks.filter((c) => c.set === false)) {
      const gap = gaps.get(c.id) ?? {
        check: c.id,
        name: c.name,
        description: c.description,
        units: 0,
        hosts: 0,
        exposureGain: 0,
        hostIds: new Set<number>(),
      };
      gap.units++;
      gap.exposureGain += exposureGainIfFixed(checks, c.id);
      gap.hostIds.add(u.hostId);
      gaps.set(c.id, gap);
    }
  }
  return {
    gaps: [...gaps.values()].map(({ hostIds, ...g }) => ({ ...g, hosts: hostIds.size })).sort(compareGaps),
    units: units.length,
    hosts: new Set(units.map((u) => u.hostId)).size,
  };
}

/** The first (host, unit) pairs with an exposure, worst first, as their keys. */
export function referenceHostUnitKeys(db: Db, labels: readonly string[], limit: number): number[][] {
  return db
    .prepare(`SELECT exposure, host_id, unit_id FROM unit_intervals
      WHERE to_scan IS NULL AND exposure IS NOT NULL AND host_id IN (SELECT value FROM json_each(?))
      ORDER BY exposure DESC, host_id DESC, unit_id DESC LIMIT ?`)
    .raw()
    .all(selected(db, labels), limit) as number[][];
}
