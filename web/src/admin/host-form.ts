import type { HostPatch, NewHost } from '../lib/api/inventory';
import type { HostSummary } from '../lib/api/types';

// The host form's text fields ⇄ the API's bodies. Pure. The server checks everything (with the
// config file's own rules) and names the field that is wrong; this only turns text into JSON.

export interface HostFormValues {
  name: string;
  address: string;
  port: string;
  user: string;
  /** Comma or space separated. */
  labels: string;
  /** Bastions, comma separated, as ProxyJump: `[user@]host[:port]`. */
  jump: string;
  intervalMinutes: string;
  identityFile: string;
  trustOnFirstUse: boolean;
}

export const emptyHostForm = (): HostFormValues => ({
  name: '',
  address: '',
  port: '',
  user: '',
  labels: '',
  jump: '',
  intervalMinutes: '',
  identityFile: '',
  trustOnFirstUse: false,
});

/** The form filled with a host's definition, as written (not as resolved). */
export function formOf(host: HostSummary): HostFormValues {
  const d = host.inventory;
  return {
    name: host.name,
    address: d?.address ?? host.address,
    port: d?.port === undefined ? '' : String(d.port),
    user: d?.user ?? '',
    labels: (d?.labels ?? []).join(', '),
    jump: (d?.jump ?? []).join(','),
    intervalMinutes: d?.intervalMinutes === undefined ? '' : String(d.intervalMinutes),
    identityFile: d?.identityFile ?? '',
    trustOnFirstUse: d?.trustOnFirstUse === true,
  };
}

const list = (text: string, separator: RegExp) =>
  text
    .split(separator)
    .map((s) => s.trim())
    .filter((s) => s !== '');

/** A number when the text is one; else the text itself, so the server says what is wrong. */
const numberOr = (text: string): number => {
  const trimmed = text.trim();
  return (/^\d+(\.\d+)?$/.test(trimmed) ? Number(trimmed) : trimmed) as number;
};

/** Every field as the API takes it; undefined where the form leaves it empty. */
function fields(v: HostFormValues) {
  const text = (s: string) => (s.trim() === '' ? undefined : s.trim());
  return {
    address: v.address.trim(),
    port: text(v.port) === undefined ? undefined : numberOr(v.port),
    user: text(v.user),
    labels: list(v.labels, /[,\s]+/),
    jump: text(v.jump) === undefined ? undefined : list(v.jump, /,/),
    intervalMinutes: text(v.intervalMinutes) === undefined ? undefined : numberOr(v.intervalMinutes),
    identityFile: text(v.identityFile),
    trustOnFirstUse: v.trustOnFirstUse,
  };
}

/** POST body: empty fields left out (the config file's defaults apply). */
export function newHostBody(v: HostFormValues): NewHost {
  const f = fields(v);
  const body: Record<string, unknown> = { name: v.name.trim() };
  for (const [key, value] of Object.entries(f)) {
    if (value === undefined || value === false) continue;
    if (Array.isArray(value) && value.length === 0) continue;
    body[key] = value;
  }
  return body as unknown as NewHost;
}

/** PATCH body: only the fields that changed; an emptied one is null (back to the default). */
export function hostPatchBody(v: HostFormValues, before: HostFormValues): HostPatch {
  const now = fields(v);
  const was = fields(before);
  const patch: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(now)) {
    if (JSON.stringify(value) === JSON.stringify(was[key as keyof typeof was])) continue;
    patch[key] = value === undefined || value === false ? null : value;
  }
  return patch as HostPatch;
}
