import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { Check } from '../analyze/model.js';
import type { ScanResult } from '../collect/scan-host.js';
import type { Db } from './db.js';

/** Median of exposures in tenths, rounded up to a tenth like every systemd number. */
export function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  if (sorted.length % 2 === 1) return sorted[mid] ?? null;
  return Math.ceil(((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2);
}

// The columns of a check, in a fixed order, so equal lists hash equal whatever produced them.
function canonicalChecks(checks: Check[]): string {
  return JSON.stringify(
    checks.map((c) => [c.id, c.name, c.description, c.set, c.exposure, c.weight, c.badness, c.range]),
  );
}

export function decodeChecks(json: string): Check[] {
  const rows = JSON.parse(json) as [
    string,
    string,
    string | null,
    boolean | null,
    number | null,
    number | null,
    number | null,
    number | null,
  ][];
  return rows.map(([id, name, description, set, exposure, weight, badness, range]) => ({
    id,
    name,
    description,
    set,
    exposure,
    weight,
    badness,
    range,
  }));
}

/** Store one scan and everything it found in one transaction. Returns the scan id. */
export function saveScan(db: Db, hostId: number, scan: ScanResult): number {
  const insertScan = db.prepare(`
    INSERT INTO scans (host_id, started_at, finished_at, status, error, host_key_type, host_key_fingerprint,
      systemd_version, systemd_version_text, hostname, machine_id, os, kernel, unit_count, worst_exposure,
      median_exposure, report_gz)
    VALUES (@hostId, @startedAt, @finishedAt, @status, @error, @hostKeyType, @hostKeyFingerprint,
      @systemdVersion, @systemdVersionText, @hostname, @machineId, @os, @kernel, @unitCount, @worst, @median, @report)
    RETURNING id`);
  const findAssessment = db.prepare('SELECT id FROM assessments WHERE hash = ?');
  const insertAssessment = db.prepare('INSERT INTO assessments (hash, checks) VALUES (?, ?) RETURNING id');
  const insertUnit = db.prepare(
    'INSERT INTO scan_units (scan_id, unit, exposure, predicate, failing, assessment_id) VALUES (?, ?, ?, ?, ?, ?)',
  );
  const insertError = db.prepare('INSERT INTO scan_errors (scan_id, seq, unit, message) VALUES (?, ?, ?, ?)');

  const exposures = scan.units.map((u) => u.exposure).filter((e): e is number => e !== null);
  const meta = scan.meta;
  return db.transaction(() => {
    const { id: scanId } = insertScan.get({
      hostId,
      startedAt: scan.startedAt.getTime(),
      finishedAt: scan.finishedAt.getTime(),
      status: scan.status,
      error: scan.error,
      hostKeyType: scan.hostKey?.type ?? null,
      hostKeyFingerprint: scan.hostKey?.fingerprint ?? null,
      systemdVersion: scan.systemdVersion,
      systemdVersionText: meta.systemd || null,
      hostname: meta.hostname || null,
      machineId: meta.machine_id || null,
      os: meta.os_pretty || meta.os_name || null,
      kernel: meta.kernel || null,
      unitCount: scan.status === 'ok' ? scan.units.length : null,
      worst: exposures.length > 0 ? Math.max(...exposures) : null,
      median: median(exposures),
      report: scan.report === null ? null : gzipSync(scan.report),
    }) as { id: number };
    // A host may list a unit twice (an alias and its name); the first table wins.
    const seen = new Set<string>();
    for (const unit of scan.units) {
      if (seen.has(unit.unit)) continue;
      seen.add(unit.unit);
      const checks = canonicalChecks(unit.checks);
      const hash = createHash('sha256').update(checks).digest();
      const existing = findAssessment.get(hash) as { id: number } | undefined;
      const assessmentId = existing?.id ?? (insertAssessment.get(hash, checks) as { id: number }).id;
      const failing = unit.checks.filter((c) => c.set === false).length;
      insertUnit.run(scanId, unit.unit, unit.exposure, unit.predicate, failing, assessmentId);
    }
    scan.errors.forEach((e, i) => {
      insertError.run(scanId, i, e.unit, e.message);
    });
    return scanId;
  })();
}
