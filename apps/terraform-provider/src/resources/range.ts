import type { Json, KipamClient, Response } from '../client/kipam-client';
import { checkCidr, checkOneOf, id, labels, num, optional, sameCidr } from '../framework/attributes';
import { reconcileBlock } from '../framework/plan';
import type { ResourceType, Stored } from '../framework/resource';
import type { Diagnostic } from '../protocol/diagnostics';
import { NUMBER, STRING, type Attribute, type Block } from '../protocol/schema';
import type { ObjectValue } from '../protocol/values';
import { deleteObject } from './domain';

export const RANGE_PURPOSES = ['pod', 'service', 'any'] as const;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const prefixLength = (what: string): Attribute => ({
  type: NUMBER,
  optional: true,
  forceNew: true,
  description: `${what} Changing it replaces the range.`,
});

export const rangeSchema: Block = {
  description: 'A parent block owned by Kipam (e.g. `10.0.0.0/8`), from which clusters carve pod and service CIDRs.',
  attributes: {
    id: id('range'),
    name: { type: STRING, required: true, forceNew: true, description: 'Unique in its domain. Changing it replaces the range.' },
    cidr: {
      type: STRING,
      required: true,
      forceNew: true,
      equal: sameCidr,
      description: 'The block the range owns, without host bits. Any spelling of the same block is the same value.',
    },
    domain: {
      type: STRING,
      optional: true,
      computed: true,
      default: 'default',
      forceNew: true,
      description: 'Domain name or id (`default` when left out). Changing it replaces the range.',
    },
    domain_id: { type: STRING, computed: true, description: "The domain's id." },
    parent: {
      type: STRING,
      optional: true,
      computed: true,
      forceNew: true,
      description: 'Parent range (id or name, same domain). Left out: the smallest range of the domain containing the CIDR, if any.',
    },
    purpose: {
      type: STRING,
      optional: true,
      computed: true,
      default: 'any',
      forceNew: true,
      description: 'What clusters may carve from it: `pod`, `service` or `any` (the default).',
    },
    family: { type: STRING, computed: true, description: '`IPv4` or `IPv6`.' },
    min_prefix_length: prefixLength('Shortest prefix length that may be carved (largest block).'),
    max_prefix_length: prefixLength('Longest prefix length that may be carved (smallest block).'),
    default_prefix_length: prefixLength('Prefix length carved when a request gives none.'),
    labels: labels('range'),
    description: { type: STRING, optional: true, computed: true, default: '', description: 'Free text. Changed in place.' },
  },
};

/** A range as the API returns it, in attribute names. */
export function rangeFromApi(b: Json): ObjectValue {
  return {
    id: b.id as string,
    name: b.name as string,
    cidr: b.cidr as string,
    domain: b.domain as string,
    domain_id: b.domainId as string,
    parent: (b.parent as string | null) ?? null,
    purpose: b.purpose as string,
    family: b.family as string,
    min_prefix_length: (b.minPrefixLength as number | null) ?? null,
    max_prefix_length: (b.maxPrefixLength as number | null) ?? null,
    default_prefix_length: (b.defaultPrefixLength as number | null) ?? null,
    labels: (b.labels as ObjectValue) ?? {},
    description: (b.description as string) ?? '',
  };
}

async function toState(client: KipamClient, res: Response, planned: ObjectValue | null): Promise<Stored> {
  const api = rangeFromApi(res.body);

  // The configuration may name the domain by id and the parent by name: keep that spelling while it means the same.
  if (planned && planned.domain === api.domain_id) api.domain = planned.domain;
  if (planned && typeof planned.parent === 'string' && api.parent !== null && planned.parent !== api.parent && !UUID.test(planned.parent)) {
    const parent = await client.find(`/v1/ranges/${encodeURIComponent(api.parent as string)}`);
    if (parent?.body.name === planned.parent) api.parent = planned.parent;
  }
  return { state: reconcileBlock(rangeSchema, api, planned), private: { etag: res.etag } };
}

const path = (s: ObjectValue) => `/v1/ranges/${encodeURIComponent(s.id as string)}`;

export const rangeResource: ResourceType = {
  name: 'kipam_range',
  schema: rangeSchema,
  importId: 'RANGE_ID',

  validate(config) {
    const out: Diagnostic[] = [];
    checkCidr(config.cidr, ['cidr'], out);
    checkOneOf(config.purpose, RANGE_PURPOSES, ['purpose'], out);
    return out;
  },

  async create(client, planned) {
    const body: Json = { name: planned.name, cidr: planned.cidr, domain: planned.domain, purpose: planned.purpose };
    optional(body, 'parent', planned.parent);
    optional(body, 'minPrefixLength', num(planned.min_prefix_length) ?? null);
    optional(body, 'maxPrefixLength', num(planned.max_prefix_length) ?? null);
    optional(body, 'defaultPrefixLength', num(planned.default_prefix_length) ?? null);
    body.labels = planned.labels;
    body.description = planned.description;
    return toState(client, await client.create('kipam_range', '/v1/ranges', body), planned);
  },

  async read(client, prior) {
    const res = await client.find(path(prior));
    return res && toState(client, res, prior);
  },

  async update(client, _prior, planned, priv) {
    const body = { labels: planned.labels, description: planned.description };
    return toState(client, await client.request('PATCH', path(planned), { body, ifMatch: priv.etag }), planned);
  },

  async delete(client, prior, priv) {
    await deleteObject(client, path(prior), priv.etag);
  },

  async import(client, importId) {
    const res = await client.find(`/v1/ranges/${encodeURIComponent(importId)}`);
    return res && toState(client, res, null);
  },
};
