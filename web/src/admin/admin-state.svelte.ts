import {
  type AuditEntry,
  createToken,
  createUser,
  deleteUser,
  getAudit,
  getTokens,
  getUsers,
  type Role,
  revokeToken,
  setUserPassword,
  setUserRole,
  type TokenInfo,
  type TokenRole,
  type UserInfo,
} from '../lib/api/auth';
import { errorMessage } from '../lib/api/client';
import {
  addHost,
  changeHost,
  getInventory,
  type HostPatch,
  type NewHost,
  removeHost,
} from '../lib/api/inventory';
import type { HostSummary } from '../lib/api/types';

// State of the admin pages. Every change goes through the API, which checks the role again and
// writes the audit log; these classes only keep what the tables show.

const capitalized = (err: unknown) => {
  const message = errorMessage(err);
  return message.charAt(0).toUpperCase() + message.slice(1);
};

export abstract class Loadable {
  phase: 'loading' | 'ready' | 'error' = $state('loading');
  error = $state('');
  /** The last change's failure, shown beside the form. */
  actionError = $state('');
  notice = $state('');

  protected async change(action: () => Promise<unknown>, notice = ''): Promise<boolean> {
    this.actionError = '';
    this.notice = '';
    try {
      await action();
      this.notice = notice;
      await this.load();
      return true;
    } catch (err) {
      this.actionError = capitalized(err);
      return false;
    }
  }

  abstract load(signal?: AbortSignal): Promise<void>;
}

export class UsersState extends Loadable {
  users: UserInfo[] = $state([]);

  async load(signal?: AbortSignal): Promise<void> {
    try {
      this.users = (await getUsers(signal)).users;
      this.phase = 'ready';
    } catch (err) {
      if (signal?.aborted) return;
      this.error = capitalized(err);
      this.phase = 'error';
    }
  }

  add(name: string, role: Role, password: string): Promise<boolean> {
    return this.change(() => createUser(name, role, password), `User ${name} created.`);
  }

  setRole(user: UserInfo, role: Role): Promise<boolean> {
    return this.change(
      () => setUserRole(user.id, role),
      `${user.name} is now ${role}; their sessions ended.`,
    );
  }

  setPassword(user: UserInfo, password: string): Promise<boolean> {
    return this.change(
      () => setUserPassword(user.id, password),
      `Password of ${user.name} set; their sessions ended.`,
    );
  }

  remove(user: UserInfo): Promise<boolean> {
    return this.change(() => deleteUser(user.id), `User ${user.name} deleted.`);
  }
}

export class TokensState extends Loadable {
  tokens: TokenInfo[] = $state([]);
  /** The token just created: its value is shown this once. */
  created: (TokenInfo & { token: string }) | null = $state(null);

  async load(signal?: AbortSignal): Promise<void> {
    try {
      this.tokens = (await getTokens(signal)).tokens;
      this.phase = 'ready';
    } catch (err) {
      if (signal?.aborted) return;
      this.error = capitalized(err);
      this.phase = 'error';
    }
  }

  create(name: string, role: TokenRole, expiresInDays?: number): Promise<boolean> {
    this.created = null;
    return this.change(async () => {
      this.created = await createToken(name, role, expiresInDays);
    });
  }

  revoke(token: TokenInfo): Promise<boolean> {
    if (this.created?.id === token.id) this.created = null;
    return this.change(() => revokeToken(token.id), `Token ${token.name} revoked.`);
  }
}

export class AuditState extends Loadable {
  entries: AuditEntry[] = $state([]);
  next: number | null = $state(null);

  async load(signal?: AbortSignal): Promise<void> {
    try {
      const page = await getAudit({ limit: 100 }, signal);
      this.entries = page.entries;
      this.next = page.next;
      this.phase = 'ready';
    } catch (err) {
      if (signal?.aborted) return;
      this.error = capitalized(err);
      this.phase = 'error';
    }
  }

  async more(): Promise<void> {
    if (this.next === null) return;
    try {
      const page = await getAudit({ limit: 100, before: this.next });
      this.entries = [...this.entries, ...page.entries];
      this.next = page.next;
    } catch (err) {
      this.actionError = capitalized(err);
    }
  }
}

export class InventoryState extends Loadable {
  hosts: HostSummary[] = $state([]);

  async load(signal?: AbortSignal): Promise<void> {
    try {
      this.hosts = await getInventory(signal);
      this.phase = 'ready';
    } catch (err) {
      if (signal?.aborted) return;
      this.error = capitalized(err);
      this.phase = 'error';
    }
  }

  add(host: NewHost): Promise<boolean> {
    return this.change(() => addHost(host), `Host ${host.name} added; its first scan starts shortly.`);
  }

  edit(host: HostSummary, patch: HostPatch): Promise<boolean> {
    if (Object.keys(patch).length === 0) return Promise.resolve(true);
    return this.change(() => changeHost(host.id, patch), `Host ${host.name} changed.`);
  }

  remove(host: HostSummary): Promise<boolean> {
    return this.change(
      () => removeHost(host.id),
      `Host ${host.name} removed: no longer scanned; its history is kept. Adding ${host.name} again brings it back.`,
    );
  }
}
