import type { Check } from '../analyze/model.js';
import type { ScanResult } from '../collect/scan-host.js';
import type { Db } from './db.js';
import { distinctUnits, type PreparedUnit, prepareUnit, sha256 } from './prepared-scan.js';
import { reportDigest } from './report-digest.js';
import { dayOf, histogramOf, Rollups } from './rollups.js';
import { storedReport } from './stored-report.js';

/** Median of exposures in tenths, rounded up to a tenth like every systemd number. */
export function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  if (sorted.length % 2 === 1) return sorted[mid] ?? null;
  return Math.ceil(((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2);
}

type CheckRow = [
  string,
  string,
  string | null,
  boolean | null,
  number | null,
  number | null,
  number | null,
  number | null,
];

export function decodeChecks(json: string): Check[] {
  return (JSON.parse(json) as CheckRow[]).map(
    ([id, name, description, set, exposure, weight, badness, range]) => ({
      id,
      name,
      description,
      set,
      exposure,
      weight,
      badness,
      range,
    }),
  );
}

interface OpenInterval {
  id: number;
  unit_id: number;
  assessment_id: number;
  /** The assessment's content address: an unchanged unit is known without looking it up. */
  hash: Buffer;
  exposure: number | null;
}

/** Writes scans. Prepared statements are made once: ingest is the store's hot path. */
export class ScanWriter {
  private readonly statements;
  private readonly unitIds = new Map<string, number>();
  private readonly rollups: Rollups;
  // Digests repeatOf computed, by report: a report that is no repeat is then stored without
  // hashing its ~2 MB a second time. Weak: the entry goes with the report.
  private readonly digests = new WeakMap<Buffer, Buffer>();
  // The transactions made once: better-sqlite3 builds a wrapper per db.transaction() call.
  private readonly inTransaction;

  constructor(db: Db) {
    this.rollups = new Rollups(db);
    this.inTransaction = {
      saveNew: this.undoable(db, (hostId: number, scan: ScanResult, units: PreparedUnit[]) =>
        this.saveNew(hostId, scan, units),
      ),
      saveRepeat: this.undoable(db, (hostId: number, scan: ScanResult, previous: number) =>
        this.saveRepeat(hostId, scan, previous),
      ),
    };
    this.statements = {
      hostLabels: db.prepare('SELECT labels FROM hosts WHERE id = ?').pluck(),
      findFacts: db.prepare('SELECT id FROM host_facts WHERE hash = ?').pluck(),
      insertFacts: db
        .prepare(`INSERT INTO host_facts (hash, systemd_version, systemd_version_text, hostname, machine_id, os, kernel,
          host_key_type, host_key_fingerprint) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`)
        .pluck(),
      findErrors: db.prepare('SELECT id FROM error_sets WHERE hash = ?').pluck(),
      insertErrors: db.prepare('INSERT INTO error_sets (hash, errors) VALUES (?, ?) RETURNING id').pluck(),
      findReport: db.prepare('SELECT id FROM reports WHERE hash = ?').pluck(),
      insertReport: db
        .prepare('INSERT INTO reports (hash, size, codec, body) VALUES (?, ?, ?, ?) RETURNING id')
        .pluck(),
      insertScan: db
        .prepare(`INSERT INTO scans (host_id, started_at, finished_at, status, error, facts_id, errors_id, report_id,
          unit_count, worst, median) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`)
        .pluck(),
      lastOkReport: db.prepare(`SELECT s.id, r.hash FROM scans s JOIN reports r ON r.id = s.report_id
        WHERE s.host_id = ? AND s.status = 'ok' ORDER BY s.id DESC LIMIT 1`),
      factsOf: db
        .prepare(`SELECT f.systemd_version, f.systemd_version_text, f.hostname, f.machine_id, f.os, f.kernel,
          f.host_key_type, f.host_key_fingerprint, f.id FROM scans s JOIN host_facts f ON f.id = s.facts_id WHERE s.id = ?`)
        .raw(),
      insertRepeat: db
        .prepare(`INSERT INTO scans (host_id, started_at, finished_at, status, error, facts_id, errors_id, report_id,
          unit_count, worst, median)
          SELECT ?, ?, ?, status, error, ?, errors_id, report_id, unit_count, worst, median FROM scans WHERE id = ?
          RETURNING id`)
        .pluck(),
      summary: db.prepare('SELECT unit_count AS unitCount, worst, median FROM scans WHERE id = ?'),
      findUnit: db.prepare('SELECT id FROM unit_names WHERE name = ?').pluck(),
      insertUnit: db.prepare('INSERT INTO unit_names (name) VALUES (?) RETURNING id').pluck(),
      findAssessment: db.prepare('SELECT id FROM assessments WHERE hash = ?').pluck(),
      insertAssessment: db
        .prepare('INSERT INTO assessments (hash, failing, checks) VALUES (?, ?, ?) RETURNING id')
        .pluck(),
      openIntervals: db.prepare(
        `SELECT i.id, i.unit_id, i.assessment_id, a.hash, i.exposure FROM unit_intervals i
          JOIN assessments a ON a.id = i.assessment_id WHERE i.host_id = ? AND i.to_scan IS NULL`,
      ),
      closeInterval: db.prepare('UPDATE unit_intervals SET to_scan = ? WHERE id = ?'),
      updateScan:
        db.prepare(`UPDATE scans SET status = ?, error = ?, facts_id = ?, errors_id = ?, unit_count = ?,
        worst = ?, median = ? WHERE id = ?`),
      openInterval: db.prepare(
        'INSERT INTO unit_intervals (host_id, unit_id, assessment_id, exposure, from_scan) VALUES (?, ?, ?, ?, ?)',
      ),
    };
  }

  /**
   * A transaction that, when it rolls back, forgets what this writer learnt inside it: a unit
   * name's id cached there names a row that no longer exists (the next scan would fail on it).
   */
  private undoable<A extends unknown[]>(db: Db, work: (...args: A) => number): (...args: A) => number {
    const transaction = db.transaction(work);
    return (...args: A) => {
      try {
        return transaction(...args);
      } catch (err) {
        this.unitIds.clear();
        throw err;
      }
    };
  }

  private contentId(
    find: { get(hash: Buffer): unknown },
    insert: (hash: Buffer) => unknown,
    text: string,
  ): number {
    const hash = sha256(text);
    return ((find.get(hash) as number | undefined) ?? insert(hash)) as number;
  }

  private unitId(name: string): number {
    let id = this.unitIds.get(name);
    if (id === undefined) {
      id = ((this.statements.findUnit.get(name) as number | undefined) ??
        this.statements.insertUnit.get(name)) as number;
      // A copy: the parser's unit names are slices of the whole report text, and a slice kept
      // in this cache would keep that report (~3.5 MB as a string) alive for good.
      this.unitIds.set(Buffer.from(name, 'utf8').toString('utf8'), id);
    }
    return id;
  }

  private factsId(scan: ScanResult): number | null {
    const m = scan.meta;
    const facts = [
      scan.systemdVersion,
      m.systemd || null,
      m.hostname || null,
      m.machine_id || null,
      m.os_pretty || m.os_name || null,
      m.kernel || null,
      scan.hostKey?.type ?? null,
      scan.hostKey?.fingerprint ?? null,
    ];
    if (facts.every((f) => f === null)) return null;
    const s = this.statements;
    return this.contentId(s.findFacts, (hash) => s.insertFacts.get(hash, ...facts), JSON.stringify(facts));
  }

  /** The scan's own columns: facts and errors by reference, the summary of its units. */
  private columns(scan: ScanResult, units: { exposure: number | null }[]) {
    const s = this.statements;
    const errorsJson = JSON.stringify(scan.errors.map((e) => [e.unit, e.message]));
    const errorsId =
      scan.errors.length === 0
        ? null
        : this.contentId(s.findErrors, (h) => s.insertErrors.get(h, errorsJson), errorsJson);
    const ok = scan.status === 'ok';
    const exposures = units.map((u) => u.exposure).filter((e): e is number => e !== null);
    return {
      status: scan.status,
      error: scan.error,
      factsId: this.factsId(scan),
      errorsId,
      unitCount: ok ? units.length : null,
      worst: ok && exposures.length > 0 ? Math.max(...exposures) : null,
      median: ok ? median(exposures) : null,
    };
  }

  /**
   * The host's last successful scan, when it stored this very report (boundary and time aside):
   * nothing on the host changed, so the new scan needs no parsing and changes no history.
   */
  repeatOf(hostId: number, report: Buffer | string): number | null {
    const last = this.lastOkReport(hostId);
    if (last === null) return null;
    const digest = reportDigest(report);
    if (typeof report !== 'string') this.digests.set(report, digest);
    return last.hash.equals(digest) ? last.id : null;
  }

  /** The host's last successful scan and its report's digest, for a repeat check elsewhere. */
  lastOkReport(hostId: number): { id: number; hash: Buffer } | null {
    return (this.statements.lastOkReport.get(hostId) as { id: number; hash: Buffer } | undefined) ?? null;
  }

  /** The report's row: found by digest, else stored (compressed here unless prepared before). */
  private reportId(scan: ScanResult): number | null {
    const s = this.statements;
    const ready = scan.prepared?.report ?? null;
    if (ready === null && scan.report === null) return null;
    const report = scan.report as Buffer;
    const digest = ready?.digest ?? this.digests.get(report) ?? reportDigest(report);
    const found = s.findReport.get(digest) as number | undefined;
    if (found !== undefined) return found;
    const r = ready ?? storedReport(report, digest);
    return s.insertReport.get(r.digest, r.size, r.codec, r.body) as number;
  }

  /** Store one scan and everything it changed in one transaction. Returns the scan id. */
  save(hostId: number, scan: ScanResult): number {
    if (scan.repeatOf !== undefined) return this.inTransaction.saveRepeat(hostId, scan, scan.repeatOf);
    return this.inTransaction.saveNew(hostId, scan, preparedUnits(scan));
  }

  private saveNew(hostId: number, scan: ScanResult, units: PreparedUnit[]): number {
    const s = this.statements;
    const reportId = this.reportId(scan);
    const c = this.columns(scan, units);
    const scanId = s.insertScan.get(
      hostId,
      scan.startedAt.getTime(),
      scan.finishedAt.getTime(),
      c.status,
      c.error,
      c.factsId,
      c.errorsId,
      reportId,
      c.unitCount,
      c.worst,
      c.median,
    ) as number;
    if (scan.status === 'ok') this.advanceIntervals(hostId, scanId, units, dayOf(scan.startedAt.getTime()));
    return scanId;
  }

  /** A scan that saw what scan `previous` saw: its columns copied, the host key its own. */
  private saveRepeat(hostId: number, scan: ScanResult, previous: number): number {
    const s = this.statements;
    const facts = s.factsOf.get(previous) as unknown[] | undefined;
    let factsId: number | null = null;
    const key = [scan.hostKey?.type ?? null, scan.hostKey?.fingerprint ?? null];
    // The same host key as then (the usual case): the very same facts.
    if (facts && facts[6] === key[0] && facts[7] === key[1]) factsId = facts[8] as number;
    else if (facts) {
      facts.splice(6, 3, ...key);
      factsId = this.contentId(
        s.findFacts,
        (hash) => s.insertFacts.get(hash, ...facts),
        JSON.stringify(facts),
      );
    }
    return s.insertRepeat.get(
      hostId,
      scan.startedAt.getTime(),
      scan.finishedAt.getTime(),
      factsId,
      previous,
    ) as number;
  }

  /** Units, worst and median a stored scan saw (for logs and the CLI). */
  summary(scanId: number): { unitCount: number | null; worst: number | null; median: number | null } {
    return this.statements.summary.get(scanId) as {
      unitCount: number | null;
      worst: number | null;
      median: number | null;
    };
  }

  /**
   * Re-read a stored scan (reparse): rewrite its columns from a new interpretation of its report
   * and advance the host's intervals again. The caller has rewound the intervals and rebuilds the
   * rollups afterwards; runs inside the caller's transaction.
   */
  replay(scanId: number, hostId: number, scan: ScanResult): void {
    const units = preparedUnits(scan);
    const c = this.columns(scan, units);
    this.statements.updateScan.run(
      c.status,
      c.error,
      c.factsId,
      c.errorsId,
      c.unitCount,
      c.worst,
      c.median,
      scanId,
    );
    if (scan.status === 'ok') this.advanceIntervals(hostId, scanId, units, null);
  }

  /** Close what changed or went away, open what is new; leave the unchanged alone. */
  private advanceIntervals(hostId: number, scanId: number, units: PreparedUnit[], day: string | null): void {
    const s = this.statements;
    const openRows = s.openIntervals.all(hostId) as OpenInterval[];
    if (day !== null) this.updateRollups(hostId, day, openRows, units);
    const open = new Map(openRows.map((i) => [i.unit_id, i]));
    for (const unit of units) {
      const unitId = this.unitId(unit.unit);
      const current = open.get(unitId);
      open.delete(unitId);
      if (current?.hash.equals(unit.hash) && current.exposure === unit.exposure) continue;
      const found = s.findAssessment.get(unit.hash) as number | undefined;
      if (found === undefined && unit.checks === null) throw new MissingAssessment(unit.unit);
      const assessmentId = (found ?? s.insertAssessment.get(unit.hash, unit.failing, unit.checks)) as number;
      if (current) s.closeInterval.run(scanId, current.id);
      s.openInterval.run(hostId, unitId, assessmentId, unit.exposure, scanId);
    }
    for (const gone of open.values()) s.closeInterval.run(scanId, gone.id);
  }

  private updateRollups(hostId: number, day: string, open: OpenInterval[], units: PreparedUnit[]): void {
    const labels = JSON.parse(this.statements.hostLabels.get(hostId) as string) as string[];
    const before = histogramOf(open.map((i) => i.exposure));
    const after = histogramOf(units.map((u) => u.exposure));
    const counted = this.rollups.countedLabels(hostId);
    const same =
      counted !== null &&
      JSON.stringify(counted) === JSON.stringify(labels) &&
      before.every((n, i) => n === after[i]);
    if (!same) this.rollups.apply(hostId, labels, day, before, after);
  }
}

/**
 * A prepared unit came without its checks (its worker sent them before) and the store does not
 * have them: that earlier scan was not stored (its host left the inventory mid-round, its write
 * failed). The scan's transaction is rolled back; the caller prepares the report again in full
 * (collect/save-analysed.ts).
 */
export class MissingAssessment extends Error {
  constructor(unit: string) {
    super(`the assessment of ${unit} was sent without its checks and is not in the store`);
  }
}

/** The scan's units as stored: prepared by the analysing worker, or here. */
const preparedUnits = (scan: ScanResult): PreparedUnit[] =>
  scan.prepared?.units ?? distinctUnits(scan.units).map(prepareUnit);

/** One-off convenience for callers that store a single scan. */
export function saveScan(db: Db, hostId: number, scan: ScanResult): number {
  return new ScanWriter(db).save(hostId, scan);
}
