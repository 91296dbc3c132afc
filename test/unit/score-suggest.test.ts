// Point 4 of issue 4: the suggested override.conf, on units of the recorded demo fleet (online, 252).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeReport } from '../../server/analyze/analyze-report.js';
import type { UnitAssessment } from '../../server/analyze/model.js';
import { parseDropIn, type Suggestion, suggestDropIn, whatIf } from '../../server/analyze/score/index.js';
import { loadDemoReports } from '../../server/demo/fleet.js';

const demo = new Map(
  loadDemoReports().map((r) => [r.name.replace(/\.report\.gz$/, ''), analyzeReport(r.text).analysis.units]),
);
const unit = (host: string, name: string) => demo.get(host)?.find((u) => u.unit === name) as UnitAssessment;
const options = { mode: 'online', systemdVersion: 252 } as const;
const lines = (s: Suggestion) => s.stages.flatMap((st) => st.lines);
const line = (s: Suggestion, directive: string) => lines(s).find((l) => l.directive === directive);

describe('suggestDropIn', () => {
  const nginx = suggestDropIn(unit('web-01', 'nginx.service'), options);

  it('goes in stages: cheap namespace and capability options first, then system calls and the rest', () => {
    assert.equal(nginx.before, 9.6);
    assert.deepEqual(
      nginx.stages.map((s) => s.title),
      [
        'File system, kernel, devices and capabilities (cheap, high impact)',
        'System calls, address families and the rest',
        'Identity and network (check against what the service does)',
      ],
    );
    const first = nginx.stages[0]?.lines.map((l) => l.directive) ?? [];
    for (const d of [
      'ProtectSystem=strict',
      'ProtectHome=yes',
      'PrivateTmp=yes',
      'PrivateDevices=yes',
      'NoNewPrivileges=yes',
    ])
      assert.ok(first.includes(d), d);
    assert.ok(first.some((d) => d.startsWith('CapabilityBoundingSet=~CAP_SYS_ADMIN')));
    const second = nginx.stages[1]?.lines.map((l) => l.directive) ?? [];
    for (const d of [
      'SystemCallFilter=@system-service',
      'SystemCallFilter=~@privileged @resources',
      'SystemCallArchitectures=native',
      'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6',
      'RestrictNamespaces=yes',
      'MemoryDenyWriteExecute=yes',
      'RestrictRealtime=yes',
    ])
      assert.ok(second.includes(d), d);
  });

  it('predicts the score after each stage, each line removing something', () => {
    const afters = nginx.stages.map((s) => s.after);
    assert.deepEqual(
      afters,
      [...afters].sort((a, b) => b - a),
    );
    assert.ok((afters[0] as number) < nginx.before);
    for (const l of lines(nginx)) assert.ok(l.removes > 0, l.directive);
    // The first two stages are what web-02's strong nginx drop-in reached (2.4), predicted exactly.
    assert.deepEqual(
      nginx.stages.slice(0, 2).map((s) => [s.after, s.exact]),
      [
        [5.5, true],
        [2.4, true],
      ],
    );
  });

  it('says what each line commonly breaks', () => {
    assert.match(line(nginx, 'ProtectSystem=strict')?.comment ?? '', /\/etc.*\/var.*ReadWritePaths=/);
    assert.match(line(nginx, 'PrivateDevices=yes')?.comment ?? '', /device access/);
    assert.match(line(nginx, 'MemoryDenyWriteExecute=yes')?.comment ?? '', /JIT/);
    assert.match(line(nginx, 'RestrictRealtime=yes')?.comment ?? '', /real-time audio/);
    assert.match(line(nginx, 'ProtectClock=yes')?.comment ?? '', /#32513/);
  });

  it('writes an override.conf that parses, and whose prediction is the last stage', () => {
    const dropIn = parseDropIn(nginx.text);
    assert.equal(dropIn.directives.length, lines(nginx).length);
    assert.match(nginx.text, /^# -0\.\d\d: the OS tree becomes read-only: .*\nProtectSystem=strict$/m);
    const all = whatIf(unit('web-01', 'nginx.service'), nginx.text, options);
    assert.equal(all.after, nginx.stages.at(-1)?.after);
  });

  it('suggests what the dangerous unit gets wrong, and nothing for what is already good', () => {
    const legacy = suggestDropIn(unit('worker-01', 'legacy-agent.service'), options);
    assert.equal(legacy.before, 10);
    for (const d of [
      'AmbientCapabilities=',
      'KeyringMode=private',
      'NotifyAccess=main',
      'Delegate=no',
      'UMask=0027',
    ])
      assert.ok(line(legacy, d), d);
    const hardened = suggestDropIn(unit('web-02', 'metrics-exporter.service'), options);
    assert.equal(hardened.before, 0.2);
    assert.ok(lines(hardened).length <= 3);
    assert.ok(!line(hardened, 'ProtectSystem=strict'));
  });

  it('skips rows that do not apply to an early-boot unit', () => {
    const journald = suggestDropIn(unit('web-01', 'systemd-journald.service'), options);
    for (const d of ['ProtectSystem=strict', 'ProtectHome=yes', 'PrivateTmp=yes'])
      assert.ok(!line(journald, d), d);
  });
});
