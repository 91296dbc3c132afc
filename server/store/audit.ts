import type { Db } from './db.js';

// The audit log: every change made through the API or the CLI, and every login attempt, with
// who, what, when and from where. It never holds request bodies, so no password or key.

export type ActorKind = 'user' | 'token' | 'cli' | 'setup' | 'anonymous';

export interface AuditEntry {
  actorKind: ActorKind;
  /** A user's name, `token NAME (#id)`, the CLI's OS user, or what an anonymous caller claimed. */
  actor: string;
  /** `login`, `login-failed`, `logout`, `POST /api/v1/users`, `cli token create`, … */
  action: string;
  target?: string | null;
  status?: number | null;
  ip?: string | null;
  detail?: Record<string, unknown> | null;
}

export interface AuditRecord extends Required<AuditEntry> {
  id: number;
  at: number;
}

interface AuditRow {
  id: number;
  at: number;
  actor_kind: ActorKind;
  actor: string;
  action: string;
  target: string | null;
  status: number | null;
  ip: string | null;
  detail: string | null;
}

export class AuditLog {
  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {}

  record(entry: AuditEntry): number {
    return this.db
      .prepare(
        `INSERT INTO audit_log (at, actor_kind, actor, action, target, status, ip, detail)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
      )
      .pluck()
      .get(
        this.now(),
        entry.actorKind,
        entry.actor.slice(0, 200),
        entry.action.slice(0, 300),
        entry.target?.slice(0, 300) ?? null,
        entry.status ?? null,
        entry.ip ?? null,
        entry.detail ? JSON.stringify(entry.detail) : null,
      ) as number;
  }

  /** Newest first; `before` is the id to continue below (keyset paging). */
  list(options: { limit: number; before?: number }): { entries: AuditRecord[]; next: number | null } {
    const rows = this.db
      .prepare('SELECT * FROM audit_log WHERE id < ? ORDER BY id DESC LIMIT ?')
      .all(options.before ?? Number.MAX_SAFE_INTEGER, options.limit + 1) as AuditRow[];
    const more = rows.length > options.limit;
    const page = rows.slice(0, options.limit);
    return {
      entries: page.map((r) => ({
        id: r.id,
        at: r.at,
        actorKind: r.actor_kind,
        actor: r.actor,
        action: r.action,
        target: r.target,
        status: r.status,
        ip: r.ip,
        detail: r.detail === null ? null : (JSON.parse(r.detail) as Record<string, unknown>),
      })),
      next: more ? (page.at(-1)?.id ?? null) : null,
    };
  }
}
