import type { Json, Response } from '../client/kipam-client';
import { checkAddress, checkCidr, checkOneOf, id, labels, sameAddress, sameCidrList, splitImportId } from '../framework/attributes';
import { reconcileBlock } from '../framework/plan';
import type { ResourceType, Stored } from '../framework/resource';
import type { Diagnostic } from '../protocol/diagnostics';
import { listOf, STRING, type Block } from '../protocol/schema';
import { isObject, isUnknown, UNKNOWN, type ObjectValue } from '../protocol/values';
import { deleteObject } from './domain';

const ADDRESS_TYPES = ['InternalIP', 'ExternalIP'] as const;

export const nodeSchema: Block = {
  description: 'A node of a cluster, holding one pod CIDR per pod family of the cluster (Kubernetes `spec.podCIDRs`).',
  attributes: {
    id: id('node'),
    cluster_id: { type: STRING, required: true, forceNew: true, description: 'The cluster (id). Changing it replaces the node.' },
    name: {
      type: STRING,
      required: true,
      forceNew: true,
      description: 'The Kubernetes node name (a DNS subdomain), unique in the cluster. Changing it replaces the node.',
    },
    pod_cidrs: {
      type: listOf(STRING),
      optional: true,
      computed: true,
      forceNew: true,
      equal: sameCidrList,
      description:
        "`spec.podCIDRs`: one block per cluster pod family, in the cluster's order. Allocated when left out; blocks given here are held instead (node-mask-sized, inside the cluster's pod CIDR). Changing them replaces the node.",
    },
    pod_cidr: { type: STRING, computed: true, description: '`spec.podCIDR`: always `pod_cidrs[0]`.' },
    labels: labels('node'),
    addresses: {
      optional: true,
      computed: true,
      default: [],
      description: "The node's addresses, as in a Node's `status.addresses` (at most one per family per type). Changed in place.",
      nested: {
        nesting: 'list',
        attributes: {
          type: { type: STRING, required: true, description: '`InternalIP` or `ExternalIP`.' },
          address: { type: STRING, required: true, equal: sameAddress, description: 'IPv4 or IPv6 address.' },
        },
      },
    },
  },
};

function toState(res: Response, planned: ObjectValue | null): Stored {
  const b = res.body;
  const api: ObjectValue = {
    id: b.id as string,
    cluster_id: b.clusterId as string,
    name: b.name as string,
    pod_cidrs: b.podCidrs as string[],
    pod_cidr: (b.podCidr as string | null) ?? null,
    labels: (b.labels as ObjectValue) ?? {},
    addresses: ((b.addresses as { type: string; address: string }[]) ?? []).map((a) => ({ type: a.type, address: a.address })),
  };
  const state = reconcileBlock(nodeSchema, api, planned);
  // a planned pod_cidr is unknown whenever pod_cidrs is: take the reconciled first block
  if (Array.isArray(state.pod_cidrs) && typeof state.pod_cidrs[0] === 'string') state.pod_cidr = state.pod_cidrs[0];
  return { state, private: { etag: res.etag } };
}

const collection = (clusterId: string) => `/v1/clusters/${encodeURIComponent(clusterId)}/nodes`;
const path = (s: ObjectValue) => `${collection(s.cluster_id as string)}/${encodeURIComponent(s.id as string)}`;

export const nodeResource: ResourceType = {
  name: 'kipam_node',
  schema: nodeSchema,
  importId: 'CLUSTER_ID/NODE_ID',

  validate(config) {
    const out: Diagnostic[] = [];
    if (Array.isArray(config.pod_cidrs)) config.pod_cidrs.forEach((c, i) => checkCidr(c, ['pod_cidrs', i], out));
    if (Array.isArray(config.addresses)) {
      config.addresses.forEach((a, i) => {
        if (!isObject(a)) return;
        checkOneOf(a.type, ADDRESS_TYPES, ['addresses', i, 'type'], out);
        checkAddress(a.address, ['addresses', i, 'address'], out);
      });
    }
    return out;
  },

  plan({ change, prior }) {
    const { planned } = change;
    // pod_cidr follows pod_cidrs
    if (!prior || isUnknown(planned.pod_cidrs) || !sameCidrList(planned.pod_cidrs, prior.pod_cidrs)) {
      planned.pod_cidr = Array.isArray(planned.pod_cidrs) && typeof planned.pod_cidrs[0] === 'string' ? planned.pod_cidrs[0] : UNKNOWN;
    }
  },

  async create(client, planned) {
    const body: Json = { name: planned.name, labels: planned.labels, addresses: planned.addresses };
    if (Array.isArray(planned.pod_cidrs)) body.podCidrs = planned.pod_cidrs;
    return toState(await client.create('kipam_node', collection(planned.cluster_id as string), body), planned);
  },

  async read(client, prior) {
    const res = await client.find(path(prior));
    return res && toState(res, prior);
  },

  async update(client, _prior, planned, priv) {
    const body = { labels: planned.labels, addresses: planned.addresses };
    return toState(await client.request('PATCH', path(planned), { body, ifMatch: priv.etag }), planned);
  },

  async delete(client, prior, priv) {
    await deleteObject(client, path(prior), priv.etag);
  },

  async import(client, importId) {
    const [clusterId, nodeId] = splitImportId(importId, 'CLUSTER_ID/NODE_ID');
    const res = await client.find(`${collection(clusterId)}/${encodeURIComponent(nodeId)}`);
    return res && toState(res, null);
  },
};
