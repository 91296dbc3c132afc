import { Type } from 'typebox';
import { PREDICATES } from '../analyze/model.js';
import { SCAN_STATUSES } from '../collect/status.js';

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

export const HostSummary = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  address: Type.String(),
  port: Type.Integer(),
  user: Type.String(),
  labels: Type.Array(Type.String()),
  lastScan: Nullable(ScanSummary),
  unitCount: Nullable(Type.Integer()),
  worstExposure: Nullable(Exposure),
  medianExposure: Nullable(Exposure),
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

export const HostsResponse = Type.Object({ hosts: Type.Array(HostSummary) });

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
