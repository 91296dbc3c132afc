import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ConfigError, parseConfig } from '../../server/config/load.js';

const valid = `
listen: 0.0.0.0:9090
database: db/unitscore.db
ssh:
  identityFile: keys/scanner
  knownHosts: /etc/unitscore/known_hosts
hosts:
  - name: web-1
    address: 10.0.0.1
    user: scanner
    labels: [env=prod, role=web]
  - name: db-1
    address: db1.example
    port: 2222
    user: scanner
    identityFile: /keys/db
`;

function configError(text: string): ConfigError {
  try {
    parseConfig(text, '/etc/unitscore/unitscore.yaml');
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    return err;
  }
  assert.fail('config was accepted');
}

describe('config file', () => {
  test('a valid file resolves defaults and paths relative to the file', () => {
    const config = parseConfig(valid, '/etc/unitscore/unitscore.yaml');
    assert.deepEqual(config.listen, { host: '0.0.0.0', port: 9090 });
    assert.equal(config.database, '/etc/unitscore/db/unitscore.db');
    assert.equal(config.hosts.length, 2);
    assert.deepEqual(config.hosts[0], {
      name: 'web-1',
      address: '10.0.0.1',
      port: 22,
      user: 'scanner',
      labels: ['env=prod', 'role=web'],
      identityFile: '/etc/unitscore/keys/scanner',
      knownHosts: '/etc/unitscore/known_hosts',
    });
    assert.equal(config.hosts[1]?.port, 2222);
    assert.equal(config.hosts[1]?.identityFile, '/keys/db');
    assert.equal(config.scan.intervalMs, 3_600_000);
  });

  test('an empty file is a valid config with no hosts', () => {
    assert.deepEqual(parseConfig('', '/x.yaml').hosts, []);
  });

  test('a bad value names the file, the line and the key', () => {
    const err = configError(valid.replace('port: 2222', 'port: 99999'));
    assert.equal(err.key, 'hosts[1].port');
    assert.equal(err.line, 14);
    assert.match(err.message, /^\/etc\/unitscore\/unitscore\.yaml:14: hosts\[1\]\.port: must be <= 65535$/);
  });

  test('an unknown key is named', () => {
    const err = configError(
      valid.replace('    user: scanner\n    labels', '    usr: scanner\n    user: scanner\n    labels'),
    );
    assert.equal(err.key, 'hosts[0].usr');
    assert.match(err.message, /unknown key/);
  });

  test('a missing required key is named', () => {
    const err = configError('hosts:\n  - name: web-1\n    user: scanner\n');
    assert.equal(err.key, 'hosts[0].address');
    assert.match(err.message, /is required/);
  });

  test('invalid YAML gets the line', () => {
    const err = configError('hosts:\n  - name: [unclosed\n');
    assert.match(err.message, /invalid YAML/);
    assert.ok(err.line !== null);
  });

  test('duplicate host names are refused', () => {
    const err = configError(valid.replace('name: db-1', 'name: web-1'));
    assert.equal(err.key, 'hosts[1].name');
    assert.match(err.message, /duplicate host name 'web-1'/);
  });

  test('a host name that could reach a shell or a path is refused', () => {
    const err = configError(valid.replace('name: db-1', 'name: "db-1; rm -rf /"'));
    assert.equal(err.key, 'hosts[1].name');
  });
});

describe('ssh options like OpenSSH', () => {
  const dir = mkdtempSync(join(tmpdir(), 'unitscore-sshcfg-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(
    join(dir, 'ssh_config'),
    [
      'Host web-*',
      '  User deploy',
      '  ProxyJump jump@bastion.example:2200',
      'Host web-1',
      '  HostName 10.0.0.5',
      '  Port 2222',
      '  IdentityFile keys/web',
      'Host bastion.example',
      '  IdentityFile keys/bastion',
      '',
    ].join('\n'),
  );

  test('ssh_config fills HostName, User, Port, IdentityFile and ProxyJump; the YAML wins', () => {
    const config = parseConfig(
      `ssh: {configFile: ssh_config, identityFile: keys/default}\nhosts:\n  - {name: w1, address: web-1}\n  - {name: w2, address: web-2, user: ops, jump: "a@b1,b2:2201"}\n`,
      join(dir, 'unitscore.yaml'),
    );
    const [w1, w2] = config.hosts;
    assert.equal(w1?.address, '10.0.0.5');
    assert.equal(w1?.port, 2222);
    assert.equal(w1?.user, 'deploy');
    assert.equal(w1?.identityFile, join(dir, 'keys/web'));
    assert.deepEqual(
      w1?.jump?.map((j) => [j.user, j.address, j.port, j.identityFile]),
      [['jump', 'bastion.example', 2200, join(dir, 'keys/bastion')]],
    );
    assert.equal(w2?.user, 'ops');
    assert.deepEqual(
      w2?.jump?.map((j) => [j.user, j.address, j.port, j.identityFile]),
      [
        ['a', 'b1', 22, join(dir, 'keys/default')],
        ['ops', 'b2', 2201, join(dir, 'keys/default')],
      ],
    );
  });

  test('a host with no user anywhere is refused, naming it', () => {
    const err = configError('hosts:\n  - {name: x, address: 10.1.1.1}\n');
    assert.equal(err.key, 'hosts[0]');
    assert.match(err.message, /no user/);
  });

  test('the passphrase comes from the environment or a file, and a missing one is named', () => {
    writeFileSync(join(dir, 'pass'), 'secret words\n');
    const fromFile = parseConfig(
      `ssh: {passphraseFile: pass}\nhosts: [{name: a, address: h, user: u}]\n`,
      join(dir, 'u.yaml'),
    );
    assert.equal(fromFile.hosts[0]?.passphrase, 'secret words');
    process.env.UNITSCORE_TEST_PASSPHRASE = 'from env';
    const fromEnv = parseConfig(
      `ssh: {passphraseEnv: UNITSCORE_TEST_PASSPHRASE}\nhosts: [{name: a, address: h, user: u}]\n`,
      join(dir, 'u.yaml'),
    );
    assert.equal(fromEnv.hosts[0]?.passphrase, 'from env');
    const err = configError('ssh: {passphraseEnv: UNITSCORE_NOT_SET_ANYWHERE}\n');
    assert.match(err.message, /UNITSCORE_NOT_SET_ANYWHERE is not set/);
  });

  test('a malformed jump spec is refused', () => {
    const err = configError('hosts:\n  - {name: a, address: h, user: u, jump: "bad host"}\n');
    assert.equal(err.key, 'hosts[0].jump');
  });
});
