import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { Database, type Tx } from '@kipam/persistence';
import { AuditService } from '../audit/audit.service';
import { NotFoundError, ValidationError, type FieldError } from '../common/errors';
import { decodeCursor, pageSize, toPage, type Page } from '../common/pagination';
import { checkIfMatch, withEtag, withMeta } from '../common/response-meta';
import { isUuid } from '../common/validation';
import type { CreateWebhookDto, ListDeliveriesQuery, ListWebhooksQuery, UpdateWebhookDto } from './dto/webhook.dto';
import type { DeliveryModel, WebhookModel } from './models/webhook.model';
import { WEBHOOK_SETTINGS, WebhookDelivery, type WebhookSettings } from './webhook-delivery';
import { hostOf, secretRefusal, urlRefusal } from './webhook-rules';
import { AddressRefusedError, resolveAllowed } from './webhook-sender';
import { WebhooksRepository, type DeliveryRow, type WebhookRow } from './webhooks.repository';

export function toWebhookModel(row: WebhookRow): WebhookModel {
  return withEtag(
    {
      id: row.id,
      url: row.url,
      eventTypes: row.event_types ?? [],
      description: row.description,
      enabled: row.enabled,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    },
    row.version,
  );
}

export function toDeliveryModel(row: DeliveryRow): DeliveryModel {
  return {
    id: row.id,
    webhookId: row.webhook_id,
    eventId: row.cloud_event_id,
    eventType: row.event_type,
    subject: row.subject,
    eventTime: row.event_time,
    state: row.state,
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at,
    lastAttemptAt: row.last_attempt_at,
    lastStatus: row.last_status,
    lastError: row.last_error,
    deliveredAt: row.delivered_at,
  };
}

/**
 * Webhooks (admin only): where events go, which types, signed with which
 * secret. The secret is written and never read back through the API; the
 * audit trail records that it changed, not its value.
 */
@Injectable()
export class WebhooksService {
  constructor(
    @Inject(Database) private readonly db: Database,
    @Inject(WebhooksRepository) private readonly webhooks: WebhooksRepository,
    @Inject(AuditService) private readonly audit: AuditService,
    @Inject(WebhookDelivery) private readonly delivery: WebhookDelivery,
    @Inject(WEBHOOK_SETTINGS) private readonly settings: WebhookSettings,
  ) {}

  async create(dto: CreateWebhookDto): Promise<WebhookModel> {
    await this.check(dto.url, dto.secret);
    return this.db.transaction(async (tx) => {
      const id = randomUUID();
      const row = await this.webhooks.insert(tx, {
        id,
        url: dto.url,
        eventTypes: dedupe(dto.eventTypes ?? []),
        secret: dto.secret,
        description: dto.description ?? '',
        enabled: dto.enabled ?? true,
      });
      const model = toWebhookModel(row);
      await this.audit.record(tx, { action: 'create', resource: 'webhook', resourceId: id, after: model });
      return withMeta(model, { location: `/v1/webhooks/${id}` });
    });
  }

  async get(id: string): Promise<WebhookModel> {
    return toWebhookModel(await this.require(this.db.reader, id));
  }

  async list(query: ListWebhooksQuery): Promise<Page<WebhookModel>> {
    const limit = pageSize(query.limit);
    const after = decodeCursor(query.cursor, ['timestamp', 'uuid']) as [string, string] | undefined;
    const rows = await this.webhooks.list(this.db.reader, { after, limit });
    return toPage(rows, limit, toWebhookModel, (r) => [r.created_at.toISOString(), r.id]);
  }

  async update(id: string, dto: UpdateWebhookDto, ifMatch?: string): Promise<WebhookModel> {
    await this.check(dto.url, dto.secret);
    return this.db.transaction(async (tx) => {
      const row = await this.require(tx, id, true);
      checkIfMatch(ifMatch, row.version, `webhook ${row.id}`);
      const updated = await this.webhooks.update(tx, row.id, {
        url: dto.url,
        eventTypes: dto.eventTypes && dedupe(dto.eventTypes),
        secret: dto.secret,
        description: dto.description,
        enabled: dto.enabled,
      });
      const model = toWebhookModel(updated);
      const after = dto.secret !== undefined ? { ...model, secretChanged: true } : model;
      await this.audit.record(tx, { action: 'update', resource: 'webhook', resourceId: row.id, before: toWebhookModel(row), after });
      return model;
    });
  }

  async delete(id: string, ifMatch?: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      const row = await this.require(tx, id, true);
      checkIfMatch(ifMatch, row.version, `webhook ${row.id}`);
      await this.webhooks.delete(tx, row.id);
      await this.audit.record(tx, { action: 'delete', resource: 'webhook', resourceId: row.id, before: toWebhookModel(row) });
    });
  }

  async deliveries(id: string, query: ListDeliveriesQuery): Promise<Page<DeliveryModel>> {
    const tx = this.db.reader;
    await this.require(tx, id);
    const limit = pageSize(query.limit);
    const before = decodeCursor(query.cursor, ['bigint'])?.[0];
    const rows = await this.webhooks.deliveries(tx, id, { state: query.state, before, limit });
    return toPage(rows, limit, toDeliveryModel, (r) => [r.event_id]);
  }

  /** Queues a delivery again (a failed one, or one to send once more): due at once, with a fresh retry window. */
  async redeliver(id: string, deliveryId: string): Promise<DeliveryModel> {
    const model = await this.db.transaction(async (tx) => {
      await this.require(tx, id);
      const found = isUuid(deliveryId) ? await this.webhooks.delivery(tx, id, deliveryId) : undefined;
      if (!found) throw new NotFoundError('delivery', deliveryId);
      await this.webhooks.redeliver(tx, found.id);
      await this.audit.record(tx, {
        action: 'update',
        resource: 'webhook',
        resourceId: id,
        after: { redelivered: found.id, eventId: found.cloud_event_id },
      });
      return toDeliveryModel((await this.webhooks.delivery(tx, id, deliveryId))!);
    });
    this.delivery.nudge();
    return model;
  }

  /** The URL's form, the secret's, and (before anything is written) the addresses its host resolves to. */
  private async check(url: string | undefined, secret: string | undefined): Promise<void> {
    const problems: FieldError[] = [];
    const badUrl = url !== undefined ? urlRefusal(url) : undefined;
    if (badUrl) problems.push({ field: 'url', message: badUrl });
    const badSecret = secret !== undefined ? secretRefusal(secret) : undefined;
    if (badSecret) problems.push({ field: 'secret', message: badSecret });
    if (!badUrl && url !== undefined) {
      const { allowPrivate, allowCidrs } = this.settings;
      try {
        await resolveAllowed(hostOf(new URL(url)), { allowPrivate, allowCidrs });
      } catch (error) {
        const message =
          error instanceof AddressRefusedError
            ? `is refused: ${error.message}`
            : `names a host that does not resolve (${(error as { code?: string }).code ?? (error as Error).message})`;
        problems.push({ field: 'url', message });
      }
    }
    if (problems.length) throw new ValidationError(problems);
  }

  private async require(tx: Tx, id: string, lock = false): Promise<WebhookRow> {
    const row = isUuid(id) ? await this.webhooks.findById(tx, id, lock) : undefined;
    if (!row) throw new NotFoundError('webhook', id);
    return row;
  }
}

function dedupe(types: string[]): string[] {
  return [...new Set(types)];
}
