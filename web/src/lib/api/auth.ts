// Logging in, the first admin, one's own password, and the admin pages' API (users, tokens,
// audit log). Shapes mirror server/http/auth/schemas.ts.
import { request } from './client';

export type Role = 'viewer' | 'operator' | 'admin';
export type TokenRole = 'metrics' | Role;

export interface Me {
  id: number | null;
  name: string;
  role: TokenRole;
}

export interface Session {
  user: Me;
  via: 'session' | 'token';
  csrfToken: string | null;
  expiresAt: string | null;
}

export interface UserInfo {
  id: number;
  name: string;
  role: Role;
  createdAt: string;
  passwordChangedAt: string;
  sessions: number;
}

export interface TokenInfo {
  id: number;
  name: string;
  role: TokenRole;
  prefix: string;
  createdAt: string;
  createdBy: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export interface AuditEntry {
  id: number;
  at: string;
  actorKind: 'user' | 'token' | 'cli' | 'setup' | 'anonymous';
  actor: string;
  action: string;
  target: string | null;
  status: number | null;
  ip: string | null;
  detail: Record<string, unknown> | null;
}

/** The current session; a 401 (nobody logged in) is an answer here, not an event. */
export function getSession(): Promise<Session> {
  return request('GET', '/auth/session', { quiet401: true });
}

export function getLoginInfo(): Promise<{ setupRequired: boolean }> {
  return request('GET', '/auth/login');
}

export function postLogin(name: string, password: string): Promise<Session> {
  return request('POST', '/auth/login', { body: { name, password }, quiet401: true });
}

export function postSetup(token: string, name: string, password: string): Promise<Session> {
  return request('POST', '/auth/setup', { body: { token, name, password }, quiet401: true });
}

export function postLogout(): Promise<void> {
  return request('POST', '/auth/logout', { quiet401: true });
}

export function postPassword(currentPassword: string, newPassword: string): Promise<Session> {
  return request('POST', '/auth/password', { body: { currentPassword, newPassword } });
}

export function getUsers(signal?: AbortSignal): Promise<{ users: UserInfo[] }> {
  return request('GET', '/users', { signal });
}

export function createUser(name: string, role: Role, password: string): Promise<UserInfo> {
  return request('POST', '/users', { body: { name, role, password } });
}

export function setUserRole(id: number, role: Role): Promise<UserInfo> {
  return request('PATCH', `/users/${encodeURIComponent(id)}`, { body: { role } });
}

export function setUserPassword(id: number, password: string): Promise<void> {
  return request('PUT', `/users/${encodeURIComponent(id)}/password`, { body: { password } });
}

export function deleteUser(id: number): Promise<void> {
  return request('DELETE', `/users/${encodeURIComponent(id)}`);
}

export function getTokens(signal?: AbortSignal): Promise<{ tokens: TokenInfo[] }> {
  return request('GET', '/tokens', { signal });
}

export function createToken(
  name: string,
  role: TokenRole,
  expiresInDays?: number,
): Promise<TokenInfo & { token: string }> {
  return request('POST', '/tokens', { body: { name, role, ...(expiresInDays ? { expiresInDays } : {}) } });
}

export function revokeToken(id: number): Promise<TokenInfo> {
  return request('DELETE', `/tokens/${encodeURIComponent(id)}`);
}

export function getAudit(
  options: { before?: number; limit?: number } = {},
  signal?: AbortSignal,
): Promise<{ entries: AuditEntry[]; next: number | null }> {
  const query = new URLSearchParams();
  if (options.limit) query.set('limit', String(options.limit));
  if (options.before) query.set('before', String(options.before));
  const qs = query.toString();
  return request('GET', `/audit${qs ? `?${qs}` : ''}`, { signal });
}
