import { Prefix } from '@kipam/cidr';
import type { Json, Response } from '../client/kipam-client';
import { checkCidr, optional, sameCidr, splitImportId } from '../framework/attributes';
import { reconcileBlock } from '../framework/plan';
import type { ResourceType, Stored } from '../framework/resource';
import { error, type Diagnostic } from '../protocol/diagnostics';
import { listOf, mapOf, NUMBER, STRING, type Block } from '../protocol/schema';
import { isObject, isUnknown, type ObjectValue, type Value } from '../protocol/values';
import { deleteObject } from './domain';

export const podPoolSchema: Block = {
  description:
    "A pod pool: one more pod CIDR of a cluster, chosen by node labels. A node takes, per family, a block from the first pool in `order` whose selector matches its labels and that has room; the cluster's own `pod_cidrs` are the pools `default-ipv4`/`default-ipv6` (order 0, every node).",
  attributes: {
    id: { type: STRING, computed: true, description: '`CLUSTER_ID/NAME`.' },
    cluster_id: { type: STRING, required: true, forceNew: true, description: 'The cluster (id). Changing it replaces the pool.' },
    name: {
      type: STRING,
      required: true,
      forceNew: true,
      description: 'Unique in the cluster (not `default-ipv4`/`default-ipv6`). Changing it replaces the pool.',
    },
    cidr: {
      type: STRING,
      optional: true,
      computed: true,
      forceNew: true,
      equal: sameCidr,
      description: 'A declared CIDR; with `range`, the block it was given (known after apply). Changing it replaces the pool.',
    },
    range: {
      type: STRING,
      optional: true,
      computed: true,
      forceNew: true,
      description:
        'Range (name or id, in the cluster domain) to carve the pool from, instead of `cidr`; for a declared CIDR, the range holding it, if any. Changing it replaces the pool.',
    },
    prefix_length: {
      type: NUMBER,
      optional: true,
      computed: true,
      forceNew: true,
      description: "With `range`: the prefix length to carve (the range's default when left out); the CIDR's length otherwise.",
    },
    node_mask_size: {
      type: NUMBER,
      optional: true,
      computed: true,
      forceNew: true,
      description:
        "Each node's block size in this pool (the cluster's node mask for the family when left out). Changing it replaces the pool.",
    },
    node_selector: {
      optional: true,
      description:
        'The nodes that take blocks from this pool, as a Kubernetes LabelSelector (both parts must match); every node when left out. Changed in place (for nodes registered from then on).',
      nested: {
        nesting: 'single',
        attributes: {
          match_labels: { type: mapOf(STRING), optional: true, description: 'Labels a node must carry with these values.' },
          match_expressions: {
            optional: true,
            description: 'Requirements on node labels.',
            nested: {
              nesting: 'list',
              attributes: {
                key: { type: STRING, required: true, description: 'Label key.' },
                operator: { type: STRING, required: true, description: '`In`, `NotIn`, `Exists` or `DoesNotExist`.' },
                values: { type: listOf(STRING), optional: true, description: 'For `In` and `NotIn`.' },
              },
            },
          },
        },
      },
    },
    order: {
      type: NUMBER,
      optional: true,
      computed: true,
      description:
        "Where the pool is tried among its family's pools (ascending; the cluster's own pod CIDR is 0; after every pool of the family when left out). Changed in place.",
    },
    family: { type: STRING, computed: true, description: '`IPv4` or `IPv6`.' },
    range_id: { type: STRING, computed: true, description: 'The id of the range the CIDR is leased from, or null.' },
  },
};

/** The REST selector of the configured one (null: every node). */
function toSelector(v: Value | undefined): Json | null {
  if (!isObject(v)) return null;
  const out: Json = {};
  if (isObject(v.match_labels)) out.matchLabels = v.match_labels;
  if (Array.isArray(v.match_expressions)) {
    out.matchExpressions = (v.match_expressions as ObjectValue[]).map((e) => ({
      key: e.key,
      operator: e.operator,
      ...(Array.isArray(e.values) ? { values: e.values } : {}),
    }));
  }
  return out;
}

function fromSelector(s: Json | null | undefined): Value {
  if (!s) return null;
  const labels = s.matchLabels as Record<string, string> | undefined;
  const expressions = s.matchExpressions as { key: string; operator: string; values?: string[] }[] | undefined;
  return {
    match_labels: labels && Object.keys(labels).length ? labels : null,
    match_expressions: expressions?.length
      ? expressions.map((e) => ({ key: e.key, operator: e.operator, values: e.values ?? null }))
      : null,
  };
}

function toState(res: Response, planned: ObjectValue | null): Stored {
  const b = res.body;
  const api: ObjectValue = {
    id: `${b.clusterId as string}/${b.name as string}`,
    cluster_id: b.clusterId as string,
    name: b.name as string,
    cidr: b.cidr as string,
    // the range as the configuration names it (name or id), else its name
    range:
      planned && typeof planned.range === 'string' && (planned.range === b.rangeId || planned.range === b.rangeName)
        ? planned.range
        : ((b.rangeName as string | null) ?? null),
    prefix_length: Prefix.parse(b.cidr).length,
    node_mask_size: b.nodeMaskSize as number,
    node_selector: fromSelector(b.nodeSelector as Json | null),
    order: b.order as number,
    family: b.family as string,
    range_id: (b.rangeId as string | null) ?? null,
  };
  return { state: reconcileBlock(podPoolSchema, api, planned), private: { etag: res.etag } };
}

const collection = (clusterId: string) => `/v1/clusters/${encodeURIComponent(clusterId)}/pod-pools`;
const path = (s: ObjectValue) => `${collection(s.cluster_id as string)}/${encodeURIComponent(s.name as string)}`;

export const podPoolResource: ResourceType = {
  name: 'kipam_pod_pool',
  schema: podPoolSchema,
  importId: 'CLUSTER_ID/NAME',

  validate(config) {
    const out: Diagnostic[] = [];
    const hasCidr = config.cidr !== null;
    const hasRange = config.range !== null;
    if (hasCidr && hasRange && !isUnknown(config.cidr) && !isUnknown(config.range)) {
      out.push(error('Invalid pod pool', 'give either cidr (declared) or range (carved), not both', ['cidr']));
    } else if (!hasCidr && !hasRange) {
      out.push(error('Invalid pod pool', 'give cidr (a declared CIDR) or range (a range to carve from)', ['cidr']));
    }
    if (hasCidr && config.prefix_length !== null) {
      out.push(error('Invalid pod pool', 'prefix_length goes with range: a declared CIDR carries its own length', ['prefix_length']));
    }
    checkCidr(config.cidr, ['cidr'], out);
    return out;
  },

  async create(client, planned) {
    const cidr: Json | string =
      typeof planned.cidr === 'string'
        ? planned.cidr
        : { range: planned.range, ...(typeof planned.prefix_length === 'number' ? { prefixLength: planned.prefix_length } : {}) };
    const body: Json = { name: planned.name, cidr, nodeSelector: toSelector(planned.node_selector) };
    optional(body, 'nodeMaskSize', planned.node_mask_size);
    optional(body, 'order', planned.order);
    return toState(await client.create('kipam_pod_pool', collection(planned.cluster_id as string), body), planned);
  },

  async read(client, prior) {
    const res = await client.find(path(prior));
    return res && toState(res, prior);
  },

  async update(client, _prior, planned, priv) {
    const body: Json = { nodeSelector: toSelector(planned.node_selector) };
    optional(body, 'order', planned.order);
    return toState(await client.request('PATCH', path(planned), { body, ifMatch: priv.etag }), planned);
  },

  async delete(client, prior, priv) {
    await deleteObject(client, path(prior), priv.etag);
  },

  async import(client, importId) {
    const [clusterId, name] = splitImportId(importId, 'CLUSTER_ID/NAME');
    const res = await client.find(`${collection(clusterId)}/${encodeURIComponent(name)}`);
    return res && toState(res, null);
  },
};
