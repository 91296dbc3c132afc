import type { HostTarget } from '../config/config.js';
import { type HostDefaults, type HostSpec, resolveHostSpec, specOfTarget } from '../config/host-spec.js';
import type { Db } from '../store/db.js';
import { type InventorySource, InventoryStore } from '../store/host-inventory.js';
import { HostTable } from '../store/hosts.js';
import { checkHost, HostSpecError, patchHost } from './host-edit.js';

// The live inventory: the config file's hosts and the hosts added through the API, one list.
//
// - Config hosts are the file's: read-only through the API (409), rewritten from the file at
//   every start; a host that left the file is retired.
// - API hosts live in the database (host_inventory) and survive restarts, resolved at start
//   with the config file's current ssh defaults.
// - One name, one host: the API refuses a name the inventory has (409). When the config file
//   gains a host the API had added, the file takes it over at the next start (a warning says
//   so); its history goes on, the API's definition is dropped.
// - Removing a host retires it: history kept, no longer listed or scanned. Adding the name again
//   brings the same host back, history and pinned host key included.
// Every change reaches the scheduler at once through onChange.

export interface InventoryEntry {
  id: number;
  name: string;
  source: InventorySource;
  spec: HostSpec;
  /** What the scanner uses; null when the host cannot be resolved any more (see problem). */
  target: HostTarget | null;
  problem: string | null;
}

export type InventoryErrorCode = 'invalid' | 'exists' | 'read-only' | 'not-found';

export class InventoryError extends Error {
  override name = 'InventoryError';
  constructor(
    readonly code: InventoryErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface InventoryOptions {
  defaults: HostDefaults;
  /** The config file, named in the refusal to change its hosts; null for the embedded demo. */
  configFile: string | null;
  now?: () => number;
}

export class Inventory {
  private readonly byName = new Map<string, InventoryEntry>();
  private readonly listeners = new Set<(targets: HostTarget[]) => void>();
  private readonly table: HostTable;
  private readonly store: InventoryStore;
  private readonly now: () => number;
  private readonly retired;
  /** Name → host id of every active host, kept current: the scan recorder reads it. */
  readonly ids = new Map<string, number>();

  constructor(
    private readonly db: Db,
    private readonly options: InventoryOptions,
  ) {
    this.table = new HostTable(db);
    this.store = new InventoryStore(db);
    this.now = options.now ?? Date.now;
    this.retired = db.prepare('SELECT id FROM hosts WHERE name = ? AND retired_at IS NOT NULL').pluck();
  }

  /**
   * At start: the config file's hosts and the API's from the database into one inventory, every
   * other host retired. Returns warnings for the log (hosts taken over or not resolvable).
   */
  load(configHosts: readonly HostTarget[]): string[] {
    const warnings: string[] = [];
    const configNames = new Set(configHosts.map((h) => h.name));
    const now = this.now();
    this.byName.clear();
    this.ids.clear();
    const leaving = this.db
      .prepare(
        'SELECT id FROM hosts WHERE retired_at IS NULL AND name NOT IN (SELECT value FROM json_each(?))',
      )
      .pluck();
    this.db.transaction(() => {
      const apiHosts = this.store.active().filter((r) => r.source === 'api');
      for (const target of configHosts) {
        const id = this.table.upsert(target, now);
        const spec = specOfTarget(target, this.options.defaults);
        this.store.put(id, 'config', spec, 'config', now);
        this.remember({ id, name: target.name, source: 'config', spec, target, problem: null });
      }
      for (const record of apiHosts) {
        if (configNames.has(record.name)) {
          warnings.push(
            `host ${record.name} is now in the config file, which takes it over; the definition added through the API is dropped`,
          );
          continue;
        }
        const entry: InventoryEntry = { ...record, id: record.hostId, target: null, problem: null };
        try {
          entry.target = resolveHostSpec(record.spec, this.options.defaults);
          this.table.upsert(entry.target, now);
        } catch (err) {
          entry.problem = (err as Error).message;
          warnings.push(`host ${record.name} (added through the API) is not scanned: ${entry.problem}`);
        }
        this.remember(entry);
      }
      for (const id of leaving.all(JSON.stringify([...this.byName.keys()])) as number[])
        this.table.retire(id, now);
    })();
    return warnings;
  }

  /** Every host the scheduler should scan. */
  targets(): HostTarget[] {
    return [...this.byName.values()].flatMap((e) => (e.target ? [e.target] : []));
  }

  get(id: number): InventoryEntry | null {
    for (const entry of this.byName.values()) if (entry.id === id) return entry;
    return null;
  }

  /** Called with the new targets after every change. */
  onChange(listener: (targets: HostTarget[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * A host from the API; `revived` when a retired host of that name came back (its history with
   * it). Throws InventoryError: invalid (400) or exists (409).
   */
  add(body: unknown, actor: string): { entry: InventoryEntry; revived: boolean } {
    const { spec, target } = this.checked(() => checkHost(body, this.options.defaults));
    const existing = this.byName.get(spec.name);
    if (existing)
      throw new InventoryError(
        'exists',
        `a host named ${spec.name} is already in the inventory (id ${existing.id}, ${this.origin(existing)})`,
      );
    const revived = this.retired.get(spec.name) !== undefined;
    return {
      entry: this.save({ id: 0, name: spec.name, source: 'api', spec, target, problem: null }, actor),
      revived,
    };
  }

  /** A partial change of a host the API added. Throws InventoryError (any code). */
  update(id: number, patch: unknown, actor: string): InventoryEntry {
    const entry = this.editable(id);
    const { spec, target } = this.checked(() =>
      checkHost(patchHost(entry.spec, patch), this.options.defaults),
    );
    return this.save({ ...entry, spec, target, problem: null }, actor);
  }

  /** Retires a host the API added: history kept, scans stop. Throws not-found or read-only. */
  remove(id: number): InventoryEntry {
    const entry = this.editable(id);
    this.db.transaction(() => this.table.retire(entry.id, this.now()))();
    this.byName.delete(entry.name);
    this.ids.delete(entry.name);
    this.changed();
    return entry;
  }

  private editable(id: number): InventoryEntry {
    const entry = this.get(id);
    if (!entry) throw new InventoryError('not-found', `no host with id ${id} in the inventory`);
    if (entry.source === 'config')
      throw new InventoryError(
        'read-only',
        `host ${entry.name} comes from ${this.origin(entry)}: change it there and restart unitscore; ` +
          'the API changes only the hosts added through it',
      );
    return entry;
  }

  private origin(entry: InventoryEntry): string {
    if (entry.source === 'api') return 'added through the API';
    return this.options.configFile ? `the config file ${this.options.configFile}` : 'the built-in demo fleet';
  }

  private checked<T>(check: () => T): T {
    try {
      return check();
    } catch (err) {
      if (err instanceof HostSpecError) throw new InventoryError('invalid', `invalid host: ${err.message}`);
      throw err;
    }
  }

  private save(entry: InventoryEntry & { target: HostTarget }, actor: string): InventoryEntry {
    const now = this.now();
    const id = this.db.transaction(() => {
      const hostId = this.table.upsert(entry.target, now);
      this.store.put(hostId, entry.source, entry.spec, actor, now);
      return hostId;
    })();
    const saved = { ...entry, id };
    this.remember(saved);
    this.changed();
    return saved;
  }

  private remember(entry: InventoryEntry): void {
    this.byName.set(entry.name, entry);
    this.ids.set(entry.name, entry.id);
  }

  private changed(): void {
    const targets = this.targets();
    for (const listener of this.listeners) listener(targets);
  }
}
