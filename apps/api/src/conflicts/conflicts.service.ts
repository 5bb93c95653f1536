import { Inject, Injectable } from '@nestjs/common';
import { Prefix } from '@kipam/cidr';
import { familyOf, LeaseEngine } from '@kipam/allocation';
import { Database } from '@kipam/persistence';
import { ValidationError } from '../common/errors';
import { decodeCursor, encodeCursor, pageSize, toPage, type Page } from '../common/pagination';
import { isUuid } from '../common/validation';
import { DomainsService } from '../domains/domains.service';
import type { ConflictModel } from '../clusters/models/cluster.model';
import { ConflictsRepository, findCollisions, type ConflictRow } from './conflicts.repository';
import { RangesRepository } from '../ranges/ranges.repository';
import { toRangeModel } from '../ranges/ranges.service';
import type { RangeModel } from '../ranges/models/range.model';

export const DEFAULT_CONFLICT_PAGE = 500;

interface ConflictQuery {
  domain?: string;
  clusterId?: string;
  limit?: number;
  cursor?: string;
}

export interface Collision {
  kind: 'pod' | 'service' | 'pod_pool' | 'node' | 'reservation' | 'range';
  cidr: string;
  relation: 'identical' | 'contains' | 'within';
  clusterId: string | null;
  clusterName: string | null;
  rangeId: string | null;
  rangeName: string | null;
  reservationId: string | null;
  nodeId: string | null;
  nodeName: string | null;
}

export interface CidrCheck {
  cidr: string;
  family: 'IPv4' | 'IPv6';
  domain: string;
  /** No collision, and free in its range (when inside one). */
  available: boolean;
  /** The range it would be leased from. */
  range: RangeModel | null;
  freeInRange: boolean | null;
  collisions: Collision[];
}

function side(row: ConflictRow, s: 'a' | 'b') {
  const get = <K extends string>(k: K) => row[`${s}_${k}` as keyof ConflictRow];
  return {
    kind: get('kind') as ConflictModel['a']['kind'],
    cidr: Prefix.parseAddressOrCidr(get('cidr')).toString(),
    family: familyOf(get('family') as number),
    clusterId: get('cluster_id') as string | null,
    clusterName: get('cluster_name') as string | null,
    rangeId: get('range_id') as string | null,
    reservationId: get('reservation_id') as string | null,
  };
}

export function toConflictModel(row: ConflictRow): ConflictModel {
  return { domain: row.domain_name, domainId: row.domain_id, relation: row.relation, a: side(row, 'a'), b: side(row, 'b') };
}

@Injectable()
export class ConflictsService {
  constructor(
    @Inject(Database) private readonly db: Database,
    @Inject(ConflictsRepository) private readonly conflicts: ConflictsRepository,
    @Inject(DomainsService) private readonly domains: DomainsService,
    @Inject(RangesRepository) private readonly ranges: RangesRepository,
    @Inject(LeaseEngine) private readonly engine: LeaseEngine,
  ) {}

  /**
   * What a CIDR would collide with in a domain before anyone declares it:
   * cluster pod/service CIDRs, node blocks and reservations overlapping it,
   * the range it would be leased from, and whether it is free there.
   */
  async check(cidrText: string, domainRef?: string): Promise<CidrCheck> {
    const tx = this.db.reader;
    const cidr = Prefix.parse(cidrText);
    const domain = await this.domains.resolve(tx, domainRef);
    const rows = await findCollisions(tx, domain.id, cidr.toString());
    const range = await this.ranges.findSmallestContaining(tx, domain.id, cidr, true);
    let freeInRange: boolean | null = null;
    if (range) {
      freeInRange = !(await this.engine.isLeased(tx, range.pool_id, cidr));
    }
    const collisions = rows.map((r) => {
      const other = Prefix.parseAddressOrCidr(r.cidr);
      return {
        kind: r.kind,
        cidr: other.toString(),
        relation: cidr.relation(other) as 'identical' | 'contains' | 'within',
        clusterId: r.cluster_id,
        clusterName: r.cluster_name,
        rangeId: r.range_id,
        rangeName: r.range_name,
        reservationId: r.reservation_id,
        nodeId: r.node_id,
        nodeName: r.node_name,
      };
    });
    return {
      cidr: cidr.toString(),
      family: cidr.family,
      domain: domain.name,
      available: collisions.length === 0 && freeInRange !== false,
      range: range ? toRangeModel(range) : null,
      freeInRange,
      collisions,
    };
  }

  /** Every pair of overlapping CIDRs (cluster pod/service CIDRs and reservations) in a domain, or in all domains. */
  async list(q: ConflictQuery): Promise<Page<ConflictModel>> {
    const { items, nextCursor } = await this.listWithCursors(q);
    return { items, nextCursor };
  }

  /** The same page with each item's own cursor (GraphQL's edges). */
  async listWithCursors(q: ConflictQuery): Promise<Page<ConflictModel> & { cursors: string[] }> {
    const tx = this.db.reader;
    const domain = q.domain !== undefined ? await this.domains.resolve(tx, q.domain) : undefined;
    const limit = pageSize(q.limit, DEFAULT_CONFLICT_PAGE);
    // GraphQL's ID arguments are not validated at the edge like REST's query
    if (q.clusterId !== undefined && q.clusterId !== null && !isUuid(q.clusterId))
      throw ValidationError.field('clusterId', 'must be a UUID');
    const after = decodeCursor(q.cursor, ['uuid', 'uuid']) as [string, string] | undefined;
    const rows = await this.conflicts.find(tx, { domainId: domain?.id, clusterId: q.clusterId, after, limit });
    const page = toPage(rows, limit, toConflictModel, (r) => [r.a_id, r.b_id]);
    return { ...page, cursors: rows.slice(0, page.items.length).map((r) => encodeCursor([r.a_id, r.b_id])) };
  }
}
