import DataLoader from 'dataloader';
import type { Database } from '@kipam/persistence';
import type { ClustersRepository, ClusterCidrRow, ClusterRow } from '../clusters/clusters.repository';
import { toClusterModel } from '../clusters/clusters.service';
import type { ClusterModel } from '../clusters/models/cluster.model';
import { toDomainModel } from '../domains/domains.service';
import type { DomainModel } from '../domains/models/domain.model';
import type { RangeModel } from '../ranges/models/range.model';
import type { RangesRepository } from '../ranges/ranges.repository';
import { toRangeModel } from '../ranges/ranges.service';

/**
 * Per-request batch loaders: nested fields of many parents cost one SQL
 * statement per kind of child, not one per parent.
 */
export class Loaders {
  readonly domain: DataLoader<string, DomainModel | null>;
  readonly cluster: DataLoader<string, ClusterModel | null>;
  readonly range: DataLoader<string, RangeModel | null>;
  readonly rangeChildren: DataLoader<string, RangeModel[]>;
  /** Extra loaders registered by feature resolvers (nodes, services), created lazily per request. */
  private readonly extra = new Map<string, DataLoader<unknown, unknown>>();

  constructor(
    readonly db: Database,
    clusters: ClustersRepository,
    ranges: RangesRepository,
  ) {
    const tx = db.reader;
    this.domain = new DataLoader(async (ids) => {
      const rows = await tx.query<Parameters<typeof toDomainModel>[0]>(
        'SELECT id, name, description, version, created_at, updated_at FROM domain WHERE id = ANY($1::uuid[])',
        [ids],
      );
      return ids.map((id) => {
        const row = rows.find((r) => r.id === id);
        return row ? toDomainModel(row) : null;
      });
    });
    this.cluster = new DataLoader(async (ids) => {
      const rows: ClusterRow[] = await clusters.findByIds(tx, [...ids]);
      const cidrs: ClusterCidrRow[] = await clusters.cidrs(tx, [...ids]);
      return ids.map((id) => {
        const row = rows.find((r) => r.id === id);
        return row
          ? toClusterModel(
              row,
              cidrs.filter((c) => c.cluster_id === id),
            )
          : null;
      });
    });
    this.range = new DataLoader(async (ids) => {
      const rows = await ranges.findByIds(tx, ids);
      return ids.map((id) => {
        const row = rows.find((r) => r.id === id);
        return row ? toRangeModel(row) : null;
      });
    });
    this.rangeChildren = new DataLoader(async (parentIds) => {
      const rows = await ranges.findChildren(tx, parentIds);
      return parentIds.map((id) => rows.filter((r) => r.parent_id === id).map(toRangeModel));
    });
  }

  /** A loader kept for the rest of the request under `key`. */
  get<K, V>(key: string, create: () => DataLoader<K, V>): DataLoader<K, V> {
    let loader = this.extra.get(key);
    if (!loader) {
      loader = create();
      this.extra.set(key, loader);
    }
    return loader as DataLoader<K, V>;
  }
}

export interface GraphQLContext {
  req: import('../common/auth.guard').AuthenticatedRequest;
  loaders: Loaders;
}
