// `npm run bench [-- NAME… [--option value…]]`: every bench in its own process (so memory
// figures are its own), one after another (so they do not share the two cores). Names: parse,
// store, score, …; options after the names go to each bench named (`-- api --hosts 10000`).
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const firstOption = args.findIndex((a) => a.startsWith('--'));
const wanted = firstOption < 0 ? args : args.slice(0, firstOption);
const options = firstOption < 0 ? [] : args.slice(firstOption);
const benches = readdirSync(here)
  .filter((f) => f.endsWith('.bench.js'))
  .filter((f) => wanted.length === 0 || wanted.includes(f.replace('.bench.js', '')));
if (benches.length === 0) {
  console.error(`no bench named ${wanted.join(', ')}`);
  process.exit(2);
}
let failed = 0;
for (const file of benches) {
  console.log(`\n=== ${file.replace('.bench.js', '')}`);
  const { status } = spawnSync(process.execPath, [join(here, file), ...options], { stdio: 'inherit' });
  if (status !== 0) failed++;
}
process.exit(failed === 0 ? 0 : 1);
