import { Inject, Injectable } from '@nestjs/common';
import { familyOf, LeaseEngine } from '@kipam/allocation';
import { Prefix } from '@kipam/cidr';
import { Database } from '@kipam/persistence';
import { ClustersRepository, type ClusterCidrRow } from '../clusters/clusters.repository';
import { NotFoundError } from '../common/errors';
import { isUuid } from '../common/validation';
import { RangesRepository } from '../ranges/ranges.repository';
import { CapacityRepository } from './capacity.repository';
import { deltasByScope, forecastWindow, scopeKey, type ForecastScope } from './forecast-rules';
import type { ClusterForecastModel, RangeForecastModel, SpaceForecastModel } from './models/forecast.model';

/** The windows a forecast reads, in days. */
export const FORECAST_WINDOWS = [7, 30] as const;
const DAY_MS = 86_400_000;

/**
 * Exhaustion forecasts of ranges and of cluster pod and service CIDRs: the net
 * allocation rate over the last 7 and 30 days (from the audit trail) and the
 * day the free space (from the lease engine's free index) runs out at it.
 */
@Injectable()
export class ForecastService {
  constructor(
    @Inject(Database) private readonly db: Database,
    @Inject(CapacityRepository) private readonly capacity: CapacityRepository,
    @Inject(RangesRepository) private readonly ranges: RangesRepository,
    @Inject(ClustersRepository) private readonly clusters: ClustersRepository,
    @Inject(LeaseEngine) private readonly engine: LeaseEngine,
  ) {}

  async range(id: string, now = new Date()): Promise<RangeForecastModel> {
    const tx = this.db.reader;
    const row = isUuid(id) ? await this.ranges.findById(tx, id) : undefined;
    if (!row) throw new NotFoundError('range', id);
    const history = await this.capacity.rangeHistory(tx, row.id, new Date(now.getTime() - 30 * DAY_MS));
    const deltas = deltasByScope(history).get(scopeKey({ kind: 'range', id: row.id })) ?? [];
    return { rangeId: row.id, forecast: await this.space('range', row.pool_id, row.cidr, deltas, now) };
  }

  async cluster(id: string, now = new Date()): Promise<ClusterForecastModel> {
    const tx = this.db.reader;
    const row = isUuid(id) ? await this.clusters.findById(tx, id) : undefined;
    if (!row) throw new NotFoundError('cluster', id);
    const [cidrs, history] = await Promise.all([
      this.clusters.cidrs(tx, [row.id]),
      this.capacity.clusterHistory(tx, row.id, new Date(now.getTime() - 30 * DAY_MS)),
    ]);
    const by = deltasByScope(history);
    const spaces: SpaceForecastModel[] = [];
    // the cluster's own pod and service CIDRs (a pod pool's CIDRs are the pod-pools resource's)
    const own = cidrs.filter((c): c is ClusterCidrRow & { kind: 'pod' | 'service' } => c.kind !== 'pod_pool');
    for (const c of own.sort((a, b) => (a.kind === b.kind ? a.position - b.position : a.kind === 'pod' ? -1 : 1))) {
      const scope: ForecastScope = { kind: c.kind, id: row.id, family: familyOf(c.family) };
      spaces.push(await this.space(c.kind, c.pool_id, c.cidr, by.get(scopeKey(scope)) ?? [], now));
    }
    return { clusterId: row.id, spaces };
  }

  private async space(
    kind: string,
    poolId: string,
    cidr: string,
    deltas: { at: Date; addresses: number }[],
    now: Date,
  ): Promise<SpaceForecastModel> {
    const usage = await this.engine.usage(this.db.reader, poolId);
    const prefix = Prefix.parseAddressOrCidr(cidr);
    const total = usage.total;
    const free = usage.free;
    return {
      kind,
      family: prefix.family,
      cidr: prefix.toString(),
      total: total.toString(),
      free: free.toString(),
      utilization: total > 0n ? Number(total - free) / Number(total) : 0,
      windows: FORECAST_WINDOWS.map((days) => forecastWindow(deltas, now, days, Number(free))),
    };
  }
}
