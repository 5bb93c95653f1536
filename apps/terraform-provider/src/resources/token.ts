import type { Json, Response } from '../client/kipam-client';
import { checkOneOf, id } from '../framework/attributes';
import { reconcileBlock } from '../framework/plan';
import type { ResourceType, Stored } from '../framework/resource';
import { error, type Diagnostic } from '../protocol/diagnostics';
import { listOf, STRING, type Block } from '../protocol/schema';
import type { ObjectValue, Value } from '../protocol/values';

const ROLES = ['reader', 'writer', 'admin'] as const;

const sameInstant = (a: Value, b: Value) =>
  typeof a === 'string' && typeof b === 'string' ? Date.parse(a) === Date.parse(b) && !Number.isNaN(Date.parse(a)) : a === b;

export const tokenSchema: Block = {
  description:
    'An API token (needs an admin token). Every attribute is fixed once issued: any change replaces the token (a new secret). Destroying it revokes it.',
  attributes: {
    id: id('token'),
    name: { type: STRING, required: true, forceNew: true, description: 'Unique name; audit records name it.' },
    role: {
      type: STRING,
      required: true,
      forceNew: true,
      description: '`reader`, `writer` (also changes clusters, nodes and Services, and unscoped domains and ranges) or `admin`.',
    },
    clusters: {
      type: listOf(STRING),
      optional: true,
      computed: true,
      default: [],
      forceNew: true,
      description: 'Writers only: the cluster ids it may change (and nothing else). Empty: unscoped.',
    },
    expires_at: {
      type: STRING,
      optional: true,
      forceNew: true,
      equal: sameInstant,
      description: 'RFC 3339 time after which the token is refused. Left out: never expires.',
    },
    secret: {
      type: STRING,
      computed: true,
      sensitive: true,
      description: 'The bearer secret, known only to the apply that issued it (Kipam keeps only its hash): null after an import.',
    },
  },
};

function toState(res: Response, planned: ObjectValue | null, secret: Value): Stored {
  const b = res.body;
  const api: ObjectValue = {
    id: b.id as string,
    name: b.name as string,
    role: b.role as string,
    clusters: (b.clusters as string[]) ?? [],
    expires_at: (b.expiresAt as string | null) ?? null,
    secret,
  };
  return { state: reconcileBlock(tokenSchema, api, planned), private: {} };
}

const path = (s: ObjectValue) => `/v1/tokens/${encodeURIComponent(s.id as string)}`;

export const tokenResource: ResourceType = {
  name: 'kipam_token',
  schema: tokenSchema,
  importId: 'TOKEN_ID',
  importNote: 'its secret cannot be imported: it is null',

  validate(config) {
    const out: Diagnostic[] = [];
    checkOneOf(config.role, ROLES, ['role'], out);
    if (typeof config.expires_at === 'string' && Number.isNaN(Date.parse(config.expires_at))) {
      out.push(error('Invalid time', 'expires_at must be an RFC 3339 time such as 2030-01-01T00:00:00Z', ['expires_at']));
    }
    return out;
  },

  async create(client, planned) {
    // No Idempotency-Key: Kipam never stores a response that carries a secret. A retry after a
    // lost response meets 409 already-exists on the name, and nothing is issued twice.
    const body: Json = { name: planned.name, role: planned.role, clusters: planned.clusters };
    if (typeof planned.expires_at === 'string') body.expiresAt = planned.expires_at;
    const res = await client.request('POST', '/v1/tokens', { body });
    return toState(res, planned, res.body.secret as string);
  },

  async read(client, prior) {
    const res = await client.find(path(prior));
    // a revoked token is gone for good
    if (!res || res.body.revokedAt) return null;
    return toState(res, prior, prior.secret ?? null);
  },

  // Every input replaces the token; what is left to update is a respelling (the same expires_at instant).
  async update(_client, _prior, planned) {
    return { state: planned, private: {} };
  },

  async delete(client, prior) {
    await client.request('DELETE', path(prior), { accept: [404] });
  },

  async import(client, importId) {
    const res = await client.find(`/v1/tokens/${encodeURIComponent(importId)}`);
    if (!res || res.body.revokedAt) return null;
    return toState(res, null, null);
  },
};
