import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// Tests run from dist/test/…; fixtures stay in the source tree (tsc does not copy them).
const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/', import.meta.url));

/** A fixture file as bytes-turned-UTF-8, exactly as stored. */
export function fixture(path: string): string {
  return readFileSync(FIXTURES + path, 'utf8');
}

/**
 * A published fixture of test/fixtures/real/: the '# ' header lines up to '# ---' describe its
 * source and are dropped; the output after them is returned unchanged.
 */
export function realFixture(name: string): string {
  const text = fixture(`real/${name}`);
  const end = text.indexOf('\n# ---\n');
  if (!text.startsWith('# ') || end < 0) throw new Error(`${name}: no '# ---' header end`);
  return text.slice(end + '\n# ---\n'.length);
}

export function fixtureNames(dir: string): string[] {
  return readdirSync(FIXTURES + dir).sort();
}

/** Builds a report document (agents/README.md) from sections, for framing tests. */
export function frameReport(
  boundary: string,
  parts: ReadonlyArray<[string, string] | ['exit', string, number]>,
): string {
  let doc = `unitscore-report 1 ${boundary}\n`;
  for (const part of parts) {
    if (part[0] === 'exit') doc += `\n@${boundary} exit ${part[1]} ${part[2]}\n`;
    else doc += `\n@${boundary} section ${part[0]}\n${part[1]}`;
  }
  return `${doc}\n@${boundary} end\n`;
}
