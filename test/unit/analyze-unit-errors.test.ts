import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseStderr } from '../../server/analyze/unit-errors.js';
import { fixture } from '../support/fixtures.js';

test('per-unit messages, online and offline wording', () => {
  const lines = [
    'Unit a.service not found, cannot analyze.',
    'Unit b.service is masked, cannot analyze.',
    'Unit c.service not loaded properly, cannot analyze.',
    'Unit ssh.socket is not a service unit, refusing.',
    'Unit nosuch.service not found.',
    'Unit cryptdisks.service is masked.',
    'Failed to prepare filename ssh: Invalid argument',
  ];
  const r = parseStderr(lines.join('\n'));
  assert.deepEqual(r.problems, []);
  assert.deepEqual(
    r.errors.map((e) => e.unit),
    ['a.service', 'b.service', 'c.service', 'ssh.socket', 'nosuch.service', 'cryptdisks.service', 'ssh'],
  );
  assert.deepEqual(r.errors[0], { unit: 'a.service', message: lines[0] });
});

test('whole-run failures have no unit', () => {
  const lines = [
    'Failed to connect to bus: No such file or directory',
    "System has not been booted with systemd as init system (PID 1). Can't operate.",
    'Failed to list units: Access denied',
    'Failed to get unit properties: Permission denied',
    'Interactive authentication required.',
    "Assertion 'badness <= range' failed at src/analyze/analyze-security.c:2345, function x(). Aborting.",
    'Failed to frobnicate: Unknown error',
  ];
  const r = parseStderr(lines.join('\r\n'));
  assert.deepEqual(r.problems, []);
  assert.deepEqual(
    r.errors,
    lines.map((message) => ({ unit: null, message })),
  );
});

test('warnings are not errors; unknown lines are problems with line numbers', () => {
  const r = parseStderr(
    [
      "/etc/systemd/system/x.service:3: Unknown key name 'BogusKey' in section 'Service', ignoring.",
      'Special user nobody configured, this is not safe!',
      '',
      'something else',
    ].join('\n'),
  );
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.problems, [{ line: 4, reason: 'unrecognised stderr line' }]);
});

test('the real stderr of 252 online and offline', () => {
  assert.deepEqual(
    parseStderr(fixture('debian12-252/online/units-utf8-debug.txt.stderr')).errors.map((e) => e.unit),
    ['nosuch.service', 'masked.service', 'broken.service'],
  );
  assert.deepEqual(parseStderr(fixture('debian12-252/offline/utf8.txt.stderr')).errors, [
    { unit: 'cryptdisks.service', message: 'Unit cryptdisks.service is masked.' },
  ]);
});

test('offline 252 load failures: the unit error counts, the manager notices before it do not', () => {
  // Real stderr of systemd-analyze 252 --offline --root on two units claiming one bus name.
  const r = parseStderr(
    [
      'Failed to put bus name to hashmap: File exists',
      'bench-2-avahi-daemon.service: Two services allocated for the same bus name org.freedesktop.Avahi, refusing operation.',
      'Unit bench-2-avahi-daemon.service failed to load properly, please adjust/correct and reload service manager: File exists',
    ].join('\n'),
  );
  assert.deepEqual(r.problems, []);
  assert.deepEqual(
    r.errors.map((e) => e.unit),
    ['bench-2-avahi-daemon.service'],
  );
});
