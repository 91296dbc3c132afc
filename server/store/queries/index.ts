import type { Db } from '../db.js';
import { AssessmentChecks } from './check-flips.js';
import { DirectiveGapsQuery } from './directive-gaps.js';
import { type ExposureGain, exposureGainIfFixed } from './exposure-gain.js';
import { HostFilter } from './host-filter.js';
import { LiveHosts } from './live-hosts.js';
import { Lookups } from './lookups.js';
import { MetricsQuery } from './metrics.js';
import { OverviewQuery } from './overview.js';
import { ScanDiffQuery } from './scan-diff.js';
import { TrendQueries } from './trends.js';
import { UnitHistoryQuery } from './unit-history.js';
import { WorstUnitsQuery } from './worst-units.js';

// The fleet read models (issue 5), one per screen, prepared once per database.

export function fleetQueries(db: Db, options: { gainIfFixed?: ExposureGain } = {}) {
  const checks = new AssessmentChecks(db);
  // One host selection per label filter and data generation, shared by every screen.
  // Every host's share of the overview, worst units and gaps, kept in memory as hosts change.
  const live = new LiveHosts(db);
  const hosts = new HostFilter(db, live);
  return {
    hosts,
    live,
    lookups: new Lookups(db),
    overview: new OverviewQuery(db, live),
    trends: new TrendQueries(db),
    worstUnits: new WorstUnitsQuery(db, live, hosts),
    gaps: new DirectiveGapsQuery(db, options.gainIfFixed ?? exposureGainIfFixed, live),
    history: new UnitHistoryQuery(db, checks),
    diff: new ScanDiffQuery(db, checks),
    metrics: new MetricsQuery(db),
  };
}

export type FleetQueries = ReturnType<typeof fleetQueries>;
