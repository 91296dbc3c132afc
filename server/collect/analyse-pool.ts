import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Prepared } from '../store/prepared-scan.js';
import type { Analysis, LastReport } from './analyse.js';
import type { AnalyseJob } from './analyse-worker.js';
import { collectDefaults } from './collect.js';

// Parsing a changed report (~9 ms for a 0.95 MB collect.sh 2 report; ~35 ms for collect.sh 1's
// 1.8 MB) and hashing every report (~1 ms) are the CPU of ingest. The SSH connections and the
// SQLite writes stay on the main thread, which keeps a core to itself: analysis runs on one
// worker thread per other core (one on a 2-core machine, where a second one only took CPU and
// memory from the main thread: the collect bench ran 15% slower with two).

interface Reply {
  id: number;
  report: ArrayBuffer;
  analysis?: Analysis;
  error?: string;
}

interface Pending {
  job: AnalyseJob;
  resolve: (result: { report: Buffer; analysis: Analysis }) => void;
  reject: (err: Error) => void;
}

export interface PoolOptions {
  /** Worker threads; by default one per core but the main thread's. */
  size?: number;
  /**
   * The largest report a host may send (the config's output cap): each worker's old generation
   * is sized to hold its analysis. V8 grows a heap by up to 4× its live size when its limit is
   * large (the default here is ~4 GB), so a worker's garbage, a report at a time, piled up to
   * ~100 MB a worker in the collect bench; under a few hundred MB it grows by ~1.1–1.5×. Going
   * over the limit aborts the process, so the limit follows the cap.
   */
  maxReportBytes?: number;
}

/** Structured clone turns Buffers into Uint8Arrays; the store wants Buffers (equals, binding). */
const buffer = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

function revive(analysis: Analysis): Analysis {
  if ('repeatOf' in analysis) return analysis;
  const { report, units } = analysis.prepared;
  const prepared: Prepared = {
    report: report === null ? null : { ...report, digest: buffer(report.digest), body: buffer(report.body) },
    units: units.map((u) => ({ ...u, hash: buffer(u.hash) })),
  };
  return { ...analysis, prepared };
}

/**
 * The report's memory on its own, so it can be transferred instead of copied: a copy is 1 MB
 * more of external memory per scan, which costs the main thread full garbage collections.
 */
const ownMemory = (report: Buffer): ArrayBuffer =>
  report.byteOffset === 0 &&
  report.byteLength === report.buffer.byteLength &&
  report.buffer instanceof ArrayBuffer
    ? report.buffer
    : (Uint8Array.prototype.slice.call(report).buffer as ArrayBuffer);

/** One worker per core but the main thread's (SSH and SQLite), at least one. */
export const defaultPoolSize = (): number => Math.max(1, availableParallelism() - 1);

/**
 * A worker's old generation for reports of up to `maxReportBytes`: a report's analysis holds
 * about three times its size at once (its text, its units' checks, their encoding); four times,
 * plus the thread's own, leaves room. Never under 256 MB.
 */
const workerHeapMb = (maxReportBytes: number): number =>
  Math.max(256, Math.ceil((4 * maxReportBytes) / 2 ** 20) + 64);

/**
 * Jobs a worker holds at once: the next one is already there when it finishes one, so it does
 * not wait for the main thread (busy writing) to hand it more.
 */
const DEPTH = 2;

export class AnalysePool {
  /** Each live worker and how many jobs it holds. */
  private readonly load = new Map<Worker, number>();
  private readonly queue: Pending[] = [];
  private readonly running = new Map<number, Pending & { worker: Worker }>();
  private nextId = 0;
  private closed = false;

  private readonly oldGenerationMb: number;

  constructor(options: PoolOptions = {}) {
    this.oldGenerationMb = workerHeapMb(options.maxReportBytes ?? collectDefaults.maxOutputBytes);
    for (let i = 0; i < Math.max(1, options.size ?? defaultPoolSize()); i++) this.spawn();
  }

  private spawn(): void {
    // A young generation of 16 MB (V8's default is up to 48 MB): 4 MB took a scavenge per report
    // (~3.5 ms a report of GC), 16 MB a third of that, for ~6 MB more.
    const worker = new Worker(new URL('./analyse-worker.js', import.meta.url), {
      resourceLimits: { maxYoungGenerationSizeMb: 16, maxOldGenerationSizeMb: this.oldGenerationMb },
    });
    worker.on('message', (reply: Reply) => this.settle(worker, reply));
    worker.on('error', (err) => this.lost(worker, err));
    worker.on('exit', (code) => this.lost(worker, new Error(`analysing worker exited (${code})`)));
    // Idle workers must not keep the process alive.
    worker.unref();
    this.load.set(worker, 0);
  }

  /**
   * Analyse a report on a worker. The report's memory is lent to the worker and comes back as
   * the `report` of the result: the Buffer passed in is empty (detached) meanwhile.
   */
  analyse(report: Buffer, last: LastReport | null): Promise<{ report: Buffer; analysis: Analysis }> {
    if (this.closed) return Promise.reject(new Error('the analysing pool is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ job: { id: this.nextId++, report: ownMemory(report), last }, resolve, reject });
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (this.queue.length > 0 && this.load.size > 0) {
      // The least loaded worker, if it has room.
      const [worker, load] = [...this.load].reduce((a, b) => (b[1] < a[1] ? b : a));
      if (load >= DEPTH) return;
      const pending = this.queue.shift() as Pending;
      this.running.set(pending.job.id, { ...pending, worker });
      this.load.set(worker, load + 1);
      if (load === 0) worker.ref();
      worker.postMessage(pending.job, [pending.job.report]);
    }
  }

  private settle(worker: Worker, reply: Reply): void {
    const pending = this.running.get(reply.id);
    this.running.delete(reply.id);
    const load = (this.load.get(worker) ?? 1) - 1;
    this.load.set(worker, load);
    if (load === 0) worker.unref();
    this.dispatch();
    if (!pending) return;
    if (reply.analysis === undefined) pending.reject(new Error(reply.error ?? 'analysis failed'));
    else pending.resolve({ report: Buffer.from(reply.report), analysis: revive(reply.analysis) });
  }

  // A worker that dies takes its jobs (and their reports) with it: their callers hear why, and a
  // new worker takes its place for the others.
  private lost(worker: Worker, err: Error): void {
    // 'error' is followed by 'exit': the first says why.
    if (!this.load.delete(worker)) return;
    for (const [id, pending] of this.running) {
      if (pending.worker !== worker) continue;
      this.running.delete(id);
      pending.reject(err);
    }
    if (this.closed) return;
    this.spawn();
    this.dispatch();
  }

  async close(): Promise<void> {
    this.closed = true;
    const closing = new Error('the analysing pool is closed');
    for (const pending of [...this.queue.splice(0), ...this.running.values()]) pending.reject(closing);
    this.running.clear();
    const workers = [...this.load.keys()];
    this.load.clear();
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
