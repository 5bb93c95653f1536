import type { Response } from '../client/kipam-client';
import { checkCidr, id, sameCidr, splitImportId } from '../framework/attributes';
import { reconcileBlock } from '../framework/plan';
import type { ResourceType, Stored } from '../framework/resource';
import type { Diagnostic } from '../protocol/diagnostics';
import { STRING, type Block } from '../protocol/schema';
import type { ObjectValue } from '../protocol/values';
import { deleteObject } from './domain';

export const reservationSchema: Block = {
  description: 'A block inside a range that is never handed out (e.g. a VPC CIDR).',
  attributes: {
    id: id('reservation'),
    range_id: {
      type: STRING,
      required: true,
      forceNew: true,
      description: 'The range it is reserved in (id). Changing it replaces the reservation.',
    },
    cidr: {
      type: STRING,
      required: true,
      forceNew: true,
      equal: sameCidr,
      description: 'The reserved block, inside the range. Changing it replaces the reservation.',
    },
    family: { type: STRING, computed: true, description: '`IPv4` or `IPv6`.' },
    reason: { type: STRING, optional: true, computed: true, default: '', description: 'Why it is reserved. Changed in place.' },
  },
};

function toState(res: Response, planned: ObjectValue | null): Stored {
  const b = res.body;
  const api: ObjectValue = {
    id: b.id as string,
    range_id: b.rangeId as string,
    cidr: b.cidr as string,
    family: b.family as string,
    reason: (b.reason as string) ?? '',
  };
  return { state: reconcileBlock(reservationSchema, api, planned), private: { etag: res.etag } };
}

const collection = (rangeId: string) => `/v1/ranges/${encodeURIComponent(rangeId)}/reservations`;
const path = (s: ObjectValue) => `${collection(s.range_id as string)}/${encodeURIComponent(s.id as string)}`;

export const reservationResource: ResourceType = {
  name: 'kipam_range_reservation',
  schema: reservationSchema,
  importId: 'RANGE_ID/RESERVATION_ID',

  validate(config) {
    const out: Diagnostic[] = [];
    checkCidr(config.cidr, ['cidr'], out);
    return out;
  },

  async create(client, planned) {
    const res = await client.create('kipam_range_reservation', collection(planned.range_id as string), {
      cidr: planned.cidr,
      reason: planned.reason,
    });
    return toState(res, planned);
  },

  async read(client, prior) {
    const res = await client.find(path(prior));
    return res && toState(res, prior);
  },

  async update(client, _prior, planned, priv) {
    return toState(await client.request('PATCH', path(planned), { body: { reason: planned.reason }, ifMatch: priv.etag }), planned);
  },

  async delete(client, prior, priv) {
    await deleteObject(client, path(prior), priv.etag);
  },

  async import(client, importId) {
    const [rangeId, reservationId] = splitImportId(importId, 'RANGE_ID/RESERVATION_ID');
    const res = await client.find(`${collection(rangeId)}/${encodeURIComponent(reservationId)}`);
    return res && toState(res, null);
  },
};
