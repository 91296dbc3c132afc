import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { PREDICATES } from '../../analyze/model.js';
import { predicateFor } from '../../analyze/numbers.js';
import type { FleetQueries } from '../../store/queries/index.js';
import { dayOf } from '../../store/rollups.js';
import { type Column, fields, sendCsv, wantsCsv } from '../csv.js';
import { CSV_PAGE, DEFAULT_LIMIT, decodeCursor, encodeCursor, keyComparator, pageOf } from '../pagination.js';
import {
  DirectiveGapsResponse,
  FleetHostUnitsQuery,
  FleetHostUnitsResponse,
  FleetOverviewResponse,
  FleetPageQuery,
  FleetQuery,
  FleetTrendQuery,
  FleetTrendResponse,
  FleetUnitsResponse,
} from '../schemas.js';
import { csvContent, presentDistribution, score, varyOnAccept } from './fleet-present.js';

/**
 * The fleet screens (issue 5), one request each, all filtered by `?label=` (repeatable, AND).
 * Every table is also CSV (`Accept: text/csv` or `?format=csv`), with every row.
 */
export const fleetRoutes: FastifyPluginAsyncTypebox<{ queries: FleetQueries; now: () => number }> = async (
  app,
  { queries, now },
) => {
  varyOnAccept(app);

  app.get(
    '/fleet/overview',
    {
      schema: {
        summary: 'Fleet overview: hosts by scan status, units, median/p90/worst exposure, units per band',
        querystring: FleetQuery,
        response: { 200: csvContent(FleetOverviewResponse) },
      },
    },
    async (request, reply) => {
      const labels = request.query.label ?? [];
      const o = queries.overview.run(labels);
      const body = {
        labels,
        hosts: o.hosts,
        units: o.units,
        exposure: presentDistribution(o.exposure),
        lastScanAt: o.lastScanAt === null ? null : new Date(o.lastScanAt).toISOString(),
      };
      if (!wantsCsv(request)) return body;
      // One table of (section, key, value) rows, so the overview exports like the others.
      const rows: [string, string, string | number | null][] = [
        ['hosts', 'total', o.hosts.total],
        ['hosts', 'neverScanned', o.hosts.neverScanned],
        ['hosts', 'withUnits', o.hosts.withUnits],
        ...o.hosts.byStatus.map((s): [string, string, number] => ['status', s.status, s.hosts]),
        ['units', 'total', o.units],
        ['units', 'scored', o.exposure.units],
        ['exposure', 'median', body.exposure.median],
        ['exposure', 'p90', body.exposure.p90],
        ['exposure', 'worst', body.exposure.worst],
        ...PREDICATES.map((p): [string, string, number] => ['band', p, o.exposure.bands[p]]),
      ];
      return sendCsv(reply, 'fleet-overview', OVERVIEW_COLUMNS, rows);
    },
  );

  app.get(
    '/fleet/trend',
    {
      schema: {
        summary: 'Fleet or label trend by day or ISO week, from the daily rollups',
        description:
          'Each point is the state at the end of its day (or week). Rollups are kept per single label: with ' +
          'several labels, the first one is used and the rest are listed in ignoredLabels.',
        querystring: FleetTrendQuery,
        response: { 200: csvContent(FleetTrendResponse) },
      },
    },
    async (request, reply) => {
      const { days = 30, bucket = 'day' } = request.query;
      const labels = request.query.label ?? [];
      const to = request.query.to ?? dayOf(now());
      const label = labels[0] ?? '';
      const points = queries.trends.fleet(label, { to, days, bucket }).map((p) => ({
        day: p.day,
        week: p.week,
        hosts: p.hosts,
        exposure: presentDistribution(p.exposure),
      }));
      if (wantsCsv(request)) return sendCsv(reply, 'fleet-trend', TREND_COLUMNS, points);
      return { label: label === '' ? null : label, ignoredLabels: labels.slice(1), days, bucket, to, points };
    },
  );

  app.get(
    '/fleet/units',
    {
      schema: {
        summary: 'Worst units grouped by unit name: hosts running it, median and worst exposure',
        querystring: FleetPageQuery,
        response: { 200: csvContent(FleetUnitsResponse) },
      },
    },
    async (request, reply) => {
      const groups = queries.worstUnits.groups(request.query.label ?? []).map((g) => ({
        unit: g.unit,
        hosts: g.hosts,
        median: score(g.median),
        worst: score(g.worst),
        predicate: g.worst === null ? null : predicateFor(g.worst),
      }));
      if (wantsCsv(request)) return sendCsv(reply, 'fleet-units', UNIT_GROUP_COLUMNS, groups);
      type K = [number, number, string];
      const page = pageOf(groups, {
        kind: 'units',
        keyOf: (g): K => [g.worst ?? -1, g.median ?? -1, g.unit],
        compare: keyComparator<K>([true, true, false]),
        after: request.query.cursor
          ? decodeCursor(request.query.cursor, 'units', ['number', 'number', 'string'] as const)
          : null,
        limit: request.query.limit ?? DEFAULT_LIMIT,
      });
      return { units: page.items, nextCursor: page.nextCursor };
    },
  );

  app.get(
    '/fleet/host-units',
    {
      schema: {
        summary: 'Worst units per host: (host, unit) pairs fleet-wide, worst first; ?unit= for one unit name',
        description: 'Units whose host printed no exposure are not listed.',
        querystring: FleetHostUnitsQuery,
        response: { 200: csvContent(FleetHostUnitsResponse) },
      },
    },
    async (request, reply) => {
      const { limit = DEFAULT_LIMIT, cursor, unit } = request.query;
      const labels = request.query.label ?? [];
      const unitId = unit === undefined ? null : queries.lookups.unitId(unit);
      const present = (r: {
        hostId: number;
        host: string;
        unit: string;
        exposure: number;
        failing: number;
      }) => ({
        ...r,
        exposure: r.exposure / 10,
        predicate: predicateFor(r.exposure),
      });
      if (unit !== undefined && unitId === null) {
        if (wantsCsv(request)) return sendCsv(reply, 'fleet-host-units', HOST_UNIT_COLUMNS, []);
        return { units: [], nextCursor: null };
      }
      const page = (after: [number, number, number] | null, size: number) =>
        queries.worstUnits.hostUnits(labels, { unitId, after, limit: size });
      if (wantsCsv(request)) {
        // Walk the keyset page by page as the client reads: no open statement between chunks.
        function* all() {
          let after: [number, number, number] | null = null;
          for (;;) {
            const rows = page(after, CSV_PAGE);
            for (const r of rows) yield present(r.row);
            const last = rows[rows.length - 1];
            if (rows.length < CSV_PAGE || !last) return;
            after = last.key;
          }
        }
        return sendCsv(reply, 'fleet-host-units', HOST_UNIT_COLUMNS, all());
      }
      const after = cursor
        ? decodeCursor(cursor, 'host-units', ['integer', 'integer', 'integer'] as const)
        : null;
      const rows = queries.worstUnits.page(labels, { unitId, after, limit: limit + 1 });
      const items = rows.slice(0, limit);
      const last = items[items.length - 1];
      return {
        units: items.map((r) => present(r.row)),
        nextCursor: rows.length > limit && last ? encodeCursor('host-units', last.key) : null,
      };
    },
  );

  app.get(
    '/fleet/directive-gaps',
    {
      schema: {
        summary:
          'Directive gaps: per check, units and hosts failing it and the exposure fixing it would remove',
        description:
          'exposureGain sums, over the failing units, what fixing the check would take off each score: for now ' +
          "the check's own exposure as the host printed it (the what-if score model will replace it).",
        querystring: FleetPageQuery,
        response: { 200: csvContent(DirectiveGapsResponse) },
      },
    },
    async (request, reply) => {
      const result = queries.gaps.run(request.query.label ?? []);
      const gaps = result.gaps.map((g) => ({ ...g, exposureGain: Math.round(g.exposureGain) / 10 }));
      if (wantsCsv(request)) return sendCsv(reply, 'fleet-directive-gaps', GAP_COLUMNS, gaps);
      type K = [number, number, string];
      const page = pageOf(gaps, {
        kind: 'gaps',
        keyOf: (g): K => [g.exposureGain, g.units, g.check],
        compare: keyComparator<K>([true, true, false]),
        after: request.query.cursor
          ? decodeCursor(request.query.cursor, 'gaps', ['number', 'integer', 'string'] as const)
          : null,
        limit: request.query.limit ?? DEFAULT_LIMIT,
      });
      return { units: result.units, hosts: result.hosts, gaps: page.items, nextCursor: page.nextCursor };
    },
  );
};

const OVERVIEW_COLUMNS: Column<[string, string, string | number | null]>[] = [
  { header: 'section', cell: (r) => r[0] },
  { header: 'key', cell: (r) => r[1] },
  { header: 'value', cell: (r) => r[2] },
];

type TrendRow = {
  day: string;
  week: string | null;
  hosts: number;
  exposure: ReturnType<typeof presentDistribution>;
};
const TREND_COLUMNS: Column<TrendRow>[] = [
  ...fields<TrendRow>('day', 'week', 'hosts'),
  { header: 'units', cell: (r) => r.exposure.units },
  { header: 'median', cell: (r) => r.exposure.median },
  { header: 'p90', cell: (r) => r.exposure.p90 },
  { header: 'worst', cell: (r) => r.exposure.worst },
  ...PREDICATES.map((p): Column<TrendRow> => ({ header: p, cell: (r) => r.exposure.bands[p] })),
];

const UNIT_GROUP_COLUMNS = fields<{
  unit: string;
  hosts: number;
  median: number | null;
  worst: number | null;
  predicate: string | null;
}>('unit', 'hosts', 'median', 'worst', 'predicate');

const HOST_UNIT_COLUMNS = fields<{
  hostId: number;
  host: string;
  unit: string;
  exposure: number;
  predicate: string;
  failing: number;
}>('hostId', 'host', 'unit', 'exposure', 'predicate', 'failing');

const GAP_COLUMNS = fields<{
  check: string;
  name: string;
  description: string | null;
  units: number;
  hosts: number;
  exposureGain: number;
}>('check', 'name', 'description', 'units', 'hosts', 'exposureGain');
