import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { analyzeReport } from '../../server/analyze/analyze-report.js';
import { interpretReport, type ScanResult } from '../../server/collect/scan-host.js';
import { loadDemoReports, personalise } from '../../server/demo/fleet.js';
import { openDb } from '../../server/store/db.js';
import { syncInventory } from '../../server/store/hosts.js';
import { housekeep, housekeepingSteps } from '../../server/store/housekeeping.js';
import { rebuildRollups, reparse } from '../../server/store/reparse.js';
import { normaliseReport, reportDigest } from '../../server/store/report-digest.js';
import { ScanWriter, saveScan } from '../../server/store/scans.js';

const dir = mkdtempSync(join(tmpdir(), 'unitscore-reparse-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const reports = loadDemoReports();
const report = (name: string) => reports.find((r) => r.name === `${name}.report.gz`)?.text as string;

function scanOf(text: string, host: string, at: Date): ScanResult {
  const doc = personalise(text, 'b0undary', host, at);
  return {
    ...interpretReport(doc),
    startedAt: at,
    finishedAt: new Date(at.getTime() + 900),
    hostKey: { type: 'ssh-ed25519', fingerprint: 'SHA256:x' },
    report: Buffer.from(doc),
  };
}

const dump = (db: ReturnType<typeof openDb>, sql: string) => JSON.stringify(db.prepare(sql).all());
const INTERVALS =
  'SELECT host_id, unit_id, assessment_id, exposure, from_scan, to_scan FROM unit_intervals ORDER BY host_id, unit_id, from_scan';

test('reparse rebuilds the same history from the stored reports, and follows a changed parser', () => {
  const db = openDb(join(dir, 'reparse.db'));
  const ids = syncInventory(db, [
    { name: 'web-02', address: '10.0.0.2', port: 22, user: 's', labels: ['role=web'] },
    { name: 'cache-01', address: '10.0.0.3', port: 22, user: 's', labels: ['role=cache'] },
  ]);
  const web = ids.get('web-02') as number;
  const cache = ids.get('cache-01') as number;
  const day = (d: number) => new Date(Date.UTC(2026, 10, d, 8));
  saveScan(db, web, scanOf(report('web-02'), 'web-02', day(1)));
  saveScan(db, cache, scanOf(report('cache-01'), 'cache-01', day(1)));
  saveScan(db, web, scanOf(report('web-02'), 'web-02', day(2)));
  saveScan(db, web, scanOf(report('web-02-regressed'), 'web-02', day(3)));
  saveScan(db, cache, scanOf(report('cache-01'), 'cache-01', day(3)));
  const nginx = db
    .prepare(`SELECT i.exposure FROM unit_intervals i JOIN unit_names n ON n.id = i.unit_id
      WHERE i.host_id = ? AND n.name = 'nginx.service' ORDER BY i.from_scan`)
    .pluck();
  assert.deepEqual(nginx.all(web), [24, 90], 'the regression is one new interval');
  const intervals = dump(db, INTERVALS);
  const rollups = dump(db, 'SELECT * FROM label_daily ORDER BY label, day');
  assert.equal(
    db.prepare('SELECT count(*) FROM reports').pluck().get(),
    3,
    'unchanged re-scans share a report',
  );

  // The same parser gives the same history, rollups included.
  const same = reparse(db, interpretReport);
  assert.deepEqual(same, { hosts: 2, scans: 5, statusChanged: 0 });
  assert.equal(dump(db, INTERVALS), intervals);
  assert.equal(dump(db, 'SELECT * FROM label_daily ORDER BY label, day'), rollups);

  // A parser that (say, after a fix) no longer reads nginx: its history ends at the first scan.
  const withoutNginx = (text: string) => {
    const r = interpretReport(text);
    return { ...r, units: r.units.filter((u) => u.unit !== 'nginx.service') };
  };
  reparse(db, withoutNginx);
  assert.deepEqual(nginx.all(web), []);
  assert.deepEqual(nginx.all(cache), []);
  reparse(db, interpretReport);
  assert.equal(dump(db, INTERVALS).length, intervals.length);
  assert.deepEqual(nginx.all(web), [24, 90]);
  db.close();
});

test('housekeeping drops old reports and scans but never the history of changes', () => {
  const db = openDb(join(dir, 'housekeeping.db'));
  const web = syncInventory(db, [
    { name: 'web-02', address: '10.0.0.2', port: 22, user: 's', labels: [] },
  ]).get('web-02') as number;
  const day = (d: number) => new Date(Date.UTC(2026, 0, d, 8));
  for (let d = 1; d <= 60; d++) {
    saveScan(db, web, scanOf(report(d === 40 ? 'web-02-regressed' : 'web-02'), 'web-02', day(d)));
  }
  const intervals = dump(db, INTERVALS);
  const result = housekeep(db, { reportDays: 7, scanDays: 14 }, day(61).getTime());
  // Reports: the last 7 days keep theirs; the regressed report (day 40) and the older copy go.
  assert.equal(result.reportsDeleted, 1);
  assert.equal(db.prepare('SELECT count(*) FROM scans WHERE report_id IS NOT NULL').pluck().get(), 7);
  // Scans: the last 14 days, plus the change points (days 1, 40, 41).
  const kept = db.prepare('SELECT started_at FROM scans ORDER BY id').pluck().all() as number[];
  assert.equal(kept.length, 14 + 3);
  assert.equal(result.scansDeleted, 60 - kept.length);
  assert.equal(dump(db, INTERVALS), intervals, 'unit history is untouched');
  assert.deepEqual(db.pragma('foreign_key_check'), []);
  rebuildRollups(db);
  db.close();
});

test('housekeeping in batches of one row deletes exactly what one pass does, yielding between them', () => {
  const build = (name: string) => {
    const db = openDb(join(dir, `${name}.db`));
    const hosts = syncInventory(db, [
      { name: 'web-02', address: '10.0.0.2', port: 22, user: 's', labels: [] },
      { name: 'web-03', address: '10.0.0.3', port: 22, user: 's', labels: [] },
    ]);
    const day = (d: number) => new Date(Date.UTC(2026, 0, d, 8));
    for (let d = 1; d <= 40; d++) {
      for (const host of ['web-02', 'web-03']) {
        const text = report(d % 9 === 0 && host === 'web-03' ? 'web-02-regressed' : 'web-02');
        saveScan(db, hosts.get(host) as number, scanOf(text, host, day(d)));
      }
    }
    return db;
  };
  const now = Date.UTC(2026, 1, 12);
  const retention = { reportDays: 5, scanDays: 10 };
  const tables = ['scans', 'reports', 'host_facts', 'error_sets'];
  const dumpAll = (db: ReturnType<typeof openDb>) =>
    tables.map((t) => JSON.stringify(db.prepare(`SELECT * FROM ${t} ORDER BY id`).raw().all()));
  const whole = build('hk-whole');
  const expected = housekeep(whole, retention, now);
  const stepped = build('hk-steps');
  const steps = housekeepingSteps(stepped, retention, now, 1);
  let yields = 0;
  let step = steps.next();
  for (; !step.done; step = steps.next()) yields++;
  assert.deepEqual(step.value, expected);
  assert.ok(expected.scansDeleted > 10 && yields > expected.scansDeleted, `${yields} yields`);
  assert.deepEqual(dumpAll(stepped), dumpAll(whole));
  assert.deepEqual(stepped.pragma('foreign_key_check'), []);
  whole.close();
  stepped.close();
});

test('a report repeating the last successful one is stored without parsing and changes no history', () => {
  const db = openDb(join(dir, 'repeat.db'));
  const web = syncInventory(db, [
    { name: 'web-02', address: '10.0.0.2', port: 22, user: 's', labels: [] },
  ]).get('web-02') as number;
  const writer = new ScanWriter(db);
  const first = scanOf(report('web-02'), 'web-02', new Date(Date.UTC(2026, 1, 1)));
  assert.equal(writer.repeatOf(web, first.report as Buffer), null, 'nothing stored yet');
  const firstId = writer.save(web, first);
  // The same host state, another boundary and time: a repeat of the first scan.
  const again = personalise(report('web-02'), 'another1', 'web-02', new Date(Date.UTC(2026, 1, 2)));
  assert.notEqual(again, first.report);
  assert.equal(writer.repeatOf(web, again), firstId);
  const counts = () =>
    db.prepare('SELECT (SELECT count(*) FROM unit_intervals), (SELECT count(*) FROM reports)').raw().get();
  const before = counts();
  const repeatId = writer.save(web, {
    status: 'ok',
    error: null,
    startedAt: new Date(Date.UTC(2026, 1, 2)),
    finishedAt: new Date(Date.UTC(2026, 1, 2, 0, 0, 1)),
    hostKey: first.hostKey,
    report: Buffer.from(again),
    meta: {},
    systemdVersion: null,
    units: [],
    errors: [],
    repeatOf: firstId,
  });
  assert.deepEqual(counts(), before);
  const row = (id: number) =>
    db
      .prepare(
        'SELECT status, facts_id, errors_id, report_id, unit_count, worst, median FROM scans WHERE id = ?',
      )
      .get(id);
  assert.deepEqual(row(repeatId), row(firstId));
  // Another host state is not a repeat; nor is anything after a change.
  assert.equal(
    writer.repeatOf(web, personalise(report('web-02-regressed'), 'x', 'web-02', new Date())),
    null,
  );
  // The streaming digest is the hash of the normalised text the store keeps.
  assert.deepEqual(reportDigest(again), createHash('sha256').update(normaliseReport(again)).digest());
  assert.deepEqual(normaliseReport(again), normaliseReport(first.report as Buffer));
  const stored = normaliseReport(again).toString('utf8');
  assert.match(stored, /^unitscore-report 1 stored\n/);
  assert.equal(analyzeReport(stored).analysis.units.length, first.units.length);
  db.close();
});
