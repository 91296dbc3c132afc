// Property tests: real outputs (captured 252, published, built for other versions, a framed
// report), mutated the ways host output gets damaged, must still give an Analysis: never an
// exception, scores always in range, every problem pointing at a line of the input; a cut output
// never yields a unit that looks whole but is not. And the parser stays linear on 10 MB of junk.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import { analyzeOutput, analyzeReport } from '../../server/analyze/analyze-report.js';
import { type Analysis, PREDICATES, type UnitAssessment } from '../../server/analyze/model.js';
import { toParseJson } from '../../server/analyze/to-parse-json.js';
import { fixture, realFixture } from '../support/fixtures.js';

/** The output after a built fixture's '# ' header. */
function built(name: string): string {
  const text = fixture(`versions/${name}`);
  return text.slice(text.indexOf('\n# ---\n') + '\n# ---\n'.length);
}

const SEEDS: ReadonlyArray<{ name: string; text: string }> = [
  ['252 offline utf8', fixture('debian12-252/offline/utf8.txt')],
  ['252 offline ascii debug', fixture('debian12-252/offline/ascii-debug.txt')],
  ['252 offline json debug', fixture('debian12-252/offline/short-debug.json')],
  ['252 online tables + overview', fixture('debian12-252/online/units-utf8-debug.txt')],
  ['252 online json + overview', fixture('debian12-252/online/units-debug.json')],
  ['252 overview', fixture('debian12-252/online/overview.txt')],
  ['252 colours and links', fixture('debian12-252/online/colour.txt')],
  ['252 policy (emoji, runs of spaces)', fixture('debian12-252/online/policy-debug.txt')],
  ['252 framed report', fixture('debian12-252/online/report.txt')],
  ['247 published', realFixture('debian11-247-dnsmasq.txt')],
  ['255 published', realFixture('ubuntu2404-255-kk-api-file.txt')],
  ['grep-filtered ascii', realFixture('unknown-ge250-caddy-ascii-grep.txt')],
  ['239 built, ascii debug', built('rhel8-239-online-ascii-debug.txt')],
  ['249 built, emoji', built('249-online-utf8.txt')],
  ['257 built, json', built('257-online-debug.json')],
].map(([name, text]) => ({ name: name as string, text: text as string }));

// ---------------------------------------------------------------------------------------------
// Mutations.

type Mutation =
  | { kind: 'truncate'; at: number }
  | { kind: 'insert'; at: number; text: string }
  | { kind: 'duplicate-line'; at: number }
  | { kind: 'delete-line'; at: number }
  | { kind: 'swap-glyphs'; to: 'ascii' | 'utf8' }
  | { kind: 'escape'; at: number; code: string }
  | { kind: 'crlf' }
  | { kind: 'renumber'; at: number; to: string };

/** Pieces of real output, so that insertions also make near-miss headers, rows and numbers. */
const TOKENS = [
  '✓ ',
  '✗ ',
  '+ ',
  '- ',
  '→ Overall exposure level for ',
  '-> Overall exposure level for x.service: 10.0 DANGEROUS :-[\n',
  ': 9.6 UNSAFE 😨',
  '  NAME                 DESCRIPTION          EXPOSURE\n',
  '  NAME  DESCRIPTION  WEIGHT BADNESS RANGE EXPOSURE\n',
  'UNIT EXPOSURE PREDICATE HAPPY\n',
  'a.service 99.9 UNSAFE :-{\n',
  ' 18446744073709551615 ',
  '10.1',
  '[{"set":true,"name":"A=","json_field":"A","description":null,"exposure":"11.0"}]\n',
  '[{',
  '"}]',
  '\n@b0undary42 end\n',
  '\n@b0undary42 section units\n',
  'Unit x.service not found.\n',
  'Failed to connect to bus: No such file or directory\n',
  '\ufeff',
  '\r',
  '\u0000',
  '\ud800',
];

const ESCAPES = [
  '\x1b[0;1;31m',
  '\x1b[0m',
  '\x1b]8;;https://x/#A=\x07',
  '\x1b]8;;\x1b\\',
  '\x1b[',
  '\x1b',
  '\x1b]8;;',
];

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    text: fc.oneof(
      fc.string({ unit: 'binary', maxLength: 24 }),
      fc.uint8Array({ maxLength: 24 }).map((b) => Buffer.from(b).toString('latin1')),
      fc.constantFrom(...TOKENS),
    ),
  }),
  fc.record({ kind: fc.constant('duplicate-line' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('delete-line' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('swap-glyphs' as const),
    to: fc.constantFrom('ascii' as const, 'utf8' as const),
  }),
  fc.record({ kind: fc.constant('escape' as const), at: fc.nat(), code: fc.constantFrom(...ESCAPES) }),
  fc.record({ kind: fc.constant('crlf' as const) }),
  // A score or row exposure replaced by one systemd never prints.
  fc.record({
    kind: fc.constant('renumber' as const),
    at: fc.nat(),
    to: fc.constantFrom('10.1', '99.9', '100.0', '9.99', '-0.1', '1e1', '٩.٦', '0.0', '10.0', '007.5'),
  }),
);

function mutate(text: string, m: Mutation): string {
  const at = (n: number) => (text.length === 0 ? 0 : n % (text.length + 1));
  switch (m.kind) {
    case 'truncate':
      return text.slice(0, at(m.at));
    case 'insert':
      return text.slice(0, at(m.at)) + m.text + text.slice(at(m.at));
    case 'escape':
      return text.slice(0, at(m.at)) + m.code + text.slice(at(m.at));
    case 'duplicate-line':
    case 'delete-line': {
      const lines = text.split('\n');
      const i = m.at % lines.length;
      lines.splice(
        i,
        m.kind === 'delete-line' ? 1 : 0,
        ...(m.kind === 'duplicate-line' ? [lines[i] ?? ''] : []),
      );
      return lines.join('\n');
    }
    case 'swap-glyphs':
      return m.to === 'ascii'
        ? text.replaceAll('✓', '+').replaceAll('✗', '-').replaceAll('→', '->')
        : text.replaceAll('\n+ ', '\n✓ ').replaceAll('\n- ', '\n✗ ').replaceAll('->', '→');
    case 'crlf':
      return text.replaceAll('\n', '\r\n');
    case 'renumber': {
      const numbers = [...text.matchAll(/\d+\.\d/g)];
      const hit = numbers[m.at % Math.max(1, numbers.length)];
      if (hit?.index === undefined) return text;
      return text.slice(0, hit.index) + m.to + text.slice(hit.index + hit[0].length);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Invariants of any Analysis.

const isTenths = (n: unknown) => typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 100;

function lineCount(text: string): number {
  let n = 1;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

function assertSound(a: Analysis, input: string, where: string): void {
  const lines = lineCount(input);
  for (const p of a.problems) {
    assert.ok(
      Number.isInteger(p.line) && p.line >= 1 && p.line <= lines,
      `${where}: problem line ${p.line} of ${lines}`,
    );
    assert.ok(typeof p.reason === 'string' && p.reason !== '', where);
  }
  for (const u of a.units) {
    assert.ok(u.exposure === null || isTenths(u.exposure), `${where}: unit exposure ${u.exposure}`);
    assert.ok(u.predicate === null || PREDICATES.includes(u.predicate), where);
    assert.equal(typeof u.unit, 'string');
    assert.equal(typeof u.partial, 'boolean');
    for (const c of u.checks) {
      assert.ok(c.exposure === null || isTenths(c.exposure), `${where}: check exposure ${c.exposure}`);
      assert.ok(c.set === null || typeof c.set === 'boolean', where);
      assert.ok(
        typeof c.id === 'string' && c.id !== '' && typeof c.name === 'string' && c.name !== '',
        where,
      );
      assert.ok(c.badness === null || (Number.isSafeInteger(c.badness) && c.badness >= 0), where);
    }
  }
  for (const r of a.overview) assert.ok(isTenths(r.exposure) && PREDICATES.includes(r.predicate), where);
  for (const e of a.errors)
    assert.ok(typeof e.message === 'string' && (e.unit === null || typeof e.unit === 'string'));
  // What `unitscore parse` prints: plain JSON, scores as decimals in 0–10.
  const out = JSON.parse(JSON.stringify(toParseJson(a))) as ReturnType<typeof toParseJson>;
  for (const u of out.units) {
    assert.ok(u.exposure === null || (u.exposure >= 0 && u.exposure <= 10), where);
    for (const c of u.checks) assert.ok(c.exposure === null || (c.exposure >= 0 && c.exposure <= 10), where);
  }
}

test('mutated real outputs: an Analysis every time, scores in range, problems on input lines', () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...SEEDS.map((s) => s.name)),
      fc.array(mutation, { minLength: 1, maxLength: 4 }),
      (name, mutations) => {
        const seed = SEEDS.find((s) => s.name === name) as (typeof SEEDS)[number];
        const text = mutations.reduce(mutate, seed.text);
        const where = `${seed.name} ${JSON.stringify(mutations)}`;
        let output: Analysis | undefined;
        let report: Analysis | undefined;
        assert.doesNotThrow(() => {
          output = analyzeOutput(text);
        }, where);
        assert.doesNotThrow(() => {
          report = analyzeReport(text).analysis;
        }, where);
        assertSound(output as Analysis, text, `${where} (output)`);
        assertSound(report as Analysis, text, `${where} (report)`);
      },
    ),
    { numRuns: 600 },
  );
});

/** The same unit in the uncut parse: by name, or by position for the nameless JSON arrays. */
function counterpart(
  full: readonly UnitAssessment[],
  u: UnitAssessment,
  index: number,
): UnitAssessment | undefined {
  return u.unit === '' ? full[index] : full.find((f) => f.unit === u.unit);
}

test('cut anywhere: every unit that is not marked partial is exactly the uncut unit', () => {
  const whole = SEEDS.map((s) => ({
    ...s,
    output: analyzeOutput(s.text).units,
    report: analyzeReport(s.text).analysis.units,
  }));
  fc.assert(
    fc.property(fc.constantFrom(...whole.map((s) => s.name)), fc.nat(), (name, n) => {
      const seed = whole.find((s) => s.name === name) as (typeof whole)[number];
      const cut = seed.text.slice(0, n % (seed.text.length + 1));
      const framed = seed.text.startsWith('unitscore-report ');
      const units = framed ? analyzeReport(cut).analysis.units : analyzeOutput(cut).units;
      const full = framed ? seed.report : seed.output;
      units.forEach((u, i) => {
        if (u.partial) return;
        const f = counterpart(full, u, i);
        // A nameless JSON array carries only its checks; its score is recomputed from them.
        if (u.unit === '') assert.deepEqual(u.checks, f?.checks, `${seed.name} cut at ${cut.length}`);
        else assert.deepEqual(u, f, `${seed.name} cut at ${cut.length}: ${u.unit}`);
      });
    }),
    { numRuns: 400 },
  );
});

const MB10 = 10 * 1024 * 1024;

test('10 MB of garbage in each shape parses in well under a second (linear time)', (t) => {
  const shapes: Record<string, () => string> = {
    'random bytes': () => randomBytes(MB10).toString('latin1'),
    'random UTF-8': () => randomBytes(MB10).toString('utf8'),
    'one giant line': () => '✗ A= '.repeat(MB10 / 5),
    'a million short lines': () => 'garbage!!\n'.repeat(MB10 / 10),
    'a header line, then junk rows': () =>
      `  NAME  DESCRIPTION  WEIGHT BADNESS RANGE EXPOSURE\n${'✗ Foo=   bar baz  1 2 3  0.1\n'.repeat(MB10 / 30)}`,
    'summary lines': () => '→ Overall exposure level for x: 9.6 UNSAFE :-{\n'.repeat(MB10 / 50),
    'an overview header, then rows': () =>
      `UNIT EXPOSURE PREDICATE HAPPY\n${'a.service 9.6 UNSAFE :-{\n'.repeat(MB10 / 25)}`,
    'JSON that never closes': () =>
      `[${'{"set":true,"name":"A=","description":null,"exposure":"0.1"},'.repeat(MB10 / 64)}`,
    'nested brackets': () => '['.repeat(MB10),
    'escape codes': () => '\x1b[31m'.repeat(MB10 / 5),
  };
  const figures: string[] = [];
  for (const [name, make] of Object.entries(shapes)) {
    const text = make();
    // Measured in CPU time of this process (all its threads, GC included), best of two runs: the
    // wall time of a shared machine swings with its load, a parser's cost does not. A quadratic
    // parser would need minutes on 10 MB. Wall times are logged beside.
    const timed = (how: string, run: () => Analysis) => {
      const cpu: number[] = [];
      const wall: number[] = [];
      let a: Analysis | undefined;
      for (let k = 0; k < 2; k++) {
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        a = run();
        wall.push(performance.now() - t0);
        const c = process.cpuUsage(c0);
        cpu.push((c.user + c.system) / 1000);
      }
      return { how, a: a as Analysis, cpu: Math.min(...cpu), wall: Math.min(...wall) };
    };
    const runs = [
      timed('bare', () => analyzeOutput(text)),
      ...['units', 'units-json'].map((section) =>
        timed(
          `framed as ${section}`,
          () => analyzeReport(`unitscore-report 1 G\n\n@G section ${section}\n${text}\n@G end\n`).analysis,
        ),
      ),
    ];
    figures.push(
      `${name}: ${runs.map((r) => `${r.how} ${r.cpu.toFixed(0)} ms CPU (${r.wall.toFixed(0)} ms wall)`).join(', ')}`,
    );
    for (const r of runs) {
      assert.ok(r.cpu < 1500, `${name} (${r.how}): ${r.cpu.toFixed(0)} ms CPU`);
      assert.ok(r.a.problems.length <= 1000, `${name} (${r.how}): problems are capped`);
    }
  }
  t.diagnostic(figures.join('; '));
});
