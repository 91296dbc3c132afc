import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type App, buildApp } from '../../server/http/app.js';
import { csvCell } from '../../server/http/csv.js';
import { type Db, openDb } from '../../server/store/db.js';
import { syncInventory } from '../../server/store/hosts.js';
import { isoWeek, trendSlots } from '../../server/store/queries/days.js';
import { distributionOf } from '../../server/store/queries/distribution.js';
import { emptyHistogram } from '../../server/store/rollups.js';
import { saveScan } from '../../server/store/scans.js';
import { bearer } from '../support/auth.js';
import { startFleetApp } from '../support/fleet-app.js';
import { type Fleet, fleetUnit, HOSTILE, MINUS, NOW } from '../support/fleet-data.js';
import { okScan } from '../support/scan-results.js';

/** Split a CSV document (RFC 4180) into rows of cells. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += c;
  }
  assert.equal(cell + row.join(''), '', 'CSV ends with CRLF');
  return rows;
}

describe('fleet API', () => {
  let db: Db;
  let app: App;
  let fleet: Fleet;
  // Reads as a viewer token: the API has no unauthenticated data.
  let viewer: { authorization: string };
  const get = (url: string, headers: Record<string, string> = {}) =>
    app.inject({ url, headers: { ...viewer, ...headers } });
  const json = async (url: string) => {
    const res = await get(url);
    assert.equal(res.statusCode, 200, `${url}: ${res.body}`);
    return res.json();
  };
  const csv = async (url: string, headers: Record<string, string> = {}) => {
    const res = await get(url, headers);
    assert.equal(res.statusCode, 200, `${url}: ${res.body}`);
    assert.equal(res.headers['content-type'], 'text/csv; charset=utf-8');
    assert.match(String(res.headers['content-disposition']), /^attachment; filename="[a-z0-9-]+\.csv"$/);
    return parseCsv(res.body);
  };

  let close: () => Promise<void>;
  before(async () => {
    ({ db, fleet, app, viewer, close } = await startFleetApp('fleet-api'));
  });
  after(() => close());

  test('overview: hosts by status, units, median/p90/worst, bands; retired hosts left out', async () => {
    const body = await json('/api/v1/fleet/overview');
    assert.equal(body.hosts.total, 5, 'web-1, web-2, db-1, dev-1, new-1; old-1 is retired');
    assert.equal(body.hosts.neverScanned, 1);
    assert.equal(body.hosts.withUnits, 4);
    const byStatus = Object.fromEntries(
      body.hosts.byStatus.map((s: { status: string; hosts: number }) => [s.status, s.hosts]),
    );
    assert.equal(byStatus.ok, 3);
    assert.equal(byStatus.unreachable, 1, 'web-2 failed last; its units still count');
    assert.equal(byStatus.timeout, 0);
    // 50 62 73 73 80 | 85 96 96 96 100
    assert.equal(body.units, 10);
    assert.deepEqual(body.exposure, {
      units: 10,
      median: 8.3,
      p90: 9.6,
      worst: 10,
      bands: { PERFECT: 0, SAFE: 0, OK: 0, MEDIUM: 4, EXPOSED: 2, UNSAFE: 3, DANGEROUS: 1 },
    });
    assert.equal(body.lastScanAt, '2026-11-20T10:00:00.000Z');
  });

  test('overview: labels filter hosts, repeated labels must all match', async () => {
    const prod = await json('/api/v1/fleet/overview?label=env=prod');
    assert.equal(prod.hosts.total, 4);
    assert.equal(prod.units, 8);
    assert.equal(prod.exposure.median, 8.3);
    assert.equal(prod.exposure.p90, 10);
    const web = await json('/api/v1/fleet/overview?label=env=prod&label=role=web');
    assert.deepEqual(web.labels, ['env=prod', 'role=web']);
    assert.equal(web.hosts.total, 2);
    assert.equal(web.units, 6);
    assert.equal(web.exposure.median, 8.8);
    const none = await json('/api/v1/fleet/overview?label=env=nowhere');
    assert.equal(none.hosts.total, 0);
    assert.equal(none.exposure.median, null);
    const rows = await csv('/api/v1/fleet/overview?format=csv&label=env=prod');
    assert.deepEqual(rows[0], ['section', 'key', 'value']);
    assert.deepEqual(
      rows.find((r) => r[0] === 'exposure' && r[1] === 'median'),
      ['exposure', 'median', '8.3'],
    );
    assert.deepEqual(
      rows.find((r) => r[0] === 'band' && r[1] === 'DANGEROUS'),
      ['band', 'DANGEROUS', '1'],
    );
  });

  test('fleet trend: carry-forward by day, the last point is the overview', async () => {
    const body = await json('/api/v1/fleet/trend?days=30');
    assert.equal(body.label, null);
    assert.equal(body.to, '2026-11-20');
    assert.equal(body.points.length, 30);
    const at = (day: string) => body.points.find((p: { day: string }) => p.day === day);
    assert.equal(body.points[0].day, '2026-10-22');
    assert.deepEqual([at('2026-10-31').hosts, at('2026-10-31').exposure.units], [0, 0]);
    assert.equal(at('2026-10-31').exposure.median, null);
    // Nov 1: 11 units on 5 hosts, median 8.5. Nov 3 has no row: Nov 1 carried forward.
    assert.deepEqual([at('2026-11-01').hosts, at('2026-11-01').exposure.units], [5, 11]);
    assert.deepEqual(at('2026-11-03'), { ...at('2026-11-01'), day: '2026-11-03' });
    assert.equal(at('2026-11-01').exposure.median, 8.5);
    assert.equal(at('2026-11-05').exposure.median, 8, 'web-1 hardened nginx');
    assert.equal(at('2026-11-12').hosts, 4, 'old-1 retired');
    const overview = await json('/api/v1/fleet/overview');
    assert.deepEqual(at('2026-11-20').exposure, overview.exposure);
  });

  test('fleet trend: weekly points at the end of each ISO week, label rollups, CSV', async () => {
    const body = await json('/api/v1/fleet/trend?days=30&bucket=week');
    assert.deepEqual(
      body.points.map((p: { day: string; week: string }) => [p.week, p.day]),
      [
        ['2026-W43', '2026-10-25'],
        ['2026-W44', '2026-11-01'],
        ['2026-W45', '2026-11-08'],
        ['2026-W46', '2026-11-15'],
        ['2026-W47', '2026-11-20'],
      ],
    );
    const dev = await json('/api/v1/fleet/trend?days=7&label=env=dev&to=2026-11-16');
    assert.equal(dev.label, 'env=dev');
    assert.deepEqual(
      dev.points.map((p: { exposure: { worst: number } }) => p.exposure.worst),
      [8, 8, 8, 8, 8, 9.6, 9.6],
    );
    // Rollups are per single label: the first is used and the rest reported, not silently dropped.
    const two = await json('/api/v1/fleet/trend?days=7&label=env=prod&label=role=web');
    assert.equal(two.label, 'env=prod');
    assert.deepEqual(two.ignoredLabels, ['role=web']);
    const rows = await csv('/api/v1/fleet/trend?days=7', { accept: 'text/csv' });
    assert.deepEqual(rows[0], [
      'day',
      'week',
      'hosts',
      'units',
      'median',
      'p90',
      'worst',
      'PERFECT',
      'SAFE',
      'OK',
      'MEDIUM',
      'EXPOSED',
      'UNSAFE',
      'DANGEROUS',
    ]);
    assert.equal(rows.length, 8);
    assert.deepEqual(rows[7], [
      '2026-11-20',
      '',
      '4',
      '10',
      '8.3',
      '9.6',
      '10',
      '0',
      '0',
      '0',
      '4',
      '2',
      '3',
      '1',
    ]);
  });

  test('worst units grouped by name: hosts running it, median and worst; pagination walk', async () => {
    const expected = [
      [HOSTILE, 1, 10, 10],
      ['nginx.service', 3, 9.6, 9.6],
      ['ssh.service', 1, 9.6, 9.6],
      ['postgresql.service', 1, 8.5, 8.5],
      ['cron.service', 2, 7.3, 7.3],
      ['redis.service', 1, 6.2, 6.2],
      [MINUS, 1, 5, 5],
    ];
    const all = await json('/api/v1/fleet/units');
    assert.deepEqual(
      all.units.map((u: { unit: string; hosts: number; median: number; worst: number }) => [
        u.unit,
        u.hosts,
        u.median,
        u.worst,
      ]),
      expected,
    );
    assert.equal(all.nextCursor, null);
    const walked: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: { units: { unit: string }[]; nextCursor: string | null } = await json(
        `/api/v1/fleet/units?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      walked.push(...page.units.map((u) => u.unit));
      cursor = page.nextCursor;
      pages++;
    } while (cursor !== null);
    assert.equal(pages, 4);
    assert.deepEqual(
      walked,
      expected.map((e) => e[0]),
    );
    const dev = await json('/api/v1/fleet/units?label=env=dev');
    assert.deepEqual(
      dev.units.map((u: { unit: string }) => u.unit),
      ['nginx.service', MINUS],
    );
  });

  test('CSV: every row, header, quoting, and no live formulas from host data', async () => {
    const rows = await csv('/api/v1/fleet/units?format=csv&limit=1');
    assert.deepEqual(rows[0], ['unit', 'hosts', 'median', 'worst', 'predicate']);
    assert.equal(rows.length, 8, 'a header and all 7 rows, whatever the limit');
    assert.deepEqual(rows[1], [`'${HOSTILE}`, '1', '10', '10', 'DANGEROUS']);
    assert.deepEqual(rows[7], [`'${MINUS}`, '1', '5', '5', 'MEDIUM']);
    const raw = (await get('/api/v1/fleet/units?format=csv')).body;
    assert.ok(raw.includes(`"'=HYPERLINK(""http://evil"",""x"").service",1,10,10,DANGEROUS\r\n`));
    // Accept decides when format is absent; JSON stays the default.
    assert.equal(
      (await get('/api/v1/fleet/units', { accept: 'text/csv' })).headers['content-type'],
      'text/csv; charset=utf-8',
    );
    for (const accept of ['application/json, text/csv;q=0.5', '*/*', 'text/csv;q=0']) {
      const res = await get('/api/v1/fleet/units', { accept });
      assert.match(String(res.headers['content-type']), /^application\/json/, accept);
      assert.equal(res.headers.vary, 'Accept');
    }
    assert.equal(
      (await get('/api/v1/fleet/units?format=json', { accept: 'text/csv' })).headers['content-type'],
      'application/json; charset=utf-8',
    );
    assert.equal(csvCell('=1+1'), "'=1+1");
    assert.equal(csvCell('@SUM(A1)'), "'@SUM(A1)");
    assert.equal(csvCell('+1'), "'+1");
    assert.equal(csvCell('\t=1'), "'\t=1");
    assert.equal(csvCell('a,b'), '"a,b"');
    assert.equal(csvCell('line\nbreak'), '"line\nbreak"');
    assert.equal(csvCell('say "hi"'), '"say ""hi"""');
    assert.equal(csvCell(-1.6), '-1.6', 'numbers are numbers, not guarded text');
    assert.equal(csvCell(null), '');
  });

  test('worst units per host: worst first, keyset pages, ?unit= drill-down, CSV walks every page', async () => {
    const all = await json('/api/v1/fleet/host-units?limit=1000');
    const pairs = all.units.map((u: { host: string; unit: string; exposure: number }) => [
      u.host,
      u.unit,
      u.exposure,
    ]);
    assert.deepEqual(pairs, [
      ['web-2', HOSTILE, 10],
      ['dev-1', 'nginx.service', 9.6],
      ['web-2', 'nginx.service', 9.6],
      ['web-1', 'ssh.service', 9.6],
      ['db-1', 'postgresql.service', 8.5],
      ['web-1', 'nginx.service', 8],
      ['web-2', 'cron.service', 7.3],
      ['web-1', 'cron.service', 7.3],
      ['db-1', 'redis.service', 6.2],
      ['dev-1', MINUS, 5],
    ]);
    assert.equal(all.units[0].predicate, 'DANGEROUS');
    assert.equal(all.units[0].failing, 6);
    assert.equal(all.units[0].hostId, fleet.ids['web-2']);
    const walked: unknown[] = [];
    let cursor: string | null = null;
    do {
      const page: { units: { host: string; unit: string; exposure: number }[]; nextCursor: string | null } =
        await json(`/api/v1/fleet/host-units?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      assert.ok(page.units.length <= 3);
      walked.push(...page.units.map((u) => [u.host, u.unit, u.exposure]));
      cursor = page.nextCursor;
    } while (cursor !== null);
    assert.deepEqual(walked, pairs);
    const nginx = await json('/api/v1/fleet/host-units?unit=nginx.service&label=role=web');
    assert.deepEqual(
      nginx.units.map((u: { host: string; exposure: number }) => [u.host, u.exposure]),
      [
        ['dev-1', 9.6],
        ['web-2', 9.6],
        ['web-1', 8],
      ],
    );
    // A filter is applied from its hosts or from the hosts it leaves out, whichever list is
    // shorter: both ways give the rows of the filter's hosts.
    const byHosts = (body: { units: { host: string; unit: string }[] }) =>
      body.units.map((u) => `${u.host} ${u.unit}`);
    const dev = await json('/api/v1/fleet/host-units?label=env=dev'); // 1 host of 6: its list
    assert.deepEqual(byHosts(dev), ['dev-1 nginx.service', `dev-1 ${MINUS}`]);
    const prod = await json('/api/v1/fleet/host-units?label=env=prod'); // 4 of 6: the others'
    assert.deepEqual(
      byHosts(prod),
      byHosts(all).filter((row: string) => !row.startsWith('dev-1 ')),
    );
    const prodNginx = await json('/api/v1/fleet/host-units?label=env=prod&unit=nginx.service');
    assert.deepEqual(byHosts(prodNginx), ['web-2 nginx.service', 'web-1 nginx.service']);
    assert.deepEqual(await json('/api/v1/fleet/host-units?unit=nosuch.service'), {
      units: [],
      nextCursor: null,
    });
    const rows = await csv('/api/v1/fleet/host-units?limit=2', { accept: 'text/csv' });
    assert.deepEqual(rows[0], ['hostId', 'host', 'unit', 'exposure', 'predicate', 'failing']);
    assert.equal(rows.length, 11);
  });

  test('directive gaps: units and hosts failing each check, exposure gained if fixed', async () => {
    const body = await json('/api/v1/fleet/directive-gaps');
    assert.equal(body.units, 10);
    assert.equal(body.hosts, 4);
    assert.deepEqual(
      body.gaps.map((g: { check: string; units: number; hosts: number; exposureGain: number }) => [
        g.check,
        g.units,
        g.hosts,
        g.exposureGain,
      ]),
      [
        ['PrivateNetwork', 10, 4, 5],
        ['ProtectSystem', 8, 4, 3.2],
        ['ProtectHome', 7, 3, 2.1],
        ['CapabilityBoundingSet_CAP_SYS_ADMIN', 5, 4, 1.5],
        ['PrivateTmp', 5, 4, 1],
        ['NoNewPrivileges', 4, 3, 0.8],
      ],
    );
    assert.equal(body.gaps[0].name, 'PrivateNetwork=');
    const dev = await json('/api/v1/fleet/directive-gaps?label=env=dev&limit=2');
    assert.deepEqual([dev.units, dev.hosts], [2, 1]);
    assert.deepEqual(
      dev.gaps.map((g: { check: string; units: number }) => [g.check, g.units]),
      [
        ['PrivateNetwork', 2],
        ['ProtectSystem', 1],
      ],
    );
    const next = await json(`/api/v1/fleet/directive-gaps?label=env=dev&limit=2&cursor=${dev.nextCursor}`);
    assert.deepEqual(
      next.gaps.map((g: { check: string }) => g.check),
      ['CapabilityBoundingSet_CAP_SYS_ADMIN', 'ProtectHome'],
      'equal gain and units: by check id',
    );
    const rows = await csv('/api/v1/fleet/directive-gaps?format=csv');
    assert.deepEqual(rows[0], ['check', 'name', 'description', 'units', 'hosts', 'exposureGain']);
    assert.deepEqual(rows[1], [
      'PrivateNetwork',
      'PrivateNetwork=',
      'PrivateNetwork is not set',
      '10',
      '4',
      '5',
    ]);
  });

  test('host trend from its successful scans; unit trend from its intervals', async () => {
    const web1 = fleet.ids['web-1'];
    const host = await json(`/api/v1/hosts/${web1}/trend?days=7`);
    assert.deepEqual(host.host, { id: web1, name: 'web-1' });
    assert.deepEqual(
      host.points.map((p: { day: string; scanId: number; worst: number; median: number }) => [
        p.day,
        p.scanId,
        p.worst,
        p.median,
      ]),
      [
        ['2026-11-14', fleet.scans['web-1']?.[5], 9.6, 8],
        ['2026-11-15', fleet.scans['web-1']?.[5], 9.6, 8],
        ['2026-11-16', fleet.scans['web-1']?.[5], 9.6, 8],
        ['2026-11-17', fleet.scans['web-1']?.[5], 9.6, 8],
        ['2026-11-18', fleet.scans['web-1']?.[5], 9.6, 8],
        ['2026-11-19', fleet.scans['web-1']?.[5], 9.6, 8],
        ['2026-11-20', fleet.scans['web-1']?.[20], 9.6, 8],
      ],
    );
    // web-2's failed scan on Nov 8 changes nothing: its Nov 1 state carries on.
    const web2 = await json(`/api/v1/hosts/${fleet.ids['web-2']}/trend?days=30&bucket=week`);
    assert.deepEqual(
      web2.points.map((p: { week: string; worst: number | null }) => [p.week, p.worst]),
      [
        ['2026-W43', null],
        ['2026-W44', 10],
        ['2026-W45', 10],
        ['2026-W46', 10],
        ['2026-W47', 10],
      ],
    );
    const unit = await json(`/api/v1/hosts/${web1}/units/nginx.service/trend?days=7&to=2026-11-06`);
    assert.deepEqual(
      unit.points.map((p: { day: string; present: boolean; exposure: number | null }) => [
        p.day,
        p.present,
        p.exposure,
      ]),
      [
        ['2026-10-31', false, null],
        ['2026-11-01', true, 9.6],
        ['2026-11-02', true, 9.6],
        ['2026-11-03', true, 9.6],
        ['2026-11-04', true, 9.6],
        ['2026-11-05', true, 8],
        ['2026-11-06', true, 8],
      ],
    );
    const redis = await json(
      `/api/v1/hosts/${fleet.ids['db-1']}/units/redis.service/trend?days=7&to=2026-11-12`,
    );
    assert.deepEqual(
      redis.points.map((p: { present: boolean }) => p.present),
      [false, false, false, false, true, true, true],
      'appeared with the scan of Nov 10',
    );
    const hostile = await json(
      `/api/v1/hosts/${fleet.ids['web-2']}/units/${encodeURIComponent(HOSTILE)}/trend`,
    );
    assert.equal(hostile.unit, HOSTILE);
    const rows = await csv(`/api/v1/hosts/${web1}/trend?days=7&format=csv`);
    assert.deepEqual(rows[0], ['day', 'week', 'scanId', 'units', 'worst', 'median']);
    assert.equal(rows.length, 8);
  });

  test('unit history: intervals newest first with the checks flipped, paged', async () => {
    const dev1 = fleet.ids['dev-1'];
    const first = await json(`/api/v1/hosts/${dev1}/units/nginx.service/history?limit=1`);
    assert.equal(first.intervals.length, 1);
    const [now] = first.intervals;
    assert.deepEqual(now.from, { scanId: fleet.scans['dev-1']?.[15], at: '2026-11-15T10:00:00.000Z' });
    assert.equal(now.to, null);
    assert.equal(now.exposure, 9.6);
    assert.equal(now.predicate, 'UNSAFE');
    assert.deepEqual(
      now.flipped.map((f: { check: string; from: boolean; to: boolean }) => [f.check, f.from, f.to]),
      [
        ['PrivateTmp', true, false],
        ['NoNewPrivileges', true, false],
        ['CapabilityBoundingSet_CAP_SYS_ADMIN', true, false],
      ],
    );
    const second = await json(
      `/api/v1/hosts/${dev1}/units/nginx.service/history?limit=1&cursor=${first.nextCursor}`,
    );
    assert.equal(second.nextCursor, null);
    assert.deepEqual(second.intervals[0].from.scanId, fleet.scans['dev-1']?.[1]);
    assert.deepEqual(second.intervals[0].to.scanId, fleet.scans['dev-1']?.[15]);
    assert.deepEqual(second.intervals[0].flipped, []);
    const rows = await csv(`/api/v1/hosts/${dev1}/units/nginx.service/history?format=csv`);
    assert.deepEqual(rows[0], [
      'fromScan',
      'fromAt',
      'toScan',
      'toAt',
      'exposure',
      'predicate',
      'failing',
      'flipped',
    ]);
    assert.equal(rows.length, 3);
    assert.equal(
      rows[1]?.[7],
      'PrivateTmp yes->no; NoNewPrivileges yes->no; CapabilityBoundingSet_CAP_SYS_ADMIN yes->no',
    );
    // A retired host's history stays readable.
    const old = await json(`/api/v1/hosts/${fleet.ids['old-1']}/units/nginx.service/history`);
    assert.equal(old.intervals.length, 1);
  });

  test('scan diff: by scan ids, by dates, to the latest state', async () => {
    const web1 = fleet.ids['web-1'];
    const byScan = await json(
      `/api/v1/hosts/${web1}/diff?from=${fleet.scans['web-1']?.[1]}&to=${fleet.scans['web-1']?.[20]}`,
    );
    assert.deepEqual(byScan.summary, {
      worse: 0,
      better: 1,
      appeared: 0,
      removed: 0,
      changed: 0,
      unchanged: 2,
    });
    assert.deepEqual(byScan.units[0].unit, 'nginx.service');
    assert.deepEqual([byScan.units[0].from, byScan.units[0].to, byScan.units[0].delta], [9.6, 8, -1.6]);
    assert.equal(byScan.units[0].flipped.length, 3);
    const db1 = await json(`/api/v1/hosts/${fleet.ids['db-1']}/diff?fromDate=2026-11-01&toDate=2026-11-20`);
    assert.deepEqual(db1.from, { scanId: fleet.scans['db-1']?.[1], at: '2026-11-01T10:00:00.000Z' });
    assert.deepEqual(db1.to, { scanId: fleet.scans['db-1']?.[10], at: '2026-11-10T10:00:00.000Z' });
    assert.deepEqual(
      db1.units.map((u: { unit: string; change: string; from: number | null; to: number | null }) => [
        u.unit,
        u.change,
        u.from,
        u.to,
      ]),
      [
        ['redis.service', 'appeared', null, 6.2],
        ['cron.service', 'removed', 7.3, null],
      ],
    );
    const dev = await json(`/api/v1/hosts/${fleet.ids['dev-1']}/diff?fromDate=2026-11-10`);
    assert.deepEqual(dev.summary.worse, 1);
    assert.deepEqual([dev.units[0].unit, dev.units[0].delta], ['nginx.service', 1.6]);
    // Before the first scan there is no state: everything appeared.
    const fromNothing = await json(`/api/v1/hosts/${fleet.ids['dev-1']}/diff?fromDate=2026-10-01`);
    assert.deepEqual(fromNothing.from, { scanId: null, at: null });
    assert.equal(fromNothing.summary.appeared, 2);
    // A failed scan's state is the last successful one's.
    const failed = await json(`/api/v1/hosts/${fleet.ids['web-2']}/diff?from=${fleet.scans['web-2']?.[8]}`);
    assert.deepEqual(failed.units, []);
    assert.equal(failed.summary.unchanged, 3);
    const rows = await csv(`/api/v1/hosts/${web1}/diff?from=${fleet.scans['web-1']?.[1]}&format=csv`);
    assert.deepEqual(rows, [
      ['unit', 'change', 'from', 'to', 'delta', 'flipped'],
      [
        'nginx.service',
        'better',
        '9.6',
        '8',
        '-1.6',
        'PrivateTmp no->yes; NoNewPrivileges no->yes; CapabilityBoundingSet_CAP_SYS_ADMIN no->yes',
      ],
    ]);
  });

  test('bad input is a 400 (or 404) with a precise message, never a 500', async () => {
    const web1 = fleet.ids['web-1'];
    const unitsCursor = (await json('/api/v1/fleet/units?limit=1')).nextCursor;
    const cases: [string, number, RegExp][] = [
      ['/api/v1/fleet/trend?days=8', 400, /querystring: \/days must be equal to one of the allowed values/],
      ['/api/v1/fleet/trend?bucket=month', 400, /\/bucket/],
      ['/api/v1/fleet/trend?to=2026-02-30', 400, /\/to must match format "date"/],
      ['/api/v1/fleet/trend?to=yesterday', 400, /\/to must match format "date"/],
      ['/api/v1/fleet/units?limit=0', 400, /\/limit must be >= 1/],
      ['/api/v1/fleet/units?limit=1001', 400, /\/limit must be <= 1000/],
      ['/api/v1/fleet/units?limit=ten', 400, /\/limit must be integer/],
      ['/api/v1/fleet/units?cursor=not*base64', 400, /\/cursor must match pattern/],
      ['/api/v1/fleet/units?cursor=abc', 400, /invalid cursor: not a cursor this API made/],
      [`/api/v1/fleet/host-units?cursor=${unitsCursor}`, 400, /invalid cursor: it belongs to another list/],
      [
        `/api/v1/fleet/units?cursor=${Buffer.from('["units",1]').toString('base64url')}`,
        400,
        /invalid cursor: malformed sort key/,
      ],
      ['/api/v1/fleet/units?format=xml', 400, /\/format must be equal to one of the allowed values/],
      ['/api/v1/fleet/overview?label=', 400, /\/label\/0 must NOT have fewer than 1 characters/],
      [`/api/v1/fleet/overview?${'label=a&'.repeat(17)}`, 400, /\/label must NOT have more than 16 items/],
      [`/api/v1/hosts/${web1}/diff`, 400, /give from \(a scan id\) or fromDate/],
      [`/api/v1/hosts/${web1}/diff?from=1&fromDate=2026-11-01`, 400, /not both/],
      [`/api/v1/hosts/${web1}/diff?from=abc`, 400, /\/from must be integer/],
      [`/api/v1/hosts/${web1}/diff?from=${fleet.scans['web-2']?.[1]}`, 404, /host \d+ has no scan \d+/],
      ['/api/v1/hosts/99999/diff?from=1', 404, /no host with id 99999/],
      ['/api/v1/hosts/99999/trend', 404, /no host with id 99999/],
      ['/api/v1/hosts/0/trend', 400, /must be >= 1/],
      [`/api/v1/hosts/${web1}/units/nosuch.service/history`, 404, /never ran a unit "nosuch.service"/],
      [`/api/v1/hosts/${web1}/units/redis.service/trend`, 404, /never ran a unit "redis.service"/],
      // An encoded slash stays in the unit name: no other route is reached.
      [`/api/v1/hosts/${web1}/units/a%2Ftrend/history`, 404, /never ran a unit "a\/trend"/],
    ];
    for (const [url, status, message] of cases) {
      const res = await get(url);
      assert.equal(res.statusCode, status, `${url}: ${res.body}`);
      assert.equal(res.json().statusCode, status);
      assert.match(res.json().message, message, url);
    }
  });

  test('OpenAPI document at /api/v1/openapi.json and its UI at /api/docs', async () => {
    const doc = await json('/api/v1/openapi.json');
    assert.match(doc.openapi, /^3\.1\./);
    for (const path of [
      '/api/v1/fleet/overview',
      '/api/v1/fleet/trend',
      '/api/v1/fleet/units',
      '/api/v1/fleet/host-units',
      '/api/v1/fleet/directive-gaps',
      '/api/v1/hosts/{id}/trend',
      '/api/v1/hosts/{id}/units/{unit}/trend',
      '/api/v1/hosts/{id}/units/{unit}/history',
      '/api/v1/hosts/{id}/diff',
      '/api/v1/hosts',
    ]) {
      assert.ok(doc.paths[path]?.get, path);
    }
    const units = doc.paths['/api/v1/fleet/units'].get;
    assert.deepEqual(Object.keys(units.responses['200'].content), ['application/json', 'text/csv']);
    assert.deepEqual(
      units.parameters.map((p: { name: string; required: boolean }) => [p.name, p.required]),
      [
        ['label', false],
        ['limit', false],
        ['cursor', false],
        ['format', false],
      ],
    );
    assert.equal(doc.paths['/metrics'], undefined);
    const ui = await get('/api/docs/');
    assert.equal(ui.statusCode, 200);
    assert.match(String(ui.headers['content-type']), /^text\/html/);
    assert.equal((await get('/api/docs/json')).json().openapi, doc.openapi);
  });

  test('Prometheus metrics: per host, the worst units, scan statuses and durations', async () => {
    const res = await app.inject({ url: '/metrics', headers: bearer(db, 'metrics', 'prometheus') });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    const text = res.body;
    const has = (line: string) => assert.ok(text.split('\n').includes(line), `missing: ${line}`);
    has('unitscore_host_exposure_worst{host="web-1"} 9.6');
    has('unitscore_host_exposure_median{host="web-1"} 8');
    has('unitscore_host_exposure_worst{host="web-2"} 10');
    has('unitscore_host_units{host="db-1"} 2');
    has('unitscore_unit_exposure{host="web-2",unit="=HYPERLINK(\\"http://evil\\",\\"x\\").service"} 10');
    has('unitscore_unit_exposure{host="dev-1",unit="-2+3.service"} 5');
    has('unitscore_hosts_by_last_scan_status{status="ok"} 3');
    has('unitscore_hosts_by_last_scan_status{status="unreachable"} 1');
    has('unitscore_hosts_by_last_scan_status{status="never"} 1');
    has('unitscore_scans_last_24h{status="ok"} 1');
    has('unitscore_host_last_scan_duration_seconds{host="web-2"} 0.2');
    has('unitscore_host_last_scan_duration_seconds{host="web-1"} 1.5');
    assert.ok(!text.includes('old-1'), 'retired hosts leave the metrics');
    assert.ok(!text.includes('new-1'), 'a host never scanned has no exposure or scan series');
    assert.match(text, /# HELP unitscore_unit_exposure .*100 worst units fleet-wide only/);
  });
});

test('metrics: per-unit series are bounded to the 100 worst; each app has its own registry', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'unitscore-fleet-metrics-'));
  const db = openDb(join(dir, 'metrics.db'));
  try {
    const ids = syncInventory(db, [{ name: 'big', address: '10.0.0.9', port: 22, user: 's', labels: [] }]);
    const units = Array.from({ length: 150 }, (_, i) =>
      fleetUnit(`u${i}.service`, i % 101, ['PrivateNetwork']),
    );
    saveScan(db, ids.get('big') as number, okScan(units, new Date(NOW - 3_600_000)));
    const apps = [
      await buildApp({ db, version: 't', demo: false, webDir: null, now: () => NOW }),
      await buildApp({ db, version: 't', demo: false, webDir: null, now: () => NOW }),
    ];
    const prometheus = bearer(db, 'metrics');
    for (const app of apps) {
      const text = (await app.inject({ url: '/metrics', headers: prometheus })).body;
      const series = text.split('\n').filter((l) => l.startsWith('unitscore_unit_exposure{'));
      assert.equal(series.length, 100);
      assert.ok(series.includes('unitscore_unit_exposure{host="big",unit="u100.service"} 10'));
      assert.ok(!series.some((l) => l.endsWith(' 0')), 'the best ones are left out');
      await app.close();
    }
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('calendar and statistics helpers', () => {
  assert.equal(isoWeek('2026-11-20'), '2026-W47');
  assert.equal(isoWeek('2027-01-01'), '2026-W53', '2026 starts on a Thursday: 53 weeks');
  assert.equal(isoWeek('2024-12-30'), '2025-W01');
  assert.equal(isoWeek('2021-01-03'), '2020-W53');
  assert.deepEqual(trendSlots('2026-11-20', 7, 'week'), [
    { day: '2026-11-15', week: '2026-W46' },
    { day: '2026-11-20', week: '2026-W47' },
  ]);
  assert.equal(trendSlots('2026-11-20', 365, 'day').length, 365);
  const h = emptyHistogram();
  h[10] = 1;
  h[20] = 1;
  assert.deepEqual(
    [distributionOf(h).median, distributionOf(h).p90],
    [15, 20],
    'median of two rounds the mean up; p90 is nearest rank',
  );
  const one = emptyHistogram();
  one[96] = 1;
  assert.deepEqual(
    { ...distributionOf(one), bands: undefined },
    { units: 1, median: 96, p90: 96, worst: 96, bands: undefined },
  );
});
