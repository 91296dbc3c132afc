import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { recompute } from '../../analyze/score/index.js';
import { type DataGeneration, GenerationMemo, labelsKey } from '../../store/generation.js';
import type { Views } from '../../store/views.js';
import { type JsonBody, sendJsonBody, serializeBody } from '../json-body.js';
import { presentCheck, presentHost, presentScan, presentUnit } from '../present.js';
import {
  ErrorBody,
  FleetQuery,
  HostParams,
  HostsResponse,
  HostUnitsResponse,
  LabelsResponse,
  UnitDetailResponse,
  UnitParams,
} from '../schemas.js';

export const hostRoutes: FastifyPluginAsyncTypebox<{ views: Views; generation: DataGeneration }> = async (
  app,
  { views, generation },
) => {
  // Every host in one body (10,000 on a large fleet): serialising it is most of the request, so
  // the JSON, made by the route's own serializer, is kept until the database changes. A few
  // filters at a time: each body is megabytes on a large fleet.
  const hostsJson = new GenerationMemo<JsonBody>(generation, 8);
  app.get(
    '/hosts',
    { schema: { querystring: FleetQuery, response: { 200: HostsResponse } } },
    async (request, reply) => {
      const labels = request.query.label ?? [];
      const json = hostsJson.get(labelsKey(labels), () =>
        serializeBody(reply, { hosts: views.hosts(labels).map(presentHost) }),
      );
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
