import { Prefix } from '@kipam/cidr';
import type { Json, Response } from '../client/kipam-client';
import { checkCidr, id, labels, optional, sameCidr, sameCidrList, str } from '../framework/attributes';
import { reconcileBlock } from '../framework/plan';
import type { ResourceType, Stored } from '../framework/resource';
import { error, type Diagnostic } from '../protocol/diagnostics';
import { BOOL, listOf, NUMBER, STRING, type Attribute, type Block } from '../protocol/schema';
import { isObject, isUnknown, UNKNOWN, type ObjectValue, type Value } from '../protocol/values';
import { deleteObject } from './domain';

const cidrEntries = (kind: 'pod' | 'service', flag: string): Attribute => ({
  required: true,
  description:
    `The cluster's ${kind} CIDRs (\`${flag}\`), one per IP family; the order is kept` +
    (kind === 'service' ? ' and the first sets the primary family' : '') +
    '. Each is declared (`{ cidr = "…" }`) or carved from a range (`{ range = "…", prefix_length = N }`, the lowest free aligned block)' +
    (kind === 'service'
      ? ', or generated (`{ generate = "ula", prefix_length = 108 }`: a random RFC 4193 /48 unique across the fleet, its first block; immutable). '
      : '. ') +
    'Adding the missing family (with a service CIDR of that family) is an in-place update; changing or removing an entry replaces the cluster.',
  nested: {
    nesting: 'list',
    attributes: {
      cidr: {
        type: STRING,
        optional: true,
        computed: true,
        equal: sameCidr,
        description: 'A declared CIDR; for a carved entry, the block it was given (known after apply).',
      },
      range: {
        type: STRING,
        optional: true,
        computed: true,
        description: 'Range (name or id, in the cluster domain) to carve from; for a declared CIDR, the range holding it, if any.',
      },
      prefix_length: {
        type: NUMBER,
        optional: true,
        computed: true,
        description: "Prefix length to carve (the range's `default_prefix_length` when left out); the CIDR's length otherwise.",
      },
      ...(kind === 'service'
        ? {
            generate: {
              type: STRING,
              optional: true,
              description: '`ula`: a generated unique local range (give no cidr or range with it).',
            } satisfies Attribute,
          }
        : {}),
      family: { type: STRING, computed: true, description: '`IPv4` or `IPv6`.' },
      range_id: { type: STRING, computed: true, description: 'The id of the range the CIDR is leased from, or null.' },
    },
  },
});

const mask = (family: string, dflt: number, max: number): Attribute => ({
  type: NUMBER,
  optional: true,
  computed: true,
  default: dflt,
  forceNew: true,
  description: `\`--node-cidr-mask-size-${family}\`: the prefix length of each node's ${family === 'ipv4' ? 'IPv4' : 'IPv6'} pod CIDR (default ${dflt}${family === 'ipv6' ? ', 80 with the `eks-ipv6` profile' : ''}, at most ${max}). Changing it replaces the cluster.`,
});

export const clusterSchema: Block = {
  description: 'A Kubernetes cluster: dual-stack pod and service CIDRs, node mask sizes and its stack.',
  attributes: {
    id: id('cluster'),
    name: { type: STRING, required: true, forceNew: true, description: 'Unique in its domain. Changing it replaces the cluster.' },
    domain: {
      type: STRING,
      optional: true,
      computed: true,
      default: 'default',
      forceNew: true,
      description: 'Domain name or id (`default` when left out). Changing it replaces the cluster.',
    },
    domain_id: { type: STRING, computed: true, description: "The domain's id." },
    pod_cidrs: cidrEntries('pod', '--cluster-cidr'),
    service_cidrs: cidrEntries('service', '--service-cluster-ip-range'),
    node_mask_size_ipv4: mask('ipv4', 24, 32),
    node_mask_size_ipv6: mask('ipv6', 64, 128),
    kubernetes_version: {
      type: STRING,
      optional: true,
      computed: true,
      description:
        'Kubernetes version (e.g. `1.31`): below 1.34 a service CIDR holds at most 2^20 addresses. Changed in place; left out, the current value stays.',
    },
    labels: labels('cluster'),
    allow_conflicts: {
      type: BOOL,
      optional: true,
      computed: true,
      default: false,
      description: 'Accept declared CIDRs that overlap other clusters (brownfield import); they are listed by `kipam_conflicts`.',
    },
    profile: {
      type: STRING,
      optional: true,
      forceNew: true,
      description:
        '`eks-ipv6` (EKS IPv6 rules: single-stack IPv6, global unicast /64 pod CIDRs, /80 nodes, a ULA service CIDR, node-local egress) or left out (generic). Changing it replaces the cluster.',
    },
    node_local_cidrs: {
      type: listOf(STRING),
      optional: true,
      computed: true,
      equal: sameCidrList,
      description:
        "Host-local IPv4 ranges every node reuses for its pods' egress (`169.254.172.0/22` by default for `eks-ipv6`, none otherwise); never a conflict. Changed in place.",
    },
    ula_global_id: {
      type: STRING,
      computed: true,
      description: 'The RFC 4193 global ID (ten hex digits) of a generated ULA service CIDR, or null.',
    },
    ula_prefix: { type: STRING, computed: true, description: 'The /48 of that global ID, or null.' },
    stack: { type: STRING, computed: true, description: '`IPv4`, `IPv6` or `DualStack`.' },
    ip_families: {
      type: listOf(STRING),
      computed: true,
      description: 'The service CIDR families in order; the first is the primary family.',
    },
  },
};

interface Assignment {
  family: string;
  cidr: string;
  rangeId: string | null;
  rangeName: string | null;
}

const ULA = Prefix.parse('fc00::/7');

/** Does this configured entry still stand for the prior one (same CIDR, same range, same length)? */
function sameEntry(config: ObjectValue, prior: ObjectValue): boolean {
  if (config.cidr !== null && !sameCidr(config.cidr, prior.cidr)) return false;
  if (config.range !== null && config.range !== prior.range && config.range !== prior.range_id) return false;
  if (config.prefix_length !== null && config.prefix_length !== prior.prefix_length) return false;
  if (typeof config.generate === 'string' && config.generate !== prior.generate) {
    // an imported entry (no generate in state) still stands for a generate request when its CIDR is unique local
    const cidr = typeof prior.cidr === 'string' ? Prefix.tryParse(prior.cidr) : null;
    if (prior.generate !== null || !cidr || !ULA.contains(cidr)) return false;
  }
  return true;
}

/** The planned entries, and whether an existing entry changed (which replaces the cluster). */
function planEntries(config: Value, prior: Value | undefined): { planned: Value; changed: boolean } {
  if (!Array.isArray(config)) return { planned: config, changed: prior !== undefined };
  const priors = Array.isArray(prior) ? (prior as ObjectValue[]) : [];
  let changed = prior !== undefined && config.length < priors.length;
  const planned = config.map((element, i) => {
    if (!isObject(element)) return element;
    const p = priors[i];
    if (p && sameEntry(element, p)) {
      return {
        cidr: element.cidr ?? p.cidr,
        range: element.range ?? p.range,
        prefix_length: element.prefix_length ?? p.prefix_length,
        ...('generate' in element ? { generate: element.generate } : {}),
        family: p.family,
        range_id: p.range_id,
      };
    }
    if (p) changed = true;
    const declared = typeof element.cidr === 'string' ? Prefix.tryParse(element.cidr) : null;
    const generated = typeof element.generate === 'string';
    return {
      cidr: element.cidr ?? UNKNOWN,
      range: generated ? null : (element.range ?? UNKNOWN),
      prefix_length: element.prefix_length ?? (declared ? declared.length : UNKNOWN),
      ...('generate' in element ? { generate: element.generate } : {}),
      family: declared ? declared.family : generated ? 'IPv6' : UNKNOWN,
      range_id: generated ? null : UNKNOWN,
    };
  });
  return { planned, changed };
}

/** The request entries: declared CIDRs as strings, carves as `{range, prefixLength}`. */
function requestEntries(planned: Value, prior: Value | undefined): unknown[] {
  const priors = Array.isArray(prior) ? (prior as ObjectValue[]) : [];
  return (planned as ObjectValue[]).map((e, i) => {
    // an existing entry is repeated as its CIDR
    if (i < priors.length) return priors[i].cidr;
    if (typeof e.cidr === 'string') return e.cidr;
    if (typeof e.generate === 'string') {
      const generate: Json = { generate: e.generate };
      optional(generate, 'prefixLength', e.prefix_length);
      return generate;
    }
    const carve: Json = { range: e.range };
    optional(carve, 'prefixLength', e.prefix_length);
    return carve;
  });
}

function stateEntries(assignments: Assignment[], planned: Value | undefined, service: boolean): Value {
  const plannedList = Array.isArray(planned) ? (planned as ObjectValue[]) : [];
  return assignments.map((a, i) => {
    const p = isObject(plannedList[i]) ? plannedList[i] : undefined;
    const range = p && typeof p.range === 'string' && (p.range === a.rangeId || p.range === a.rangeName) ? p.range : a.rangeName;
    return {
      cidr: p && typeof p.cidr === 'string' && sameCidr(p.cidr, a.cidr) ? p.cidr : a.cidr,
      range,
      prefix_length: Prefix.parse(a.cidr).length,
      // a generate request stays in state as written (the API answers the CIDR it gave)
      ...(service ? { generate: p && typeof p.generate === 'string' ? p.generate : null } : {}),
      family: a.family,
      range_id: a.rangeId,
    };
  });
}

function toState(res: Response, planned: ObjectValue | null): Stored {
  const b = res.body;
  const api: ObjectValue = {
    id: b.id as string,
    name: b.name as string,
    domain: b.domain as string,
    domain_id: b.domainId as string,
    pod_cidrs: stateEntries(b.podCidrAssignments as Assignment[], planned?.pod_cidrs, false),
    service_cidrs: stateEntries(b.serviceCidrAssignments as Assignment[], planned?.service_cidrs, true),
    node_mask_size_ipv4: b.nodeMaskSizeIPv4 as number,
    node_mask_size_ipv6: b.nodeMaskSizeIPv6 as number,
    kubernetes_version: (b.kubernetesVersion as string | null) ?? null,
    labels: (b.labels as ObjectValue) ?? {},
    allow_conflicts: b.allowConflicts as boolean,
    profile: (b.profile as string | null) ?? null,
    node_local_cidrs: (b.nodeLocalCidrs as string[]) ?? [],
    ula_global_id: (b.ulaGlobalId as string | null) ?? null,
    ula_prefix: (b.ulaPrefix as string | null) ?? null,
    stack: b.stack as string,
    ip_families: b.ipFamilies as string[],
  };
  if (planned && planned.domain === api.domain_id) api.domain = planned.domain;
  const state = reconcileBlock(clusterSchema, api, planned);
  // the entries were matched to the plan above (reconcile would compare them as whole objects)
  state.pod_cidrs = api.pod_cidrs;
  state.service_cidrs = api.service_cidrs;
  return { state, private: { etag: res.etag } };
}

const path = (s: ObjectValue) => `/v1/clusters/${encodeURIComponent(s.id as string)}`;

function validateEntries(entries: Value, field: string, out: Diagnostic[]): void {
  if (!Array.isArray(entries)) return;
  if (entries.length < 1 || entries.length > 2) out.push(error('Invalid CIDR list', 'give one or two entries, one per IP family', [field]));
  entries.forEach((e, i) => {
    if (!isObject(e)) return;
    const hasCidr = e.cidr !== null;
    const hasRange = e.range !== null;
    if (e.generate !== null && e.generate !== undefined) {
      if (!isUnknown(e.generate) && e.generate !== 'ula')
        out.push(error('Invalid CIDR entry', 'generate must be "ula"', [field, i, 'generate']));
      if (hasCidr || hasRange) out.push(error('Invalid CIDR entry', 'a generated entry has no cidr or range', [field, i]));
      return;
    }
    if (hasCidr && hasRange && !isUnknown(e.cidr) && !isUnknown(e.range)) {
      out.push(error('Invalid CIDR entry', 'give either cidr (declared) or range (carved), not both', [field, i]));
    } else if (!hasCidr && !hasRange) {
      out.push(error('Invalid CIDR entry', 'give cidr (a declared CIDR) or range (a range to carve from)', [field, i]));
    }
    if (hasCidr && e.prefix_length !== null) {
      out.push(
        error('Invalid CIDR entry', 'prefix_length goes with range: a declared CIDR carries its own length', [field, i, 'prefix_length']),
      );
    }
    checkCidr(e.cidr, [field, i, 'cidr'], out);
  });
}

export const clusterResource: ResourceType = {
  name: 'kipam_cluster',
  schema: clusterSchema,
  importId: 'CLUSTER_ID',

  validate(config) {
    const out: Diagnostic[] = [];
    validateEntries(config.pod_cidrs, 'pod_cidrs', out);
    validateEntries(config.service_cidrs, 'service_cidrs', out);
    return out;
  },

  plan({ config, prior, change }) {
    const { planned, requiresReplace } = change;
    // the eks-ipv6 profile gives every node a /80 (VPC CNI prefix mode): its default, not /64
    if (config.profile === 'eks-ipv6' && config.node_mask_size_ipv6 === null) planned.node_mask_size_ipv6 = 80;
    let grows = false;
    for (const field of ['pod_cidrs', 'service_cidrs'] as const) {
      const entries = planEntries(config[field], prior?.[field]);
      planned[field] = entries.planned;
      if (prior && entries.changed) requiresReplace.push([field]);
      if (prior && Array.isArray(entries.planned) && Array.isArray(prior[field]) && entries.planned.length > prior[field].length) {
        grows = true;
      }
    }
    if (grows) {
      // adding a family makes the cluster dual-stack
      planned.stack = UNKNOWN;
      planned.ip_families = UNKNOWN;
    }
  },

  async create(client, planned) {
    const body: Json = {
      name: planned.name,
      domain: planned.domain,
      podCidrs: requestEntries(planned.pod_cidrs, undefined),
      serviceCidrs: requestEntries(planned.service_cidrs, undefined),
      nodeMaskSizeIPv4: planned.node_mask_size_ipv4,
      nodeMaskSizeIPv6: planned.node_mask_size_ipv6,
      labels: planned.labels,
      allowConflicts: planned.allow_conflicts,
    };
    optional(body, 'kubernetesVersion', planned.kubernetes_version);
    optional(body, 'profile', planned.profile);
    if (Array.isArray(planned.node_local_cidrs)) body.nodeLocalCidrs = planned.node_local_cidrs;
    return toState(await client.create('kipam_cluster', '/v1/clusters', body), planned);
  },

  async read(client, prior) {
    const res = await client.find(path(prior));
    return res && toState(res, prior);
  },

  async update(client, prior, planned, priv) {
    const body: Json = { labels: planned.labels, allowConflicts: planned.allow_conflicts };
    optional(body, 'kubernetesVersion', str(planned.kubernetes_version));
    if (Array.isArray(planned.node_local_cidrs) && !sameCidrList(planned.node_local_cidrs, prior.node_local_cidrs)) {
      body.nodeLocalCidrs = planned.node_local_cidrs;
    }
    for (const [field, rest] of [
      ['pod_cidrs', 'podCidrs'],
      ['service_cidrs', 'serviceCidrs'],
    ] as const) {
      if ((planned[field] as Value[]).length > (prior[field] as Value[]).length) body[rest] = requestEntries(planned[field], prior[field]);
    }
    return toState(await client.request('PATCH', path(planned), { body, ifMatch: priv.etag }), planned);
  },

  async delete(client, prior, priv) {
    await deleteObject(client, path(prior), priv.etag);
  },

  async import(client, importId) {
    const res = await client.find(`/v1/clusters/${encodeURIComponent(importId)}`);
    return res && toState(res, null);
  },
};
