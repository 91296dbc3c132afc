import assert from 'node:assert/strict';
import { test } from 'node:test';
import { endsMidLine, splitLines, stripEscapes } from '../../server/analyze/text-lines.js';

test('stripEscapes removes CSI colours and OSC 8 links (BEL and ST), keeps the text', () => {
  assert.equal(stripEscapes('\x1b[0;1;31m✗\x1b[0m x'), '✗ x');
  assert.equal(stripEscapes('\x1b]8;;https://example.org/#A=\x07A=\x1b]8;;\x07 b'), 'A= b');
  assert.equal(stripEscapes('\x1b]8;;file://h/p\x1b\\unit\x1b]8;;\x1b\\'), 'unit');
  assert.equal(stripEscapes('a\x1b(Bb'), 'ab');
  assert.equal(stripEscapes('cut \x1b[0;1'), 'cut ');
  assert.equal(stripEscapes('cut \x1b]8;;never ends'), 'cut ');
  assert.equal(stripEscapes('plain'), 'plain');
});

test('stripEscapes is linear on hostile input', () => {
  const hostile = '\x1b['.repeat(200_000) + '\x1b]'.repeat(200_000) + '\x1b'.repeat(200_000);
  const t0 = performance.now();
  stripEscapes(hostile);
  assert.ok(performance.now() - t0 < 2000);
});

test('splitLines accepts LF and CRLF, a BOM, and no final newline', () => {
  assert.deepEqual(splitLines('a\r\nb\r\n'), ['a', 'b']);
  assert.deepEqual(splitLines('\ufeffa\nb'), ['a', 'b']);
  assert.deepEqual(splitLines(''), []);
  assert.deepEqual(splitLines('\n'), ['']);
  assert.equal(endsMidLine('a\nb'), true);
  assert.equal(endsMidLine('a\n'), false);
});
