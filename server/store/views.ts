import type { Check, Predicate } from '../analyze/model.js';
import type { ScanStatus } from '../collect/status.js';
import type { Db } from './db.js';
import { decodeChecks } from './scans.js';

// Read models shaped for the screens (STYLE.md: one request per screen). Exposures leave the
// store in tenths; the HTTP layer turns them into the decimals people read.

export interface ScanView {
  id: number;
  status: ScanStatus;
  error: string | null;
  startedAt: number;
  finishedAt: number;
  systemdVersion: number | null;
  hostname: string | null;
  os: string | null;
}

export interface HostView {
  id: number;
  name: string;
  address: string;
  port: number;
  user: string;
  labels: string[];
  lastScan: ScanView | null;
  unitCount: number | null;
  worstExposure: number | null;
  medianExposure: number | null;
}

export interface UnitView {
  unit: string;
  exposure: number | null;
  predicate: Predicate | null;
  failing: number;
}

const SCAN_COLUMNS = `id, status, error, started_at AS startedAt, finished_at AS finishedAt,
  systemd_version AS systemdVersion, hostname, os`;

interface HostRow {
  id: number;
  name: string;
  address: string;
  port: number;
  user: string;
  labels: string;
  lastScanId: number | null;
  lastOkScanId: number | null;
}

export class Views {
  private readonly hostRows;
  private readonly hostRow;
  private readonly scanById;
  private readonly okSummary;
  private readonly unitsOfScan;
  private readonly errorsOfScan;
  private readonly unitOfScan;

  constructor(db: Db) {
    const hostSelect = `SELECT h.id, h.name, h.address, h.port, h.user, h.labels,
        (SELECT max(s.id) FROM scans s WHERE s.host_id = h.id) AS lastScanId,
        (SELECT max(s.id) FROM scans s WHERE s.host_id = h.id AND s.status = 'ok') AS lastOkScanId
      FROM hosts h`;
    this.hostRows = db.prepare(`${hostSelect} WHERE h.retired_at IS NULL ORDER BY h.name`);
    this.hostRow = db.prepare(`${hostSelect} WHERE h.id = ?`);
    this.scanById = db.prepare(`SELECT ${SCAN_COLUMNS} FROM scans WHERE id = ?`);
    this.okSummary = db.prepare(
      'SELECT unit_count AS unitCount, worst_exposure AS worst, median_exposure AS median FROM scans WHERE id = ?',
    );
    this.unitsOfScan = db.prepare(`SELECT unit, exposure, predicate, failing FROM scan_units WHERE scan_id = ?
      ORDER BY exposure IS NULL, exposure DESC, unit`);
    this.errorsOfScan = db.prepare('SELECT unit, message FROM scan_errors WHERE scan_id = ? ORDER BY seq');
    this.unitOfScan = db.prepare(`SELECT u.unit, u.exposure, u.predicate, u.failing, a.checks
      FROM scan_units u JOIN assessments a ON a.id = u.assessment_id WHERE u.scan_id = ? AND u.unit = ?`);
  }

  private scan(id: number | null): ScanView | null {
    return id === null ? null : ((this.scanById.get(id) as ScanView | undefined) ?? null);
  }

  private host(row: HostRow): HostView {
    const summary =
      row.lastOkScanId === null
        ? undefined
        : (this.okSummary.get(row.lastOkScanId) as {
            unitCount: number;
            worst: number | null;
            median: number | null;
          });
    return {
      id: row.id,
      name: row.name,
      address: row.address,
      port: row.port,
      user: row.user,
      labels: JSON.parse(row.labels) as string[],
      lastScan: this.scan(row.lastScanId),
      unitCount: summary?.unitCount ?? null,
      worstExposure: summary?.worst ?? null,
      medianExposure: summary?.median ?? null,
    };
  }

  hosts(): HostView[] {
    return (this.hostRows.all() as HostRow[]).map((r) => this.host(r));
  }

  /** The host and the units of its latest successful scan, worst first. */
  hostUnits(hostId: number): {
    host: HostView;
    scan: ScanView | null;
    units: UnitView[];
    errors: { unit: string | null; message: string }[];
  } | null {
    const row = this.hostRow.get(hostId) as HostRow | undefined;
    if (!row) return null;
    const scan = this.scan(row.lastOkScanId);
    const units = scan ? (this.unitsOfScan.all(scan.id) as UnitView[]) : [];
    // Errors belong to the scan whose units are shown; a failed later scan says why in lastScan.
    const errors = scan ? (this.errorsOfScan.all(scan.id) as { unit: string | null; message: string }[]) : [];
    return { host: this.host(row), scan, units, errors };
  }

  unitDetail(
    hostId: number,
    unit: string,
  ): { host: HostView; scan: ScanView; unit: UnitView & { checks: Check[] } } | null {
    const row = this.hostRow.get(hostId) as HostRow | undefined;
    if (!row || row.lastOkScanId === null) return null;
    const scan = this.scan(row.lastOkScanId);
    const found = this.unitOfScan.get(row.lastOkScanId, unit) as (UnitView & { checks: string }) | undefined;
    if (!scan || !found) return null;
    return { host: this.host(row), scan, unit: { ...found, checks: decodeChecks(found.checks) } };
  }

  hostExists(hostId: number): boolean {
    return this.hostRow.get(hostId) !== undefined;
  }
}
