// Turning host output into clean lines. Everything here is linear in the input: host output is
// untrusted and may be large, so no regex with nested or adjacent unbounded quantifiers.

const ESC = '\x1b';
const BEL = '\x07';

/**
 * Removes ANSI CSI sequences (`ESC[…m`, colours and underline) and OSC sequences (OSC 8
 * hyperlinks, ended by BEL or ST `ESC\`). systemd only prints them to a tty or when forced, but a
 * host may ignore the collector's environment and a pasted output may come from a terminal.
 */
export function stripEscapes(line: string): string {
  let at = line.indexOf(ESC);
  if (at < 0) return line;
  // Copies the runs between sequences whole: garbage full of ESC bytes stays linear and cheap.
  let out = '';
  let from = 0;
  while (at >= 0) {
    out += line.slice(from, at);
    from = sequenceEnd(line, at);
    at = line.indexOf(ESC, from);
  }
  return out + line.slice(from);
}

/** Index just past the escape sequence starting at `i` (an ESC). */
function sequenceEnd(line: string, i: number): number {
  const kind = line[i + 1];
  if (kind === '[') {
    // CSI: parameter bytes 0x30–0x3F, intermediate bytes 0x20–0x2F, one final byte 0x40–0x7E.
    let j = i + 2;
    while (j < line.length && isIn(line, j, 0x30, 0x3f)) j++;
    while (j < line.length && isIn(line, j, 0x20, 0x2f)) j++;
    return j < line.length && isIn(line, j, 0x40, 0x7e) ? j + 1 : j;
  }
  if (kind === ']') {
    // OSC: runs to BEL or ST. An unterminated one would swallow the rest on a terminal too.
    let j = i + 2;
    while (j < line.length && line[j] !== BEL && !(line[j] === ESC && line[j + 1] === '\\')) j++;
    return j >= line.length ? j : line[j] === BEL ? j + 1 : j + 2;
  }
  // Other escapes (nF, e.g. charset selection `ESC ( B`): intermediate bytes, then one final byte.
  let j = i + 1;
  while (j < line.length && isIn(line, j, 0x20, 0x2f)) j++;
  return j < line.length && isIn(line, j, 0x30, 0x7e) ? j + 1 : j;
}

function isIn(s: string, i: number, lo: number, hi: number): boolean {
  const code = s.charCodeAt(i);
  return code >= lo && code <= hi;
}

/**
 * Splits output into lines without their terminators, accepting LF and CRLF (a pasted output or a
 * document that went through a Windows tool). A trailing newline does not make an extra line.
 */
export function splitLines(text: string): string[] {
  const body = text.startsWith('\ufeff') ? text.slice(1) : text;
  if (body === '') return [];
  const lines = body.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  if (!body.includes('\r')) return lines;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i] as string;
    if (l.endsWith('\r')) lines[i] = l.slice(0, -1);
  }
  return lines;
}

/** True when the text's last line has no newline: the output was cut inside that line. */
export function endsMidLine(text: string): boolean {
  return text !== '' && !text.endsWith('\n');
}
