// The score model's speed (issue 4, point 6): re-scoring and what-if over a fleet's worth of
// assessments, in one process, as an API request would. Prints figures; asserts nothing.
//
//   npx tsc -p tsconfig.json && node dist/bench/score.bench.js [N]
//
// The assessments are synthetic-from-real: the units of the recorded demo reports (online,
// systemd 252), each copy with a few rows flipped and its host score recomputed, half of them
// without the SYSTEMD_ANALYZE_DEBUG columns (the built-in-table path). Side by side, the reference:
// systemd-analyze itself assessing unit files offline, when it is installed.

import { spawnSync } from 'node:child_process';
import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeReport } from '../server/analyze/analyze-report.js';
import type { UnitAssessment } from '../server/analyze/model.js';
import { predicateFor } from '../server/analyze/numbers.js';
import { exposureOf, rowNumbers } from '../server/analyze/score/badness.js';
import {
  parseDropIn,
  predict,
  prepareUnit,
  recompute,
  suggestDropIn,
  whatIf,
} from '../server/analyze/score/index.js';
import { loadDemoReports } from '../server/demo/fleet.js';

const N = Number(process.argv[2] ?? 10_000);

const WEAK = '[Service]\nPrivateTmp=yes\nNoNewPrivileges=yes\n';
const STRONG = `[Service]
ProtectSystem=strict
ReadWritePaths=/var/log/app
ProtectHome=yes
PrivateTmp=yes
PrivateDevices=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectClock=yes
NoNewPrivileges=yes
RestrictNamespaces=yes
RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6
SystemCallArchitectures=native
SystemCallFilter=@system-service
SystemCallFilter=~@privileged @resources
CapabilityBoundingSet=CAP_NET_BIND_SERVICE CAP_SETUID CAP_SETGID
`;

/** A deterministic PRNG, so runs compare. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function synthetic(real: UnitAssessment[], n: number): UnitAssessment[] {
  const rnd = prng(4);
  const out: UnitAssessment[] = [];
  const flippable = (c: UnitAssessment['checks'][number]) =>
    c.range === 1 && c.badness !== null && c.weight !== 0;
  while (out.length < n) {
    const base = real[Math.floor(rnd() * real.length)] as UnitAssessment;
    const checks = base.checks.map((c) => {
      if (!flippable(c) || rnd() > 0.04) return { ...c };
      const badness = c.badness === 1 ? 0 : 1;
      return { ...c, badness, set: badness === 0, exposure: null };
    });
    const rows = checks.map(rowNumbers).filter((r) => typeof r !== 'string');
    const exposure = exposureOf(rows) ?? base.exposure;
    const plain = out.length % 2 === 1;
    out.push({
      ...base,
      exposure,
      predicate: exposure === null ? null : predicateFor(exposure),
      // Flipped rows have no per-row exposure printed; the built-in path does not need one.
      checks: plain ? checks.map((c) => ({ ...c, weight: null, badness: null, range: null })) : checks,
    });
  }
  return out;
}

function time<T>(label: string, count: number, fn: () => T): T {
  const start = performance.now();
  const result = fn();
  const ms = performance.now() - start;
  const rate = (count / ms) * 1000;
  console.log(
    `${label.padEnd(58)} ${count.toString().padStart(6)} in ${ms.toFixed(0).padStart(6)} ms  ${rate.toFixed(0).padStart(8)} /s`,
  );
  return result;
}

function reference(): void {
  const dir = '/usr/lib/systemd/system';
  let files: string[];
  try {
    files = readdirSync(dir).filter(
      (f) => f.endsWith('.service') && !lstatSync(join(dir, f)).isSymbolicLink(),
    );
  } catch {
    console.log('reference: no unit files here');
    return;
  }
  const start = performance.now();
  const r = spawnSync('systemd-analyze', ['security', '--offline=true', '--no-pager', ...files], {
    cwd: dir,
    encoding: 'utf8',
    env: { PATH: '/usr/bin:/bin', LC_ALL: 'C.UTF-8', SYSTEMD_ANALYZE_DEBUG: '1' },
    maxBuffer: 1 << 28,
  });
  const ms = performance.now() - start;
  if (r.error) {
    console.log(`reference: systemd-analyze not available (${r.error.message})`);
    return;
  }
  const assessed = (r.stdout.match(/Overall exposure level for /g) ?? []).length;
  console.log(
    `${'reference: systemd-analyze --offline, one call'.padEnd(58)} ${assessed.toString().padStart(6)} in ${ms.toFixed(0).padStart(6)} ms  ${((assessed / ms) * 1000).toFixed(0).padStart(8)} /s`,
  );
}

const real = loadDemoReports().flatMap((r) => analyzeReport(r.text).analysis.units.filter((u) => !u.partial));
const assessments = synthetic(real, N);
const opts = { mode: 'online', systemdVersion: 252 } as const;
console.log(
  `score model, ${N} synthetic-from-real assessments (${real.length} real units), node ${process.version}`,
);

// A first pass compiles the hot paths; the figures are from the second.
for (const a of assessments.slice(0, 500)) whatIf(a, WEAK, opts);

const matched = time(
  'recompute (exposure + predicate, checked against host)',
  N,
  () => assessments.filter((a) => recompute(a, opts).matchesHost).length,
);
const prepared = time('read back the settings of each unit (prepareUnit)', N, () =>
  assessments.map((a) => prepareUnit(a, opts)),
);
const weak = parseDropIn(WEAK);
const strong = parseDropIn(STRONG);
time('what-if, 2-line drop-in, prepared units', N, () => prepared.map((p) => predict(p, weak)));
time('what-if, 17-line drop-in, prepared units', N, () => prepared.map((p) => predict(p, strong)));
const results = time('what-if from scratch (parse + read back + predict)', N, () =>
  assessments.map((a) => whatIf(a, STRONG, opts)),
);
const suggestN = Math.min(N, 1000);
time('suggested override.conf (dozens of what-ifs each)', suggestN, () =>
  assessments.slice(0, suggestN).map((a) => suggestDropIn(a, opts)),
);
reference();

const exact = results.filter((r) => r.exact).length;
console.log(
  `\nrecompute matched the host for ${matched}/${N}; what-if exact for ${exact}/${N} (the rest flagged with a reason)`,
);
const mem = process.memoryUsage();
console.log(
  `rss ${(mem.rss / 2 ** 20).toFixed(0)} MiB, heap used ${(mem.heapUsed / 2 ** 20).toFixed(0)} MiB`,
);
