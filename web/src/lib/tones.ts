// Which colour family each predicate and scan status gets; the colours live in app.css.
import type { Predicate, ScanStatus } from './api/types';

export type PredicateTone = 'danger' | 'exposed' | 'medium' | 'ok' | 'safe' | 'perfect' | 'none';

export function predicateTone(predicate: Predicate | null): PredicateTone {
  switch (predicate) {
    case 'DANGEROUS':
    case 'UNSAFE':
      return 'danger';
    case 'EXPOSED':
      return 'exposed';
    case 'MEDIUM':
      return 'medium';
    case 'OK':
      return 'ok';
    case 'SAFE':
      return 'safe';
    case 'PERFECT':
      return 'perfect';
    default:
      return 'none';
  }
}

/** ok: green; the host could not be read: grey-orange; trust failed: red; key changed: alarm. */
export type StatusTone = 'ok' | 'degraded' | 'trust' | 'alarm' | 'never';

export const STATUS_META: Record<ScanStatus, { label: string; tone: StatusTone; hint: string }> = {
  ok: { label: 'ok', tone: 'ok', hint: 'The last scan read every unit.' },
  unreachable: { label: 'unreachable', tone: 'degraded', hint: 'The host did not answer on its SSH port.' },
  timeout: { label: 'timeout', tone: 'degraded', hint: 'The scan took longer than its time limit.' },
  'command-failed': {
    label: 'command failed',
    tone: 'degraded',
    hint: 'The collection script exited with an error.',
  },
  unsupported: {
    label: 'unsupported',
    tone: 'degraded',
    hint: 'systemd-analyze is missing or too old on this host.',
  },
  'parse-error': { label: 'parse error', tone: 'degraded', hint: 'The report could not be read.' },
  'output-too-large': {
    label: 'output too large',
    tone: 'degraded',
    hint: 'The report exceeded the size limit.',
  },
  'auth-failed': { label: 'auth failed', tone: 'trust', hint: 'The SSH server refused the scanning key.' },
  'hostkey-unknown': {
    label: 'host key unknown',
    tone: 'trust',
    hint: 'The host key is not known yet; verify and pin it to start scanning.',
  },
  'hostkey-changed': {
    label: 'host key changed',
    tone: 'alarm',
    hint: 'The host presented a different SSH key than the pinned one. Scans stop until it is verified.',
  },
};
