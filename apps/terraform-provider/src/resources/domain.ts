import type { Json, KipamClient, Response } from '../client/kipam-client';
import { id } from '../framework/attributes';
import { reconcileBlock } from '../framework/plan';
import type { ResourceType, Stored } from '../framework/resource';
import { STRING, type Block } from '../protocol/schema';
import type { ObjectValue } from '../protocol/values';

export const domainSchema: Block = {
  description: 'A routing domain (like a VRF or an AWS IPAM scope): CIDRs in one domain must not overlap where they route.',
  attributes: {
    id: id('domain'),
    name: {
      type: STRING,
      required: true,
      forceNew: true,
      description: 'Unique name: lower case letters, digits and "-". Changing it replaces the domain.',
    },
    description: { type: STRING, optional: true, computed: true, default: '', description: 'Free text. Changed in place.' },
  },
};

function toState(res: Response, planned: ObjectValue | null): Stored {
  const b = res.body;
  const api: ObjectValue = { id: b.id as string, name: b.name as string, description: (b.description as string) ?? '' };
  return { state: reconcileBlock(domainSchema, api, planned), private: { etag: res.etag } };
}

const path = (s: ObjectValue) => `/v1/domains/${encodeURIComponent(s.id as string)}`;

export const domainResource: ResourceType = {
  name: 'kipam_domain',
  schema: domainSchema,
  importId: 'DOMAIN_ID',
  importNote: 'the domain id, or its name',

  async create(client, planned) {
    const body: Json = { name: planned.name, description: planned.description };
    return toState(await client.create('kipam_domain', '/v1/domains', body), planned);
  },

  async read(client, prior) {
    const res = await client.find(path(prior));
    return res && toState(res, prior);
  },

  async update(client, _prior, planned, priv) {
    const res = await client.request('PATCH', path(planned), { body: { description: planned.description }, ifMatch: priv.etag });
    return toState(res, planned);
  },

  async delete(client, prior, priv) {
    await deleteObject(client, path(prior), priv.etag);
  },

  async import(client, importId) {
    const res = await client.find(`/v1/domains/${encodeURIComponent(importId)}`);
    return res && toState(res, null);
  },
};

/** DELETE with If-Match; already gone (404) is done. */
export async function deleteObject(client: KipamClient, path: string, etag?: string): Promise<void> {
  await client.request('DELETE', path, { ifMatch: etag, accept: [404] });
}
