// The score model with a unit's own files (what reports carry since collect.sh sends them): the
// settings the checks hide decide these drop-ins. Expected numbers were printed by the real
// systemd-analyze 252 (test/fixtures/debian12-252/unit-files/generate.sh).

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { analyzeOutput } from '../../server/analyze/analyze-report.js';
import type { UnitAssessment } from '../../server/analyze/model.js';
import { SCORED_KEYS } from '../../server/analyze/score/dropin.js';
import { parseUnitConfiguration, suggestDropIn, whatIf } from '../../server/analyze/score/index.js';
import { parseUnitFiles } from '../../server/analyze/unit-files.js';
import { fixture } from '../support/fixtures.js';

const CASES = ['e2scrub_reap.service', 'systemd-timedated.service', 'user@.service'];
/** The cases whose checks alone hide the setting the drop-in depends on. */
const HIDDEN = new Set(['e2scrub_reap.service', 'systemd-timedated.service']);

function loadCase(unit: string) {
  const dir = 'debian12-252/unit-files';
  const only = (file: string): UnitAssessment => {
    const units = analyzeOutput(fixture(`${dir}/${file}`)).units;
    assert.equal(units.length, 1, file);
    return units[0] as UnitAssessment;
  };
  return {
    assessment: only(`${unit}.txt`),
    tool: only(`${unit}.with-dropin.txt`),
    dropIn: fixture(`${dir}/${unit}.dropin`),
    // As `systemctl cat` prints it.
    files: `# /usr/lib/systemd/system/${unit}\n${fixture(`${dir}/${unit}`)}`,
  };
}

describe('predictions from the unit files', () => {
  for (const unit of CASES) {
    it(`${unit}: exact and equal to systemd-analyze with its files, flagged without`, () => {
      const c = loadCase(unit);
      const options = { mode: 'offline', systemdVersion: 252 } as const;
      const withFiles = whatIf(c.assessment, c.dropIn, { ...options, configuration: c.files });
      assert.equal(withFiles.basis, 'configuration', String(withFiles.basisNote));
      assert.equal(withFiles.exact, true, String(withFiles.reason));
      assert.equal(Math.round(withFiles.after * 10), c.tool.exposure);
      const checksOnly = whatIf(c.assessment, c.dropIn, options);
      assert.equal(checksOnly.basis, 'checks');
      if (HIDDEN.has(unit)) {
        assert.equal(checksOnly.exact, false, 'from the checks alone the hidden setting decides');
        assert.ok(checksOnly.reason);
      }
    });
  }

  it('files that do not explain the checks are not used, and the result says why', () => {
    const c = loadCase('e2scrub_reap.service');
    const edited = c.files.replace('ProtectSystem=true', 'ProtectSystem=strict');
    const p = whatIf(c.assessment, c.dropIn, { mode: 'offline', systemdVersion: 252, configuration: edited });
    assert.equal(p.basis, 'checks');
    assert.match(String(p.basisNote), /ProtectSystem=.*the files give 0, the host printed 5/);
    assert.equal(p.exact, false);
  });

  it('the suggestion says what it was computed from', () => {
    const c = loadCase('systemd-timedated.service');
    const s = suggestDropIn(c.assessment, { mode: 'offline', systemdVersion: 252, configuration: c.files });
    assert.equal(s.basis, 'configuration');
    assert.ok(s.stages.every((st) => st.exact));
    assert.equal(suggestDropIn(c.assessment, { mode: 'offline', systemdVersion: 252 }).basis, 'checks');
  });
});

describe('unit files as systemd reads them', () => {
  it('skips what systemd skips instead of refusing', () => {
    const config = parseUnitConfiguration(
      [
        '# /usr/lib/systemd/system/x.service',
        '[Unit]',
        'DefaultDependencies=no',
        '[Service]',
        'protectsystem=strict',
        'ProtectHome=sometimes',
        'PrivateTmp=yes',
        'SystemCallFilter=@system-service \\',
        '  @mount',
        '[Install]',
        'User=nobody',
        '[X-Vendor]',
        'Anything=1',
        '[Socket]',
      ].join('\n'),
    );
    assert.deepEqual(
      config.directives.map((d) => d.key),
      ['DefaultDependencies', 'PrivateTmp', 'SystemCallFilter'],
    );
    assert.deepEqual(
      config.skipped?.map((p) => [p.line, p.code]),
      [
        [6, 'invalid-value'],
        [11, 'wrong-section'],
      ],
    );
  });

  it('splits the unit-files section by unit and ignores bytes before the first unit', () => {
    const files = parseUnitFiles(
      'stray\n>>> a.service\n# /etc/systemd/system/a.service\n[Service]\nUser=root\n>>> b@x.service\n>>> a.service\nUser=again\n',
    );
    assert.deepEqual(
      [...files],
      [
        ['a.service', '# /etc/systemd/system/a.service\n[Service]\nUser=root'],
        ['b@x.service', ''],
      ],
    );
    assert.equal(parseUnitFiles(undefined).size, 0);
  });

  it('collect.sh sends exactly the keys the model reads', () => {
    const script = readFileSync('agents/collect.sh', 'utf8');
    const listed = /^SCORED_KEYS='([^']*)'/m.exec(script)?.[1]?.split(/\s+/).filter(Boolean);
    assert.deepEqual(new Set(listed), SCORED_KEYS);
  });
});
