// Runs the systemd-analyze installed on this machine, offline, on every unit file of
// /lib/systemd/system, in both glyph styles, with and without debug columns, and as JSON, and
// checks the parsers against the tool itself.

import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { analyzeOutput } from '../../server/analyze/analyze-report.js';
import { recomputeExposure } from '../../server/analyze/exposure.js';
import type { Check, UnitAssessment } from '../../server/analyze/model.js';
import { parseSecurityJson } from '../../server/analyze/parse-json.js';
import { parseSecurityText } from '../../server/analyze/parse-text.js';
import { parseStderr } from '../../server/analyze/unit-errors.js';

const run = promisify(execFile);
const UNIT_DIR = '/lib/systemd/system';
const UNIT_SUFFIX = /\.(service|socket|target|mount|automount|swap|timer|path|slice|scope)$/;

function toolVersion(): number | null {
  try {
    const out = execFileSync('systemd-analyze', ['--version'], { encoding: 'utf8' });
    return Number(/^systemd (\d+)/.exec(out)?.[1] ?? Number.NaN) || null;
  } catch {
    return null;
  }
}

const version = toolVersion();
const missing =
  version === null
    ? 'systemd-analyze is not installed'
    : version < 250
      ? `systemd ${version} has no --offline`
      : null;
// A developer machine without systemd skips (test/fixtures/debian12-252 covers the parsers
// there); CI has systemd-analyze and must never go green by skipping this.
const skip = missing !== null && process.env.CI !== 'true' ? missing : false;

interface Output {
  stdout: string;
  stderr: string;
}

/** One offline run on all unit files; exit status 1 is expected (masked units). */
async function analyze(env: Record<string, string>, extra: string[] = []): Promise<Output> {
  const files = readdirSync(UNIT_DIR)
    .filter((f) => UNIT_SUFFIX.test(f))
    .map((f) => `${UNIT_DIR}/${f}`);
  const base: Record<string, string | undefined> = {
    ...process.env,
    SYSTEMD_COLORS: '0',
    TERM: 'dumb',
    ...env,
  };
  delete base.SYSTEMD_EMOJI;
  if (!('SYSTEMD_ANALYZE_DEBUG' in env)) delete base.SYSTEMD_ANALYZE_DEBUG;
  const args = ['security', '--offline=true', '--no-pager', ...extra, ...files];
  try {
    return await run('systemd-analyze', args, { env: base, maxBuffer: 256 << 20, encoding: 'utf8' });
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    if (e.code !== 1 || e.stdout === undefined || e.stderr === undefined) throw err;
    return { stdout: e.stdout, stderr: e.stderr };
  }
}

const UTF8 = { LC_ALL: 'C.UTF-8' };
const ASCII = { LANG: 'C', LC_ALL: 'C' };
const DEBUG = { SYSTEMD_ANALYZE_DEBUG: '1' };
const withoutDebug = (c: Check): Check => ({ ...c, weight: null, badness: null, range: null });

test('real systemd-analyze, offline on every unit file: text, both glyph styles, debug and JSON agree', {
  skip,
}, async (t) => {
  assert.equal(missing, null, `${missing} (needed on CI)`);
  const [utf8, utf8Debug, ascii, asciiDebug, json, jsonDebug, pretty] = await Promise.all([
    analyze(UTF8),
    analyze({ ...UTF8, ...DEBUG }),
    analyze(ASCII),
    analyze({ ...ASCII, ...DEBUG }),
    analyze(UTF8, ['--json=short']),
    analyze({ ...UTF8, ...DEBUG }, ['--json=short']),
    analyze({ ...UTF8, ...DEBUG, SYSTEMD_COLORS: '1' }, ['--json=pretty']),
  ]);
  const outputs = [utf8, utf8Debug, ascii, asciiDebug] as Output[];
  assert.ok(ascii?.stdout.includes('\n-> Overall exposure level for '), 'LANG=C gives ASCII glyphs');
  const parsed = outputs.map((o) => parseSecurityText(o.stdout, { version }));
  for (const p of parsed) {
    assert.deepEqual(p.problems, []);
    assert.ok(p.units.every((u) => !u.partial));
  }
  const [pUtf8, pUtf8Debug, pAscii, pAsciiDebug] = parsed.map((p) => p.units) as UnitAssessment[][];
  const units = pUtf8Debug as UnitAssessment[];

  // The tool's own summary lines, read independently of the parser.
  const printed = [
    ...(utf8Debug as Output).stdout.matchAll(/^→ Overall exposure level for (\S+): (\d+)\.(\d) /gm),
  ];
  assert.equal(units.length, printed.length);
  units.forEach((u, i) => {
    const m = printed[i] as RegExpMatchArray;
    assert.equal(u.unit, m[1]);
    assert.equal(u.exposure, Number(m[2]) * 10 + Number(m[3]), u.unit);
    assert.equal(recomputeExposure(u.checks), u.exposure, `${u.unit}: formula of §1.3`);
  });

  assert.deepEqual(pAscii, pUtf8, 'glyph styles parse the same');
  assert.deepEqual(pAsciiDebug, pUtf8Debug, 'glyph styles parse the same (debug)');
  assert.deepEqual(
    units.map((u) => ({ ...u, checks: u.checks.map(withoutDebug) })),
    pUtf8,
    'debug columns only add numbers',
  );

  // JSON, one array per analysed unit, in the same order: equal check by check.
  let checks = 0;
  for (const [text, out] of [
    [pUtf8Debug, jsonDebug],
    [pUtf8, json],
  ] as const) {
    const j = parseSecurityJson((out as Output).stdout);
    assert.deepEqual(j.problems, []);
    assert.equal(j.tables.length, (text as UnitAssessment[]).length);
    (text as UnitAssessment[]).forEach((u, i) => {
      assert.deepEqual(u.checks, j.tables[i]?.checks, u.unit);
      checks += u.checks.length;
    });
  }

  // JSON read on its own, as `unitscore parse` does: the scores recomputed from the host's debug
  // numbers are the tool's own printed ones, unit by unit.
  const fromJson = analyzeOutput((jsonDebug as Output).stdout);
  assert.deepEqual(fromJson.problems, []);
  assert.deepEqual(
    fromJson.units.map((u) => [u.exposure, u.predicate, u.partial]),
    units.map((u) => [u.exposure, u.predicate, false]),
  );
  // And the three parses (UTF-8 text, LANG=C text, JSON) through the one entry point agree.
  assert.deepEqual(analyzeOutput((ascii as Output).stdout).units, pUtf8);
  assert.deepEqual(
    analyzeOutput((json as Output).stdout).units.map((u) => u.checks),
    (pUtf8 as UnitAssessment[]).map((u) => u.checks),
  );

  // Coloured pretty JSON reads the same as short JSON.
  assert.ok((pretty as Output).stdout.includes('\x1b['), 'SYSTEMD_COLORS=1 colours --json=pretty');
  const fromPretty = parseSecurityJson((pretty as Output).stdout);
  assert.deepEqual(fromPretty.problems, []);
  assert.deepEqual(
    fromPretty.tables.map((t) => t.checks),
    units.map((u) => u.checks),
  );

  // The units that could not be analysed are the stderr errors (masked ones on Debian 12).
  const errors = parseStderr((utf8 as Output).stderr);
  assert.deepEqual(errors.problems, []);
  const files = readdirSync(UNIT_DIR).filter((f) => UNIT_SUFFIX.test(f)).length;
  assert.equal(units.length + errors.errors.length, files);

  const services = units.filter((u) => u.unit.endsWith('.service')).length;
  t.diagnostic(
    `systemd ${version}: ${files} unit files, ${units.length} tables (${services} services), ` +
      `${errors.errors.length} errors, ${checks / 2} checks agreeing text=JSON in both modes`,
  );
});
