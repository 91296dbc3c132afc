import type { FastifyPluginAsync } from 'fastify';
import { Gauge, Registry } from 'prom-client';
import { SCAN_STATUSES } from '../collect/status.js';
import type { FleetQueries } from '../store/queries/index.js';

/** How many (host, unit) series unitscore_unit_exposure exports: the worst ones fleet-wide. */
export const WORST_UNIT_SERIES = 100;
const RECENT_MS = 24 * 3_600_000;

/**
 * Prometheus metrics at /metrics, read from the database at scrape time (so scans stored by
 * another process count too), in a registry of this app's own: tests build several apps.
 *
 * Cardinality stays bounded: series per host (the inventory's size), per scan status (a fixed
 * list) and at most WORST_UNIT_SERIES per-unit series. Host labels from the inventory are not
 * exported as Prometheus labels: they are free-form and would multiply the series.
 */
export const metricsRoutes: FastifyPluginAsync<{ queries: FleetQueries; now: () => number }> = async (
  app,
  { queries, now },
) => {
  const registry = new Registry();
  const gauge = (name: string, help: string, labelNames: string[]) =>
    new Gauge({ name, help, labelNames, registers: [registry] });
  const worst = gauge(
    'unitscore_host_exposure_worst',
    'Worst unit exposure (0-10) of a host at its latest successful scan',
    ['host'],
  );
  const median = gauge(
    'unitscore_host_exposure_median',
    'Median unit exposure (0-10) of a host at its latest successful scan',
    ['host'],
  );
  const units = gauge('unitscore_host_units', 'Service units of a host at its latest successful scan', [
    'host',
  ]);
  const unitExposure = gauge(
    'unitscore_unit_exposure',
    `Exposure (0-10) of the ${WORST_UNIT_SERIES} worst units fleet-wide only (bounded set; the API has the rest)`,
    ['host', 'unit'],
  );
  const lastStatus = gauge(
    'unitscore_hosts_by_last_scan_status',
    'Active hosts by the status of their latest scan (never: not scanned yet)',
    ['status'],
  );
  const recent = gauge('unitscore_scans_last_24h', 'Scans started in the last 24 hours, by status', [
    'status',
  ]);
  const duration = gauge(
    'unitscore_host_last_scan_duration_seconds',
    "Duration of a host's latest scan, whatever its status",
    ['host'],
  );
  const lastAt = gauge(
    'unitscore_host_last_scan_timestamp_seconds',
    "Start of a host's latest scan (Unix time)",
    ['host'],
  );

  function refresh(): void {
    const snapshot = queries.metrics.snapshot({ worstUnits: WORST_UNIT_SERIES, since: now() - RECENT_MS });
    for (const g of [worst, median, units, unitExposure, lastStatus, recent, duration, lastAt]) g.reset();
    const byStatus = new Map<string, number>([...SCAN_STATUSES, 'never'].map((s) => [s, 0]));
    for (const h of snapshot.hosts) {
      const status = h.lastStatus ?? 'never';
      byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
      if (h.worst !== null) worst.set({ host: h.host }, h.worst / 10);
      if (h.median !== null) median.set({ host: h.host }, h.median / 10);
      if (h.units !== null) units.set({ host: h.host }, h.units);
      if (h.lastStartedAt !== null && h.lastFinishedAt !== null) {
        duration.set({ host: h.host }, (h.lastFinishedAt - h.lastStartedAt) / 1000);
        lastAt.set({ host: h.host }, h.lastStartedAt / 1000);
      }
    }
    for (const [status, n] of byStatus) lastStatus.set({ status }, n);
    const recentByStatus = new Map(snapshot.recentScans.map((r) => [r.status as string, r.scans]));
    for (const status of SCAN_STATUSES) recent.set({ status }, recentByStatus.get(status) ?? 0);
    for (const u of snapshot.worstUnits) unitExposure.set({ host: u.host, unit: u.unit }, u.exposure / 10);
  }

  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    refresh();
    const text = await registry.metrics();
    return reply.header('content-type', registry.contentType).send(text);
  });
};
