import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { interpretReport } from '../../server/collect/scan-host.js';
import { loadDemoReports, personalise } from '../../server/demo/fleet.js';
import { type App, buildApp } from '../../server/http/app.js';
import { type Db, openDb } from '../../server/store/db.js';
import { syncInventory } from '../../server/store/hosts.js';
import { saveScan } from '../../server/store/scans.js';
import { bearer } from '../support/auth.js';

// The score model over stored assessments: web-01 (stock nginx, 9.6) and the drop-in that
// web-02's nginx carries (recorded on a real host: 2.4) — the API must predict the real thing.
describe('what-if and suggestion API', () => {
  const dir = mkdtempSync(join(tmpdir(), 'unitscore-score-api-'));
  let db: Db;
  let app: App;
  let hostId: number;
  let firstScan: number;
  let viewer: { authorization: string };

  before(async () => {
    db = openDb(join(dir, 'score.db'));
    hostId = syncInventory(db, [
      { name: 'web-01', address: '10.0.0.1', port: 22, user: 's', labels: [] },
    ]).get('web-01') as number;
    const web = loadDemoReports().find((r) => r.name === 'web-01.report.gz')?.text ?? '';
    const doc = personalise(web, 'b', 'web-01', new Date());
    const at = new Date();
    firstScan = saveScan(db, hostId, {
      ...interpretReport(doc),
      startedAt: at,
      finishedAt: at,
      hostKey: null,
      report: Buffer.from(doc),
    });
    app = await buildApp({ db, version: 't', demo: false, webDir: null });
    viewer = bearer(db, 'viewer');
  });
  after(async () => {
    await app.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("a unit's detail carries the model's own number: it matches what the real host printed", async () => {
    const res = await app.inject({ url: `/api/v1/hosts/${hostId}/units/nginx.service`, headers: viewer });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json().model, { exposure: 9.6, matchesHost: true, reason: null, source: 'debug' });
  });

  test('POST /whatif predicts what the real host printed for the same drop-in', async () => {
    // The nginx hardening of the demo's web-02, as written on that host (server/demo/reports/README.md).
    const dropin = [
      '[Service]',
      'PrivateTmp=yes',
      'ProtectSystem=strict',
      'ProtectHome=yes',
      'NoNewPrivileges=yes',
      'ProtectKernelTunables=yes',
    ].join('\n');
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/whatif',
      headers: viewer,
      payload: { hostId, unit: 'nginx.service', dropin },
    });
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    assert.equal(body.before, 9.6);
    assert.ok(body.after < 9.6 && body.after > 0);
    assert.equal(body.exact, true);
    assert.ok(body.changes.length >= 5);
  });

  test('GET …/suggestion gives staged lines, each with what it removes, and the text', async () => {
    const res = await app.inject({
      url: `/api/v1/hosts/${hostId}/units/nginx.service/suggestion`,
      headers: viewer,
    });
    assert.equal(res.statusCode, 200, res.body);
    const s = res.json();
    assert.equal(s.before, 9.6);
    assert.ok(s.stages.length >= 2);
    assert.ok(s.stages.every((st: { after: number }) => st.after <= 9.6));
    assert.ok(
      s.stages[0].lines.every(
        (l: { removes: number; comment: string }) => l.removes > 0 && l.comment.length > 0,
      ),
    );
    assert.match(s.text, /\[Service\]/);
  });

  test('bad input: a broken drop-in is a 400 naming the line; unknown units 404; no credentials 401', async () => {
    const bad = await app.inject({
      method: 'POST',
      url: '/api/v1/whatif',
      headers: viewer,
      payload: { hostId, unit: 'nginx.service', dropin: '[Service]\nProtectSystem=sometimes\n' },
    });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.json().message, /line 2/);
    const missing = await app.inject({
      url: `/api/v1/hosts/${hostId}/units/nosuch.service/suggestion`,
      headers: viewer,
    });
    assert.equal(missing.statusCode, 404);
    const anonymous = await app.inject({
      method: 'POST',
      url: '/api/v1/whatif',
      payload: { hostId, unit: 'x', dropin: '' },
    });
    assert.equal(anonymous.statusCode, 401);
  });

  test("predictions read the unit's files from the scan's report", async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/whatif',
      headers: viewer,
      payload: { hostId, unit: 'e2scrub_reap.service', dropin: '[Service]\nDynamicUser=yes\n' },
    });
    assert.equal(res.statusCode, 200, res.body);
    // e2scrub_reap sets User=root explicitly, which its checks cannot show: only its files tell.
    assert.deepEqual(
      [res.json().basis, res.json().exact, res.json().basisNote],
      ['configuration', true, null],
    );
  });

  test('POST /whatif with a scanId predicts from the unit as that scan saw it', async () => {
    // A later scan: the host now runs web-02's hardened nginx.
    const web02 = loadDemoReports().find((r) => r.name === 'web-02.report.gz')?.text ?? '';
    const doc = personalise(web02, 'c', 'web-01', new Date());
    const at = new Date(Date.now() + 60_000);
    const later = saveScan(db, hostId, {
      ...interpretReport(doc),
      startedAt: at,
      finishedAt: at,
      hostKey: null,
      report: Buffer.from(doc),
    });
    const whatif = (payload: object) =>
      app.inject({ method: 'POST', url: '/api/v1/whatif', headers: viewer, payload });
    const dropin = '[Service]\nPrivateNetwork=yes\n';
    const then = await whatif({ hostId, unit: 'nginx.service', scanId: firstScan, dropin });
    const now = await whatif({ hostId, unit: 'nginx.service', dropin });
    const alsoNow = await whatif({ hostId, unit: 'nginx.service', scanId: later, dropin });
    assert.equal(then.statusCode, 200, then.body);
    assert.equal(then.json().before, 9.6);
    assert.ok(now.json().before < 9.6, 'the current nginx is the hardened one');
    assert.deepEqual(alsoNow.json(), now.json());
    const unknown = await whatif({ hostId, unit: 'nginx.service', scanId: later + 100, dropin });
    assert.equal(unknown.statusCode, 404);
    assert.match(unknown.json().message, /no successful scan/);
  });
});
