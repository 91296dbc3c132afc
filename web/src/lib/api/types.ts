// The shapes of the HTTP API (server/http/schemas.ts is the source of truth; keep in step).

export type Predicate = 'PERFECT' | 'SAFE' | 'OK' | 'MEDIUM' | 'EXPOSED' | 'UNSAFE' | 'DANGEROUS';

export type ScanStatus =
  | 'ok'
  | 'unreachable'
  | 'timeout'
  | 'auth-failed'
  | 'hostkey-unknown'
  | 'hostkey-changed'
  | 'command-failed'
  | 'unsupported'
  | 'parse-error'
  | 'output-too-large';

export interface Health {
  status: 'ok';
  version: string;
  demo: boolean;
}

export interface ScanSummary {
  id: number;
  status: ScanStatus;
  error: string | null;
  startedAt: string; // ISO 8601
  finishedAt: string;
  durationMs: number;
  systemdVersion: number | null;
  hostname: string | null;
  os: string | null;
}

export interface HostSummary {
  id: number;
  name: string;
  address: string;
  port: number;
  user: string;
  labels: string[];
  lastScan: ScanSummary | null;
  unitCount: number | null;
  worstExposure: number | null; // 0.0 … 10.0, one decimal
  medianExposure: number | null;
}

export interface UnitSummary {
  unit: string;
  exposure: number | null;
  predicate: Predicate | null;
  failing: number; // checks marked ✗
  partial: boolean;
}

export interface Check {
  id: string;
  name: string;
  description: string | null;
  set: boolean | null; // true ✓, false ✗, null does not apply
  exposure: number | null;
  weight: number | null;
  badness: number | null;
  range: number | null;
}

export interface HostsResponse {
  hosts: HostSummary[];
}

export interface HostUnitsResponse {
  host: HostSummary;
  /** The latest scan that produced units (may be older than host.lastScan when that failed). */
  scan: ScanSummary | null;
  units: UnitSummary[];
  errors: { unit: string | null; message: string }[];
}

export interface UnitDetailResponse {
  host: HostSummary;
  scan: ScanSummary;
  unit: UnitSummary & { checks: Check[] };
}

export interface ApiError {
  statusCode: number;
  error: string;
  message: string;
}

/** GET /api/v1/scans/activity: the live scan status. */
export interface ScanActivity {
  running: boolean;
  round: number;
  startedAt: string | null;
  finishedAt: string | null;
  nextRoundAt: string | null;
  total: number;
  done: number;
  failed: number;
  scanning: string[]; // host names being scanned now
}
