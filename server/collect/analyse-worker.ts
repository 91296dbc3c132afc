import { parentPort } from 'node:worker_threads';
import { type Analysis, analyse, type LastReport } from './analyse.js';

// One analysing thread of analyse-pool.ts. The report's memory comes and goes back transferred,
// never copied.

export interface AnalyseJob {
  id: number;
  report: ArrayBuffer;
  last: LastReport | null;
}

const port = parentPort;
if (port === null) throw new Error('analyse-worker.js runs as a worker thread');
// Assessments whose checks this thread has sent, least recently used first out: the store has
// them by hash, so the next report that has them sends the hash alone (collect/save-analysed.ts
// copes when it does not after all).
const SENT_LIMIT = 4096;
const sent = new Map<string, true>();

function leaveOutSent(analysis: Analysis): Analysis {
  if ('repeatOf' in analysis) return analysis;
  const units = analysis.prepared.units.map((u) => {
    const key = u.hash.toString('base64');
    const before = sent.delete(key);
    sent.set(key, true);
    if (sent.size > SENT_LIMIT) sent.delete(sent.keys().next().value as string);
    return before ? { ...u, checks: null } : u;
  });
  return { ...analysis, prepared: { ...analysis.prepared, units } };
}

port.on('message', ({ id, report, last }: AnalyseJob) => {
  const bytes = Buffer.from(report);
  const lastReport = last === null ? null : { id: last.id, hash: Buffer.from(last.hash) };
  let reply: unknown;
  try {
    reply = { id, report, analysis: leaveOutSent(analyse(bytes, lastReport)) };
  } catch (err) {
    reply = { id, report, error: (err as Error).message };
  }
  port.postMessage(reply, [report]);
});
