// Who may call what: the one place that says it. Every route the app registers must match a
// rule here, or the app refuses to start (server/http/auth/access.ts) and the route-walk test
// fails (test/integration/auth-routes.test.ts). A new route gets a rule in the same change.
//
//   public         anyone: the health check, logging in, creating the first admin, the web app's shell
//   viewer         any user or token with a role (read)
//   operator       operators and admins (scan now, acknowledge alerts, waivers)
//   admin          admins (hosts, credentials, users, tokens, channels, audit log)
//   metrics-token  Prometheus: a token of role `metrics`, or anyone who may read (viewer and up)
//
// HEAD is answered by the GET rule. A path ending in `/*` covers everything below it.

export const ACCESS_LEVELS = ['public', 'viewer', 'operator', 'admin', 'metrics-token'] as const;
export type Access = (typeof ACCESS_LEVELS)[number];

export interface AccessRule {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Fastify's route pattern, prefix included (`/api/v1/hosts/:id`), or a `/*` subtree. */
  path: string;
  access: Access;
}

const rule = (method: AccessRule['method'], path: string, access: Access): AccessRule => ({
  method,
  path,
  access,
});

export const ROLE_MATRIX: readonly AccessRule[] = [
  // Public: nothing here returns fleet data.
  rule('GET', '/api/v1/health', 'public'),
  rule('GET', '/api/v1/auth/login', 'public'),
  rule('POST', '/api/v1/auth/login', 'public'),
  rule('POST', '/api/v1/auth/setup', 'public'),
  // The web app's shell and assets, so the login page can load; all data comes from /api/v1.
  rule('GET', '/', 'public'),
  rule('GET', '/index.html', 'public'),
  rule('GET', '/assets/*', 'public'),

  // One's own session.
  rule('GET', '/api/v1/auth/session', 'viewer'),
  rule('POST', '/api/v1/auth/logout', 'viewer'),
  rule('POST', '/api/v1/auth/password', 'viewer'),

  // Reading the fleet.
  rule('GET', '/api/v1/hosts', 'viewer'),
  rule('GET', '/api/v1/hosts/:id', 'viewer'),
  rule('GET', '/api/v1/labels', 'viewer'),
  rule('GET', '/api/v1/hosts/:id/units', 'viewer'),
  rule('GET', '/api/v1/hosts/:id/units/:unit', 'viewer'),
  rule('GET', '/api/v1/hosts/:id/units/:unit/suggestion', 'viewer'),
  // A computation over stored data: it changes nothing, so viewers may ask.
  rule('POST', '/api/v1/whatif', 'viewer'),
  rule('GET', '/api/v1/hosts/:id/trend', 'viewer'),
  rule('GET', '/api/v1/hosts/:id/units/:unit/trend', 'viewer'),
  rule('GET', '/api/v1/hosts/:id/units/:unit/history', 'viewer'),
  rule('GET', '/api/v1/hosts/:id/diff', 'viewer'),
  rule('GET', '/api/v1/scans/activity', 'viewer'),
  rule('GET', '/api/v1/scans/events', 'viewer'),
  rule('GET', '/api/v1/fleet/overview', 'viewer'),
  rule('GET', '/api/v1/fleet/trend', 'viewer'),
  rule('GET', '/api/v1/fleet/units', 'viewer'),
  rule('GET', '/api/v1/fleet/host-units', 'viewer'),
  rule('GET', '/api/v1/fleet/directive-gaps', 'viewer'),
  // The API's description: no fleet data, but the API is for users.
  rule('GET', '/api/v1/openapi.json', 'viewer'),
  rule('GET', '/api/docs', 'viewer'),
  rule('GET', '/api/docs/*', 'viewer'),

  rule('GET', '/metrics', 'metrics-token'),

  // Operating: scan now (acknowledging alerts and waivers will join here).
  rule('POST', '/api/v1/scans', 'operator'),

  // Administration.
  rule('POST', '/api/v1/hosts', 'admin'),
  rule('PATCH', '/api/v1/hosts/:id', 'admin'),
  rule('DELETE', '/api/v1/hosts/:id', 'admin'),
  rule('GET', '/api/v1/users', 'admin'),
  rule('POST', '/api/v1/users', 'admin'),
  rule('PATCH', '/api/v1/users/:id', 'admin'),
  rule('DELETE', '/api/v1/users/:id', 'admin'),
  rule('PUT', '/api/v1/users/:id/password', 'admin'),
  rule('GET', '/api/v1/tokens', 'admin'),
  rule('POST', '/api/v1/tokens', 'admin'),
  rule('DELETE', '/api/v1/tokens/:id', 'admin'),
  rule('GET', '/api/v1/audit', 'admin'),
];

/** The rule for a route as Fastify registers it, or null when there is none. */
export function accessFor(method: string, url: string, matrix: readonly AccessRule[] = ROLE_MATRIX) {
  const m = method === 'HEAD' ? 'GET' : method;
  const matches = (path: string) => (path.endsWith('/*') ? url.startsWith(path.slice(0, -1)) : url === path);
  return matrix.find((r) => r.method === m && matches(r.path)) ?? null;
}
