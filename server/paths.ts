import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// The package root holds agents/, migrations/ and dist/web; code runs from dist/server/…, so
// walk up to the package.json instead of counting `..`s that differ between src and build.
function findPackageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('unitscore: package.json not found above the running code');
    dir = parent;
  }
  return dir;
}

export const packageRoot = findPackageRoot();
export const agentsDir = join(packageRoot, 'agents');
export const migrationsDir = join(packageRoot, 'migrations');
export const webDistDir = join(packageRoot, 'dist', 'web');
