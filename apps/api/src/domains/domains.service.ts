import { Inject, Injectable } from '@nestjs/common';
import { Database, isPgError, PgCode, type Tx } from '@kipam/persistence';
import { AuditService } from '../audit/audit.service';
import { AlreadyExistsError, ConflictError, NotFoundError } from '../common/errors';
import { NameLocksRepository } from '../common/name-locks.repository';
import { decodeCursor, pageSize, toPage, type Page } from '../common/pagination';
import { oneOf, refuseImmutableChanges } from '../common/immutable';
import { checkIfMatch, withEtag, withMeta } from '../common/response-meta';
import type { CreateDomainDto, ListDomainsQuery, UpdateDomainDto } from './dto/domain.dto';
import type { DomainModel } from './models/domain.model';
import { DomainsRepository, type DomainRow } from './domains.repository';

export const DEFAULT_DOMAIN = 'default';

export function toDomainModel(row: DomainRow): DomainModel {
  return withEtag(
    { id: row.id, name: row.name, description: row.description, createdAt: row.created_at, updatedAt: row.updated_at },
    row.version,
  );
}

@Injectable()
export class DomainsService {
  constructor(
    @Inject(Database) private readonly db: Database,
    @Inject(DomainsRepository) private readonly domains: DomainsRepository,
    @Inject(AuditService) private readonly audit: AuditService,
    @Inject(NameLocksRepository) private readonly names: NameLocksRepository,
  ) {}

  /** Domains by id (GraphQL's batch loader). */
  async byIds(ids: readonly string[]): Promise<Map<string, DomainModel>> {
    const rows = await this.domains.findByIds(this.db.reader, ids);
    return new Map(rows.map((r) => [r.id, toDomainModel(r)]));
  }

  async create(dto: CreateDomainDto): Promise<DomainModel> {
    return this.db.transaction(async (tx) => {
      await this.names.lock(tx, 'domain', dto.name);
      const existing = await this.domains.findByName(tx, dto.name);
      if (existing) throw new AlreadyExistsError('domain', dto.name, `/v1/domains/${existing.id}`);
      try {
        const row = await this.domains.insert(tx, dto.name, dto.description ?? '');
        const model = toDomainModel(row);
        await this.audit.record(tx, { action: 'create', resource: 'domain', resourceId: row.id, after: model });
        return withMeta(model, { location: `/v1/domains/${row.id}` });
      } catch (error) {
        // a create that did not take the name lock committed first (this transaction is aborted: read outside it)
        if (isPgError(error, PgCode.uniqueViolation)) {
          const winner = await this.domains.findByName(this.db.reader, dto.name);
          throw new AlreadyExistsError('domain', dto.name, winner && `/v1/domains/${winner.id}`);
        }
        throw error;
      }
    });
  }

  async get(ref: string): Promise<DomainModel> {
    return toDomainModel(await this.require(this.db.reader, ref));
  }

  async list(query: ListDomainsQuery): Promise<Page<DomainModel>> {
    const limit = pageSize(query.limit);
    const after = decodeCursor(query.cursor, 2) as [string, string] | undefined;
    const rows = await this.domains.list(this.db.reader, { name: query.name, after, limit });
    return toPage(rows, limit, toDomainModel, (r) => [r.name, r.id]);
  }

  async update(id: string, dto: UpdateDomainDto, ifMatch?: string): Promise<DomainModel> {
    return this.db.transaction(async (tx) => {
      const row = await this.requireLocked(tx, id);
      checkIfMatch(ifMatch, row.version, `domain ${row.name}`);
      refuseImmutableChanges('domain', [{ field: 'name', given: dto.name, same: oneOf(row.name) }]);
      // JSON merge patch: null resets the description
      const description = dto.description === null ? '' : dto.description;
      if (description === undefined || description === row.description) return toDomainModel(row);
      const updated = toDomainModel(await this.domains.updateDescription(tx, row.id, description));
      await this.audit.record(tx, { action: 'update', resource: 'domain', resourceId: row.id, before: toDomainModel(row), after: updated });
      return updated;
    });
  }

  async delete(id: string, ifMatch?: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      const row = await this.requireLocked(tx, id);
      checkIfMatch(ifMatch, row.version, `domain ${row.name}`);
      if (row.name === DEFAULT_DOMAIN) throw new ConflictError('the default domain cannot be deleted');
      const deps = await this.domains.countDependents(tx, row.id);
      if (deps.ranges || deps.clusters) {
        throw new ConflictError(
          `domain ${row.name} still holds ${deps.ranges} range(s) and ${deps.clusters} cluster(s); delete them first`,
          deps,
        );
      }
      await this.domains.delete(tx, row.id);
      await this.audit.record(tx, { action: 'delete', resource: 'domain', resourceId: row.id, before: toDomainModel(row) });
    });
  }

  /** The domain named by id or name (default when none is given), inside a transaction. */
  async resolve(tx: Tx, ref: string | undefined): Promise<DomainRow> {
    return this.require(tx, ref ?? DEFAULT_DOMAIN);
  }

  private async require(tx: Tx, ref: string): Promise<DomainRow> {
    const row = await this.domains.findByRef(tx, ref);
    if (!row) throw new NotFoundError('domain', ref);
    return row;
  }

  private async requireLocked(tx: Tx, ref: string): Promise<DomainRow> {
    const row = await this.require(tx, ref);
    const locked = await this.domains.lockById(tx, row.id);
    if (!locked) throw new NotFoundError('domain', ref);
    return locked;
  }
}
