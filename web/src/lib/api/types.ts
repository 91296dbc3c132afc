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
  /** config: read-only through the API; api: added through it; null: retired. */
  source: 'config' | 'api' | null;
  retiredAt: string | null;
  inventory: HostDefinition | null;
}

/** A host as its inventory defines it (absent keys take the config file's defaults). */
export interface HostDefinition {
  address: string;
  port?: number;
  user?: string;
  labels?: string[];
  identityFile?: string;
  knownHosts?: string;
  intervalMinutes?: number;
  trustOnFirstUse?: boolean;
  jump?: string[];
  updatedAt: string;
  updatedBy: string;
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

/** GET /api/v1/hosts: one page of the active hosts, in the order asked. */
export interface HostsResponse {
  hosts: HostSummary[];
  /** Pass back as `cursor` for the next page; null on the last. */
  nextCursor: string | null;
}

/** What GET /api/v1/hosts sorts by: worst (default, worst first) or name (A→Z first). */
export type HostSortKey = 'worst' | 'name';
export interface HostsPageQuery {
  sort?: HostSortKey;
  order?: 'asc' | 'desc';
  /** Only hosts whose last scan has this status. */
  status?: ScanStatus;
  cursor?: string | null;
  /** Hosts per page: 100 by default, at most 1000. */
  limit?: number;
}

/** GET /api/v1/labels: the labels of the active hosts. */
export interface LabelsResponse {
  labels: { label: string; hosts: number }[];
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
  /** The score model's own computation from the checks; the host's number stays the truth. */
  model: {
    exposure: number | null;
    matchesHost: boolean;
    reason: string | null;
    source: 'debug' | 'built-in';
  };
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

// ---- Fleet screens (server/http/schemas.ts: FleetOverviewResponse and after; README "Fleet screens").

export const PREDICATES: readonly Predicate[] = [
  'PERFECT',
  'SAFE',
  'OK',
  'MEDIUM',
  'EXPOSED',
  'UNSAFE',
  'DANGEROUS',
];

/** Units per predicate band. */
export type Bands = Record<Predicate, number>;

export interface ExposureStats {
  units: number; // units with an exposure
  median: number | null;
  p90: number | null;
  worst: number | null;
  bands: Bands;
}

export type TrendDays = 7 | 30 | 90 | 365;
export type TrendBucket = 'day' | 'week';

/** GET /api/v1/fleet/overview */
export interface FleetOverviewResponse {
  labels: string[];
  hosts: {
    total: number;
    byStatus: { status: ScanStatus; hosts: number }[]; // every status listed
    neverScanned: number;
    withUnits: number;
  };
  units: number;
  exposure: ExposureStats;
  lastScanAt: string | null;
}

/** GET /api/v1/fleet/trend: rollups are per single label; further labels come back in ignoredLabels. */
export interface FleetTrendResponse {
  label: string | null;
  ignoredLabels: string[];
  days: number;
  bucket: TrendBucket;
  to: string; // YYYY-MM-DD (UTC)
  points: { day: string; week: string | null; hosts: number; exposure: ExposureStats }[];
}

export interface HostRef {
  id: number;
  name: string;
}

/** GET /api/v1/hosts/:id/trend */
export interface HostTrendResponse {
  host: HostRef;
  days: number;
  bucket: TrendBucket;
  to: string;
  points: {
    day: string;
    week: string | null;
    scanId: number | null; // null before the first successful scan
    units: number | null;
    worst: number | null;
    median: number | null;
  }[];
}

/** GET /api/v1/fleet/units: worst units grouped by name. */
export interface FleetUnitsResponse {
  units: {
    unit: string;
    hosts: number;
    median: number | null;
    worst: number | null;
    predicate: Predicate | null;
  }[];
  nextCursor: string | null;
}
export type FleetUnitGroup = FleetUnitsResponse['units'][number];

/** GET /api/v1/fleet/host-units: (host, unit) pairs, worst first. */
export interface FleetHostUnitsResponse {
  units: {
    hostId: number;
    host: string;
    unit: string;
    exposure: number;
    predicate: Predicate;
    failing: number;
  }[];
  nextCursor: string | null;
}
export type FleetHostUnit = FleetHostUnitsResponse['units'][number];

/** GET /api/v1/fleet/directive-gaps */
export interface DirectiveGapsResponse {
  units: number; // current units on the selected hosts
  hosts: number; // selected hosts with units
  gaps: {
    check: string;
    name: string;
    description: string | null;
    units: number; // failing it
    hosts: number; // with at least one such unit
    exposureGain: number; // exposure points the fleet would lose if fixed everywhere
  }[];
  nextCursor: string | null;
}
export type DirectiveGap = DirectiveGapsResponse['gaps'][number];

export interface CheckFlip {
  check: string;
  name: string;
  from: boolean | null;
  to: boolean | null;
}

export interface ScanRef {
  scanId: number;
  at: string;
}

/** GET /api/v1/hosts/:id/units/:unit/history: newest first. */
export interface UnitHistoryResponse {
  host: HostRef;
  unit: string;
  intervals: {
    from: ScanRef;
    to: ScanRef | null; // null: still the state
    exposure: number | null;
    predicate: Predicate | null;
    failing: number;
    flipped: CheckFlip[]; // since the interval before
  }[];
  nextCursor: string | null;
}
export type UnitInterval = UnitHistoryResponse['intervals'][number];

export type ChangeKind = 'worse' | 'better' | 'appeared' | 'removed' | 'changed';

/** GET /api/v1/hosts/:id/diff */
export interface ScanDiffResponse {
  host: HostRef;
  from: { scanId: number | null; at: string | null };
  to: { scanId: number | null; at: string | null };
  summary: {
    worse: number;
    better: number;
    appeared: number;
    removed: number;
    changed: number;
    unchanged: number;
  };
  units: {
    unit: string;
    change: ChangeKind;
    from: number | null;
    to: number | null;
    delta: number | null;
    flipped: CheckFlip[];
  }[];
}
export type UnitChange = ScanDiffResponse['units'][number];

// ---- The score model (server/http/routes/score.ts).

/** GET /api/v1/hosts/:id/units/:unit/suggestion: a drop-in in stages, each with the score after it. */
export interface SuggestionResponse {
  unit: string;
  before: number;
  stages: {
    title: string;
    lines: { directive: string; comment: string; removes: number }[];
    after: number;
    exact: boolean;
    reason: string | null;
  }[];
  remaining: { id: string; name: string; badness: number }[];
  basis: ModelBasis;
  basisNote: string | null;
  text: string; // the whole drop-in, ready for override.conf
}

/** What the model read the unit's settings from: its files (carried by the report) or its checks. */
export type ModelBasis = 'configuration' | 'checks';

/** POST /api/v1/whatif */
export interface WhatIfRequest {
  hostId: number;
  unit: string;
  dropin: string;
}

export interface WhatIfResponse {
  unit: string;
  before: number;
  after: number;
  predicateBefore: string;
  predicateAfter: string;
  exact: boolean;
  reason: string | null;
  changes: {
    id: string;
    name: string;
    from: number | null;
    to: number | null;
    range: number | null;
    exact: boolean;
  }[];
  basis: ModelBasis;
  basisNote: string | null;
  assumptions: string[];
  ignored: string[];
}

/** POST /api/v1/scans (operators): the matching hosts become due at once. */
export interface ScanNowRequest {
  host?: string;
  label?: string;
}
export interface ScanNowResponse {
  matched: number;
}
