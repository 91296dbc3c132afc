import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ReportFormatError, readReport } from '../../server/analyze/report.js';
import { fixture, frameReport } from '../support/fixtures.js';

const REPORT = 'debian12-252/online/report.txt';

test('the real report of collect.sh: meta, sections exactly as printed, exits, end frame', () => {
  const r = readReport(fixture(REPORT));
  assert.equal(r.boundary, 'b0undary42');
  assert.equal(r.complete, true);
  assert.equal(r.cutSection, null);
  assert.deepEqual(r.problems, []);
  assert.equal(r.meta.systemd_version, '252');
  assert.equal(r.meta.analyze, 'ok');
  assert.equal(r.meta.os_pretty, 'Debian GNU/Linux 12 (bookworm)');
  assert.deepEqual(
    [...r.sections.keys()],
    [
      'meta',
      'overview',
      'overview-stderr',
      'unit-list',
      'units',
      'units-stderr',
      'units-json',
      'units-json-stderr',
    ],
  );
  assert.deepEqual(
    [...r.exits],
    [
      ['overview', 0],
      ['units', 0],
      ['units-json', 0],
    ],
  );
  // Bodies are the command's bytes: the overview ends in its own newline, the unit list has none.
  assert.equal(r.sections.get('overview'), fixture('debian12-252/online/overview.txt'));
  assert.ok(r.sections.get('unit-list')?.endsWith('tmpl@5.service'));
  assert.equal(r.sections.get('overview-stderr'), '');
  assert.equal(r.sectionLines.get('meta'), 4);
  assert.equal(r.sectionLines.get('overview'), 18);
});

test('a first line that is not "unitscore-report 1 <boundary>" is a ReportFormatError', () => {
  const cases: [string, string][] = [
    ['', 'empty'],
    ['hello\n', 'not-a-report'],
    ['  NAME DESCRIPTION EXPOSURE\n', 'not-a-report'],
    ['unitscore-report 2 abc\n', 'unsupported-version'],
    ['unitscore-report 1 a-b\n', 'bad-boundary'],
    ['unitscore-report 1\n', 'bad-boundary'],
    ['unitscore-report 1 abc extra\n', 'bad-boundary'],
  ];
  for (const [doc, code] of cases) {
    assert.throws(
      () => readReport(doc),
      (e: unknown) => e instanceof ReportFormatError && e.code === code && e.line === 1,
      JSON.stringify(doc),
    );
  }
});

test('bodies keep or lack their final newline exactly as printed', () => {
  const doc = frameReport('B1', [
    ['meta', 'a=1\nb=x=y\n'],
    ['one', 'no newline'],
    ['two', 'two newlines\n\n'],
    ['empty', ''],
    ['exit', 'one', 3],
  ]);
  const r = readReport(doc);
  assert.deepEqual(r.problems, []);
  assert.deepEqual(r.meta, { a: '1', b: 'x=y' });
  assert.equal(r.sections.get('one'), 'no newline');
  assert.equal(r.sections.get('two'), 'two newlines\n\n');
  assert.equal(r.sections.get('empty'), '');
  assert.equal(r.exits.get('one'), 3);
});

test('a CRLF document: frames still found, meta the same, bodies keep their CRLF lines', () => {
  const lf = fixture(REPORT);
  const r = readReport(lf.replaceAll('\n', '\r\n'));
  const l = readReport(lf);
  assert.deepEqual(r.problems, []);
  assert.equal(r.complete, true);
  assert.deepEqual(r.meta, l.meta);
  assert.deepEqual([...r.sections.keys()], [...l.sections.keys()]);
  assert.equal(r.sections.get('overview'), l.sections.get('overview')?.replaceAll('\n', '\r\n'));
  assert.deepEqual(r.exits, l.exits);
});

test('a document cut off: no end frame, the open section is the cut one', () => {
  const doc = fixture(REPORT);
  const at = doc.indexOf('→ Overall exposure level for early.service');
  const r = readReport(doc.slice(0, at + 10));
  assert.equal(r.complete, false);
  assert.equal(r.cutSection, 'units');
  assert.ok(r.sections.get('units')?.endsWith('→ Overall '));
  assert.equal(r.exits.has('units'), false);
  assert.deepEqual(
    r.problems.map((p) => p.code),
    ['cut'],
  );
  // Cut after an exit frame: nothing open.
  const afterExit = readReport(doc.slice(0, doc.indexOf('@b0undary42 section unit-list')));
  assert.equal(afterExit.cutSection, null);
  assert.equal(afterExit.complete, false);
  // Cut inside a frame line.
  const inFrame = readReport(doc.slice(0, doc.indexOf('@b0undary42 section unit-list') + 15));
  assert.equal(inFrame.complete, false);
  assert.ok(inFrame.problems.some((p) => p.code === 'cut'));
  // A meta value cut mid-line is dropped rather than read wrong.
  const inMeta = readReport(doc.slice(0, doc.indexOf('collected_at=') + 16));
  assert.equal(inMeta.cutSection, 'meta');
  assert.equal(inMeta.meta.collected_at, undefined);
  assert.equal(inMeta.meta.user, 'root');
  // Cut right after the first line.
  assert.equal(readReport('unitscore-report 1 B').problems[0]?.code, 'cut');
});

test('malformed framing gives typed problems with line numbers', () => {
  const doc = [
    'unitscore-report 1 B',
    'stray', // 2
    '@B section meta',
    'no equals sign', // 4
    'k=v',
    '@B section meta', // 6: duplicate
    '@B exit units x', // 7
    '@B bogus frame', // 8
    '@B exit units 0',
    'after exit', // 10
    '@B end',
    'trailing', // 12
  ].join('\n');
  const r = readReport(doc);
  assert.deepEqual(
    r.problems.map((p) => [p.line, p.code]),
    [
      [2, 'stray-text'],
      [4, 'bad-meta-line'],
      [6, 'duplicate-section'],
      [7, 'bad-exit'],
      [8, 'unknown-frame'],
      [10, 'stray-text'],
      [12, 'after-end'],
    ],
  );
  assert.deepEqual(r.meta, { k: 'v' });
  assert.equal(r.complete, true);
});
