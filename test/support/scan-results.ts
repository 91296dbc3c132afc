import type { Check, UnitAssessment } from '../../server/analyze/model.js';
import type { ScanResult } from '../../server/collect/scan-host.js';

export function check(id: string, set: boolean | null, exposure: number | null): Check {
  return {
    id,
    name: `${id}=`,
    description: set === null ? 'does not apply' : set ? 'good' : 'bad',
    set,
    exposure,
    weight: 1000,
    badness: set === null ? null : set ? 0 : 1,
    range: 1,
  };
}

export function unit(name: string, exposure: number, checks: Check[]): UnitAssessment {
  return {
    unit: name,
    exposure,
    predicate: exposure >= 90 ? 'UNSAFE' : exposure >= 50 ? 'MEDIUM' : 'OK',
    checks,
    partial: false,
  };
}

export function okScan(units: UnitAssessment[], at = new Date('2026-11-20T10:00:00Z')): ScanResult {
  return {
    status: 'ok',
    error: null,
    startedAt: at,
    finishedAt: new Date(at.getTime() + 1500),
    hostKey: { type: 'ssh-ed25519', fingerprint: 'SHA256:abc' },
    report: Buffer.from('unitscore-report 1 x\n'),
    meta: {
      hostname: 'web-1',
      systemd: 'systemd 252 (252.39-1~deb12u2)',
      os_pretty: 'Debian GNU/Linux 12 (bookworm)',
    },
    systemdVersion: 252,
    units,
    errors: [{ unit: 'gone.service', message: 'Unit gone.service not found, cannot analyze.' }],
  };
}

export function failedScan(
  status: ScanResult['status'],
  error: string,
  at = new Date('2026-11-21T10:00:00Z'),
): ScanResult {
  return {
    status,
    error,
    startedAt: at,
    finishedAt: new Date(at.getTime() + 200),
    hostKey: null,
    report: null,
    meta: {},
    systemdVersion: null,
    units: [],
    errors: [],
  };
}
