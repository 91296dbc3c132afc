// The app under test for api.bench.ts, in a worker thread: its own event loop (and core), so
// the latencies measured are the server's, not the load generator's queue in the same loop.
import { parentPort, workerData } from 'node:worker_threads';
import { buildApp } from '../server/http/app.js';
import { openDb } from '../server/store/db.js';

const { file, now } = workerData as { file: string; now: number };
const db = openDb(file);
const app = await buildApp({ db, version: 'bench', demo: false, webDir: null, now: () => now });
await app.listen({ host: '127.0.0.1', port: 0 });
parentPort?.postMessage((app.server.address() as { port: number }).port);
parentPort?.once('message', async () => {
  await app.close();
  db.close();
  parentPort?.close();
});
