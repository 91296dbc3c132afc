import type { Db } from './db.js';

export interface PinnedKey {
  keyType: string;
  fingerprint: string;
}

export type HostEventKind = 'hostkey-changed' | 'hostkey-pinned';

/** Host keys pinned in the database, and the host events alerting acts on. */
export class HostKeys {
  private readonly statements;

  constructor(db: Db) {
    this.statements = {
      pinned: db.prepare('SELECT key_type AS keyType, fingerprint FROM host_keys WHERE host_id = ?'),
      pin: db.prepare(`INSERT INTO host_keys (host_id, key_type, fingerprint, pinned_at, pinned_by) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (host_id) DO UPDATE SET key_type = excluded.key_type, fingerprint = excluded.fingerprint,
          pinned_at = excluded.pinned_at, pinned_by = excluded.pinned_by`),
      event: db.prepare('INSERT INTO host_events (host_id, at, kind, detail) VALUES (?, ?, ?, ?)'),
      events: db.prepare(
        'SELECT at, kind, detail FROM host_events WHERE host_id = ? ORDER BY at DESC, id DESC LIMIT ?',
      ),
    };
  }

  pinned(hostId: number): PinnedKey | null {
    return (this.statements.pinned.get(hostId) as PinnedKey | undefined) ?? null;
  }

  pin(hostId: number, key: PinnedKey, by: 'first-use' | 'operator', now = Date.now()): void {
    this.statements.pin.run(hostId, key.keyType, key.fingerprint, now, by);
  }

  event(hostId: number, kind: HostEventKind, detail: Record<string, unknown>, now = Date.now()): void {
    this.statements.event.run(hostId, now, kind, JSON.stringify(detail));
  }

  events(hostId: number, limit = 50): { at: number; kind: HostEventKind; detail: Record<string, unknown> }[] {
    return (
      this.statements.events.all(hostId, limit) as { at: number; kind: HostEventKind; detail: string }[]
    ).map((e) => ({ ...e, detail: JSON.parse(e.detail) as Record<string, unknown> }));
  }
}
