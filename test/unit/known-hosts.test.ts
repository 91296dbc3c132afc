import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  entryMatchesHost,
  fingerprint,
  KnownHosts,
  knownKeyTypes,
  parseKnownHosts,
  verifyHostKey,
} from '../../server/collect/known-hosts.js';

// Keys, hashed entries and fingerprints are made by OpenSSH's own ssh-keygen, so the reader is
// checked against the format's owner, not against itself.
describe('known_hosts', () => {
  let dir: string;
  const key = (name: string) => {
    const [type, blob] = readFileSync(join(dir, `${name}.pub`), 'utf8')
      .trim()
      .split(' ');
    return { type: type as string, blob: blob as string, raw: Buffer.from(blob as string, 'base64') };
  };
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'unitscore-kh-'));
    for (const name of ['a', 'b']) {
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, name)]);
    }
    execFileSync('ssh-keygen', ['-q', '-t', 'rsa', '-b', '2048', '-N', '', '-f', join(dir, 'r')]);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('plain entries: host on port 22, [host]:port otherwise', () => {
    const a = key('a');
    const entries = parseKnownHosts(
      `web1,10.0.0.1 ${a.type} ${a.blob}\n[10.0.0.2]:2222 ${a.type} ${a.blob} comment\n`,
    );
    assert.deepEqual(verifyHostKey(entries, '10.0.0.1', 22, a.raw), { verdict: 'match' });
    assert.deepEqual(verifyHostKey(entries, 'web1', 22, a.raw), { verdict: 'match' });
    assert.deepEqual(verifyHostKey(entries, '10.0.0.2', 2222, a.raw), { verdict: 'match' });
    assert.deepEqual(verifyHostKey(entries, '10.0.0.2', 22, a.raw), { verdict: 'unknown' });
    assert.deepEqual(verifyHostKey(entries, '10.0.0.1', 2222, a.raw), { verdict: 'unknown' });
  });

  test('hashed entries written by ssh-keygen -H', () => {
    const a = key('a');
    const file = join(dir, 'hashed');
    writeFileSync(file, `[127.0.1.5]:2222 ${a.type} ${a.blob}\nhost.example ${a.type} ${a.blob}\n`);
    execFileSync('ssh-keygen', ['-H', '-f', file], { stdio: 'ignore' });
    const text = readFileSync(file, 'utf8');
    assert.match(text, /^\|1\|/);
    assert.doesNotMatch(text, /127\.0\.1\.5|host\.example/);
    const entries = parseKnownHosts(text);
    assert.deepEqual(verifyHostKey(entries, '127.0.1.5', 2222, a.raw), { verdict: 'match' });
    assert.deepEqual(verifyHostKey(entries, 'host.example', 22, a.raw), { verdict: 'match' });
    assert.deepEqual(verifyHostKey(entries, '127.0.1.6', 2222, a.raw), { verdict: 'unknown' });
  });

  test('a different key for a known host is a changed key, naming the known fingerprint', () => {
    const a = key('a');
    const b = key('b');
    const entries = parseKnownHosts(`db1 ${a.type} ${a.blob}\n`);
    const verdict = verifyHostKey(entries, 'db1', 22, b.raw);
    assert.equal(verdict.verdict, 'changed');
    const expected = execFileSync('ssh-keygen', ['-l', '-f', join(dir, 'a.pub')], { encoding: 'utf8' }).split(
      ' ',
    )[1];
    assert.deepEqual(verdict.verdict === 'changed' && verdict.knownFingerprints, [expected]);
  });

  test('fingerprints match ssh-keygen -l', () => {
    for (const name of ['a', 'r']) {
      const printed = execFileSync('ssh-keygen', ['-l', '-f', join(dir, `${name}.pub`)], {
        encoding: 'utf8',
      }).split(' ')[1];
      assert.equal(fingerprint(key(name).raw), printed);
    }
  });

  test('@revoked refuses the key for every host; @cert-authority is not a host key', () => {
    const a = key('a');
    const entries = parseKnownHosts(
      `@revoked * ${a.type} ${a.blob}\nweb1 ${a.type} ${a.blob}\n@cert-authority *.example ${a.type} ${a.blob}\n`,
    );
    assert.deepEqual(verifyHostKey(entries, 'web1', 22, a.raw), { verdict: 'revoked' });
    const caOnly = parseKnownHosts(`@cert-authority *.example ${a.type} ${a.blob}\n`);
    assert.deepEqual(verifyHostKey(caOnly, 'x.example', 22, a.raw), { verdict: 'unknown' });
  });

  test('wildcards and negation', () => {
    const a = key('a');
    const entries = parseKnownHosts(
      `*.prod.example,!bad.prod.example ${a.type} ${a.blob}\n10.1.?.1 ${a.type} ${a.blob}\n`,
    );
    assert.equal(verifyHostKey(entries, 'web.prod.example', 22, a.raw).verdict, 'match');
    assert.equal(verifyHostKey(entries, 'bad.prod.example', 22, a.raw).verdict, 'unknown');
    assert.equal(verifyHostKey(entries, '10.1.7.1', 22, a.raw).verdict, 'match');
    assert.equal(verifyHostKey(entries, '10.1.77.1', 22, a.raw).verdict, 'unknown');
  });

  test('comments, blank and broken lines are passed over; key types known per host', () => {
    const a = key('a');
    const r = key('r');
    const entries = parseKnownHosts(
      `# comment\n\nbroken-line\nweb1 ${a.type} ${a.blob}\nweb1 ${r.type} ${r.blob}\nweb2 ${r.type} ${r.blob}\n`,
    );
    assert.equal(entries.length, 3);
    assert.deepEqual(knownKeyTypes(entries, 'web1', 22).sort(), ['ssh-ed25519', 'ssh-rsa']);
    assert.deepEqual(knownKeyTypes(entries, 'web3', 22), []);
  });
  test('the name index finds exactly the entries a walk of the whole file finds, in file order', () => {
    const a = key('a');
    const b = key('b');
    const file = join(dir, 'mixed');
    const lines = [
      `Web1,10.0.0.1 ${a.type} ${a.blob}`,
      `web1 ${b.type} ${b.blob}`,
      `*.prod.example,!bad.prod.example ${a.type} ${a.blob}`,
      `[10.0.0.2]:2222,web2 ${b.type} ${b.blob}`,
      `@revoked web3 ${a.type} ${a.blob}`,
      `db.prod.example ${b.type} ${b.blob}`,
      `10.0.0.? ${b.type} ${b.blob}`,
    ];
    writeFileSync(file, `${lines.join('\n')}\nhashed.example ${a.type} ${a.blob}\n`);
    execFileSync('ssh-keygen', ['-H', '-f', file], { stdio: 'ignore' });
    const entries = parseKnownHosts(
      `${lines.join('\n')}\n${readFileSync(file, 'utf8').split('\n').at(-2)}\n`,
    );
    const index = new KnownHosts(entries);
    const names = [
      'web1',
      'WEB1',
      '10.0.0.1',
      '10.0.0.9',
      '[10.0.0.2]:2222',
      'web2',
      'web3',
      'db.prod.example',
    ];
    names.push('bad.prod.example', 'x.prod.example', 'hashed.example', 'nowhere');
    for (const name of names) {
      const walked = entries.filter((e) => e.marker === null && entryMatchesHost(e, name));
      assert.deepEqual(index.forName(name), walked, name);
    }
    assert.deepEqual(
      index.forName('db.prod.example').map((e) => e.line),
      [3, 6],
    );
    assert.equal(index.revokes(a.raw), true);
    assert.equal(index.revokes(b.raw), false);
  });
});
