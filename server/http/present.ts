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
  const { inventory, ...rest } = host;
  return {
    ...rest,
    lastScan: host.lastScan ? presentScan(host.lastScan) : null,
    worstExposure: score(host.worstExposure),
    medianExposure: score(host.medianExposure),
    retiredAt: host.retiredAt === null ? null : new Date(host.retiredAt).toISOString(),
    source: inventory?.source ?? null,
    inventory: inventory ? presentInventory(inventory) : null,
  };
}

/** The definition as written, minus the name (the host's own); jump always as a list. */
function presentInventory(inventory: NonNullable<HostView['inventory']>) {
  const { name: _name, jump, ...spec } = inventory.spec;
  return {
    ...spec,
    ...(jump === undefined ? {} : { jump: typeof jump === 'string' ? jump.split(',') : jump }),
    updatedAt: new Date(inventory.updatedAt).toISOString(),
    updatedBy: inventory.updatedBy,
  };
}

export function presentUnit(unit: UnitView) {
  return { ...unit, exposure: score(unit.exposure), partial: false };
}

export function presentCheck(check: Check) {
  return { ...check, exposure: score(check.exposure) };
}
