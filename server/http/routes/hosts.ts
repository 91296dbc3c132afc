import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { recompute } from '../../analyze/score/index.js';
import { type DataGeneration, GenerationMemo, labelsKey } from '../../store/generation.js';
import { type HostPageKey, type HostPages, type HostSort, sortName } from '../../store/host-pages.js';
import type { HostView, Views } from '../../store/views.js';
import { type Column, sendCsv, wantsCsv } from '../csv.js';
import { type JsonBody, sendJsonBody, serializeBody } from '../json-body.js';
import { CSV_PAGE, DEFAULT_LIMIT, decodeCursor, encodeCursor } from '../pagination.js';
import { presentCheck, presentHost, presentScan, presentUnit } from '../present.js';
import {
  ErrorBody,
  HostParams,
  HostsQuery,
  HostsResponse,
  HostUnitsResponse,
  LabelsResponse,
  UnitDetailResponse,
  UnitParams,
} from '../schemas.js';
import { csvContent, iso, score } from './fleet-present.js';

export const hostRoutes: FastifyPluginAsyncTypebox<{
  views: Views;
  pages: HostPages;
  generation: DataGeneration;
}> = async (app, { views, pages, generation }) => {
  // A page is a short indexed read, but the browser asks the same first page of the same
  // filter over and over: its JSON (and gzip) is kept until the database changes.
  const pageJson = new GenerationMemo<JsonBody>(generation, 64);
  app.get(
    '/hosts',
    {
      schema: {
        summary: 'The active hosts, a page at a time, worst first by default; CSV: every host',
        querystring: HostsQuery,
        response: { 200: csvContent(HostsResponse) },
      },
    },
    async (request, reply) => {
      const { label: labels = [], status, limit = DEFAULT_LIMIT, cursor } = request.query;
      const filter = { labels, status };
      const key = request.query.sort ?? 'worst';
      const sort: HostSort = { key, order: request.query.order ?? (key === 'worst' ? 'desc' : 'asc') };
      // JSON or CSV by Accept: caches must keep them apart.
      reply.header('vary', 'Accept');
      if (wantsCsv(request)) {
        // Page by page as the client reads: no statement stays open between chunks.
        function* all() {
          let after: HostPageKey | null = null;
          for (;;) {
            const page = pages.page(filter, sort, after, CSV_PAGE);
            yield* page.hosts;
            if (page.next === null) return;
            after = page.next;
          }
        }
        return sendCsv(reply, 'hosts', HOST_COLUMNS, all());
      }
      const kind = `hosts-${sortName(sort)}`;
      const after = cursor
        ? sort.key === 'name'
          ? decodeCursor(cursor, kind, ['string'] as const)
          : decodeCursor(cursor, kind, ['integer', 'string'] as const)
        : null;
      const memoKey = JSON.stringify([labelsKey(labels), status ?? null, kind, cursor ?? null, limit]);
      const json = pageJson.get(memoKey, () => {
        const page = pages.page(filter, sort, after, limit);
        return serializeBody(reply, {
          hosts: page.hosts.map(presentHost),
          nextCursor: page.next === null ? null : encodeCursor(kind, page.next),
        });
      });
      return sendJsonBody(request, reply, json);
    },
  );

  // The label filter's choices: every label of the active hosts, with its host count.
  app.get('/labels', { schema: { response: { 200: LabelsResponse } } }, async () => ({
    labels: views.labels(),
  }));

  app.get(
    '/hosts/:id/units',
    { schema: { params: HostParams, response: { 200: HostUnitsResponse, 404: ErrorBody } } },
    async (request, reply) => {
      const found = views.hostUnits(request.params.id);
      if (!found)
        return reply
          .code(404)
          .send({ statusCode: 404, error: 'Not Found', message: `no host with id ${request.params.id}` });
      return {
        host: presentHost(found.host),
        scan: found.scan ? presentScan(found.scan) : null,
        units: found.units.map(presentUnit),
        errors: found.errors,
      };
    },
  );

  app.get(
    '/hosts/:id/units/:unit',
    { schema: { params: UnitParams, response: { 200: UnitDetailResponse, 404: ErrorBody } } },
    async (request, reply) => {
      const { id, unit } = request.params;
      const found = views.unitDetail(id, unit);
      if (!found) {
        const message = views.hostExists(id)
          ? `host ${id} has no unit ${JSON.stringify(unit)} in its latest successful scan`
          : `no host with id ${id}`;
        return reply.code(404).send({ statusCode: 404, error: 'Not Found', message });
      }
      // Where the model cannot reproduce the host's number (a custom --security-policy, an
      // unknown version), the unit is flagged; the host's number stays the one shown.
      const u = found.unit;
      const model = recompute(
        { unit: u.unit, exposure: u.exposure, predicate: u.predicate, checks: u.checks, partial: false },
        { systemdVersion: found.scan.systemdVersion },
      );
      return {
        host: presentHost(found.host),
        scan: presentScan(found.scan),
        unit: { ...presentUnit(u), checks: u.checks.map(presentCheck) },
        model: {
          exposure: model.exposure,
          matchesHost: model.matchesHost,
          reason: model.reason ?? null,
          source: model.source,
        },
      };
    },
  );
};

// One line per host: what the table shows, labels space-separated (a label has no spaces).
const HOST_COLUMNS: Column<HostView>[] = [
  { header: 'id', cell: (h) => h.id },
  { header: 'name', cell: (h) => h.name },
  { header: 'address', cell: (h) => h.address },
  { header: 'port', cell: (h) => h.port },
  { header: 'user', cell: (h) => h.user },
  { header: 'labels', cell: (h) => h.labels.join(' ') },
  { header: 'lastScanStatus', cell: (h) => h.lastScan?.status },
  { header: 'lastScanAt', cell: (h) => (h.lastScan ? iso(h.lastScan.startedAt) : null) },
  { header: 'os', cell: (h) => h.lastScan?.os },
  { header: 'systemdVersion', cell: (h) => h.lastScan?.systemdVersion },
  { header: 'unitCount', cell: (h) => h.unitCount },
  { header: 'worstExposure', cell: (h) => score(h.worstExposure) },
  { header: 'medianExposure', cell: (h) => score(h.medianExposure) },
  { header: 'source', cell: (h) => h.inventory?.source },
];
