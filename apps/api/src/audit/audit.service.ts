import { Inject, Injectable } from '@nestjs/common';
import { Database, type Tx } from '@kipam/persistence';
import { ValidationError } from '../common/errors';
import { decodeCursor, pageSize, toPage, type Page } from '../common/pagination';
import { currentContext } from '../common/request-context';
import { isUuid } from '../common/validation';
import type { ListAuditQuery } from './dto/audit.dto';
import type { AuditRecordModel } from './models/audit.model';
import { AuditRepository, type AuditRow } from './audit.repository';

export const AUDIT_ACTIONS = ['create', 'update', 'delete', 'issue', 'revoke'] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export const AUDIT_RESOURCES = [
  'domain',
  'range',
  'reservation',
  'cluster',
  'pod-pool',
  'node',
  'service',
  'service-cidr',
  'token',
] as const;
export type AuditResource = (typeof AUDIT_RESOURCES)[number];

/** One change, as a feature service reports it. */
export interface AuditEntry {
  action: AuditAction;
  resource: AuditResource;
  resourceId: string;
  /** The cluster the change belongs to (a cluster, or its node or Service). */
  clusterId?: string | null;
  /** The resource before the change (update, delete); leases released show here. */
  before?: unknown;
  /** The resource after the change (create, update); leases allocated show here. */
  after?: unknown;
}

function dateOf(field: string, value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const date = new Date(value);
  const year = date.getUTCFullYear();
  if (Number.isNaN(date.getTime()) || year < 1 || year > 9999)
    throw ValidationError.field(field, 'must be a date-time from year 1 to 9999');
  return date;
}

/** Who changes are attributed to outside an HTTP request (start-up, jobs). */
export const SYSTEM_ACTOR = 'system';

export function toAuditModel(row: AuditRow): AuditRecordModel {
  return {
    id: row.id,
    at: row.at,
    actor: row.actor,
    action: row.action,
    resource: row.resource,
    resourceId: row.resource_id,
    clusterId: row.cluster_id,
    requestId: row.request_id,
    before: row.before ?? null,
    after: row.after ?? null,
  };
}

/**
 * The audit trail. Feature services call `record` inside the transaction of
 * the change, so a change and its record commit (or roll back) together; the
 * actor (token name) and request id come from the request context.
 */
@Injectable()
export class AuditService {
  constructor(
    @Inject(Database) private readonly db: Database,
    @Inject(AuditRepository) private readonly audit: AuditRepository,
  ) {}

  async record(tx: Tx, entry: AuditEntry): Promise<void> {
    const context = currentContext();
    await this.audit.insert(tx, {
      actor: context?.principal?.name ?? SYSTEM_ACTOR,
      requestId: context?.requestId ?? null,
      action: entry.action,
      resource: entry.resource,
      resourceId: entry.resourceId,
      clusterId: entry.clusterId ?? null,
      before: entry.before,
      after: entry.after,
    });
  }

  /** Newest first, filtered; cursor-paginated. */
  async list(query: ListAuditQuery): Promise<Page<AuditRecordModel>> {
    const limit = pageSize(query.limit);
    const cursor = decodeCursor(query.cursor, ['timestamp', 'bigint']);
    const before: [Date, string] | undefined = cursor ? [new Date(cursor[0]), cursor[1]] : undefined;
    const since = dateOf('since', query.since);
    const until = dateOf('until', query.until);
    if (query.clusterId !== undefined && !isUuid(query.clusterId)) throw ValidationError.field('clusterId', 'must be a UUID');
    const rows = await this.audit.list(this.db.reader, {
      resource: query.resource,
      resourceId: query.resourceId,
      clusterId: query.clusterId,
      actor: query.actor,
      action: query.action,
      since,
      until,
      before,
      limit,
    });
    return toPage(rows, limit, toAuditModel, (r) => [r.at.toISOString(), r.id]);
  }
}
