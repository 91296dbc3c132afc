import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { agentsDir } from '../paths.js';

let cached: Promise<string> | undefined;

/** agents/collect.sh, read once: it is sent to every host on the stdin of `sh -s`. */
export function collectScript(): Promise<string> {
  cached ??= readFile(join(agentsDir, 'collect.sh'), 'utf8');
  return cached;
}
