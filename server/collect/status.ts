// Every scan of a host ends in exactly one of these (DESIGN.md "Key decisions").
export const SCAN_STATUSES = [
  'ok',
  'unreachable',
  'timeout',
  'auth-failed',
  'hostkey-unknown',
  'hostkey-changed',
  'command-failed',
  'unsupported',
  'parse-error',
  'output-too-large',
] as const;

export type ScanStatus = (typeof SCAN_STATUSES)[number];
