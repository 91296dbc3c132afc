import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ScanActivity } from '../../server/collect/scan-activity.js';
import { type App, buildApp } from '../../server/http/app.js';
import { type Db, openDb } from '../../server/store/db.js';
import { bearer } from '../support/auth.js';

// The live scan status as a Server-Sent Events stream over a real socket: one event per change.
const dir = mkdtempSync(join(tmpdir(), 'unitscore-sse-'));
let db: Db;
let app: App;
const activity = new ScanActivity();
before(async () => {
  db = openDb(join(dir, 'sse.db'));
  app = await buildApp({ db, version: 't', demo: false, webDir: null, activity });
  await app.listen({ host: '127.0.0.1', port: 0 });
});
after(async () => {
  await app.close();
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

test('GET /api/v1/scans/events streams a snapshot at once and one per change', async () => {
  const address = app.server.address() as { port: number };
  const controller = new AbortController();
  const res = await fetch(`http://127.0.0.1:${address.port}/api/v1/scans/events`, {
    headers: bearer(db, 'viewer'),
    signal: controller.signal,
  });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  const nextEvent = async (): Promise<{ running: boolean; done: number; scanning: string[] }> => {
    while (!buffer.includes('\n\n')) {
      const { value, done } = await reader.read();
      assert.ok(!done, 'stream ended');
      buffer += decoder.decode(value);
    }
    const [event, rest] = [buffer.slice(0, buffer.indexOf('\n\n')), buffer.slice(buffer.indexOf('\n\n') + 2)];
    buffer = rest;
    assert.match(event, /^event: activity\ndata: /);
    return JSON.parse(event.slice(event.indexOf('data: ') + 6));
  };
  assert.equal((await nextEvent()).running, false, 'the current state first');
  const target = {
    name: 'web-1',
    address: 'x',
    port: 22,
    user: 'u',
    labels: [],
    identityFile: 'k',
    knownHosts: 'h',
  };
  activity.roundStarted();
  assert.equal((await nextEvent()).running, true);
  activity.hostStarted(target);
  assert.deepEqual((await nextEvent()).scanning, ['web-1']);
  const now = new Date();
  activity.hostDone({
    done: 1,
    total: 1,
    target,
    result: {
      status: 'ok',
      error: null,
      startedAt: now,
      finishedAt: now,
      hostKey: null,
      report: null,
      meta: {},
      systemdVersion: 252,
      units: [],
      errors: [],
    },
  });
  const done = await nextEvent();
  assert.equal(done.done, 1);
  assert.deepEqual(done.scanning, []);
  controller.abort();
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(activity.listenerCount('change'), 0, 'a closed stream stops listening');
});

test('the event stream needs credentials like every other route', async () => {
  const res = await app.inject({ url: '/api/v1/scans/events' });
  assert.equal(res.statusCode, 401);
});
