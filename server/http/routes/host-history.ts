import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { predicateFor } from '../../analyze/numbers.js';
import type { FleetQueries } from '../../store/queries/index.js';
import type { ScanRow } from '../../store/queries/scan-diff.js';
import { dayOf } from '../../store/rollups.js';
import { type Column, fields, sendCsv, wantsCsv } from '../csv.js';
import { badRequest, CSV_PAGE, DEFAULT_LIMIT, decodeCursor, encodeCursor, HttpError } from '../pagination.js';
import {
  HostParams,
  HostTrendQuery,
  HostTrendResponse,
  PageQuery,
  ScanDiffQuery,
  ScanDiffResponse,
  UnitHistoryResponse,
  UnitParams,
  UnitTrendResponse,
} from '../schemas.js';
import { csvContent, flipsCell, iso, score, varyOnAccept } from './fleet-present.js';

const notFound = (message: string) => new HttpError(404, message);
const predicateOf = (tenths: number | null) => (tenths === null ? null : predicateFor(tenths));

/**
 * One host over time (issue 5): its trend, a unit's trend and history on it, and what changed
 * between two scans or two days. Retired hosts answer too: their history stays.
 */
export const hostHistoryRoutes: FastifyPluginAsyncTypebox<{
  queries: FleetQueries;
  now: () => number;
}> = async (app, { queries, now }) => {
  varyOnAccept(app);
  const hostOr404 = (id: number) => {
    const host = queries.lookups.host(id);
    if (!host) throw notFound(`no host with id ${id}`);
    return host;
  };
  const unitOr404 = (hostId: number, unit: string) => {
    const unitId = queries.lookups.unitOnHost(hostId, unit);
    if (unitId === null) throw notFound(`host ${hostId} never ran a unit ${JSON.stringify(unit)}`);
    return unitId;
  };

  app.get(
    '/hosts/:id/trend',
    {
      schema: {
        summary:
          "A host's unit count, worst and median exposure by day or ISO week, from its successful scans",
        params: HostParams,
        querystring: HostTrendQuery,
        response: { 200: csvContent(HostTrendResponse) },
      },
    },
    async (request, reply) => {
      const host = hostOr404(request.params.id);
      const { days = 30, bucket = 'day' } = request.query;
      const to = request.query.to ?? dayOf(now());
      const points = queries.trends.host(host.id, { to, days, bucket }).map((p) => ({
        ...p,
        worst: score(p.worst),
        median: score(p.median),
      }));
      if (wantsCsv(request)) return sendCsv(reply, `host-${host.id}-trend`, HOST_TREND_COLUMNS, points);
      return { host, days, bucket, to, points };
    },
  );

  app.get(
    '/hosts/:id/units/:unit/trend',
    {
      schema: {
        summary: "A unit's exposure on a host by day or ISO week, from its history intervals",
        params: UnitParams,
        querystring: HostTrendQuery,
        response: { 200: csvContent(UnitTrendResponse) },
      },
    },
    async (request, reply) => {
      const host = hostOr404(request.params.id);
      const unit = request.params.unit;
      const unitId = unitOr404(host.id, unit);
      const { days = 30, bucket = 'day' } = request.query;
      const to = request.query.to ?? dayOf(now());
      const points = queries.trends.unitOnHost(host.id, unitId, { to, days, bucket }).map((p) => ({
        ...p,
        exposure: score(p.exposure),
        predicate: predicateOf(p.exposure),
      }));
      if (wantsCsv(request)) return sendCsv(reply, `host-${host.id}-unit-trend`, UNIT_TREND_COLUMNS, points);
      return { host, unit, days, bucket, to, points };
    },
  );

  app.get(
    '/hosts/:id/units/:unit/history',
    {
      schema: {
        summary:
          "A unit's history on a host, newest first: each stretch it stayed the same, and the checks flipped",
        params: UnitParams,
        querystring: PageQuery,
        response: { 200: csvContent(UnitHistoryResponse) },
      },
    },
    async (request, reply) => {
      const host = hostOr404(request.params.id);
      const unit = request.params.unit;
      const unitId = unitOr404(host.id, unit);
      const present = (i: ReturnType<typeof queries.history.page>['intervals'][number]) => ({
        from: { scanId: i.from.id, at: iso(i.from.at) },
        to: i.to === null ? null : { scanId: i.to.id, at: iso(i.to.at) },
        exposure: score(i.exposure),
        predicate: predicateOf(i.exposure),
        failing: i.failing,
        flipped: i.flipped,
      });
      if (wantsCsv(request)) {
        function* all() {
          let before: number | null = null;
          for (;;) {
            const page = queries.history.page(host.id, unitId, { before, limit: CSV_PAGE });
            yield* page.intervals.map(present);
            const last = page.intervals[page.intervals.length - 1];
            if (!page.more || !last) return;
            before = last.from.id;
          }
        }
        return sendCsv(reply, `host-${host.id}-unit-history`, HISTORY_COLUMNS, all());
      }
      const { cursor, limit = DEFAULT_LIMIT } = request.query;
      const before = cursor ? decodeCursor(cursor, 'history', ['integer'] as const)[0] : null;
      const page = queries.history.page(host.id, unitId, { before, limit });
      const last = page.intervals[page.intervals.length - 1];
      return {
        host,
        unit,
        intervals: page.intervals.map(present),
        nextCursor: page.more && last ? encodeCursor('history', [last.from.id]) : null,
      };
    },
  );

  app.get(
    '/hosts/:id/diff',
    {
      schema: {
        summary:
          'What changed on a host between two scans or two days: units appeared, removed, better, worse, checks flipped',
        description:
          'Each side is a scan id of the host (from, to) or a UTC day (fromDate, toDate: the state at its end). ' +
          'Without to or toDate, the diff runs to the latest state.',
        params: HostParams,
        querystring: ScanDiffQuery,
        response: { 200: csvContent(ScanDiffResponse) },
      },
    },
    async (request, reply) => {
      const host = hostOr404(request.params.id);
      const q = request.query;
      const side = (
        name: 'from' | 'to',
        scanId: number | undefined,
        day: string | undefined,
      ): ScanRow | null => {
        if (scanId !== undefined && day !== undefined) {
          throw badRequest(`give ${name} (a scan id) or ${name}Date (a day), not both`);
        }
        if (scanId !== undefined) {
          const scan = queries.diff.scan(scanId);
          if (!scan || scan.hostId !== host.id) throw notFound(`host ${host.id} has no scan ${scanId}`);
          return scan;
        }
        if (day !== undefined) return queries.diff.scanAtEndOf(host.id, day);
        if (name === 'from') throw badRequest('give from (a scan id) or fromDate (a day, YYYY-MM-DD)');
        return queries.diff.latest(host.id);
      };
      const from = side('from', q.from, q.fromDate);
      const to = side('to', q.to, q.toDate);
      const diff = queries.diff.diff(host.id, from, to);
      const units = diff.units.map((u) => ({
        ...u,
        from: score(u.from),
        to: score(u.to),
        delta: u.from === null || u.to === null ? null : (u.to - u.from) / 10,
      }));
      if (wantsCsv(request)) return sendCsv(reply, `host-${host.id}-diff`, DIFF_COLUMNS, units);
      const presentSide = (s: { scanId: number | null; at: number | null }) => ({
        scanId: s.scanId,
        at: s.at === null ? null : iso(s.at),
      });
      return { host, from: presentSide(diff.from), to: presentSide(diff.to), summary: diff.summary, units };
    },
  );
};

type HostTrendRow = {
  day: string;
  week: string | null;
  scanId: number | null;
  units: number | null;
  worst: number | null;
  median: number | null;
};
const HOST_TREND_COLUMNS = fields<HostTrendRow>('day', 'week', 'scanId', 'units', 'worst', 'median');

type UnitTrendRow = {
  day: string;
  week: string | null;
  present: boolean;
  exposure: number | null;
  predicate: string | null;
};
const UNIT_TREND_COLUMNS = fields<UnitTrendRow>('day', 'week', 'present', 'exposure', 'predicate');

type HistoryRow = {
  from: { scanId: number; at: string };
  to: { scanId: number; at: string } | null;
  exposure: number | null;
  predicate: string | null;
  failing: number;
  flipped: Parameters<typeof flipsCell>[0];
};
const HISTORY_COLUMNS: Column<HistoryRow>[] = [
  { header: 'fromScan', cell: (r) => r.from.scanId },
  { header: 'fromAt', cell: (r) => r.from.at },
  { header: 'toScan', cell: (r) => r.to?.scanId },
  { header: 'toAt', cell: (r) => r.to?.at },
  ...fields<HistoryRow>('exposure', 'predicate', 'failing'),
  { header: 'flipped', cell: (r) => flipsCell(r.flipped) },
];

type DiffRow = {
  unit: string;
  change: string;
  from: number | null;
  to: number | null;
  delta: number | null;
  flipped: Parameters<typeof flipsCell>[0];
};
const DIFF_COLUMNS: Column<DiffRow>[] = [
  ...fields<DiffRow>('unit', 'change', 'from', 'to', 'delta'),
  { header: 'flipped', cell: (r) => flipsCell(r.flipped) },
];
