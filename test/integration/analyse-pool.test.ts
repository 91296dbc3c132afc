import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { analyse } from '../../server/collect/analyse.js';
import { AnalysePool } from '../../server/collect/analyse-pool.js';
import { saveAnalysed } from '../../server/collect/save-analysed.js';
import { interpretReport, type ScanResult } from '../../server/collect/scan-host.js';
import { loadDemoReports, personalise } from '../../server/demo/fleet.js';
import { openDb } from '../../server/store/db.js';
import { syncInventory } from '../../server/store/hosts.js';
import { prepareScan } from '../../server/store/prepared-scan.js';
import { MissingAssessment, ScanWriter } from '../../server/store/scans.js';

// Analysis on worker threads gives what the writer would have computed itself, and the rows
// it writes are the same as from the inline path.

const dir = mkdtempSync(join(tmpdir(), 'unitscore-pool-'));
const pool = new AnalysePool({ size: 2 });
after(async () => {
  await pool.close();
  rmSync(dir, { recursive: true, force: true });
});
const [first, second] = loadDemoReports().map((r) => r.text);
const bytes = (text: string, boundary: string, at: string) =>
  Buffer.from(personalise(text, boundary, 'web-01', new Date(at)));

test('a worker prepares what the writer would, and recognises a repeat', async () => {
  const report = bytes(first as string, 'b1', '2026-11-20T10:00:00Z');
  const copy = Buffer.from(report);
  const { report: back, analysis } = await pool.analyse(report, null);
  assert.ok(back.equals(copy), 'the report comes back whole');
  assert.ok(!('repeatOf' in analysis));
  const inline = analyse(copy, null);
  assert.ok(!('repeatOf' in inline));
  // Units that share an assessment with one before them carry its hash alone (save-analysed.ts).
  const seen = new Set<string>();
  const hashesOnly = inline.prepared.units.map((u) => {
    const again = seen.has(u.hash.toString('hex'));
    seen.add(u.hash.toString('hex'));
    return again ? { ...u, checks: null } : u;
  });
  assert.ok(hashesOnly.some((u) => u.checks === null));
  assert.deepEqual(analysis, { ...inline, prepared: { ...inline.prepared, units: hashesOnly } });
  const units = interpretReport(copy.toString()).units;
  assert.deepEqual(inline.prepared, prepareScan({ report: copy, units }));
  const digest = inline.prepared.report?.digest as Buffer;
  const again = bytes(first as string, 'b2', '2026-11-21T10:00:00Z');
  assert.deepEqual((await pool.analyse(again, { id: 7, hash: digest })).analysis, { repeatOf: 7 });
});

test('scans prepared by the pool are stored like scans prepared by the writer', async () => {
  const rows = async (viaPool: boolean) => {
    const db = openDb(join(dir, `${viaPool}.db`));
    const writer = new ScanWriter(db);
    const host = syncInventory(db, [
      { name: 'web-01', address: '10.0.0.1', port: 22, user: 's', labels: [] },
    ]).get('web-01') as number;
    const texts = [first, first, second, first] as string[];
    for (const [i, text] of texts.entries()) {
      const at = new Date(Date.UTC(2026, 10, 20 + i, 3));
      const report = bytes(text, `b${i}`, at.toISOString());
      const common = { startedAt: at, finishedAt: at, hostKey: null, error: null };
      let scan: ScanResult;
      if (viaPool) {
        const { report: back, analysis } = await pool.analyse(report, writer.lastOkReport(host));
        scan =
          'repeatOf' in analysis
            ? {
                ...common,
                status: 'ok',
                report: back,
                meta: {},
                systemdVersion: null,
                units: [],
                errors: [],
                ...analysis,
              }
            : { ...common, units: [], ...analysis, report: back };
      } else {
        const repeat = writer.repeatOf(host, report);
        scan =
          repeat === null
            ? { ...common, ...interpretReport(report.toString()), report }
            : {
                ...common,
                status: 'ok',
                report,
                meta: {},
                systemdVersion: null,
                units: [],
                errors: [],
                repeatOf: repeat,
              };
      }
      saveAnalysed(writer, host, scan);
    }
    const dump = ['scans', 'unit_intervals', 'assessments', 'reports', 'label_daily'].map((t) =>
      db.prepare(`SELECT * FROM ${t} ORDER BY 1, 2`).all(),
    );
    db.close();
    return dump;
  };
  assert.deepEqual(await rows(true), await rows(false));
});

test('checks a worker sent before come as hashes; a store without them gets the report prepared again', async () => {
  const one = new AnalysePool({ size: 1 });
  const scanOf = async (boundary: string, day: number): Promise<ScanResult> => {
    const at = new Date(Date.UTC(2026, 10, day, 3));
    const { report, analysis } = await one.analyse(bytes(first as string, boundary, at.toISOString()), null);
    assert.ok(!('repeatOf' in analysis));
    return { startedAt: at, finishedAt: at, hostKey: null, units: [], ...analysis, report };
  };
  const sent = await scanOf('s1', 20);
  const hashed = await scanOf('s2', 21);
  await one.close();
  const firsts = new Set<string>();
  for (const u of sent.prepared?.units ?? []) {
    const first = !firsts.has(u.hash.toString('hex'));
    firsts.add(u.hash.toString('hex'));
    assert.equal(u.checks !== null, first, u.unit);
  }
  assert.ok(hashed.prepared?.units.every((u) => u.checks === null));
  assert.deepEqual(
    hashed.prepared?.units.map((u) => u.hash),
    sent.prepared?.units.map((u) => u.hash),
  );

  const db = openDb(join(dir, 'missing.db'));
  const writer = new ScanWriter(db);
  const host = syncInventory(db, [
    { name: 'web-01', address: '10.0.0.1', port: 22, user: 's', labels: [] },
  ]).get('web-01') as number;
  // The scan that brought the checks was never stored: the writer refuses and writes nothing.
  assert.throws(() => writer.save(host, hashed), MissingAssessment);
  assert.equal(db.prepare('SELECT count(*) FROM scans').pluck().get(), 0);
  const scanId = saveAnalysed(writer, host, hashed);
  const stored = db
    .prepare(
      `SELECT u.name, i.exposure, a.checks FROM unit_intervals i JOIN unit_names u ON u.id = i.unit_id
        JOIN assessments a ON a.id = i.assessment_id WHERE i.from_scan = ? ORDER BY u.name`,
    )
    .all(scanId) as { name: string; exposure: number | null; checks: string }[];
  const inline = analyse(bytes(first as string, 's3', '2026-11-22T03:00:00Z'), null);
  assert.ok(!('repeatOf' in inline));
  assert.deepEqual(
    stored,
    [...inline.prepared.units]
      .sort((a, b) => (a.unit < b.unit ? -1 : 1))
      .map((u) => ({ name: u.unit, exposure: u.exposure, checks: u.checks })),
  );
  // Once stored, the hashes alone are enough.
  assert.equal(
    typeof writer.save(host, { ...hashed, startedAt: new Date(Date.UTC(2026, 10, 23, 3)) }),
    'number',
  );
  db.close();
});

test('a worker that dies fails its own job only, and another takes its place', async () => {
  const one = new AnalysePool({ size: 1 });
  const workers = (one as unknown as { load: Map<import('node:worker_threads').Worker, number> }).load;
  const report = () => bytes(first as string, 'b9', '2026-11-20T10:00:00Z');
  const doomed = one.analyse(report(), null);
  await [...workers.keys()][0]?.terminate();
  await assert.rejects(doomed, /analysing worker exited/);
  const { analysis } = await one.analyse(report(), null);
  assert.ok(!('repeatOf' in analysis) && analysis.status === 'ok');
  await one.close();
  await assert.rejects(one.analyse(report(), null), /closed/);
});
