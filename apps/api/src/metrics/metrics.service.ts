import { createHash, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { UnauthorizedError } from '../common/errors';
import { sendProblem } from '../common/problem.filter';
import type { FastifyInstance } from 'fastify';
import { AggregatorRegistry, collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { LeaseEngine } from '@kipam/allocation';
import { Database } from '@kipam/persistence';
import { contextOf, currentContext } from '../common/request-context';
import { ask, isWorker } from '../workers/ipc';
import { CapacityRepository } from '../capacity/capacity.repository';
import { deltasByScope, forecastWindow, scopeKey } from '../capacity/forecast-rules';
import { MetricsRepository } from './metrics.repository';

const USAGE_FAMILIES = new Set([
  'kipam_range_addresses',
  'kipam_range_free_addresses',
  'kipam_range_utilization_ratio',
  'kipam_cluster_cidr_free_addresses',
  'kipam_cluster_cidr_utilization_ratio',
  'kipam_capacity_days_left',
  'kipam_open_conflicts',
]);

/** How long the days-left gauge reuses the audit history it read (a scrape every 15 s need not read it each time). */
const HISTORY_CACHE_MS = 60_000;

/**
 * Prometheus metrics, on a registry of this application's own (several apps
 * may share a process in tests). Served at /metrics.
 */
@Injectable()
export class MetricsService {
  /** This process's own metrics: summed over the workers when there are several. */
  readonly registry = new Registry();
  /** For reading pool usage only: the engine the features use (MeteredLeaseEngine) counts through this service. */
  private readonly engine = new LeaseEngine();
  /** Usage read from the database at scrape time, by whichever worker answers the scrape. */
  private readonly usage = new Registry();

  private readonly requestDuration = new Histogram({
    name: 'kipam_http_request_duration_seconds',
    help: 'HTTP request latency by route pattern, method and status class.',
    labelNames: ['method', 'route', 'status_class'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  private readonly allocations = new Counter({
    name: 'kipam_allocations_total',
    help: 'Leases allocated (committed), by holder kind: cluster, node, service, range, reservation, system.',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  private readonly releases = new Counter({
    name: 'kipam_releases_total',
    help: 'Leases released (committed), by holder kind.',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  private readonly deliveries = new Counter({
    name: 'kipam_webhook_deliveries_total',
    help: 'Webhook delivery attempts settled by this process, by outcome: succeeded, retry (to be tried again), failed (gave up).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  private readonly replays = new Counter({
    name: 'kipam_idempotent_replays_total',
    help: 'Requests answered from a stored response because their Idempotency-Key was seen before (a client retry), by API: rest or graphql.',
    labelNames: ['api'] as const,
    registers: [this.registry],
  });

  private readonly exhaustions = new Counter({
    name: 'kipam_exhaustion_refusals_total',
    help: 'Allocations refused for lack of space, by space: scope range (scope_id a range) or pod/service (scope_id a cluster), and family.',
    labelNames: ['scope', 'scope_id', 'family'] as const,
    registers: [this.registry],
  });

  private readonly rangeSize = new Gauge({
    name: 'kipam_range_addresses',
    help: 'Addresses in a range.',
    labelNames: ['range_id', 'range', 'domain', 'family'] as const,
    registers: [this.usage],
  });

  private readonly rangeFree = new Gauge({
    name: 'kipam_range_free_addresses',
    help: 'Addresses of a range not leased (to clusters, child ranges or reservations).',
    labelNames: ['range_id', 'range', 'domain', 'family'] as const,
    registers: [this.usage],
  });

  private readonly rangeUtilization = new Gauge({
    name: 'kipam_range_utilization_ratio',
    help: 'Leased share of a range, 0 to 1: alert on it before the range is exhausted.',
    labelNames: ['range_id', 'range', 'domain', 'family'] as const,
    registers: [this.usage],
  });

  private readonly clusterCidrFree = new Gauge({
    name: 'kipam_cluster_cidr_free_addresses',
    help: 'Addresses of a cluster pod CIDR (node blocks; every pod pool of the family together) or service CIDR (ClusterIPs) not leased.',
    labelNames: ['cluster_id', 'cluster', 'domain', 'kind', 'family'] as const,
    registers: [this.usage],
  });

  private readonly daysLeft = new Gauge({
    name: 'kipam_capacity_days_left',
    help: 'Days until a range, or a cluster pod or service CIDR, runs out at its net allocation rate of the last 7 days (from the audit trail); +Inf when it did not grow.',
    labelNames: ['scope', 'scope_id', 'family'] as const,
    registers: [this.usage],
  });

  private readonly openConflicts = new Gauge({
    name: 'kipam_open_conflicts',
    help: 'Cluster CIDRs that overlap another cluster CIDR of their domain (accepted with allowConflicts or declared), per domain.',
    labelNames: ['domain'] as const,
    registers: [this.usage],
  });

  private history: { at: number; deltas: Map<string, { at: Date; addresses: number }[]> } | undefined;

  private graphqlDocuments: () => { bytes: number; entries: number } = () => ({ bytes: 0, entries: 0 });

  private readonly graphqlCacheBytes: Gauge = new Gauge({
    name: 'kipam_graphql_document_cache_bytes',
    help: 'Heap bytes (estimated) held by parsed GraphQL documents in the cache; at most KIPAM_GRAPHQL_CACHE_MB.',
    registers: [this.registry],
    collect: (): void => this.graphqlCacheBytes.set(this.graphqlDocuments().bytes),
  });

  private readonly graphqlCacheEntries: Gauge = new Gauge({
    name: 'kipam_graphql_document_cache_entries',
    help: 'Parsed GraphQL documents in the cache.',
    registers: [this.registry],
    collect: (): void => this.graphqlCacheEntries.set(this.graphqlDocuments().entries),
  });

  private readonly clusterCidrUtilization = new Gauge({
    name: 'kipam_cluster_cidr_utilization_ratio',
    help: 'Leased share of a cluster pod or service CIDR, 0 to 1.',
    labelNames: ['cluster_id', 'cluster', 'domain', 'kind', 'family'] as const,
    registers: [this.usage],
  });

  constructor(
    @Inject(Database) private readonly db: Database,
    @Inject(MetricsRepository) private readonly repository: MetricsRepository,
    @Inject(CapacityRepository) private readonly capacity: CapacityRepository,
  ) {
    collectDefaultMetrics({ register: this.registry });
    if (isWorker()) {
      // the primary asks every worker for its registry and sums them (prom-client's cluster support)
      new AggregatorRegistry();
      AggregatorRegistry.setRegistries([this.registry]);
    }
    const counted = (name: string, help: string, read: () => number) => {
      let seen = 0;
      new Counter({
        name,
        help,
        registers: [this.registry],
        collect() {
          const now = read();
          this.inc(now - seen);
          seen = now;
        },
      });
    };
    counted(
      'kipam_db_round_trips_total',
      'Messages sent to PostgreSQL that waited for its answer (BEGIN and COMMIT included, when they travel alone).',
      () => db.roundTrips,
    );
    const pool = db.pool;
    new Gauge({
      name: 'kipam_db_pool_connections_in_use',
      help: "Connections of this process's database pool lent to a query or transaction.",
      registers: [this.registry],
      collect(): void {
        this.set(pool.totalCount - pool.idleCount);
      },
    });
    new Gauge({
      name: 'kipam_db_pool_waiting',
      help: "Queries and transactions waiting for a connection of this process's database pool (all lent).",
      registers: [this.registry],
      collect(): void {
        this.set(pool.waitingCount);
      },
    });
    counted('kipam_db_statements_total', 'SQL statements sent to PostgreSQL, BEGIN, COMMIT and ROLLBACK not counted.', () => db.statements);
  }

  /**
   * Latency of every request, and the held-back counters of those that succeeded; with
   * `scrapeToken`, /metrics answers 401 to a scrape without `Authorization: Bearer <scrapeToken>`.
   */
  install(fastify: FastifyInstance, scrapeToken?: string): void {
    if (scrapeToken) {
      const expected = createHash('sha256').update(`Bearer ${scrapeToken}`).digest();
      const logger = new Logger('Metrics');
      fastify.addHook('onRequest', async (request, reply) => {
        if (request.url.split('?')[0] !== '/metrics') return;
        const given = createHash('sha256')
          .update(request.headers.authorization ?? '')
          .digest();
        if (timingSafeEqual(given, expected)) return;
        sendProblem(request, reply, new UnauthorizedError('/metrics needs Authorization: Bearer <KIPAM_METRICS_TOKEN>'), logger);
        return reply;
      });
    }
    fastify.addHook('onResponse', (request, reply, done) => {
      const status = reply.statusCode;
      this.requestDuration.observe(
        { method: request.method, route: request.routeOptions.url ?? 'unmatched', status_class: `${Math.floor(status / 100)}xx` },
        reply.elapsedTime / 1000,
      );
      const context = contextOf(request);
      if (context) {
        // a failed request rolled its transactions back: what it allocated never happened
        if (status < 400) for (const apply of context.pending) apply();
        context.pending.length = 0;
      }
      done();
    });
  }

  /** The GraphQL document cache's size, read on every scrape. */
  watchGraphqlDocuments(stats: () => { bytes: number; entries: number }): void {
    this.graphqlDocuments = stats;
  }

  countAllocation(kind: string, n = 1): void {
    if (n > 0) this.whenCommitted(() => this.allocations.inc({ kind }, n));
  }

  countIdempotentReplay(api: 'rest' | 'graphql'): void {
    this.replays.inc({ api });
  }

  /** A refusal happened whatever became of its request: counted at once. */
  countExhaustion(poolKind: string, scopeId: string, family: string): void {
    const scope = poolKind === 'range' ? 'range' : poolKind === 'cluster_pod' ? 'pod' : 'service';
    this.exhaustions.inc({ scope, scope_id: scopeId, family });
  }

  countDelivery(outcome: 'succeeded' | 'retry' | 'failed'): void {
    this.deliveries.inc({ outcome });
  }

  countRelease(kind: string, n = 1): void {
    if (n > 0) this.whenCommitted(() => this.releases.inc({ kind }, n));
  }

  /**
   * The exposition: this process's metrics (every worker's, summed, when the
   * server has several), and range and cluster CIDR usage read from the
   * free-block index in one query. With `names`, only those metric families
   * (the `name[]` query parameter of Prometheus client libraries); usage is
   * then read only when one of its families is asked for.
   */
  async scrape(names?: string[]): Promise<string> {
    const all = !names?.length;
    const usage = all || names.some((n) => USAGE_FAMILIES.has(n));
    const [own] = await Promise.all([this.own(all ? undefined : names), usage ? this.collectUsage() : undefined]);
    if (!usage) return own;
    const usageText = all ? await this.usage.metrics() : await this.families(this.usage, names);
    return `${own}${own && !own.endsWith('\n') ? '\n' : ''}${usageText}`;
  }

  private async own(names?: string[]): Promise<string> {
    if (!isWorker()) return names ? this.families(this.registry, names) : this.registry.metrics();
    const { text } = await ask('metrics', {});
    return names ? familiesOf(text, names) : text;
  }

  /**
   * Only the named families, taken from a whole collection: some families are
   * filled by another's collect function (prom-client's heap gauges are all set
   * when `nodejs_heap_size_total_bytes` collects), so asking one alone would read
   * a value never set.
   */
  private async families(registry: Registry, names: string[]): Promise<string> {
    return familiesOf(await registry.metrics(), names);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private whenCommitted(apply: () => void): void {
    const context = currentContext();
    if (context) context.pending.push(apply);
    else apply();
  }

  /** Net allocations per space over the last 7 days, read from the audit trail at most once a minute. */
  private async recentDeltas(): Promise<Map<string, { at: Date; addresses: number }[]>> {
    const now = Date.now();
    if (this.history && now - this.history.at < HISTORY_CACHE_MS) return this.history.deltas;
    const rows = await this.capacity.history(this.db.reader, new Date(now - 7 * 86_400_000));
    this.history = { at: now, deltas: deltasByScope(rows) };
    return this.history.deltas;
  }

  private async collectUsage(): Promise<void> {
    // every pool's free addresses from the engine, the names of its owner from the feature tables
    const [pools, owners, deltas, conflicts] = await Promise.all([
      this.engine.freeAddressesByPool(this.db.reader),
      this.repository.poolOwners(this.db.reader),
      this.recentDeltas(),
      this.repository.openConflicts(this.db.reader),
    ]);
    this.openConflicts.reset();
    for (const c of conflicts) this.openConflicts.set({ domain: c.domain_name }, c.n);
    this.daysLeft.reset();
    const now = new Date();
    const ownerOf = new Map(owners.map((o) => [o.pool_id, o]));
    for (const g of [this.rangeSize, this.rangeFree, this.rangeUtilization, this.clusterCidrFree, this.clusterCidrUtilization]) g.reset();
    // a cluster's pod pools of one family (its pod CIDR and any extra pod pools) add up to one series
    const clusterSeries = new Map<
      string,
      { labels: Record<'cluster_id' | 'cluster' | 'domain' | 'kind' | 'family', string>; total: number; free: number }
    >();
    for (const pool of pools) {
      const owner = ownerOf.get(pool.poolId);
      const family = pool.family === 4 ? ('IPv4' as const) : ('IPv6' as const);
      const total = 2 ** ((pool.family === 4 ? 32 : 128) - pool.length);
      const utilization = total > 0 ? Math.min(1, Math.max(0, (total - pool.free) / total)) : 0;
      if (pool.kind === 'range' && owner?.range_id) {
        const labels = { range_id: owner.range_id, range: owner.range_name ?? '', domain: owner.domain_name, family };
        this.rangeSize.set(labels, total);
        this.rangeFree.set(labels, pool.free);
        this.rangeUtilization.set(labels, utilization);
        const scope = { kind: 'range' as const, id: owner.range_id };
        const w = forecastWindow(deltas.get(scopeKey(scope)) ?? [], now, 7, pool.free);
        this.daysLeft.set({ scope: 'range', scope_id: owner.range_id, family }, w.daysLeft ?? Infinity);
      } else if (owner?.cluster_id) {
        const labels = {
          cluster_id: owner.cluster_id,
          cluster: owner.cluster_name ?? '',
          domain: owner.domain_name,
          kind: pool.kind === 'cluster_pod' ? 'pod' : 'service',
          family,
        };
        const key = JSON.stringify(labels);
        const series = clusterSeries.get(key) ?? { labels, total: 0, free: 0 };
        series.total += total;
        series.free += pool.free;
        clusterSeries.set(key, series);
      }
    }
    for (const { labels, total, free } of clusterSeries.values()) {
      this.clusterCidrFree.set(labels, free);
      this.clusterCidrUtilization.set(labels, total > 0 ? Math.min(1, Math.max(0, (total - free) / total)) : 0);
      const scope = { kind: labels.kind as 'pod' | 'service', id: labels.cluster_id, family: labels.family as 'IPv4' | 'IPv6' };
      const w = forecastWindow(deltas.get(scopeKey(scope)) ?? [], now, 7, free);
      this.daysLeft.set({ scope: labels.kind, scope_id: labels.cluster_id, family: labels.family }, w.daysLeft ?? Infinity);
    }
  }
}

/** The blocks of an exposition that belong to the named metric families. */
function familiesOf(text: string, names: string[]): string {
  const wanted = new Set(names);
  const blocks = text.split(/^(?=# HELP )/m);
  return blocks.filter((b) => wanted.has(/^# HELP (\S+)/.exec(b)?.[1] ?? '')).join('');
}
