// `unitscore user …` and `unitscore token …` (server/auth-cli.ts) against a real config and
// database, and what they make working in the HTTP app.
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { after, describe, test } from 'node:test';
import { type AuthCliIo, authMain } from '../../server/auth-cli.js';
import { buildApp } from '../../server/http/app.js';
import { AuditLog } from '../../server/store/audit.js';
import { openDb } from '../../server/store/db.js';
import { login } from '../support/auth.js';

function io(input = ''): AuthCliIo & { out(): string; err(): string } {
  const stdin = new PassThrough();
  stdin.end(input);
  let out = '';
  let err = '';
  const sink = (append: (s: string) => void) =>
    new Writable({
      write(chunk, _enc, done) {
        append(String(chunk));
        done();
      },
    });
  return {
    stdin: stdin as unknown as NodeJS.ReadStream,
    stdout: sink((s) => {
      out += s;
    }),
    stderr: sink((s) => {
      err += s;
    }),
    out: () => out,
    err: () => err,
  };
}

describe('unitscore user / token', () => {
  const dir = mkdtempSync(join(tmpdir(), 'unitscore-auth-cli-'));
  const database = join(dir, 'cli.db');
  const configFile = join(dir, 'unitscore.yaml');
  writeFileSync(configFile, `database: ${database}\n`);
  after(() => rmSync(dir, { recursive: true, force: true }));
  const run = async (argv: string[], input?: string) => {
    const streams = io(input);
    const code = await authMain(argv, { configFile, io: streams });
    return { code, stdout: streams.out(), stderr: streams.err() };
  };

  test('user add makes the first admin from a password file, and it can log in', async () => {
    const passwordFile = join(dir, 'pw');
    writeFileSync(passwordFile, 'a password from a file\n');
    chmodSync(passwordFile, 0o600);
    const added = await run(['user', 'add', 'alice', '--role', 'admin', '--password-file', passwordFile]);
    assert.deepEqual(added, { code: 0, stdout: 'user alice (admin) created\n', stderr: '' });

    const db = openDb(database);
    const app = await buildApp({ db, version: 't', demo: false, webDir: null });
    try {
      const session = await login(app, 'alice', 'a password from a file');
      assert.equal((await app.inject({ url: '/api/v1/users', headers: session.cookie })).statusCode, 200);
      assert.equal(app.auth.setupPending(), false, 'no setup token once a user exists');
    } finally {
      await app.close();
      db.close();
    }
  });

  test('a password from stdin; a readable password file is used with a warning; bad input exits 2 or 1', async () => {
    assert.equal(
      (await run(['user', 'add', 'bob', '--role', 'viewer', '--password-file', '-'], 'bob password 1\n'))
        .code,
      0,
    );
    const loose = join(dir, 'loose');
    writeFileSync(loose, 'carol password\n');
    chmodSync(loose, 0o644);
    const carol = await run(['user', 'add', 'carol', '--role', 'operator', '--password-file', loose]);
    assert.equal(carol.code, 0);
    assert.match(carol.stderr, /can be read by other users; chmod 600 it/);

    const noRole = await run(['user', 'add', 'dave', '--password-file', '-'], 'x');
    assert.equal(noRole.code, 2);
    assert.match(noRole.stderr, /user add needs --role viewer\|operator\|admin/);
    const noTty = await run(['user', 'add', 'dave', '--role', 'viewer']);
    assert.equal(noTty.code, 2);
    assert.match(noTty.stderr, /no terminal to ask for the password: use --password-file/);
    const short = await run(['user', 'add', 'dave', '--role', 'viewer', '--password-file', '-'], 'short\n');
    assert.equal(short.code, 1);
    assert.match(short.stderr, /at least 10 characters/);
    const twice = await run(
      ['user', 'add', 'bob', '--role', 'viewer', '--password-file', '-'],
      'bob password 2\n',
    );
    assert.equal(twice.code, 1);
    assert.match(twice.stderr, /a user named bob exists/);
  });

  test('user list, role, passwd and remove; the last admin stays', async () => {
    const list = await run(['user', 'list']);
    assert.equal(list.code, 0);
    assert.match(list.stdout, /^NAME +ROLE +CREATED +PASSWORD CHANGED\nalice +admin +\d{4}-/);
    assert.match(list.stdout, /\nbob +viewer /);
    assert.equal((await run(['user', 'role', 'bob', 'operator'])).stdout, 'bob is now operator\n');
    const passwd = await run(['user', 'passwd', 'bob', '--password-file', '-'], 'bob new password\n');
    assert.equal(passwd.stdout, 'password of bob changed; their sessions ended\n');
    assert.equal((await run(['user', 'remove', 'carol'])).code, 0);
    const last = await run(['user', 'remove', 'alice']);
    assert.equal(last.code, 1);
    assert.match(last.stderr, /the last admin cannot be removed/);
    assert.equal((await run(['user', 'remove', 'nobody'])).code, 1);
  });

  test('token create prints only the token on stdout; it works until revoked', async () => {
    const created = await run([
      'token',
      'create',
      '--name',
      'prometheus',
      '--role',
      'metrics',
      '--expires-days',
      '90',
    ]);
    assert.equal(created.code, 0);
    const token = created.stdout.trim();
    assert.match(token, /^usk_[A-Za-z0-9_-]{43}$/);
    assert.match(created.stderr, /^token #1 prometheus \(metrics, expires \d{4}-.+\); shown this once/);
    assert.equal((await run(['token', 'create', '--name', 'x', '--role', 'root'])).code, 1);
    assert.equal((await run(['token', 'create', '--role', 'viewer'])).code, 2);

    const db = openDb(database);
    const app = await buildApp({ db, version: 't', demo: false, webDir: null });
    try {
      const auth = { authorization: `Bearer ${token}` };
      assert.equal((await app.inject({ url: '/metrics', headers: auth })).statusCode, 200);
      const list = await run(['token', 'list']);
      assert.match(list.stdout, /\n1 +prometheus +metrics +usk_\S{6}… .* live$/m);
      assert.ok(!list.stdout.includes(token));
      assert.equal((await run(['token', 'revoke', '1'])).stdout, 'token #1 revoked\n');
      assert.equal((await run(['token', 'revoke', '1'])).stdout, 'token #1 was revoked already\n');
      assert.equal((await app.inject({ url: '/metrics', headers: auth })).statusCode, 401);

      // Each change is in the audit log, as the CLI's OS user.
      const actions = new AuditLog(db)
        .list({ limit: 100 })
        .entries.filter((e) => e.actorKind === 'cli')
        .map((e) => `${e.action} ${e.target}`);
      assert.deepEqual(actions.reverse(), [
        'cli user add user alice',
        'cli user add user bob',
        'cli user add user carol',
        'cli user role user bob',
        'cli user passwd user bob',
        'cli user remove user carol',
        'cli token create token prometheus (#1)',
        'cli token revoke token prometheus (#1)',
      ]);
    } finally {
      await app.close();
      db.close();
    }
  });
});
