import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { Prefix } from '@kipam/cidr';
import { familyOf, LeaseEngine } from '@kipam/allocation';
import { Database, type Tx } from '@kipam/persistence';
import { AuditService } from '../audit/audit.service';
import { DEFAULT_CRITICAL_AT, DEFAULT_WARN_AT, thresholdProblems } from '../capacity/capacity-rules';
import { CapacityRepository } from '../capacity/capacity.repository';
import { AlreadyExistsError, CidrConflictError, ConflictError, NotFoundError, ValidationError, type FieldError } from '../common/errors';
import { parseLabelSelector } from '../common/labels';
import { decodeCursor, pageSize, toPage, type Page } from '../common/pagination';
import { oneOf, refuseImmutableChanges, sameCidr } from '../common/immutable';
import { checkIfMatch, withEtag, withMeta } from '../common/response-meta';
import { isUuid } from '../common/validation';
import { ClustersRepository } from '../clusters/clusters.repository';
import { DomainsService } from '../domains/domains.service';
import { DomainsRepository } from '../domains/domains.repository';
import type {
  CreateRangeDto,
  CreateReservationDto,
  ListRangesQuery,
  ListReservationsQuery,
  UpdateRangeDto,
  UpdateReservationDto,
} from './dto/range.dto';
import type { RangeModel, RangeUsageModel, ReservationModel } from './models/range.model';
import { RangesRepository, type RangeLock, type RangeRow, type ReservationRow } from './ranges.repository';

export function toRangeModel(row: RangeRow): RangeModel {
  return withEtag(
    {
      id: row.id,
      name: row.name,
      cidr: Prefix.parseAddressOrCidr(row.cidr).toString(),
      family: familyOf(row.family),
      domain: row.domain_name,
      domainId: row.domain_id,
      parent: row.parent_id,
      purpose: row.purpose,
      minPrefixLength: row.min_prefix_length,
      maxPrefixLength: row.max_prefix_length,
      defaultPrefixLength: row.default_prefix_length,
      labels: row.labels,
      description: row.description,
      warnAt: row.warn_at,
      criticalAt: row.critical_at,
      capacityLevel: row.capacity_level,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    },
    row.version,
  );
}

export function toReservationModel(row: ReservationRow): ReservationModel {
  const cidr = Prefix.parseAddressOrCidr(row.cidr);
  return withEtag(
    {
      id: row.id,
      rangeId: row.range_id,
      cidr: cidr.toString(),
      family: cidr.family,
      reason: row.reason,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    },
    row.version,
  );
}

/** Prefix-length rules of a range, each failure named by field. */
function prefixRuleProblems(
  cidr: Prefix,
  dto: Pick<CreateRangeDto, 'minPrefixLength' | 'maxPrefixLength' | 'defaultPrefixLength'>,
): FieldError[] {
  const problems: FieldError[] = [];
  const bits = cidr.bits;
  for (const field of ['minPrefixLength', 'maxPrefixLength', 'defaultPrefixLength'] as const) {
    const v = dto[field];
    if (v !== undefined && (v < cidr.length || v > bits)) {
      problems.push({ field, message: `must be between the range's own prefix length ${cidr.length} and ${bits}` });
    }
  }
  const { minPrefixLength: min, maxPrefixLength: max, defaultPrefixLength: def } = dto;
  if (min !== undefined && max !== undefined && min > max)
    problems.push({ field: 'minPrefixLength', message: `must not be longer than maxPrefixLength (${max})` });
  if (def !== undefined && min !== undefined && def < min)
    problems.push({ field: 'defaultPrefixLength', message: `must be at least minPrefixLength (${min})` });
  if (def !== undefined && max !== undefined && def > max)
    problems.push({ field: 'defaultPrefixLength', message: `must be at most maxPrefixLength (${max})` });
  return problems;
}

@Injectable()
export class RangesService {
  constructor(
    @Inject(Database) private readonly db: Database,
    @Inject(RangesRepository) private readonly ranges: RangesRepository,
    @Inject(DomainsService) private readonly domainsService: DomainsService,
    @Inject(DomainsRepository) private readonly domains: DomainsRepository,
    @Inject(ClustersRepository) private readonly clusters: ClustersRepository,
    @Inject(LeaseEngine) private readonly engine: LeaseEngine,
    @Inject(AuditService) private readonly audit: AuditService,
    @Inject(CapacityRepository) private readonly capacity: CapacityRepository,
  ) {}

  async create(dto: CreateRangeDto): Promise<RangeModel> {
    const cidr = Prefix.parse(dto.cidr);
    const problems = [
      ...prefixRuleProblems(cidr, dto),
      ...thresholdProblems('', dto.warnAt ?? DEFAULT_WARN_AT, dto.criticalAt ?? DEFAULT_CRITICAL_AT),
    ];
    if (problems.length) throw new ValidationError(problems);
    return this.db.transaction(async (tx) => {
      const domain = await this.domainsService.resolve(tx, dto.domain);
      // One writer per domain at a time: range nesting and adoption read the domain's ranges.
      await this.domains.lockById(tx, domain.id, 'writers');
      const sameName = await this.ranges.findByName(tx, domain.id, dto.name);
      if (sameName) throw new AlreadyExistsError('range', `${dto.name} in domain ${domain.name}`, `/v1/ranges/${sameName.id}`);
      const identical = await this.ranges.findIdentical(tx, domain.id, cidr);
      if (identical)
        throw new CidrConflictError(`range ${identical.name} already owns ${cidr} in domain ${domain.name}`, { rangeId: identical.id });

      let parent: RangeRow | undefined;
      if (dto.parent !== undefined) {
        // the parent's row first (FOR KEY SHARE), as every carve from a range (see RangesRepository.findById)
        parent = await this.ranges.findByRef(tx, domain.id, dto.parent, 'share');
        if (!parent) throw ValidationError.field('parent', `no range ${dto.parent} in domain ${domain.name}`);
        if (!Prefix.parseAddressOrCidr(parent.cidr).contains(cidr)) {
          throw ValidationError.field(
            'parent',
            `range ${parent.name} (${Prefix.parseAddressOrCidr(parent.cidr)}) does not contain ${cidr}`,
          );
        }
      } else {
        parent = await this.ranges.findSmallestContaining(tx, domain.id, cidr, false, 'share');
      }
      const inside = (await this.ranges.findInside(tx, domain.id, cidr)).filter((r) => r.parent_id === (parent?.id ?? null));
      if (inside.length) {
        throw new CidrConflictError(
          `range ${inside[0].name} (${Prefix.parseAddressOrCidr(inside[0].cidr)}) lies inside ${cidr}: create the enclosing range before the ranges inside it`,
          { rangeId: inside[0].id },
        );
      }
      const enclosingCluster = await this.clusters.cidrContaining(tx, domain.id, cidr);
      if (enclosingCluster) {
        throw new CidrConflictError(
          `${cidr} lies inside the ${enclosingCluster.kind} CIDR ${Prefix.parseAddressOrCidr(enclosingCluster.cidr)} of cluster ${enclosingCluster.cluster_name}`,
          {
            clusterId: enclosingCluster.cluster_id,
          },
        );
      }
      if (parent && parent.family !== (cidr.family === 'IPv4' ? 4 : 6)) throw ValidationError.field('parent', 'must be of the same family');

      const id = randomUUID();
      let parentLeaseId: string | null = null;
      if (parent) {
        const { lease } = await this.engine.leaseExact(tx, parent.pool_id, cidr, { kind: 'range', id, slot: 'range' }, { label: 'cidr' });
        parentLeaseId = lease.id;
      }
      const poolId = await this.engine.createPool(tx, 'range', cidr);
      await this.ranges.insert(tx, {
        id,
        domainId: domain.id,
        name: dto.name,
        cidr,
        parentId: parent?.id ?? null,
        purpose: dto.purpose ?? 'any',
        minPrefixLength: dto.minPrefixLength ?? null,
        maxPrefixLength: dto.maxPrefixLength ?? null,
        defaultPrefixLength: dto.defaultPrefixLength ?? null,
        labels: dto.labels ?? {},
        description: dto.description ?? '',
        poolId,
        parentLeaseId,
      });
      if (!parent) await this.adoptClusterCidrs(tx, domain.id, id, poolId, cidr);
      if (dto.warnAt !== undefined || dto.criticalAt !== undefined) {
        await this.capacity.setThresholds(tx, {
          poolId,
          kind: 'range',
          ownerId: id,
          family: cidr.family === 'IPv4' ? 4 : 6,
          warnAt: dto.warnAt ?? DEFAULT_WARN_AT,
          criticalAt: dto.criticalAt ?? DEFAULT_CRITICAL_AT,
        });
      }
      const model = toRangeModel((await this.ranges.findById(tx, id))!);
      await this.audit.record(tx, { action: 'create', resource: 'range', resourceId: id, after: model });
      return withMeta(model, { location: `/v1/ranges/${id}` });
    });
  }

  /**
   * Cluster CIDRs declared before a range existed are leased from it now, so
   * the range never hands their space out again.
   */
  private async adoptClusterCidrs(tx: Tx, domainId: string, rangeId: string, poolId: string, cidr: Prefix): Promise<void> {
    const rows = await this.clusters.declaredInside(tx, domainId, cidr);
    for (const r of rows) {
      const { lease } = await this.engine.leaseExact(
        tx,
        poolId,
        Prefix.parseAddressOrCidr(r.cidr),
        { kind: 'cluster', id: r.cluster_id, slot: `${r.kind}/${familyOf(r.family)}` },
        { allowOverlap: true },
      );
      await this.clusters.adoptCidr(tx, r.id, rangeId, lease.id);
    }
  }

  async get(id: string): Promise<RangeModel> {
    return toRangeModel(await this.require(this.db.reader, id));
  }

  /** Ranges by id (GraphQL's batch loader). */
  async byIds(ids: readonly string[]): Promise<Map<string, RangeModel>> {
    const rows = await this.ranges.findByIds(this.db.reader, ids);
    return new Map(rows.map((r) => [r.id, toRangeModel(r)]));
  }

  /** The child ranges of each parent, in address order (GraphQL's batch loader). */
  async childrenOf(parentIds: readonly string[]): Promise<Map<string, RangeModel[]>> {
    const rows = await this.ranges.findChildren(this.db.reader, parentIds);
    return new Map(parentIds.map((id) => [id, rows.filter((r) => r.parent_id === id).map(toRangeModel)]));
  }

  async list(query: ListRangesQuery): Promise<Page<RangeModel>> {
    const limit = pageSize(query.limit);
    const after = decodeCursor(query.cursor, 3) as [string, string, string] | undefined;
    const tx = this.db.reader;
    const domain = query.domain !== undefined ? await this.domainsService.resolve(tx, query.domain) : undefined;
    if (query.parent !== undefined && query.parent !== null && !isUuid(query.parent))
      throw ValidationError.field('parent', 'must be a range id');
    const rows = await this.ranges.list(tx, {
      domainId: domain?.id,
      name: query.name,
      family: query.family ? (query.family === 'IPv4' ? 4 : 6) : undefined,
      purpose: query.purpose,
      parentId: query.parent,
      labels: parseLabelSelector(query.label),
      after,
      limit,
    });
    return toPage(rows, limit, toRangeModel, (r) => [r.domain_name, r.name, r.id]);
  }

  async update(id: string, dto: UpdateRangeDto, ifMatch?: string): Promise<RangeModel> {
    return this.db.transaction(async (tx) => {
      const row = await this.require(tx, id, true);
      checkIfMatch(ifMatch, row.version, `range ${row.name}`);
      const parentName = dto.parent !== undefined && row.parent_id ? (await this.ranges.findById(tx, row.parent_id))?.name : undefined;
      refuseImmutableChanges('range', [
        { field: 'name', given: dto.name, same: oneOf(row.name) },
        { field: 'cidr', given: dto.cidr, same: sameCidr(row.cidr) },
        { field: 'domain', given: dto.domain, same: oneOf(row.domain_name, row.domain_id) },
        { field: 'parent', given: dto.parent, same: oneOf(row.parent_id, ...(parentName ? [parentName] : [])) },
        { field: 'purpose', given: dto.purpose, same: oneOf(row.purpose) },
        { field: 'minPrefixLength', given: dto.minPrefixLength, same: oneOf(row.min_prefix_length) },
        { field: 'maxPrefixLength', given: dto.maxPrefixLength, same: oneOf(row.max_prefix_length) },
        { field: 'defaultPrefixLength', given: dto.defaultPrefixLength, same: oneOf(row.default_prefix_length) },
      ]);
      // JSON merge patch: null resets labels and description
      const labels = dto.labels === null ? {} : dto.labels;
      const description = dto.description === null ? '' : dto.description;
      const labelsChanged = labels !== undefined && JSON.stringify(labels) !== JSON.stringify(row.labels);
      const descriptionChanged = description !== undefined && description !== row.description;
      // null restores a default (merge patch)
      const warnAt = dto.warnAt === null ? DEFAULT_WARN_AT : (dto.warnAt ?? row.warn_at);
      const criticalAt = dto.criticalAt === null ? DEFAULT_CRITICAL_AT : (dto.criticalAt ?? row.critical_at);
      const thresholdsChanged = warnAt !== row.warn_at || criticalAt !== row.critical_at;
      if (thresholdsChanged) {
        const problems = thresholdProblems('', warnAt, criticalAt);
        if (problems.length) throw new ValidationError(problems);
      }
      if (!labelsChanged && !descriptionChanged && !thresholdsChanged) return toRangeModel(row);
      await this.ranges.update(tx, row.id, { labels, description }); // the version moves whatever changed
      if (thresholdsChanged)
        await this.capacity.setThresholds(tx, {
          poolId: row.pool_id,
          kind: 'range',
          ownerId: row.id,
          family: row.family,
          warnAt,
          criticalAt,
        });
      const updated = toRangeModel((await this.ranges.findById(tx, row.id))!);
      await this.audit.record(tx, { action: 'update', resource: 'range', resourceId: row.id, before: toRangeModel(row), after: updated });
      return updated;
    });
  }

  async delete(id: string, ifMatch?: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      const row = await this.require(tx, id, true);
      checkIfMatch(ifMatch, row.version, `range ${row.name}`);
      const children = await this.ranges.countChildren(tx, row.id);
      if (children) throw new ConflictError(`range ${row.name} still contains ${children} child range(s); delete them first`, { children });
      // leases other than reservations: cluster CIDRs, child ranges
      const allocations = await this.engine.countLeases(tx, row.pool_id, { exceptHolderKind: 'reservation' });
      if (allocations)
        throw new ConflictError(`range ${row.name} still has ${allocations} lease(s) (cluster CIDRs); release them first`, {
          leases: allocations,
        });
      const reservationIds = await this.ranges.reservationIds(tx, row.id);
      await this.ranges.deleteReservations(tx, reservationIds);
      if (row.parent_lease_id) await this.engine.release(tx, [row.parent_lease_id]);
      await this.ranges.delete(tx, row.id);
      await this.engine.deletePools(tx, [row.pool_id]);
      await this.audit.record(tx, { action: 'delete', resource: 'range', resourceId: row.id, before: toRangeModel(row) });
    });
  }

  async usage(id: string): Promise<RangeUsageModel> {
    const tx = this.db.reader;
    const row = await this.require(tx, id);
    const [usage, reserved, leaseCount] = await Promise.all([
      this.engine.usage(tx, row.pool_id),
      this.engine.leasedAddresses(tx, row.pool_id, 'reservation'),
      this.engine.countLeases(tx, row.pool_id),
    ]);
    const leased = usage.total - usage.free;
    return {
      rangeId: row.id,
      cidr: usage.cidr.toString(),
      family: usage.cidr.family,
      total: usage.total.toString(),
      leased: leased.toString(),
      reserved: reserved.toString(),
      free: usage.free.toString(),
      utilization: ratio(leased, usage.total),
      largestFreePrefix: usage.largestFree?.toString() ?? null,
      largestFreePrefixLength: usage.largestFree?.length ?? null,
      leaseCount,
    };
  }

  // Reservations

  async createReservation(rangeId: string, dto: CreateReservationDto): Promise<ReservationModel> {
    const cidr = Prefix.parse(dto.cidr);
    return this.db.transaction(async (tx) => {
      const range = await this.require(tx, rangeId, true);
      const rangeCidr = Prefix.parseAddressOrCidr(range.cidr);
      if (!rangeCidr.contains(cidr)) throw ValidationError.field('cidr', `${cidr} is not inside range ${range.name} (${rangeCidr})`);
      // the same block reserved again: the client may adopt the existing reservation
      const same = await this.ranges.findReservationByCidr(tx, range.id, cidr);
      if (same)
        throw new AlreadyExistsError('reservation', `${cidr} in range ${range.name}`, `/v1/ranges/${range.id}/reservations/${same.id}`);
      const id = randomUUID();
      await this.engine.leaseExact(tx, range.pool_id, cidr, { kind: 'reservation', id, slot: 'reservation' }, { label: 'cidr' });
      const model = toReservationModel(await this.ranges.insertReservation(tx, id, range.id, cidr, dto.reason ?? ''));
      await this.audit.record(tx, { action: 'create', resource: 'reservation', resourceId: id, after: model });
      return withMeta(model, { location: `/v1/ranges/${range.id}/reservations/${id}` });
    });
  }

  async listReservations(rangeId: string, query: ListReservationsQuery): Promise<Page<ReservationModel>> {
    const tx = this.db.reader;
    const range = await this.require(tx, rangeId);
    const limit = pageSize(query.limit);
    const after = decodeCursor(query.cursor, ['cidr', 'uuid']) as [string, string] | undefined;
    const rows = await this.ranges.listReservations(tx, range.id, after, limit);
    return toPage(rows, limit, toReservationModel, (r) => [r.cidr, r.id]);
  }

  async getReservation(rangeId: string, id: string): Promise<ReservationModel> {
    const tx = this.db.reader;
    const range = await this.require(tx, rangeId);
    const row = await this.ranges.findReservation(tx, range.id, id);
    if (!row) throw new NotFoundError('reservation', id);
    return toReservationModel(row);
  }

  async updateReservation(rangeId: string, id: string, dto: UpdateReservationDto, ifMatch?: string): Promise<ReservationModel> {
    return this.db.transaction(async (tx) => {
      const range = await this.require(tx, rangeId, 'share');
      const row = await this.ranges.findReservation(tx, range.id, id, true);
      if (!row) throw new NotFoundError('reservation', id);
      checkIfMatch(ifMatch, row.version, `reservation ${id}`);
      refuseImmutableChanges('reservation', [{ field: 'cidr', given: dto.cidr, same: sameCidr(row.cidr) }]);
      const reason = dto.reason === null ? '' : dto.reason;
      if (reason === undefined || reason === row.reason) return toReservationModel(row);
      const updated = toReservationModel(await this.ranges.updateReservation(tx, row.id, reason));
      await this.audit.record(tx, {
        action: 'update',
        resource: 'reservation',
        resourceId: row.id,
        before: toReservationModel(row),
        after: updated,
      });
      return updated;
    });
  }

  async deleteReservation(rangeId: string, id: string, ifMatch?: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      const range = await this.require(tx, rangeId);
      const row = await this.ranges.findReservation(tx, range.id, id, true);
      if (!row) throw new NotFoundError('reservation', id);
      checkIfMatch(ifMatch, row.version, `reservation ${id}`);
      await this.engine.releaseHolder(tx, 'reservation', row.id);
      await this.ranges.deleteReservations(tx, [row.id]);
      await this.audit.record(tx, { action: 'delete', resource: 'reservation', resourceId: row.id, before: toReservationModel(row) });
    });
  }

  private async require(tx: Tx, id: string, lock: RangeLock = false): Promise<RangeRow> {
    const row = await this.ranges.findById(tx, id, lock);
    if (!row) throw new NotFoundError('range', id);
    return row;
  }
}

/** a / b as a number from 0 to 1, exact enough for IPv6-sized counts. */
export function ratio(a: bigint, b: bigint): number {
  if (b === 0n) return 0;
  return Number((a * 1_000_000n) / b) / 1_000_000;
}
