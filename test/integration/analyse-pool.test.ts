import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { analyse } from '../../server/collect/analyse.js';
import { AnalysePool } from '../../server/collect/analyse-pool.js';
import { interpretReport, type ScanResult } from '../../server/collect/scan-host.js';
import { loadDemoReports, personalise } from '../../server/demo/fleet.js';
import { openDb } from '../../server/store/db.js';
import { syncInventory } from '../../server/store/hosts.js';
import { prepareScan } from '../../server/store/prepared-scan.js';
import { ScanWriter } from '../../server/store/scans.js';

// Analysis on worker threads gives what the writer would have computed itself, and the rows
// it writes are the same as from the inline path.

const dir = mkdtempSync(join(tmpdir(), 'unitscore-pool-'));
const pool = new AnalysePool(2);
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
  assert.deepEqual(analysis, inline);
  assert.ok(!('repeatOf' in inline));
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
      writer.save(host, scan);
    }
    const dump = ['scans', 'unit_intervals', 'assessments', 'reports', 'label_daily'].map((t) =>
      db.prepare(`SELECT * FROM ${t} ORDER BY 1, 2`).all(),
    );
    db.close();
    return dump;
  };
  assert.deepEqual(await rows(true), await rows(false));
});

test('a worker that dies fails its own job only, and another takes its place', async () => {
  const one = new AnalysePool(1);
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
