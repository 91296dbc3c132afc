// A unit's settings read from its own files (what `systemctl cat` prints) instead of back from its
// checks. The checks hide some settings (an explicit User=root, DeviceAllow= entries under
// DevicePolicy=auto, the file-system settings of early-boot units, which calls an allow list
// holds); the files do not. The files are trusted only when every row computed from them equals
// the row the host printed: a file this parser reads differently from systemd, or a host whose
// files changed since it loaded them, shows up as a mismatch and the checks stay the basis.

import { unrestrictedFamilies } from './address-families.js';
import { initialBoundingSet } from './capability-set.js';
import type { DropIn } from './dropin.js';
import { known } from './facts.js';
import { UNFILTERED } from './syscall-filter.js';
import {
  applyDropIn,
  BOOLEAN_ROWS,
  type ModelContext,
  NS_ALL,
  NS_INITIAL,
  type ObservedRow,
  type PlainBoolean,
  ROWS,
  type UnitModel,
} from './unit-model.js';

/** Every setting at systemd's default, for a unit file that sets nothing. */
function defaultModel(): UnitModel {
  const off = known(false);
  return {
    user: known(null),
    dynamicUser: off,
    supplementaryGroups: off,
    removeIPC: off,
    defaultDependencies: known(true),
    bool: Object.fromEntries(Object.keys(BOOLEAN_ROWS).map((k) => [k, off])) as unknown as Record<
      PlainBoolean,
      typeof off
    >,
    privateMounts: off,
    privateTmp: off,
    noNewPrivileges: off,
    restrictSUIDSGID: off,
    delegate: off,
    protectSystem: known('no'),
    protectHome: known('no'),
    root: known('none'),
    mountImages: off,
    umask: known(0o022),
    // System services get their own session keyring unless they say otherwise (exec_context_init).
    keyringMode: known('private'),
    protectProc: known('default'),
    procSubset: known('all'),
    notifyAccess: known('none'),
    ambient: off,
    ambientMask: 0n,
    boundingSet: initialBoundingSet(),
    namespaces: known(NS_ALL | NS_INITIAL),
    addressFamilies: unrestrictedFamilies(),
    archs: known('empty'),
    syscalls: UNFILTERED,
    ipFilters: known('none'),
    denyIPv4All: off,
    denyIPv6All: off,
    allowLocalhost: off,
    allowOther: off,
    devicePolicy: known('auto'),
    deviceEntries: off,
  };
}

/** The unit as its files configure it; the change marks of list settings cleared (nothing changed yet). */
export function modelFromConfiguration(config: DropIn, ctx: ModelContext): UnitModel {
  const m = applyDropIn(defaultModel(), config, ctx);
  m.boundingSet = { ...m.boundingSet, changed: false };
  m.addressFamilies = { ...m.addressFamilies, changed: false };
  m.syscalls = {
    ...m.syscalls,
    changed: false,
    touched: new Set(),
    freshAllow: false,
    worsened: false,
    started: false,
  };
  return m;
}

/**
 * The first row the configuration does not explain ("ProtectSystem: the files give 5, the host
 * printed 0"), or null when every modelled row agrees.
 */
export function configurationMismatch(
  model: UnitModel,
  rows: ReadonlyMap<string, ObservedRow>,
  ctx: ModelContext,
): string | null {
  for (const [id, r] of rows) {
    const def = ROWS.get(id);
    if (!def || r.excluded) continue;
    const out = def.compute(model, ctx);
    if (out.badness !== r.badness)
      return `${r.check.name}: the files give ${out.badness ?? 'n/a'}, the host printed ${r.badness ?? 'n/a'}`;
  }
  return null;
}
