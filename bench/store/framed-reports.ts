import { createHash } from 'node:crypto';
import { loadDemoReports } from '../../server/demo/fleet.js';

// Real framed report bytes for simulated hosts, from the recorded reports: each host's own
// hostname, machine-id, kernel (its state's version), boundary and collection time, as a host
// running collect.sh prints them. Built from pieces of the recordings, so making ~2 MB costs a
// copy, not a rewrite of the text.

const MARK = 'DEMOBOUNDARY';

interface Template {
  /** The recording split at its boundary placeholders; piece 2 is the meta section. */
  pieces: Buffer[];
  meta: string;
}

const templates: Template[] = loadDemoReports().map(({ text }) => {
  const parts = text.split(MARK);
  return { pieces: parts.map((p) => Buffer.from(p)), meta: parts[2] as string };
});

export const templateCount = templates.length;

export interface ReportState {
  host: number;
  template: number;
  version: number;
}

/** The report host `state.host` prints at `at` with this boundary. */
export function framedReport(state: ReportState, boundary: string, at: Date): Buffer {
  const t = templates[state.template % templates.length] as Template;
  const hostname = `host-${state.host}`;
  const meta = t.meta
    .replace(/^hostname=.*$/m, `hostname=${hostname}`)
    .replace(/^machine_id=.*$/m, `machine_id=${createHash('md5').update(hostname).digest('hex')}`)
    .replace(/^kernel=.*$/m, `kernel=6.1.0-${state.version}-amd64`)
    .replace(/^collected_at=.*$/m, `collected_at=${at.toISOString().replace(/\.\d+Z$/, 'Z')}`);
  const mark = Buffer.from(boundary);
  const pieces: Buffer[] = [];
  t.pieces.forEach((piece, i) => {
    if (i > 0) pieces.push(mark);
    pieces.push(i === 2 ? Buffer.from(meta) : piece);
  });
  return Buffer.concat(pieces);
}
