import { Inject, Injectable } from '@nestjs/common';
import { Database, type Tx } from '@kipam/persistence';
import { ValidationError } from '../common/errors';
import { decodeCursor, pageSize, toPage, type Page } from '../common/pagination';
import { currentContext } from '../common/request-context';
import { isUuid } from '../common/validation';
import type { ListAuditQuery } from './dto/audit.dto';
import type { AuditRecordModel } from './models/audit.model';
import { lifecycleEventType, subjectOf } from '../events/cloud-event';
import { EventsRepository } from '../events/events.repository';
import { AuditRepository, type AuditRow, type NewAuditRecord } from './audit.repository';

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
  'webhook',
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
  /** Why, beyond the request itself: e.g. the observation a reconciliation adopted from. */
  reason?: string;
}

function dateOf(field: string, value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const date = new Date(value);
  const year = date.getUTCFullYear();
  if (Number.isNaN(date.getTime()) || year < 1 || year > 9999)
    throw ValidationError.field(field, 'must be a date-time from year 1 to 9999');
  return date;
}

/** The actor, request and lifecycle event of one change (AuditService.attribution). */
export interface Attribution {
  actor: string;
  requestId: string | null;
  eventType: string | null;
  subject: string;
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
    reason: row.reason ?? null,
  };
}

/**
 * The audit trail. Feature services call `record` inside the transaction of
 * the change, so a change and its record commit (or roll back) together; the
 * actor (token name) and request id come from the request context. The
 * change's lifecycle event (the event outbox) is written here too.
 */
@Injectable()
export class AuditService {
  constructor(
    @Inject(Database) private readonly db: Database,
    @Inject(AuditRepository) private readonly audit: AuditRepository,
    @Inject(EventsRepository) private readonly events: EventsRepository,
  ) {}

  async record(tx: Tx, entry: AuditEntry): Promise<void> {
    await this.audit.insert(tx, this.toRecord(entry));
    await this.emit(tx, entry);
  }

  /**
   * Who a change is attributed to and the lifecycle event it makes, for a
   * change whose audit record and event a SQL function writes itself in the
   * same call (kipam_service_create): the same values `record` writes.
   */
  attribution(resource: AuditResource, action: AuditAction, resourceId: string): Attribution {
    const context = currentContext();
    return {
      actor: context?.principal?.name ?? SYSTEM_ACTOR,
      requestId: context?.requestId ?? null,
      eventType: lifecycleEventType(resource, action) ?? null,
      subject: subjectOf(resource, resourceId),
    };
  }

  /** Many changes of one transaction in one statement (bulk reconciliation). */
  async recordMany(tx: Tx, entries: AuditEntry[]): Promise<void> {
    await this.audit.insertMany(
      tx,
      entries.map((e) => this.toRecord(e)),
    );
    for (const e of entries) await this.emit(tx, e);
  }

  private toRecord(entry: AuditEntry): NewAuditRecord {
    const context = currentContext();
    return {
      actor: context?.principal?.name ?? SYSTEM_ACTOR,
      requestId: context?.requestId ?? null,
      action: entry.action,
      resource: entry.resource,
      resourceId: entry.resourceId,
      clusterId: entry.clusterId ?? null,
      before: entry.before,
      after: entry.after,
      reason: entry.reason ?? null,
    };
  }

  /**
   * Every change path records its audit entry once: its lifecycle event
   * (cluster.created, node.deleted…) goes to the outbox beside it, in the same transaction.
   */
  private async emit(tx: Tx, entry: AuditEntry): Promise<void> {
    const type = lifecycleEventType(entry.resource, entry.action);
    if (!type) return;
    const context = currentContext();
    await this.events.insert(tx, type, subjectOf(entry.resource, entry.resourceId), {
      id: entry.resourceId,
      clusterId: entry.clusterId ?? null,
      actor: context?.principal?.name ?? SYSTEM_ACTOR,
      requestId: context?.requestId ?? null,
      before: entry.before ?? null,
      after: entry.after ?? null,
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
