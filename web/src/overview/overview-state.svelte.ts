import { getFleetOverview, getFleetTrend } from '../lib/api/client';
import type { FleetOverviewResponse, FleetTrendResponse, TrendBucket, TrendDays } from '../lib/api/types';
import { Resource } from '../lib/resource.svelte';

/** The landing page: the fleet's figures (one request) and its trend (one more, per range). */
export class OverviewState {
  readonly summary = new Resource<FleetOverviewResponse>();
  readonly trend = new Resource<FleetTrendResponse>();

  loadSummary(labels: readonly string[], options: { quiet?: boolean } = {}): Promise<void> {
    return this.summary.load((signal) => getFleetOverview(labels, signal), options);
  }

  loadTrend(
    labels: readonly string[],
    range: { days: TrendDays; bucket: TrendBucket },
    options: { quiet?: boolean } = {},
  ): Promise<void> {
    return this.trend.load((signal) => getFleetTrend(labels, range, signal), options);
  }

  abort(): void {
    this.summary.abort();
    this.trend.abort();
  }
}
