import type { Check, Predicate } from '../analyze/model.js';
import { predicateFor } from '../analyze/numbers.js';
import type { ScanStatus } from '../collect/status.js';
import type { HostSpec } from '../config/host-spec.js';
import type { Db } from './db.js';
import type { InventorySource } from './host-inventory.js';
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
  /** Set once the host left the inventory; its history stays. */
  retiredAt: number | null;
  /** The host as its inventory defines it; null when retired (or synced without one: tests). */
  inventory: {
    source: InventorySource;
    spec: HostSpec;
    updatedAt: number;
    updatedBy: string;
  } | null;
}

export interface UnitView {
  unit: string;
  exposure: number | null;
  predicate: Predicate | null;
  failing: number;
}

export interface UnitErrorView {
  unit: string | null;
  message: string;
}

const SCAN_SELECT = `SELECT s.id, s.status, s.error, s.started_at AS startedAt, s.finished_at AS finishedAt,
  f.systemd_version AS systemdVersion, f.hostname, f.os
  FROM scans s LEFT JOIN host_facts f ON f.id = s.facts_id WHERE s.id = ?`;

const OPEN_UNITS = `SELECT n.name AS unit, i.exposure, a.failing, a.checks
  FROM unit_intervals i JOIN unit_names n ON n.id = i.unit_id JOIN assessments a ON a.id = i.assessment_id
  WHERE i.host_id = ? AND i.to_scan IS NULL`;

// A host as every screen shows it, in one statement: the host, its last scan (with what the
// host said of itself) and the summary of its last successful scan, each found through the (host_id, id) indexes.
export const HOST_SELECT = `SELECT h.id, h.name, h.address, h.port, h.user, h.labels, h.retired_at AS retiredAt,
      hi.source AS invSource, hi.spec AS invSpec, hi.updated_at AS invUpdatedAt, hi.updated_by AS invUpdatedBy,
      ls.id AS lastScanId, ls.status AS lsStatus, ls.error AS lsError, ls.started_at AS lsStartedAt,
      ls.finished_at AS lsFinishedAt, lf.systemd_version AS lsSystemdVersion, lf.hostname AS lsHostname,
      lf.os AS lsOs, ok.id AS lastOkScanId, ok.unit_count AS okUnitCount, ok.worst AS okWorst,
      ok.median AS okMedian
    FROM hosts h
    LEFT JOIN host_inventory hi ON hi.host_id = h.id
    LEFT JOIN scans ls ON ls.id = (SELECT max(s.id) FROM scans s WHERE s.host_id = h.id)
    LEFT JOIN host_facts lf ON lf.id = ls.facts_id
    LEFT JOIN scans ok ON ok.id = (SELECT max(s.id) FROM scans s WHERE s.host_id = h.id AND s.status = 'ok')`;

/** The host `h` carries every label of the JSON array bound to `param` ([] = any host). */
export const hasLabels = (param = '?') => `NOT EXISTS (SELECT 1 FROM json_each(${param}) wanted
  WHERE wanted.value NOT IN (SELECT value FROM json_each(h.labels)))`;

/** A row of HOST_SELECT. */
export interface HostRow {
  id: number;
  name: string;
  address: string;
  port: number;
  user: string;
  labels: string;
  retiredAt: number | null;
  invSource: InventorySource | null;
  invSpec: string | null;
  invUpdatedAt: number | null;
  invUpdatedBy: string | null;
  lastScanId: number | null;
  lsStatus: string | null;
  lsError: string | null;
  lsStartedAt: number | null;
  lsFinishedAt: number | null;
  lsSystemdVersion: number | null;
  lsHostname: string | null;
  lsOs: string | null;
  lastOkScanId: number | null;
  okUnitCount: number | null;
  okWorst: number | null;
  okMedian: number | null;
}

// Every systemd prints the predicate its thresholds give the exposure (systemd-analyze.md §1.5).
const unitView = (row: { unit: string; exposure: number | null; failing: number }): UnitView => ({
  unit: row.unit,
  exposure: row.exposure,
  predicate: row.exposure === null ? null : predicateFor(row.exposure),
  failing: row.failing,
});

/** The view of a HOST_SELECT row. */
export function hostView(row: HostRow): HostView {
  return {
    id: row.id,
    name: row.name,
    address: row.address,
    port: row.port,
    user: row.user,
    labels: JSON.parse(row.labels) as string[],
    lastScan:
      row.lastScanId === null
        ? null
        : {
            id: row.lastScanId,
            status: row.lsStatus as ScanStatus,
            error: row.lsError,
            startedAt: row.lsStartedAt as number,
            finishedAt: row.lsFinishedAt as number,
            systemdVersion: row.lsSystemdVersion,
            hostname: row.lsHostname,
            os: row.lsOs,
          },
    unitCount: row.lastOkScanId === null ? null : row.okUnitCount,
    worstExposure: row.okWorst,
    medianExposure: row.okMedian,
    retiredAt: row.retiredAt,
    inventory:
      row.invSource === null
        ? null
        : {
            source: row.invSource,
            spec: JSON.parse(row.invSpec as string) as HostSpec,
            updatedAt: row.invUpdatedAt as number,
            updatedBy: row.invUpdatedBy as string,
          },
  };
}

export class Views {
  private readonly statements;

  constructor(db: Db) {
    this.statements = {
      // Hosts carrying every label asked for (a JSON array; [] = all).
      hosts: db.prepare(`${HOST_SELECT} WHERE h.retired_at IS NULL AND ${hasLabels()} ORDER BY h.name`),
      labels: db.prepare(`SELECT l.value AS label, count(*) AS hosts FROM hosts h, json_each(h.labels) l
        WHERE h.retired_at IS NULL GROUP BY l.value ORDER BY l.value`),
      host: db.prepare(`${HOST_SELECT} WHERE h.id = ?`),
      scan: db.prepare(SCAN_SELECT),
      units: db.prepare(`SELECT unit, exposure, failing FROM (${OPEN_UNITS})
        ORDER BY exposure IS NULL, exposure DESC, unit`),
      unit: db.prepare(`${OPEN_UNITS} AND n.name = ?`),
      errors: db.prepare(
        'SELECT e.errors FROM scans s JOIN error_sets e ON e.id = s.errors_id WHERE s.id = ?',
      ),
    };
  }

  scanById(id: number | null): ScanView | null {
    return id === null ? null : ((this.statements.scan.get(id) as ScanView | undefined) ?? null);
  }

  /** One host, retired or not, with its inventory definition and last scans. */
  hostById(hostId: number): HostView | null {
    const row = this.statements.host.get(hostId) as HostRow | undefined;
    return row ? hostView(row) : null;
  }

  hosts(labels: readonly string[] = []): HostView[] {
    return (this.statements.hosts.all(JSON.stringify(labels)) as HostRow[]).map(hostView);
  }

  /** Every label of the active hosts, with how many hosts carry it. */
  labels(): { label: string; hosts: number }[] {
    return this.statements.labels.all() as { label: string; hosts: number }[];
  }

  /** The host and its units as its latest successful scan saw them, worst first. */
  hostUnits(
    hostId: number,
  ): { host: HostView; scan: ScanView | null; units: UnitView[]; errors: UnitErrorView[] } | null {
    const row = this.statements.host.get(hostId) as HostRow | undefined;
    if (!row) return null;
    const scan = this.scanById(row.lastOkScanId);
    const units = (
      this.statements.units.all(hostId) as { unit: string; exposure: number | null; failing: number }[]
    ).map(unitView);
    // Errors belong to the scan whose units are shown; a failed later scan says why in lastScan.
    const errorsJson = scan
      ? (this.statements.errors.get(scan.id) as { errors: string } | undefined)?.errors
      : undefined;
    const errors = errorsJson
      ? (JSON.parse(errorsJson) as [string | null, string][]).map(([unit, message]) => ({ unit, message }))
      : [];
    return { host: hostView(row), scan, units, errors };
  }

  unitDetail(
    hostId: number,
    unit: string,
  ): { host: HostView; scan: ScanView; unit: UnitView & { checks: Check[] } } | null {
    const row = this.statements.host.get(hostId) as HostRow | undefined;
    if (!row || row.lastOkScanId === null) return null;
    const scan = this.scanById(row.lastOkScanId);
    const found = this.statements.unit.get(hostId, unit) as
      | { unit: string; exposure: number | null; failing: number; checks: string }
      | undefined;
    if (!scan || !found) return null;
    return { host: hostView(row), scan, unit: { ...unitView(found), checks: decodeChecks(found.checks) } };
  }

  hostExists(hostId: number): boolean {
    return this.statements.host.get(hostId) !== undefined;
  }
}
