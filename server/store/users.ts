import { randomBytes, scrypt as scryptCallback, timingSafeEqual } from 'node:crypto';
import type { Db } from './db.js';

export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const USER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
export const PASSWORD_MIN = 10;
export const PASSWORD_MAX = 1024;

export class UserError extends Error {
  override name = 'UserError';
  constructor(
    readonly code: 'bad-name' | 'bad-password' | 'bad-role' | 'exists' | 'not-found' | 'last-admin',
    message: string,
  ) {
    super(message);
  }
}

export interface User {
  id: number;
  name: string;
  role: Role;
  createdAt: number;
  passwordChangedAt: number;
}

// scrypt (RFC 7914) from node:crypto: memory-hard, no native dependency. N = 2^15, r = 8 takes
// 32 MiB and ~60 ms a hash on a small VM; the parameters are stored with each hash, so they
// can be raised later without invalidating the old ones.
const SCRYPT = { N: 1 << 15, r: 8, p: 1, keyLength: 32, saltLength: 16 };

function scrypt(password: string, salt: Buffer, N: number, r: number, p: number, length: number) {
  return new Promise<Buffer>((resolve, reject) =>
    scryptCallback(password.normalize('NFC'), salt, length, { N, r, p, maxmem: 256 * N * r }, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  );
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SCRYPT.saltLength);
  const key = await scrypt(password, salt, SCRYPT.N, SCRYPT.r, SCRYPT.p, SCRYPT.keyLength);
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const key = await scrypt(
    password,
    Buffer.from(salt, 'base64'),
    Number(n),
    Number(r),
    Number(p),
    expected.length,
  );
  return timingSafeEqual(key, expected);
}

// A login for a name that does not exist still costs one scrypt, so the time taken does not
// tell which names exist.
let decoyHash: Promise<string> | null = null;
function decoy(): Promise<string> {
  decoyHash ??= hashPassword(randomBytes(16).toString('hex'));
  return decoyHash;
}

export function checkPassword(password: string): void {
  if (password.length < PASSWORD_MIN)
    throw new UserError('bad-password', `a password needs at least ${PASSWORD_MIN} characters`);
  if (password.length > PASSWORD_MAX)
    throw new UserError('bad-password', `a password has at most ${PASSWORD_MAX} characters`);
}

function checkRole(role: string): asserts role is Role {
  if (!(ROLES as readonly string[]).includes(role))
    throw new UserError('bad-role', `role must be one of ${ROLES.join(', ')}, not ${JSON.stringify(role)}`);
}

interface UserRow {
  id: number;
  name: string;
  role: Role;
  password_hash: string;
  created_at: number;
  password_changed_at: number;
}

const toUser = (row: UserRow): User => ({
  id: row.id,
  name: row.name,
  role: row.role,
  createdAt: row.created_at,
  passwordChangedAt: row.password_changed_at,
});

/** Local users. Changing a password or a role, or deleting a user, ends the user's sessions. */
export class Users {
  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {}

  count(): number {
    return this.db.prepare('SELECT count(*) FROM users').pluck().get() as number;
  }

  list(): User[] {
    return (this.db.prepare('SELECT * FROM users ORDER BY name').all() as UserRow[]).map(toUser);
  }

  get(id: number): User | null {
    const row = this.db.prepare('SELECT * FROM users WHERE id = ?').get(id) as UserRow | undefined;
    return row ? toUser(row) : null;
  }

  byName(name: string): User | null {
    const row = this.db.prepare('SELECT * FROM users WHERE name = ?').get(name) as UserRow | undefined;
    return row ? toUser(row) : null;
  }

  async create(name: string, role: string, password: string): Promise<User> {
    if (!USER_NAME.test(name))
      throw new UserError(
        'bad-name',
        'a user name is 1-64 letters, digits, dots, dashes or underscores, starting with a letter or digit',
      );
    checkRole(role);
    checkPassword(password);
    const hash = await hashPassword(password);
    const now = this.now();
    try {
      const id = this.db
        .prepare(
          'INSERT INTO users (name, role, password_hash, created_at, password_changed_at) VALUES (?, ?, ?, ?, ?) RETURNING id',
        )
        .pluck()
        .get(name, role, hash, now, now) as number;
      return { id, name, role, createdAt: now, passwordChangedAt: now };
    } catch (err) {
      if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE')
        throw new UserError('exists', `a user named ${name} exists`);
      throw err;
    }
  }

  /** The user whose name and password these are, or null; always spends one scrypt. */
  async authenticate(name: string, password: string): Promise<User | null> {
    const row = this.db.prepare('SELECT * FROM users WHERE name = ?').get(name) as UserRow | undefined;
    if (!row || password.length > PASSWORD_MAX) {
      await verifyPassword(password.slice(0, PASSWORD_MAX), await decoy());
      return null;
    }
    return (await verifyPassword(password, row.password_hash)) ? toUser(row) : null;
  }

  async setPassword(id: number, password: string): Promise<void> {
    checkPassword(password);
    const hash = await hashPassword(password);
    this.db.transaction(() => {
      const changed = this.db
        .prepare('UPDATE users SET password_hash = ?, password_changed_at = ? WHERE id = ?')
        .run(hash, this.now(), id).changes;
      if (changed === 0) throw new UserError('not-found', `no user with id ${id}`);
      this.db.prepare('DELETE FROM sessions WHERE user_id = ?').run(id);
    })();
  }

  setRole(id: number, role: string): User {
    checkRole(role);
    return this.db.transaction(() => {
      const user = this.get(id);
      if (!user) throw new UserError('not-found', `no user with id ${id}`);
      if (user.role === 'admin' && role !== 'admin') this.keepAnAdmin();
      this.db.prepare('UPDATE users SET role = ? WHERE id = ?').run(role, id);
      if (role !== user.role) this.db.prepare('DELETE FROM sessions WHERE user_id = ?').run(id);
      return { ...user, role };
    })();
  }

  remove(id: number): User {
    return this.db.transaction(() => {
      const user = this.get(id);
      if (!user) throw new UserError('not-found', `no user with id ${id}`);
      if (user.role === 'admin') this.keepAnAdmin();
      this.db.prepare('DELETE FROM users WHERE id = ?').run(id); // sessions cascade
      return user;
    })();
  }

  // Without an admin nobody can manage users through the API any more (the CLI still can).
  private keepAnAdmin(): void {
    const admins = this.db.prepare("SELECT count(*) FROM users WHERE role = 'admin'").pluck().get() as number;
    if (admins <= 1) throw new UserError('last-admin', 'the last admin cannot be removed or demoted');
  }
}
