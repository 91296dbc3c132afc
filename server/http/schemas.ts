import { Type } from 'typebox';
import { PREDICATES } from '../analyze/model.js';
import { SCAN_STATUSES } from '../collect/status.js';
import { HostConfig } from '../config/schema.js';

// The API's shapes: validation, serialization and types from one source (web/src/lib/api/types.ts
// mirrors them for the browser). Exposures are decimals with one digit, as systemd prints them.

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Union([schema, Type.Null()]);
const Exposure = Type.Number({ minimum: 0, maximum: 10 });
const Predicate = Type.Enum(PREDICATES);

export const ErrorBody = Type.Object({
  statusCode: Type.Integer(),
  error: Type.String(),
  message: Type.String(),
});

export const Health = Type.Object({
  status: Type.Literal('ok'),
  version: Type.String(),
  demo: Type.Boolean(),
});

export const ScanSummary = Type.Object({
  id: Type.Integer(),
  status: Type.Enum(SCAN_STATUSES),
  error: Nullable(Type.String()),
  startedAt: Type.String({ format: 'date-time' }),
  finishedAt: Type.String({ format: 'date-time' }),
  durationMs: Type.Integer(),
  systemdVersion: Nullable(Type.Integer()),
  hostname: Nullable(Type.String()),
  os: Nullable(Type.String()),
});

// ---- The inventory (issue 7). A new host is the config file's host entry, checked by the same
// code as the config file (server/config/host-spec.ts) before Fastify's own validation runs.

const { name: HostName, jump: _jump, ...HostSettings } = HostConfig.properties;

export const NewHostBody = HostConfig;

// A change: any setting; null drops it (back to the default). The name may be given only unchanged.
// (Spreading a property's schema leaves its Optional mark behind, which is not enumerable.)
export const HostPatchBody = Type.Object(
  {
    name: Type.Optional(HostName),
    ...Object.fromEntries(
      Object.entries({ ...HostSettings, jump: HostConfig.properties.jump }).map(([key, schema]) => [
        key,
        Type.Optional(Type.Union([Type.Unsafe<unknown>({ ...schema }), Type.Null()])),
      ]),
    ),
  },
  { additionalProperties: false },
);

/** The definition as written (absent keys take the config file's defaults); jump as a list. */
export const HostInventoryBody = Type.Object({
  ...HostSettings,
  jump: Type.Optional(Type.Array(Type.String())),
  updatedAt: Type.String({ format: 'date-time' }),
  /** The user or token that last changed it, or `config` for the config file. */
  updatedBy: Type.String(),
});

export const HostSummary = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  /** Where the scanner connects (the definition resolved with ssh_config and defaults). */
  address: Type.String(),
  port: Type.Integer(),
  user: Type.String(),
  labels: Type.Array(Type.String()),
  lastScan: Nullable(ScanSummary),
  unitCount: Nullable(Type.Integer()),
  worstExposure: Nullable(Exposure),
  medianExposure: Nullable(Exposure),
  /** config: read-only through the API; api: added through it; null: retired. */
  source: Nullable(Type.Enum(['config', 'api'])),
  retiredAt: Nullable(Type.String({ format: 'date-time' })),
  inventory: Nullable(HostInventoryBody),
});

export const UnitSummary = Type.Object({
  unit: Type.String(),
  exposure: Nullable(Exposure),
  predicate: Nullable(Predicate),
  failing: Type.Integer(),
  partial: Type.Boolean(),
});

export const CheckBody = Type.Object({
  id: Type.String(),
  name: Type.String(),
  description: Nullable(Type.String()),
  set: Nullable(Type.Boolean()),
  exposure: Nullable(Exposure),
  weight: Nullable(Type.Integer()),
  badness: Nullable(Type.Integer()),
  range: Nullable(Type.Integer()),
});

export const HostUnitsResponse = Type.Object({
  host: HostSummary,
  scan: Nullable(ScanSummary),
  units: Type.Array(UnitSummary),
  errors: Type.Array(Type.Object({ unit: Nullable(Type.String()), message: Type.String() })),
});

export const UnitDetailResponse = Type.Object({
  host: HostSummary,
  scan: ScanSummary,
  unit: Type.Object({ ...UnitSummary.properties, checks: Type.Array(CheckBody) }),
  /** The score model's own computation of the exposure from the checks: the host stays the truth. */
  model: Type.Object({
    exposure: Nullable(Exposure),
    matchesHost: Type.Boolean(),
    reason: Nullable(Type.String()),
    source: Type.Enum(['debug', 'built-in']),
  }),
});

export const HostParams = Type.Object({ id: Type.Integer({ minimum: 1 }) });
// Unit names are host data: any length-bounded string, matched exactly, never interpreted.
export const UnitParams = Type.Object({
  id: Type.Integer({ minimum: 1 }),
  unit: Type.String({ minLength: 1, maxLength: 512 }),
});

export const ScanActivityBody = Type.Object({
  running: Type.Boolean(),
  round: Type.Integer(),
  startedAt: Nullable(Type.String({ format: 'date-time' })),
  finishedAt: Nullable(Type.String({ format: 'date-time' })),
  nextRoundAt: Nullable(Type.String({ format: 'date-time' })),
  total: Type.Integer(),
  done: Type.Integer(),
  failed: Type.Integer(),
  scanning: Type.Array(Type.String()),
});

// ---- Fleet screens (issue 5): overview, trends, worst units, directive gaps, history, diff.

const Labels = Type.Array(Type.String({ minLength: 1, maxLength: 256 }), {
  maxItems: 16,
  description:
    'Only hosts carrying this label; repeat for several (all must match). Retired hosts never count.',
});
const Day = Type.String({ format: 'date', description: 'A UTC day, YYYY-MM-DD.' });
const Time = Type.String({ format: 'date-time' });
const HostRef = Type.Object({ id: Type.Integer(), name: Type.String() });
const Bands = Type.Object(
  {
    PERFECT: Type.Integer(),
    SAFE: Type.Integer(),
    OK: Type.Integer(),
    MEDIUM: Type.Integer(),
    EXPOSED: Type.Integer(),
    UNSAFE: Type.Integer(),
    DANGEROUS: Type.Integer(),
  },
  { description: 'Units per predicate band (the word systemd prints for the exposure).' },
);
const ExposureStats = Type.Object({
  units: Type.Integer({ description: 'Units with an exposure.' }),
  median: Nullable(Exposure),
  p90: Nullable(Exposure),
  worst: Nullable(Exposure),
  bands: Bands,
});
const TrendDays = Type.Optional(
  Type.Integer({ enum: [7, 30, 90, 365], default: 30, description: 'The range: 7, 30, 90 or 365 days.' }),
);
const Bucket = Type.Enum(['day', 'week'], {
  description: 'day: the state at the end of each day; week: at the end of each ISO week.',
});
const TrendBucket = Type.Optional(Type.Enum(['day', 'week'], { ...Bucket, default: 'day' }));
const TrendTo = Type.Optional(
  Type.String({ format: 'date', description: 'Last day of the range (default: today, UTC).' }),
);
const FormatParam = Type.Optional(
  Type.Enum(['json', 'csv'], {
    description: 'csv: every row as CSV, no pagination (same as Accept: text/csv).',
  }),
);
const PageLimit = Type.Optional(
  Type.Integer({ minimum: 1, maximum: 1000, default: 100, description: 'Rows per page; ignored for CSV.' }),
);
const PageCursor = Type.Optional(
  Type.String({
    minLength: 1,
    maxLength: 1024,
    pattern: '^[A-Za-z0-9_-]+$',
    description: 'nextCursor of the previous page.',
  }),
);
const NextCursor = Nullable(
  Type.String({ description: 'Pass as cursor for the next page; null on the last.' }),
);
const ScanRef = Type.Object({ scanId: Type.Integer(), at: Time });
const CheckFlip = Type.Object({
  check: Type.String(),
  name: Type.String(),
  from: Nullable(Type.Boolean()),
  to: Nullable(Type.Boolean()),
});

export const FleetQuery = Type.Object({ label: Type.Optional(Labels), format: FormatParam });

export const FleetOverviewResponse = Type.Object({
  labels: Type.Array(Type.String()),
  hosts: Type.Object({
    total: Type.Integer(),
    byStatus: Type.Array(Type.Object({ status: Type.Enum(SCAN_STATUSES), hosts: Type.Integer() }), {
      description: 'Hosts by the status of their latest scan; every status listed.',
    }),
    neverScanned: Type.Integer(),
    withUnits: Type.Integer({ description: 'Hosts with a successful scan, whose units are counted.' }),
  }),
  units: Type.Integer({ description: 'Current units, with or without an exposure.' }),
  exposure: ExposureStats,
  lastScanAt: Nullable(Time),
});

export const FleetTrendQuery = Type.Object({
  label: Type.Optional(Labels),
  days: TrendDays,
  bucket: TrendBucket,
  to: TrendTo,
  format: FormatParam,
});

export const FleetTrendResponse = Type.Object({
  label: Nullable(
    Type.String({ description: 'The label whose daily rollups were read; null: the whole fleet.' }),
  ),
  ignoredLabels: Type.Array(Type.String(), {
    description: 'Rollups are kept per single label: further labels of the filter are not applied to trends.',
  }),
  days: Type.Integer(),
  bucket: Bucket,
  to: Day,
  points: Type.Array(
    Type.Object({ day: Day, week: Nullable(Type.String()), hosts: Type.Integer(), exposure: ExposureStats }),
  ),
});

export const HostTrendQuery = Type.Object({
  days: TrendDays,
  bucket: TrendBucket,
  to: TrendTo,
  format: FormatParam,
});

export const HostTrendResponse = Type.Object({
  host: HostRef,
  days: Type.Integer(),
  bucket: Bucket,
  to: Day,
  points: Type.Array(
    Type.Object({
      day: Day,
      week: Nullable(Type.String()),
      scanId: Nullable(
        Type.Integer({ description: 'The successful scan whose state held; null before the first.' }),
      ),
      units: Nullable(Type.Integer()),
      worst: Nullable(Exposure),
      median: Nullable(Exposure),
    }),
  ),
});

export const UnitTrendResponse = Type.Object({
  host: HostRef,
  unit: Type.String(),
  days: Type.Integer(),
  bucket: Bucket,
  to: Day,
  points: Type.Array(
    Type.Object({
      day: Day,
      week: Nullable(Type.String()),
      present: Type.Boolean(),
      exposure: Nullable(Exposure),
      predicate: Nullable(Predicate),
    }),
  ),
});

export const HostsQuery = Type.Object({
  label: Type.Optional(Labels),
  status: Type.Optional(
    Type.Enum(SCAN_STATUSES, { description: 'Only hosts whose last scan has this status.' }),
  ),
  sort: Type.Optional(
    Type.Enum(['worst', 'name'], {
      default: 'worst',
      description: "worst: by the worst unit exposure of the host's last successful scan; name: by name.",
    }),
  ),
  order: Type.Optional(
    Type.Enum(['asc', 'desc'], {
      description:
        'Default: desc for worst (worst first), asc for name. Hosts without a score come last either way.',
    }),
  ),
  limit: PageLimit,
  cursor: PageCursor,
  format: FormatParam,
});
export const HostsResponse = Type.Object({ hosts: Type.Array(HostSummary), nextCursor: NextCursor });

export const PageQuery = Type.Object({ limit: PageLimit, cursor: PageCursor, format: FormatParam });
export const FleetPageQuery = Type.Object({
  label: Type.Optional(Labels),
  limit: PageLimit,
  cursor: PageCursor,
  format: FormatParam,
});
export const FleetHostUnitsQuery = Type.Object({
  label: Type.Optional(Labels),
  unit: Type.Optional(Type.String({ minLength: 1, maxLength: 512, description: 'Only this unit name.' })),
  limit: PageLimit,
  cursor: PageCursor,
  format: FormatParam,
});

export const FleetUnitsResponse = Type.Object({
  units: Type.Array(
    Type.Object({
      unit: Type.String(),
      hosts: Type.Integer({ description: 'Hosts running it now.' }),
      median: Nullable(Exposure),
      worst: Nullable(Exposure),
      predicate: Nullable(Predicate),
    }),
  ),
  nextCursor: NextCursor,
});

export const FleetHostUnitsResponse = Type.Object({
  units: Type.Array(
    Type.Object({
      hostId: Type.Integer(),
      host: Type.String(),
      unit: Type.String(),
      exposure: Exposure,
      predicate: Predicate,
      failing: Type.Integer(),
    }),
  ),
  nextCursor: NextCursor,
});

export const DirectiveGapsResponse = Type.Object({
  units: Type.Integer({ description: 'Current units on the selected hosts.' }),
  hosts: Type.Integer({ description: 'Selected hosts with units.' }),
  gaps: Type.Array(
    Type.Object({
      check: Type.String(),
      name: Type.String(),
      description: Nullable(Type.String()),
      units: Type.Integer({ description: 'Units failing the check.' }),
      hosts: Type.Integer({ description: 'Hosts with at least one such unit.' }),
      exposureGain: Type.Number({
        minimum: 0,
        description:
          'Exposure points the fleet would lose, summed over those units, if it were fixed everywhere.',
      }),
    }),
  ),
  nextCursor: NextCursor,
});

export const UnitHistoryResponse = Type.Object({
  host: HostRef,
  unit: Type.String(),
  intervals: Type.Array(
    Type.Object({
      from: ScanRef,
      to: Nullable(ScanRef),
      exposure: Nullable(Exposure),
      predicate: Nullable(Predicate),
      failing: Type.Integer(),
      flipped: Type.Array(CheckFlip, { description: 'Checks flipped since the interval before.' }),
    }),
  ),
  nextCursor: NextCursor,
});

export const ScanDiffQuery = Type.Object({
  from: Type.Optional(Type.Integer({ minimum: 1, description: 'Scan id of the host to diff from.' })),
  to: Type.Optional(
    Type.Integer({ minimum: 1, description: 'Scan id to diff to (default: the latest state).' }),
  ),
  fromDate: Type.Optional(
    Type.String({ format: 'date', description: 'Diff from the state at the end of this UTC day.' }),
  ),
  toDate: Type.Optional(
    Type.String({ format: 'date', description: 'Diff to the state at the end of this UTC day.' }),
  ),
  format: FormatParam,
});

const DiffSide = Type.Object({ scanId: Nullable(Type.Integer()), at: Nullable(Time) });
const ChangeKind = Type.Enum(['worse', 'better', 'appeared', 'removed', 'changed']);

export const ScanDiffResponse = Type.Object({
  host: HostRef,
  from: DiffSide,
  to: DiffSide,
  summary: Type.Object({
    worse: Type.Integer(),
    better: Type.Integer(),
    appeared: Type.Integer(),
    removed: Type.Integer(),
    changed: Type.Integer({ description: 'Same exposure, checks flipped.' }),
    unchanged: Type.Integer(),
  }),
  units: Type.Array(
    Type.Object({
      unit: Type.String(),
      change: ChangeKind,
      from: Nullable(Exposure),
      to: Nullable(Exposure),
      delta: Nullable(Type.Number()),
      flipped: Type.Array(CheckFlip),
    }),
  ),
});

export const LabelsResponse = Type.Object({
  labels: Type.Array(Type.Object({ label: Type.String(), hosts: Type.Integer() })),
});
