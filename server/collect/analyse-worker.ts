import { parentPort } from 'node:worker_threads';
import { analyse, type LastReport } from './analyse.js';

// One analysing thread of analyse-pool.ts. The report's memory comes and goes back transferred,
// never copied.

export interface AnalyseJob {
  id: number;
  report: ArrayBuffer;
  last: LastReport | null;
}

const port = parentPort;
if (port === null) throw new Error('analyse-worker.js runs as a worker thread');
port.on('message', ({ id, report, last }: AnalyseJob) => {
  const bytes = Buffer.from(report);
  const lastReport = last === null ? null : { id: last.id, hash: Buffer.from(last.hash) };
  let reply: unknown;
  try {
    reply = { id, report, analysis: analyse(bytes, lastReport) };
  } catch (err) {
    reply = { id, report, error: (err as Error).message };
  }
  port.postMessage(reply, [report]);
});
