import { readFileSync, statSync } from 'node:fs';
import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { defaults, loadConfig } from './config/load.js';
import { AuditLog } from './store/audit.js';
import { type Db, openDb } from './store/db.js';
import { ApiTokens, TOKEN_ROLES, TokenError } from './store/sessions.js';
import { ROLES, UserError, Users } from './store/users.js';

// `unitscore user …` and `unitscore token …`: managing access from the server's shell, which is
// how the first admin can be made without any web access (and how a lost admin is recovered).

export const AUTH_USAGE = `  unitscore user add NAME --role viewer|operator|admin [--password-file FILE|-]
                                             create a user; the password is asked for (twice, not
                                             shown) or read from the file's first line
  unitscore user passwd NAME [--password-file FILE|-]
                                             set a user's password; ends the user's sessions
  unitscore user role NAME viewer|operator|admin
  unitscore user list
  unitscore user remove NAME
  unitscore token create --name NAME --role metrics|viewer|operator|admin [--expires-days N]
                                             print a new API token (shown once; send it as
                                             Authorization: Bearer TOKEN)
  unitscore token list
  unitscore token revoke ID
  (all take --config FILE; without it, the demo's database ${defaults.database})`;

export class AuthUsageError extends Error {
  override name = 'AuthUsageError';
}

export interface AuthCliIo {
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

const processIo = (): AuthCliIo => ({ stdin: process.stdin, stdout: process.stdout, stderr: process.stderr });

/** Reads a line without echoing it (a TTY in raw mode). */
function promptHidden(question: string, io: AuthCliIo): Promise<string> {
  const { stdin, stderr } = io;
  return new Promise((resolvePassword, reject) => {
    stderr.write(question);
    let value = '';
    stdin.setRawMode(true);
    stdin.setEncoding('utf8');
    stdin.resume();
    const done = (err: Error | null) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.removeListener('data', onData);
      stderr.write('\n');
      if (err) reject(err);
      else resolvePassword(value);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') return done(null);
        if (ch === '\u0003' || ch === '\u0004') return done(new AuthUsageError('cancelled'));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else if (ch >= ' ') value += ch;
      }
    };
    stdin.on('data', onData);
  });
}

async function readAll(stream: NodeJS.ReadStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8');
}

async function readPassword(file: string | undefined, io: AuthCliIo): Promise<string> {
  if (file !== undefined) {
    let text: string;
    if (file === '-') text = await readAll(io.stdin);
    else {
      if ((statSync(file).mode & 0o077) !== 0)
        io.stderr.write(`warning: ${file} can be read by other users; chmod 600 it, or delete it now\n`);
      text = readFileSync(file, 'utf8');
    }
    const line = text.split(/\r?\n/)[0] ?? '';
    if (line === '') throw new AuthUsageError(`no password in ${file === '-' ? 'standard input' : file}`);
    return line;
  }
  if (!io.stdin.isTTY)
    throw new AuthUsageError(
      'no terminal to ask for the password: use --password-file FILE (or - for stdin)',
    );
  const first = await promptHidden('Password: ', io);
  const again = await promptHidden('Password again: ', io);
  if (first !== again) throw new AuthUsageError('the two passwords differ');
  return first;
}

function cliActor(): string {
  try {
    return `${userInfo().username}@cli`;
  } catch {
    return `uid ${process.getuid?.() ?? '?'}@cli`;
  }
}

const iso = (ms: number | null) => (ms === null ? '-' : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z'));

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/**
 * Runs `user …` or `token …` (argv starts with that word) against the database of
 * `configFile` (or the demo's default). Returns the exit status: 0, 1 when refused, 2 on bad usage.
 */
export async function authMain(
  argv: string[],
  options: { configFile?: string; io?: AuthCliIo; openDatabase?: (file: string) => Db } = {},
): Promise<number> {
  const io = options.io ?? processIo();
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      config: { type: 'string', short: 'c' },
      role: { type: 'string' },
      name: { type: 'string' },
      'password-file': { type: 'string' },
      'expires-days': { type: 'string' },
    },
  });
  const [noun, verb, ...rest] = positionals;
  const configFile = values.config ?? options.configFile;
  const database = configFile ? loadConfig(configFile).database : resolve(defaults.database);
  const db = (options.openDatabase ?? openDb)(database);
  const audit = new AuditLog(db);
  const actor = cliActor();
  const log = (action: string, target: string, detail?: Record<string, unknown>) =>
    audit.record({ actorKind: 'cli', actor, action: `cli ${action}`, target, detail: detail ?? null });
  const out = (text: string) => io.stdout.write(`${text}\n`);
  try {
    if (noun === 'user') {
      const users = new Users(db);
      const named = (name: string | undefined) => {
        if (!name) throw new AuthUsageError(`user ${verb} needs a user NAME`);
        const user = users.byName(name);
        if (!user) throw new UserError('not-found', `no user named ${name}`);
        return user;
      };
      switch (verb) {
        case 'add': {
          const name = rest[0];
          if (!name) throw new AuthUsageError('user add needs a NAME');
          if (!values.role) throw new AuthUsageError(`user add needs --role ${ROLES.join('|')}`);
          if (!(ROLES as readonly string[]).includes(values.role))
            throw new AuthUsageError(`--role must be one of ${ROLES.join(', ')}`);
          if (users.byName(name)) throw new UserError('exists', `a user named ${name} exists`);
          const password = await readPassword(values['password-file'], io);
          const user = await users.create(name, values.role, password);
          log('user add', `user ${user.name}`, { role: user.role });
          out(`user ${user.name} (${user.role}) created`);
          return 0;
        }
        case 'passwd': {
          const user = named(rest[0]);
          const password = await readPassword(values['password-file'], io);
          await users.setPassword(user.id, password);
          log('user passwd', `user ${user.name}`, { sessionsEnded: true });
          out(`password of ${user.name} changed; their sessions ended`);
          return 0;
        }
        case 'role': {
          const user = named(rest[0]);
          const role = rest[1];
          if (!role) throw new AuthUsageError(`user role NAME needs a role: ${ROLES.join('|')}`);
          users.setRole(user.id, role);
          log('user role', `user ${user.name}`, { role, was: user.role });
          out(`${user.name} is now ${role}`);
          return 0;
        }
        case 'remove': {
          const user = named(rest[0]);
          users.remove(user.id);
          log('user remove', `user ${user.name}`);
          out(`user ${user.name} removed`);
          return 0;
        }
        case 'list': {
          const rows = users.list().map((u) => [u.name, u.role, iso(u.createdAt), iso(u.passwordChangedAt)]);
          out(
            rows.length === 0
              ? 'no users'
              : table([['NAME', 'ROLE', 'CREATED', 'PASSWORD CHANGED'], ...rows]),
          );
          return 0;
        }
        default:
          throw new AuthUsageError(`unknown command 'user ${verb ?? ''}'`);
      }
    }
    if (noun === 'token') {
      const tokens = new ApiTokens(db);
      switch (verb) {
        case 'create': {
          if (!values.name) throw new AuthUsageError('token create needs --name NAME');
          if (!values.role) throw new AuthUsageError(`token create needs --role ${TOKEN_ROLES.join('|')}`);
          const days = values['expires-days'];
          if (days !== undefined && !/^[1-9]\d{0,3}$/.test(days))
            throw new AuthUsageError('--expires-days takes a whole number of days, 1-9999');
          const created = tokens.create({
            name: values.name,
            role: values.role,
            createdBy: actor,
            expiresAt: days === undefined ? null : Date.now() + Number(days) * 86_400_000,
          });
          log('token create', `token ${created.name} (#${created.id})`, {
            role: created.role,
            expiresAt: created.expiresAt === null ? null : iso(created.expiresAt),
          });
          // The token alone on stdout (for `$(unitscore token create …)`), the rest on stderr.
          io.stderr.write(
            `token #${created.id} ${created.name} (${created.role}${created.expiresAt === null ? ', no expiry' : `, expires ${iso(created.expiresAt)}`}); ` +
              'shown this once, store it now:\n',
          );
          out(created.token);
          return 0;
        }
        case 'list': {
          const rows = tokens
            .list()
            .map((t) => [
              String(t.id),
              t.name,
              t.role,
              `${t.prefix}…`,
              iso(t.createdAt),
              iso(t.expiresAt),
              iso(t.lastUsedAt),
              t.revokedAt === null ? 'live' : `revoked ${iso(t.revokedAt)}`,
            ]);
          out(
            rows.length === 0
              ? 'no tokens'
              : table([
                  ['ID', 'NAME', 'ROLE', 'PREFIX', 'CREATED', 'EXPIRES', 'LAST USED', 'STATE'],
                  ...rows,
                ]),
          );
          return 0;
        }
        case 'revoke': {
          const id = Number(rest[0]);
          if (!Number.isInteger(id) || id < 1)
            throw new AuthUsageError('token revoke needs a token ID (see token list)');
          const token = tokens.get(id);
          const revoked = tokens.revoke(id);
          if (revoked) log('token revoke', `token ${token?.name} (#${id})`);
          out(revoked ? `token #${id} revoked` : `token #${id} was revoked already`);
          return 0;
        }
        default:
          throw new AuthUsageError(`unknown command 'token ${verb ?? ''}'`);
      }
    }
    throw new AuthUsageError(`unknown command '${noun ?? ''}'`);
  } catch (err) {
    if (err instanceof AuthUsageError) {
      io.stderr.write(`unitscore: ${err.message}\n\n${AUTH_USAGE}\n`);
      return 2;
    }
    if (err instanceof UserError || err instanceof TokenError) {
      io.stderr.write(`unitscore: ${err.message}\n`);
      return 1;
    }
    throw err;
  } finally {
    db.close();
  }
}
