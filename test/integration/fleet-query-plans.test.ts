import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type Db, openDb } from '../../server/store/db.js';
import { DataGeneration } from '../../server/store/generation.js';
import { HostPages } from '../../server/store/host-pages.js';
import { type FleetQueries, fleetQueries } from '../../server/store/queries/index.js';
import { buildFleet } from '../support/fleet-data.js';

// Every query a fleet screen depends on must reach unit_intervals and scans through an index:
// a plan change (a dropped index, a rewritten query) fails here instead of turning a screen
// into a walk over years of history. STYLE.md "SQL".

// unit_intervals and scans, under the aliases the queries give them.
const LARGE = new Set(['unit_intervals', 'scans', 'i', 's', 'l', 'o', 'f', 't']);

function plan(db: Db, sql: string): string[] {
  const params = (sql.match(/\?/g) ?? []).map(() => 1);
  // Named parameters (@name) bound by name, each 1 too.
  const named = Object.fromEntries([...sql.matchAll(/@(\w+)/g)].map((m) => [m[1], 1]));
  const args = Object.keys(named).length > 0 ? [...params, named] : params;
  return (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...args) as { detail: string }[]).map((r) => r.detail);
}

/**
 * No plain SCAN of a large table: a SCAN is allowed only over a current-rows index that holds
 * what the query reads (the fleet aggregates read every current unit, never the history).
 */
function assertIndexed(name: string, lines: string[], expect: { uses: string[]; sorts?: boolean }): void {
  const detail = `${name}:\n  ${lines.join('\n  ')}`;
  for (const line of lines) {
    const scanned = /^SCAN (\w+)/.exec(line)?.[1];
    if (scanned && LARGE.has(scanned)) {
      assert.match(
        line,
        /USING COVERING INDEX unit_intervals_current_/,
        `full scan of ${scanned} in ${detail}`,
      );
    }
  }
  for (const index of expect.uses) {
    const line = lines.find((l) => l.includes(`INDEX ${index} `) || l.endsWith(`INDEX ${index}`));
    assert.ok(line, `${index} not used in ${detail}`);
    // The fleet aggregates read only the current-rows indexes, never the table's rows.
    if (index.startsWith('unit_intervals_current_') && !name.startsWith('hostUnits')) {
      assert.match(line, /COVERING INDEX/, `${index} not covering in ${detail}`);
    }
  }
  if (expect.sorts === false) {
    assert.ok(!lines.some((l) => l.includes('TEMP B-TREE')), `sorts in ${detail}`);
  }
}

describe('fleet query plans', () => {
  const dir = mkdtempSync(join(tmpdir(), 'unitscore-fleet-plans-'));
  let db: Db;
  let q: FleetQueries;
  before(() => {
    db = openDb(join(dir, 'plans.db'));
    buildFleet(db);
    q = fleetQueries(db);
  });
  after(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("live hosts: revisions of every host, then the changed hosts' latest scan and current units", () => {
    const revisions = plan(db, q.live.sql.revisions);
    assert.deepEqual(
      revisions.filter((l) => !/^SCAN hosts\b/.test(l)),
      [],
      `revisions read more than the hosts table:\n  ${revisions.join('\n  ')}`,
    );
    assertIndexed('states', plan(db, q.live.sql.states), { uses: ['scans_by_host'] });
    // Grouped by host in index order: no sort, even of the whole fleet's units at start.
    assertIndexed('units', plan(db, q.live.sql.units), {
      uses: ['unit_intervals_current_by_host'],
      sorts: false,
    });
  });

  test('hosts list: each page walks the index of its order from the cursor, never sorts the fleet', () => {
    const pages = new HostPages(db);
    const index: Record<string, string> = {
      'worst-desc': 'hosts_active_worst_first',
      'worst-asc': 'hosts_active_best_first',
      'name-asc': 'hosts_active_by_name',
      'name-desc': 'hosts_active_by_name',
    };
    for (const [sort, sql] of Object.entries(pages.sql)) {
      for (const [which, text] of Object.entries(sql)) {
        const lines = plan(db, text);
        const name = `hosts ${sort} ${which}`;
        assertIndexed(name, lines, { uses: ['scans_by_host', 'scans_ok_by_host'], sorts: false });
        const walk = lines.find((l) => / h USING (COVERING )?INDEX /.test(l));
        assert.ok(
          walk?.includes(`INDEX ${index[sort]}`),
          `${name} does not walk ${index[sort]}:\n  ${lines.join('\n  ')}`,
        );
        // After a cursor the walk starts at the cursor's key instead of the index's start.
        if (which === 'after') assert.match(walk ?? '', /^SEARCH h /, `${name} scans from the start`);
      }
    }
  });

  test('trends', () => {
    for (const sql of [q.trends.sql.rollups, q.trends.sql.rollupBefore]) {
      assert.ok(plan(db, sql).every((l) => l.startsWith('SEARCH label_daily USING PRIMARY KEY')));
    }
    assertIndexed('hostScans', plan(db, q.trends.sql.hostScans), {
      uses: ['scans_ok_by_host_time'],
      sorts: false,
    });
    assertIndexed('hostScanBefore', plan(db, q.trends.sql.hostScanBefore), {
      uses: ['scans_ok_by_host_time'],
      sorts: false,
    });
    assertIndexed('unitIntervals', plan(db, q.trends.sql.unitIntervals), {
      uses: ['unit_intervals_by_host_unit'],
      sorts: false,
    });
  });

  test('worst units: pages of (host, unit) pairs walked in index order', () => {
    assertIndexed('hostUnits', plan(db, q.worstUnits.sql.hostUnits), {
      uses: ['unit_intervals_current_by_exposure'],
      sorts: false,
    });
    assertIndexed('hostUnitsOfUnit', plan(db, q.worstUnits.sql.hostUnitsOfUnit), {
      uses: ['unit_intervals_current_by_unit'],
      sorts: false,
    });
    // The same walks when the hosts left out are the shorter list.
    assertIndexed('hostUnitsExcept', plan(db, q.worstUnits.sql.hostUnitsExcept), {
      uses: ['unit_intervals_current_by_exposure'],
      sorts: false,
    });
    assertIndexed('hostUnitsOfUnitExcept', plan(db, q.worstUnits.sql.hostUnitsOfUnitExcept), {
      uses: ['unit_intervals_current_by_unit'],
      sorts: false,
    });
  });

  test('unit history and scan diff', () => {
    assertIndexed('history', plan(db, q.history.sql), {
      uses: ['unit_intervals_by_host_unit'],
      sorts: false,
    });
    assertIndexed('state', plan(db, q.diff.sql.state), { uses: ['unit_intervals_by_host_unit'] });
    assertIndexed('lastOkBefore', plan(db, q.diff.sql.lastOkBefore), {
      uses: ['scans_ok_by_host_time'],
      sorts: false,
    });
    assertIndexed('lastOk', plan(db, q.diff.sql.lastOk), { uses: ['scans_ok_by_host'], sorts: false });
  });

  test('metrics', () => {
    assertIndexed('hosts', plan(db, q.metrics.sql.hosts), { uses: ['scans_by_host', 'scans_ok_by_host'] });
    assertIndexed('worstUnits', plan(db, q.metrics.sql.worstUnits), {
      uses: ['unit_intervals_current_by_exposure'],
      sorts: false,
    });
    assertIndexed('recentScans', plan(db, q.metrics.sql.recentScans), { uses: ['scans_by_time'] });
  });

  test('the data generation every memoised screen reads first touches no table', () => {
    const lines = plan(db, new DataGeneration(db).sql);
    assert.ok(
      lines.every((l) => !/\b(SCAN|SEARCH) (?!pragma_data_version\b|CONSTANT ROW)\w+/.test(l)),
      `reads a table:\n  ${lines.join('\n  ')}`,
    );
  });

  test('the check itself catches a full scan', () => {
    assert.throws(
      () =>
        assertIndexed('bad', plan(db, 'SELECT count(*) FROM unit_intervals WHERE exposure > 0'), {
          uses: [],
        }),
      /full scan of unit_intervals/,
    );
  });
});
