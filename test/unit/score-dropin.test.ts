import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { capabilityNumber } from '../../server/analyze/score/capabilities.js';
import { type Directive, DropInError, parseDropIn } from '../../server/analyze/score/dropin.js';

const problemsOf = (text: string) => {
  try {
    parseDropIn(text);
  } catch (err) {
    assert.ok(err instanceof DropInError);
    assert.equal(err.code, 'invalid-drop-in');
    return err.problems.map((p) => ({ line: p.line, code: p.code }));
  }
  assert.fail('expected a DropInError');
};

const only = (text: string): Directive => {
  const d = parseDropIn(`[Service]\n${text}\n`).directives;
  assert.equal(d.length, 1);
  return d[0] as Directive;
};

describe('parseDropIn', () => {
  it('reads the scored directives and keeps the rest as not changing the score', () => {
    const d = parseDropIn(
      [
        '# hardening',
        '[Unit]',
        'DefaultDependencies=no',
        '',
        '[Service]',
        'ExecStart=/usr/bin/true',
        'ProtectSystem = strict',
        'ReadWritePaths=/var/lib/app',
        '; a comment',
        'PrivateTmp=on',
        '[Install]',
        'WantedBy=multi-user.target',
      ].join('\n'),
    );
    assert.deepEqual(
      d.directives.map((x) => [x.key, x.line]),
      [
        ['DefaultDependencies', 3],
        ['ProtectSystem', 7],
        ['PrivateTmp', 10],
      ],
    );
    assert.deepEqual(only('ProtectSystem=true'), { key: 'ProtectSystem', value: 'yes', line: 2 });
    assert.deepEqual(
      d.ignored.map((i) => `${i.key}:${i.line}`),
      ['ExecStart:6', 'ReadWritePaths:8', 'WantedBy:12'],
    );
  });

  it('parses lists the way systemd does: ~ deny lists, empty resets, errno suffixes, aliases', () => {
    assert.deepEqual(only('CapabilityBoundingSet=~CAP_SYS_ADMIN cap_net_raw'), {
      key: 'CapabilityBoundingSet',
      invert: true,
      caps: [capabilityNumber('CAP_SYS_ADMIN'), capabilityNumber('CAP_NET_RAW')],
      line: 2,
    });
    assert.deepEqual(only('CapabilityBoundingSet='), {
      key: 'CapabilityBoundingSet',
      invert: false,
      caps: [],
      line: 2,
    });
    assert.deepEqual(only('SystemCallFilter=~@mount reboot:EPERM'), {
      key: 'SystemCallFilter',
      reset: false,
      invert: true,
      names: ['@mount', 'reboot'],
      line: 2,
    });
    assert.deepEqual(only('SystemCallFilter='), {
      key: 'SystemCallFilter',
      reset: true,
      invert: false,
      names: [],
      line: 2,
    });
    assert.deepEqual(only('RestrictAddressFamilies=AF_LOCAL AF_ROUTE'), {
      key: 'RestrictAddressFamilies',
      value: { invert: false, families: ['AF_UNIX', 'AF_NETLINK'] },
      line: 2,
    });
    assert.deepEqual(only('RestrictAddressFamilies=none'), {
      key: 'RestrictAddressFamilies',
      value: 'none',
      line: 2,
    });
    assert.deepEqual(only('RestrictNamespaces=~user net'), {
      key: 'RestrictNamespaces',
      value: { invert: true, kinds: ['user', 'net'] },
      line: 2,
    });
    assert.deepEqual(only('RestrictNamespaces=yes'), { key: 'RestrictNamespaces', value: true, line: 2 });
    assert.deepEqual(only('Delegate='), { key: 'Delegate', value: true, line: 2 });
    assert.deepEqual(only('Delegate=pids memory'), { key: 'Delegate', value: true, line: 2 });
    assert.deepEqual(only('UMask=027'), { key: 'UMask', value: 0o027, line: 2 });
    assert.deepEqual(only('User='), { key: 'User', value: null, line: 2 });
    assert.deepEqual(only('DeviceAllow=/dev/null rw'), {
      key: 'DeviceAllow',
      entry: '/dev/null rw',
      line: 2,
    });
  });

  it('reads IP prefixes, keywords included', () => {
    const d = only('IPAddressAllow=localhost 10.1.2.3/8 ::1 fe80::1/64');
    assert.equal(d.key, 'IPAddressAllow');
    if (d.key !== 'IPAddressAllow') return;
    assert.deepEqual(
      d.prefixes.map((p) => [p.family, p.prefixLength, p.bytes.join('.')]),
      [
        [4, 8, '127.0.0.0'],
        [6, 128, '0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1'],
        [4, 8, '10.1.2.3'],
        [6, 128, '0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1'],
        [6, 64, '254.128.0.0.0.0.0.0.0.0.0.0.0.0.0.1'],
      ],
    );
  });

  it('joins backslash continuations and reports the first line', () => {
    const d = parseDropIn(
      '[Service]\nSystemCallFilter=@system-service \\\n  @mount\nPrivateTmp=yes\n',
    ).directives;
    assert.deepEqual(d[0], {
      key: 'SystemCallFilter',
      reset: false,
      invert: false,
      names: ['@system-service', '@mount'],
      line: 2,
    });
    assert.equal(d[1]?.line, 4);
  });

  it('refuses what systemd would ignore, every problem with its line and code', () => {
    assert.deepEqual(
      problemsOf(
        [
          'PrivateTmp=yes', // 1: before any section
          '[Service]',
          'PrivateTmp=maybe', // 3
          'privatetmp=yes', // 4: keys are case-sensitive
          'ProtectHome=ro', // 5
          'CapabilityBoundingSet=CAP_BOGUS', // 6: systemd would silently empty the set
          'RestrictAddressFamilies=AF_NOPE', // 7
          'this is not an assignment', // 8
          '[Unit]',
          'PrivateDevices=yes', // 10: wrong section, ignored by systemd
          '[Servce]', // 11
          '[Service]',
          'IPAddressDeny=10.0.0.0/33', // 13
          'UMask=0999', // 14
        ].join('\n'),
      ),
      [
        { line: 1, code: 'outside-section' },
        { line: 3, code: 'invalid-value' },
        { line: 4, code: 'misspelt-key' },
        { line: 5, code: 'invalid-value' },
        { line: 6, code: 'invalid-value' },
        { line: 7, code: 'invalid-value' },
        { line: 8, code: 'syntax' },
        { line: 10, code: 'wrong-section' },
        { line: 11, code: 'unknown-section' },
        { line: 13, code: 'invalid-value' },
        { line: 14, code: 'invalid-value' },
      ],
    );
  });

  it('checks system-call names against the host tables when asked to', () => {
    const known = new Set(['@mount', 'reboot']);
    assert.throws(
      () => parseDropIn('[Service]\nSystemCallFilter=~@mount @nope\n', { syscallNames: (n) => known.has(n) }),
      (err: unknown) =>
        err instanceof DropInError && err.problems[0]?.line === 2 && /@nope/.test(err.message),
    );
  });
});
