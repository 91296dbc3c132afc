import { createHash, randomBytes } from 'node:crypto';
import type { Db } from './db.js';
import type { Role, User } from './users.js';

// The two kinds of credential that stand for someone after login: browser sessions (a cookie)
// and API tokens (Authorization: Bearer). Both are 256 random bits, handed out once and stored
// only as their SHA-256: a stolen database or backup opens nothing.

const sha256 = (value: string) => createHash('sha256').update(value).digest();
const randomToken = () => randomBytes(32).toString('base64url');

/** Writes of last-seen times are coalesced to one a minute per credential. */
const TOUCH_EVERY_MS = 60_000;

export interface SessionPolicy {
  /** A session unused this long ends. */
  idleMs: number;
  /** And any session ends this long after login. */
  absoluteMs: number;
}

export const defaultSessionPolicy: SessionPolicy = { idleMs: 12 * 3_600_000, absoluteMs: 7 * 24 * 3_600_000 };

export interface NewSession {
  /** The cookie's value: the only copy. */
  token: string;
  csrfToken: string;
  expiresAt: number;
}

export interface ActiveSession {
  user: User;
  csrfToken: string;
  expiresAt: number;
}

interface SessionRow {
  user_id: number;
  csrf_token: string;
  created_at: number;
  last_seen_at: number;
  expires_at: number;
  name: string;
  role: Role;
  user_created_at: number;
  password_changed_at: number;
}

export class Sessions {
  constructor(
    private readonly db: Db,
    private readonly policy: SessionPolicy = defaultSessionPolicy,
    private readonly now: () => number = Date.now,
  ) {}

  create(userId: number, from: { ip?: string; userAgent?: string } = {}): NewSession {
    const token = randomToken();
    const csrfToken = randomToken();
    const now = this.now();
    const expiresAt = now + Math.min(this.policy.idleMs, this.policy.absoluteMs);
    this.db
      .prepare(
        `INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, last_seen_at, expires_at, ip, user_agent)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        sha256(token),
        userId,
        csrfToken,
        now,
        now,
        expiresAt,
        from.ip ?? null,
        from.userAgent?.slice(0, 300) ?? null,
      );
    return { token, csrfToken, expiresAt };
  }

  /** The live session of this cookie value, its idle expiry pushed forward; null when none. */
  resolve(token: string): ActiveSession | null {
    if (token.length === 0 || token.length > 100) return null;
    const id = sha256(token);
    const row = this.db
      .prepare(
        `SELECT s.user_id, s.csrf_token, s.created_at, s.last_seen_at, s.expires_at, u.name, u.role,
                u.created_at AS user_created_at, u.password_changed_at
         FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id_hash = ?`,
      )
      .get(id) as SessionRow | undefined;
    if (!row) return null;
    const now = this.now();
    if (row.expires_at <= now) {
      this.db.prepare('DELETE FROM sessions WHERE id_hash = ?').run(id);
      return null;
    }
    let expiresAt = row.expires_at;
    if (now - row.last_seen_at >= TOUCH_EVERY_MS) {
      expiresAt = Math.min(now + this.policy.idleMs, row.created_at + this.policy.absoluteMs);
      this.db
        .prepare('UPDATE sessions SET last_seen_at = ?, expires_at = ? WHERE id_hash = ?')
        .run(now, expiresAt, id);
    }
    return {
      user: {
        id: row.user_id,
        name: row.name,
        role: row.role,
        createdAt: row.user_created_at,
        passwordChangedAt: row.password_changed_at,
      },
      csrfToken: row.csrf_token,
      expiresAt,
    };
  }

  destroy(token: string): boolean {
    return this.db.prepare('DELETE FROM sessions WHERE id_hash = ?').run(sha256(token)).changes > 0;
  }

  destroyAllOf(userId: number): number {
    return this.db.prepare('DELETE FROM sessions WHERE user_id = ?').run(userId).changes;
  }

  countOf(userId: number): number {
    return this.db
      .prepare('SELECT count(*) FROM sessions WHERE user_id = ? AND expires_at > ?')
      .pluck()
      .get(userId, this.now()) as number;
  }

  purgeExpired(): number {
    return this.db.prepare('DELETE FROM sessions WHERE expires_at <= ?').run(this.now()).changes;
  }
}

export const TOKEN_ROLES = ['metrics', 'viewer', 'operator', 'admin'] as const;
export type TokenRole = (typeof TOKEN_ROLES)[number];
const TOKEN_PREFIX = 'usk_';
const TOKEN_NAME = /^[\w .@:/-]{1,64}$/;

export class TokenError extends Error {
  override name = 'TokenError';
  constructor(
    readonly code: 'bad-name' | 'bad-role' | 'bad-expiry' | 'not-found',
    message: string,
  ) {
    super(message);
  }
}

export interface ApiToken {
  id: number;
  name: string;
  role: TokenRole;
  /** `usk_` and the first characters: enough to recognise, not to use. */
  prefix: string;
  createdAt: number;
  createdBy: string;
  expiresAt: number | null;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

interface TokenRow {
  id: number;
  name: string;
  role: TokenRole;
  prefix: string;
  created_at: number;
  created_by: string;
  expires_at: number | null;
  last_used_at: number | null;
  revoked_at: number | null;
}

const toToken = (row: TokenRow): ApiToken => ({
  id: row.id,
  name: row.name,
  role: row.role,
  prefix: row.prefix,
  createdAt: row.created_at,
  createdBy: row.created_by,
  expiresAt: row.expires_at,
  lastUsedAt: row.last_used_at,
  revokedAt: row.revoked_at,
});

export class ApiTokens {
  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {}

  /** Makes a token; `token` in the answer is the only time its value exists outside the caller. */
  create(options: {
    name: string;
    role: string;
    createdBy: string;
    expiresAt?: number | null;
  }): ApiToken & { token: string } {
    if (!TOKEN_NAME.test(options.name))
      throw new TokenError('bad-name', 'a token name is 1-64 letters, digits, spaces or . _ - @ : /');
    if (!(TOKEN_ROLES as readonly string[]).includes(options.role))
      throw new TokenError(
        'bad-role',
        `a token's role is one of ${TOKEN_ROLES.join(', ')}, not ${JSON.stringify(options.role)}`,
      );
    const now = this.now();
    const expiresAt = options.expiresAt ?? null;
    if (expiresAt !== null && expiresAt <= now)
      throw new TokenError('bad-expiry', 'the expiry of a new token must be in the future');
    const token = `${TOKEN_PREFIX}${randomToken()}`;
    const prefix = token.slice(0, TOKEN_PREFIX.length + 6);
    const id = this.db
      .prepare(
        `INSERT INTO api_tokens (name, role, token_hash, prefix, created_at, created_by, expires_at)
         VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
      )
      .pluck()
      .get(options.name, options.role, sha256(token), prefix, now, options.createdBy, expiresAt) as number;
    return {
      id,
      name: options.name,
      role: options.role as TokenRole,
      prefix,
      createdAt: now,
      createdBy: options.createdBy,
      expiresAt,
      lastUsedAt: null,
      revokedAt: null,
      token,
    };
  }

  /** The token this bearer value is, if it is live (not revoked, not expired). */
  resolve(value: string): ApiToken | null {
    if (!value.startsWith(TOKEN_PREFIX) || value.length > 100) return null;
    const row = this.db.prepare('SELECT * FROM api_tokens WHERE token_hash = ?').get(sha256(value)) as
      | TokenRow
      | undefined;
    const now = this.now();
    if (!row || row.revoked_at !== null || (row.expires_at !== null && row.expires_at <= now)) return null;
    if (row.last_used_at === null || now - row.last_used_at >= TOUCH_EVERY_MS) {
      this.db.prepare('UPDATE api_tokens SET last_used_at = ? WHERE id = ?').run(now, row.id);
      row.last_used_at = now;
    }
    return toToken(row);
  }

  list(): ApiToken[] {
    return (this.db.prepare('SELECT * FROM api_tokens ORDER BY id').all() as TokenRow[]).map(toToken);
  }

  get(id: number): ApiToken | null {
    const row = this.db.prepare('SELECT * FROM api_tokens WHERE id = ?').get(id) as TokenRow | undefined;
    return row ? toToken(row) : null;
  }

  /** Revokes a token (it stays listed, marked revoked); false when it already was. */
  revoke(id: number): boolean {
    const token = this.get(id);
    if (!token) throw new TokenError('not-found', `no token with id ${id}`);
    if (token.revokedAt !== null) return false;
    this.db.prepare('UPDATE api_tokens SET revoked_at = ? WHERE id = ?').run(this.now(), id);
    return true;
  }
}
