// `systemctl cat UNIT` for a tree of unit files, where systemctl itself refuses (`cat` does not
// take --root=): the fragment, then every drop-in in the order systemd applies them, each after a
// "# /path" comment. The oracle gives the score model what a host's report carries.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where systemd 252 looks for system units, most important first (unit-file precedence). */
const UNIT_PATHS = ['etc/systemd/system', 'run/systemd/system', 'usr/lib/systemd/system'];

/** The drop-in directory names of a unit: its own, its template's, each dash prefix's, its type's. */
function dropInDirs(unit: string): string[] {
  const dot = unit.lastIndexOf('.');
  const type = unit.slice(dot + 1);
  const names = [unit];
  const at = unit.indexOf('@');
  if (at >= 0 && at + 1 < dot) names.push(`${unit.slice(0, at + 1)}${unit.slice(dot)}`);
  const stem = unit.slice(0, at >= 0 ? at : dot);
  for (let i = stem.lastIndexOf('-'); i > 0; i = stem.lastIndexOf('-', i - 1))
    names.push(`${stem.slice(0, i + 1)}.${type}`);
  names.push(type);
  return names.map((n) => `${n}.d`);
}

export function catUnit(root: string, unit: string): string {
  const fragment = UNIT_PATHS.map((p) => join(p, unit)).find((p) => existsSync(join(root, p)));
  if (!fragment) throw new Error(`no unit file for ${unit} under ${root}`);
  // A drop-in of one name in a more important directory hides the others of that name.
  const byName = new Map<string, string>();
  for (const dir of dropInDirs(unit))
    for (const base of UNIT_PATHS) {
      const d = join(base, dir);
      if (!existsSync(join(root, d))) continue;
      for (const f of readdirSync(join(root, d)).filter((f) => f.endsWith('.conf')))
        if (!byName.has(f)) byName.set(f, join(d, f));
    }
  const files = [fragment, ...[...byName.keys()].sort().map((f) => byName.get(f) as string)];
  return files.map((f) => `# /${f}\n${readFileSync(join(root, f), 'utf8')}`).join('\n');
}
