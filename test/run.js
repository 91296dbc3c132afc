// Runs every test tier with node's test runner, after `npm run build`. A tier whose
// prerequisites are missing fails (the tests say what is missing); none is skipped silently.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';

const tiers = ['unit', 'integration', 'e2e'].map((t) => `dist/test/${t}`);
const missing = tiers.filter((t) => !existsSync(t));
if (missing.length > 0) {
  console.error(`test tiers not built: ${missing.join(', ')} (run npm run build)`);
  process.exit(1);
}
mkdirSync('test-artifacts', { recursive: true });
const only = process.argv.slice(2);
const result = spawnSync(
  process.execPath,
  ['--test', '--test-reporter=spec', '--test-concurrency=2', ...(only.length ? only : tiers)],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
