/**
 * Kipam's events as CloudEvents 1.0 JSON documents (structured mode): what a
 * webhook receives as its body, built from one outbox row.
 * https://github.com/cloudevents/spec/blob/v1.0.2/cloudevents/spec.md
 */
export interface CloudEvent {
  specversion: '1.0';
  id: string;
  source: string;
  type: string;
  subject: string;
  time: string;
  datacontenttype: 'application/json';
  data: unknown;
}

export const EVENT_TYPES = [
  'lease.created',
  'lease.released',
  'capacity.threshold-crossed',
  'capacity.exhausted',
  'conflict.detected',
  'conflict.resolved',
  'cluster.created',
  'cluster.updated',
  'cluster.deleted',
  'node.created',
  'node.updated',
  'node.deleted',
  'service.created',
  'service.updated',
  'service.deleted',
  'range.created',
  'range.updated',
  'range.deleted',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export interface OutboxRow {
  id: string;
  event_id: string;
  type: string;
  source: string;
  subject: string;
  time: Date;
  data: unknown;
}

export function toCloudEvent(row: OutboxRow): CloudEvent {
  return {
    specversion: '1.0',
    id: row.event_id,
    source: row.source,
    type: row.type,
    subject: row.subject,
    time: row.time.toISOString(),
    datacontenttype: 'application/json',
    data: row.data,
  };
}

/** Resources whose audited changes are announced, and the verb of each audit action. */
const LIFECYCLE_RESOURCES = new Set(['cluster', 'node', 'service', 'range']);
const VERBS: Record<string, string> = { create: 'created', update: 'updated', delete: 'deleted' };

/** The lifecycle event of an audited change (`cluster.created`), or none for changes that are not announced. */
export function lifecycleEventType(resource: string, action: string): EventType | undefined {
  const verb = VERBS[action];
  if (!verb || !LIFECYCLE_RESOURCES.has(resource)) return undefined;
  return `${resource}.${verb}` as EventType;
}

/** The subject of a resource's events: `clusters/<id>`, `nodes/<id>`. Lease events of a holder share it. */
export function subjectOf(resource: string, id: string): string {
  return `${resource}s/${id}`;
}
