import type { Check } from '../analyze/model.js';
import type { HostView, ScanView, UnitView } from '../store/views.js';

// Store read models → API bodies: tenths become decimals, times become ISO strings.

const score = (tenths: number | null) => (tenths === null ? null : tenths / 10);

export function presentScan(scan: ScanView) {
  return {
    ...scan,
    startedAt: new Date(scan.startedAt).toISOString(),
    finishedAt: new Date(scan.finishedAt).toISOString(),
    durationMs: scan.finishedAt - scan.startedAt,
  };
}

export function presentHost(host: HostView) {
  return {
    ...host,
    lastScan: host.lastScan ? presentScan(host.lastScan) : null,
    worstExposure: score(host.worstExposure),
    medianExposure: score(host.medianExposure),
  };
}

export function presentUnit(unit: UnitView) {
  return { ...unit, exposure: score(unit.exposure), partial: false };
}

export function presentCheck(check: Check) {
  return { ...check, exposure: score(check.exposure) };
}
