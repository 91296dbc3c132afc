import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { stringify } from 'yaml';
import { defaultHostDefaults, resolveHostSpec, specOfTarget } from '../../server/config/host-spec.js';
import { ConfigError, parseConfig } from '../../server/config/load.js';
import { checkHost, HostSpecError, patchHost } from '../../server/inventory/host-edit.js';

// The hosts API and the config file accept and refuse the same hosts, for the same reasons: both
// go through server/config/host-spec.ts.

const defaults = defaultHostDefaults('/etc/unitscore');
const good = { name: 'web-1', address: '10.0.0.1', user: 'scanner' };

function loaderReason(host: unknown): string {
  try {
    parseConfig(stringify({ hosts: [host] }), '/etc/unitscore/unitscore.yaml');
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return `${err.key?.replace(/^hosts\[0\]\.?/, '') ?? ''}: ${err.reason}`;
  }
  return 'accepted';
}

function apiReason(host: unknown): string {
  try {
    checkHost(host, defaults);
  } catch (err) {
    assert.ok(err instanceof HostSpecError, String(err));
    const [first] = err.problems;
    return `${first?.key ?? ''}: ${first?.reason}`;
  }
  return 'accepted';
}

describe('one host, checked the same way by the config loader and the API', () => {
  test('the same verdict and the same reason for every case', () => {
    const cases: unknown[] = [
      good,
      { ...good, port: 2222, labels: ['env=prod'], jump: 'bastion.example:2200', intervalMinutes: 30 },
      { ...good, name: 'bad name' },
      { ...good, port: 0 },
      { ...good, port: '22' },
      { ...good, colour: 'blue' },
      { ...good, labels: ['a b'] },
      { ...good, jump: ['ok', 'not ok'] },
      { ...good, trustOnFirstUse: 'yes' },
      { name: 'x' },
      { name: 'x', address: '10.0.0.1' },
    ];
    for (const host of cases) assert.equal(apiReason(host), loaderReason(host), JSON.stringify(host));
    assert.equal(
      apiReason({ name: 'x', address: 'a' }),
      ': no user: set user here or User in the ssh_config file',
    );
  });

  test('a resolved host written back as a spec resolves to the same host', () => {
    const target = resolveHostSpec(
      {
        ...good,
        port: 2222,
        labels: ['a'],
        jump: ['jump@[fd00::1]:2200', 'b.example'],
        trustOnFirstUse: true,
      },
      defaults,
    );
    assert.deepEqual(resolveHostSpec(specOfTarget(target), defaults), target);
    assert.deepEqual(resolveHostSpec(specOfTarget(target, defaults), defaults), target);
    assert.deepEqual(specOfTarget(target).jump, ['jump@[fd00::1]:2200', 'scanner@b.example']);
    assert.equal(specOfTarget(target).identityFile, defaults.ssh.identityFile);
    assert.equal(specOfTarget(target, defaults).identityFile, undefined, 'the default is not repeated');
  });

  test('a change replaces the keys given, null drops one, the name stays', () => {
    const spec = { ...good, port: 2222, labels: ['a'] };
    assert.deepEqual(patchHost(spec, { labels: ['b'], port: null }), { ...good, labels: ['b'] });
    assert.deepEqual(patchHost(spec, { name: 'web-1' }), spec, 'the same name is no change');
    assert.throws(() => patchHost(spec, { name: 'web-2' }), /^HostSpecError: name: cannot be changed/);
    assert.throws(() => patchHost(spec, [1]), /must be object/);
    assert.throws(() => checkHost(patchHost(spec, { address: null }), defaults), /address: is required/);
    assert.deepEqual(checkHost({ ...good, jump: 'a,b:2' }, defaults).spec.jump, ['a', 'b:2']);
  });
});
