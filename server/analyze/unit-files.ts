// The `unit-files` section of a report: each unit's own files as `systemctl cat` prints them,
// reduced on the host to the keys the score model reads (agents/collect.sh), after a
// ">>> UNIT" line. The score model uses them to see what the checks hide (score/configured-unit.ts).

const MARKER = '>>> ';

/** Unit name → its files' text. Host data: only ever parsed, never run or rendered as HTML. */
export function parseUnitFiles(text: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (text === undefined) return out;
  let unit: string | null = null;
  let lines: string[] = [];
  const flush = () => {
    if (unit !== null && !out.has(unit)) out.set(unit, lines.join('\n'));
  };
  for (const line of text.split('\n')) {
    if (line.startsWith(MARKER)) {
      flush();
      unit = line.slice(MARKER.length).trim();
      lines = [];
    } else if (unit !== null) lines.push(line);
  }
  flush();
  return out;
}
