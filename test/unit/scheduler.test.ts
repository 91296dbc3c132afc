import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ScanResult } from '../../server/collect/scan-host.js';
import { BACKOFF_BASE_MS, firstDue, JITTER, nextDue } from '../../server/collect/schedule-policy.js';
import { type Due, startScheduler } from '../../server/collect/scheduler.js';
import type { HostTarget } from '../../server/config/config.js';

const HOUR = 3_600_000;

describe('schedule policy', () => {
  test('a healthy host is due an interval later, within the jitter', () => {
    for (const r of [0, 0.5, 0.999]) {
      const due = nextDue(0, HOUR, 0, () => r);
      assert.ok(due >= HOUR * (1 - JITTER) && due <= HOUR * (1 + JITTER), String(due));
    }
    assert.equal(
      nextDue(1000, HOUR, 0, () => 0.5),
      1000 + HOUR,
    );
  });

  test('a failing host backs off exponentially, never beyond its interval', () => {
    const mid = () => 0.5;
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6, 7, 8].map((f) => nextDue(0, HOUR, f, mid)),
      [1, 2, 4, 8, 16, 32, 60, 60].map((m) => Math.min(m * BACKOFF_BASE_MS, HOUR)),
    );
  });

  test('hosts never scanned are spread evenly over the start window', () => {
    assert.deepEqual(
      [0, 1, 2, 3].map((i) => firstDue(100, i, 4, 60_000)),
      [100, 15_100, 30_100, 45_100],
    );
    assert.equal(firstDue(100, 0, 1, 60_000), 100);
  });
});

function target(name: string, labels: string[] = []): HostTarget {
  return { name, address: '127.0.0.1', port: 22, user: 'u', labels, identityFile: '/x', knownHosts: '/y' };
}

function fakeScan(
  log: string[],
  status: (name: string) => ScanResult['status'],
  inFlight: Map<string, number>,
  peak: { n: number },
) {
  let running = 0;
  return async (t: HostTarget): Promise<ScanResult> => {
    running++;
    peak.n = Math.max(peak.n, running);
    inFlight.set(t.name, (inFlight.get(t.name) ?? 0) + 1);
    assert.equal(inFlight.get(t.name), 1, `two scans of ${t.name} at once`);
    log.push(t.name);
    await new Promise((r) => setTimeout(r, 5));
    inFlight.set(t.name, 0);
    running--;
    const now = new Date();
    return {
      status: status(t.name),
      error: null,
      startedAt: now,
      finishedAt: now,
      hostKey: null,
      report: null,
      meta: {},
      systemdVersion: null,
      units: [],
      errors: [],
    };
  };
}

describe('scheduler', () => {
  test('scans every host once at start within the concurrency cap, then persists the next due times', async () => {
    const saved = new Map<string, Due>();
    const log: string[] = [];
    const peak = { n: 0 };
    const hosts = Array.from({ length: 12 }, (_, i) => target(`h${i}`));
    const scheduler = startScheduler({
      targets: hosts,
      intervalMs: HOUR,
      concurrency: 3,
      startSpreadMs: 0,
      store: { load: () => new Map(), save: (n, d) => saved.set(n, d) },
      onResult: () => {},
      scan: fakeScan(log, (n) => (n === 'h5' ? 'unreachable' : 'ok'), new Map(), peak),
    });
    await scheduler.firstRound;
    await scheduler.stop();
    assert.deepEqual([...log].sort(), hosts.map((h) => h.name).sort());
    assert.ok(peak.n <= 3, `peak concurrency ${peak.n}`);
    const now = Date.now();
    assert.equal(saved.get('h5')?.failures, 1);
    assert.ok(
      Math.abs((saved.get('h5')?.dueAt ?? 0) - now - BACKOFF_BASE_MS) < BACKOFF_BASE_MS * JITTER + 1000,
    );
    assert.equal(saved.get('h0')?.failures, 0);
    assert.ok((saved.get('h0')?.dueAt ?? 0) > now + HOUR * (1 - JITTER) - 1000);
  });

  test('after a restart, hosts not yet due are left alone and overdue ones run; scan now runs at once', async () => {
    const now = Date.now();
    const log: string[] = [];
    const stored = new Map<string, Due>([
      ['later', { dueAt: now + HOUR, failures: 0 }],
      ['overdue', { dueAt: now - 1000, failures: 0 }],
      ['prod', { dueAt: now + HOUR, failures: 0 }],
    ]);
    const scheduler = startScheduler({
      targets: [target('later'), target('overdue'), target('prod', ['env=prod'])],
      intervalMs: HOUR,
      concurrency: 4,
      startSpreadMs: 0,
      store: { load: () => stored, save: () => {} },
      onResult: () => {},
      scan: fakeScan(log, () => 'ok', new Map(), { n: 0 }),
    });
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(log, ['overdue'], 'no stampede: only the overdue host ran');
    assert.equal(
      scheduler.scanNow((t) => t.labels.includes('env=prod')),
      1,
    );
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(log, ['overdue', 'prod']);
    await scheduler.stop();
  });

  test('hosts added, changed and removed while it runs: new ones spread and scanned, removed ones dropped', async () => {
    const now = Date.now();
    const log: string[] = [];
    const results: string[] = [];
    const saved = new Map<string, Due>();
    const scheduler = startScheduler({
      targets: [target('old')],
      intervalMs: HOUR,
      concurrency: 4,
      startSpreadMs: 60_000,
      store: {
        load: () => new Map([['old', { dueAt: now + HOUR, failures: 0 }]]),
        save: (n, d) => saved.set(n, d),
      },
      onResult: (p) => results.push(`${p.target.name}:${p.target.labels.join(',')}`),
      scan: fakeScan(log, () => 'ok', new Map(), { n: 0 }),
    });
    // Two new hosts at once: the first now, the second half the start window later.
    scheduler.setTargets([target('old'), target('new-1'), target('new-2')]);
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(log, ['new-1'], 'new-2 waits its turn in the spread, old its due time');
    assert.ok(Math.abs((saved.get('new-1')?.dueAt ?? 0) - now - HOUR) < HOUR * JITTER + 1000);

    // Changed: the next scan uses the new definition.
    scheduler.setTargets([target('old'), target('new-1', ['team=b']), target('new-2')]);
    assert.equal(
      scheduler.scanNow((t) => t.labels.includes('team=b')),
      1,
    );
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(results, ['new-1:', 'new-1:team=b']);

    // Removed: no longer matched, never scanned again, even when it was due.
    scheduler.setTargets([target('old')]);
    assert.equal(
      scheduler.scanNow((t) => t.name.startsWith('new')),
      0,
    );
    assert.equal(
      scheduler.scanNow(() => true),
      1,
    );
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(log, ['new-1', 'new-1', 'old']);
    await scheduler.stop();
  });

  test('a host removed during its scan: the scan ends, its result is dropped', async () => {
    const results: string[] = [];
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const scan = fakeScan([], () => 'ok', new Map(), { n: 0 });
    const scheduler = startScheduler({
      targets: [target('going'), target('staying')],
      intervalMs: HOUR,
      concurrency: 4,
      startSpreadMs: 0,
      store: { load: () => new Map(), save: () => {} },
      onResult: (p) => results.push(p.target.name),
      scan: async (t) => {
        if (t.name === 'going') await gate;
        return scan(t);
      },
    });
    await new Promise((r) => setTimeout(r, 30));
    scheduler.setTargets([target('staying')]);
    release();
    await scheduler.firstRound; // resolves: every host still in the inventory was scanned
    await new Promise((r) => setTimeout(r, 30));
    assert.deepEqual(results, ['staying']);
    await scheduler.stop();
  });
});
