import type { FastifyError, FastifyInstance } from 'fastify';

// One place decides what a client sees when something goes wrong: the reason for a 4xx, a
// generic sentence for a 5xx (the details go to the log, not to the client).
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status =
      error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 500) {
      request.log.error({ err: error }, 'request failed');
      return reply.code(500).send({
        statusCode: 500,
        error: 'Internal Server Error',
        message: 'internal error; see the server log',
      });
    }
    const message = error.validation
      ? `invalid ${error.validationContext ?? 'request'}: ${error.validation.map((v) => `${v.instancePath || '/'} ${v.message}`).join('; ')}`
      : error.message;
    return reply.code(status).send({ statusCode: status, error: httpReason(status), message });
  });

  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send({
      statusCode: 404,
      error: 'Not Found',
      message: `no route ${request.method} ${request.url.split('?')[0]}`,
    });
  });
}

function httpReason(status: number): string {
  const reasons: Record<number, string> = {
    401: 'Unauthorized',
    403: 'Forbidden',
    409: 'Conflict',
    422: 'Unprocessable Entity',
    429: 'Too Many Requests',
    400: 'Bad Request',
    404: 'Not Found',
    405: 'Method Not Allowed',
    413: 'Payload Too Large',
    415: 'Unsupported Media Type',
  };
  return reasons[status] ?? 'Client Error';
}
