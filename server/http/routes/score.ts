import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { UnitAssessment } from '../../analyze/model.js';
import { predicateFor } from '../../analyze/numbers.js';
import { DropInError, ScoreModelError, suggestDropIn, whatIf } from '../../analyze/score/index.js';
import type { UnitAtScanQuery } from '../../store/queries/unit-at-scan.js';
import type { UnitFilesReader } from '../../store/unit-files.js';
import type { Views } from '../../store/views.js';
import { ErrorBody, UnitParams } from '../schemas.js';

// The score model over stored assessments: what a drop-in would change (POST /whatif) and a
// suggested drop-in per unit. Stored assessments come from collect.sh, i.e. online mode; the
// unit's files come from the same scan's report while it is kept.

const Change = Type.Object({
  id: Type.String(),
  name: Type.String(),
  from: Type.Union([Type.Integer(), Type.Null()]),
  to: Type.Union([Type.Integer(), Type.Null()]),
  range: Type.Union([Type.Integer(), Type.Null()]),
  exact: Type.Boolean(),
});

const WhatIfBody = Type.Object({
  unit: Type.String(),
  before: Type.Number(),
  after: Type.Number(),
  predicateBefore: Type.String(),
  predicateAfter: Type.String(),
  exact: Type.Boolean(),
  reason: Type.Union([Type.String(), Type.Null()]),
  changes: Type.Array(Change),
  basis: Type.Enum(['configuration', 'checks']),
  basisNote: Type.Union([Type.String(), Type.Null()]),
  assumptions: Type.Array(Type.String()),
  ignored: Type.Array(Type.String()),
});

const SuggestionBody = Type.Object({
  unit: Type.String(),
  before: Type.Number(),
  stages: Type.Array(
    Type.Object({
      title: Type.String(),
      lines: Type.Array(
        Type.Object({ directive: Type.String(), comment: Type.String(), removes: Type.Number() }),
      ),
      after: Type.Number(),
      exact: Type.Boolean(),
      reason: Type.Union([Type.String(), Type.Null()]),
    }),
  ),
  remaining: Type.Array(Type.Object({ id: Type.String(), name: Type.String(), badness: Type.Integer() })),
  basis: Type.Enum(['configuration', 'checks']),
  basisNote: Type.Union([Type.String(), Type.Null()]),
  text: Type.String(),
});

class ScoreRequestError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

export const scoreRoutes: FastifyPluginAsyncTypebox<{
  views: Views;
  unitFiles: UnitFilesReader;
  unitAtScan: UnitAtScanQuery;
}> = async (app, { views, unitFiles, unitAtScan }) => {
  const assessment = (
    hostId: number,
    unit: string,
    scanId?: number,
  ): { a: UnitAssessment; systemdVersion: number | null; configuration: string | null } => {
    if (scanId !== undefined) {
      const then = unitAtScan.find(hostId, unit, scanId);
      if (!then)
        throw new ScoreRequestError(
          404,
          `no successful scan ${scanId} of host ${hostId} that saw unit ${JSON.stringify(unit)}`,
        );
      const { exposure, checks, systemdVersion } = then;
      const predicate = exposure === null ? null : predicateFor(exposure);
      return {
        a: { unit, exposure, predicate, checks, partial: false },
        systemdVersion,
        configuration: unitFiles.forScan(scanId, unit),
      };
    }
    const found = views.unitDetail(hostId, unit);
    if (!found) {
      throw new ScoreRequestError(
        404,
        views.hostExists(hostId)
          ? `host ${hostId} has no unit ${JSON.stringify(unit)}`
          : `no host with id ${hostId}`,
      );
    }
    const { unit: u } = found;
    return {
      a: { unit: u.unit, exposure: u.exposure, predicate: u.predicate, checks: u.checks, partial: false },
      systemdVersion: found.scan.systemdVersion,
      configuration: unitFiles.forScan(found.scan.id, u.unit),
    };
  };
  const modelErrors = (err: unknown): never => {
    if (err instanceof DropInError) {
      throw new ScoreRequestError(
        400,
        `invalid drop-in: ${err.problems.map((p) => `line ${p.line}: ${p.message}`).join('; ')}`,
      );
    }
    if (err instanceof ScoreModelError) throw new ScoreRequestError(422, err.message);
    throw err;
  };

  app.post(
    '/whatif',
    {
      schema: {
        body: Type.Object(
          {
            hostId: Type.Integer({ minimum: 1 }),
            unit: Type.String({ minLength: 1, maxLength: 512 }),
            scanId: Type.Optional(
              Type.Integer({
                minimum: 1,
                description:
                  'The unit as this scan of the host saw it (any successful scan in its history); default the last one',
              }),
            ),
            dropin: Type.String({ maxLength: 32_768 }),
          },
          { additionalProperties: false },
        ),
        response: { 200: WhatIfBody, 400: ErrorBody, 404: ErrorBody, 422: ErrorBody },
      },
    },
    async (request) => {
      const { hostId, unit, scanId } = request.body;
      const { a, systemdVersion, configuration } = assessment(hostId, unit, scanId);
      try {
        return whatIf(a, request.body.dropin, { mode: 'online', systemdVersion, configuration });
      } catch (err) {
        return modelErrors(err);
      }
    },
  );

  app.get(
    '/hosts/:id/units/:unit/suggestion',
    { schema: { params: UnitParams, response: { 200: SuggestionBody, 404: ErrorBody, 422: ErrorBody } } },
    async (request) => {
      const { a, systemdVersion, configuration } = assessment(request.params.id, request.params.unit);
      try {
        return suggestDropIn(a, { mode: 'online', systemdVersion, configuration });
      } catch (err) {
        return modelErrors(err);
      }
    },
  );
};
