// The fleet's day-to-day life, shared by the store bench's phases (issue 5): most units unchanged
// day to day, deploys change a few on some hosts, a few hosts unreachable, a few come and go.
// Seeded, so every run sees the same fleet.

export const CHURN = {
  /** Share of hosts a deploy touches on a given day: one to three of their units change. */
  deploy: 0.04,
  /** Share of scans that fail at the transport (no report, history untouched). */
  unreachable: 0.003,
  /** Share of hosts that leave the inventory on a given day; as many new ones join. */
  turnover: 0.0002,
};

let seed = 0x2545f491;
/** xorshift32: the same sequence every run. */
export function random(): number {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 4294967296;
}

export const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;

/** What happens to one host on one day. */
export type Outcome = { kind: 'unreachable' } | { kind: 'same' } | { kind: 'deploy'; units: number };

export function outcome(): Outcome {
  if (random() < CHURN.unreachable) return { kind: 'unreachable' };
  if (random() < CHURN.deploy) return { kind: 'deploy', units: 1 + Math.floor(random() * 3) };
  return { kind: 'same' };
}

export const labelsOf = (i: number): string[] => [
  `env=${i % 4 === 0 ? 'staging' : 'prod'}`,
  `role=${['web', 'db', 'worker', 'cache', 'batch'][i % 5]}`,
];

export const inventoryHost = (i: number) => ({
  name: `host-${i}`,
  address: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
  port: 22,
  user: 's',
  labels: labelsOf(i),
});

export const DAY_MS = 86_400_000;
/** Day `day` of the simulated year, at 03:00 UTC when the daily scans run. */
export const dayAt = (day: number, hostIndex = 0): Date =>
  new Date(Date.UTC(2025, 0, 1) + day * DAY_MS + 3 * 3_600_000 + (hostIndex % 3_600) * 1000);
