import type { Json, Response } from '../client/kipam-client';
import {
  checkAddress,
  checkOneOf,
  id,
  labels,
  optional,
  sameAddress,
  sameAddressList,
  sameMap,
  splitImportId,
} from '../framework/attributes';
import { reconcileBlock } from '../framework/plan';
import type { ResourceType, Stored } from '../framework/resource';
import type { Diagnostic, Path } from '../protocol/diagnostics';
import { BOOL, listOf, mapOf, STRING, type Block } from '../protocol/schema';
import { isUnknown, sameValue, UNKNOWN, type ObjectValue, type Value } from '../protocol/values';
import { deleteObject } from './domain';

export const SERVICE_TYPES = ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'] as const;
export const IP_FAMILY_POLICIES = ['SingleStack', 'PreferDualStack', 'RequireDualStack'] as const;
const IP_FAMILIES = ['IPv4', 'IPv6'] as const;

export const serviceSchema: Block = {
  description:
    'A Kubernetes Service of a cluster with its ClusterIPs, allocated per its `ip_family_policy` and `ip_families` as kube-apiserver does.',
  attributes: {
    id: id('Service'),
    cluster_id: { type: STRING, required: true, forceNew: true, description: 'The cluster (id). Changing it replaces the Service.' },
    namespace: { type: STRING, required: true, forceNew: true, description: 'Kubernetes namespace. Changing it replaces the Service.' },
    name: {
      type: STRING,
      required: true,
      forceNew: true,
      description: 'Service name, unique in its namespace. Changing it replaces the Service.',
    },
    type: {
      type: STRING,
      optional: true,
      computed: true,
      default: 'ClusterIP',
      description: '`ClusterIP` (the default), `NodePort`, `LoadBalancer` or `ExternalName` (no ClusterIP). Changed in place.',
    },
    selector: { type: mapOf(STRING), optional: true, equal: sameMap, description: 'Pod selector; none when left out. Changed in place.' },
    cluster_ip: {
      type: STRING,
      optional: true,
      computed: true,
      forceNew: true,
      equal: sameAddress,
      description:
        '`spec.clusterIP`: always `cluster_ips[0]`; `"None"` for a headless Service. Allocated when left out; a given address must be free in the service CIDR of its family. Changing it replaces the Service.',
    },
    cluster_ips: {
      type: listOf(STRING),
      optional: true,
      computed: true,
      equal: sameAddressList,
      description:
        '`spec.clusterIPs`, in `ip_families` order. Allocated when left out. Adding the secondary address is an in-place change; changing an existing one replaces the Service.',
    },
    ip_family_policy: {
      type: STRING,
      optional: true,
      computed: true,
      description:
        "`SingleStack` (the cluster's primary family), `PreferDualStack` (both when the cluster has both) or `RequireDualStack`. Kubernetes' default when left out (SingleStack; RequireDualStack for a headless Service without selector). Changed in place: dual to single releases the secondary ClusterIP.",
    },
    ip_families: {
      type: listOf(STRING),
      optional: true,
      computed: true,
      description:
        'Family order (`IPv4`, `IPv6`); the first is the family of `cluster_ip` and never changes (changing it replaces the Service).',
    },
    headless: { type: BOOL, computed: true, description: '`cluster_ip` is `"None"`: no address is leased.' },
    labels: labels('Service'),
  },
};

function toState(res: Response, planned: ObjectValue | null): Stored {
  const b = res.body;
  const api: ObjectValue = {
    id: b.id as string,
    cluster_id: b.clusterId as string,
    namespace: b.namespace as string,
    name: b.name as string,
    type: b.type as string,
    selector: (b.selector as ObjectValue | null) ?? null,
    cluster_ip: (b.clusterIP as string | null) ?? null,
    cluster_ips: (b.clusterIPs as string[]) ?? [],
    ip_family_policy: (b.ipFamilyPolicy as string | null) ?? null,
    ip_families: (b.ipFamilies as string[]) ?? [],
    headless: b.headless as boolean,
    labels: (b.labels as ObjectValue) ?? {},
  };
  return { state: reconcileBlock(serviceSchema, api, planned), private: { etag: res.etag } };
}

const collection = (clusterId: string) => `/v1/clusters/${encodeURIComponent(clusterId)}/services`;
const path = (s: ObjectValue) => `${collection(s.cluster_id as string)}/${encodeURIComponent(s.id as string)}`;

/** A list that keeps every element of `prior` in place (and may add some). */
function extends_(list: Value, prior: Value, same: (a: Value, b: Value) => boolean): boolean {
  return Array.isArray(list) && Array.isArray(prior) && prior.every((p, i) => i < list.length && same(list[i], p));
}

export const serviceResource: ResourceType = {
  name: 'kipam_service',
  schema: serviceSchema,
  importId: 'CLUSTER_ID/SERVICE_ID',

  validate(config) {
    const out: Diagnostic[] = [];
    checkOneOf(config.type, SERVICE_TYPES, ['type'], out);
    checkOneOf(config.ip_family_policy, IP_FAMILY_POLICIES, ['ip_family_policy'], out);
    checkAddress(config.cluster_ip, ['cluster_ip'], out);
    if (Array.isArray(config.cluster_ips)) config.cluster_ips.forEach((a, i) => checkAddress(a, ['cluster_ips', i], out));
    if (Array.isArray(config.ip_families)) config.ip_families.forEach((f, i) => checkOneOf(f, IP_FAMILIES, ['ip_families', i], out));
    return out;
  },

  plan({ config, prior, change }) {
    const { planned, requiresReplace } = change;
    if (!prior) {
      if (config.cluster_ip === null && Array.isArray(config.cluster_ips) && typeof config.cluster_ips[0] === 'string') {
        planned.cluster_ip = config.cluster_ips[0];
      }
      return;
    }
    const replace = (p: Path) => requiresReplace.push(p);
    // ClusterIPs once set stay: an existing one changed, or the primary family changed, replaces the Service
    if (config.cluster_ips !== null && !isUnknown(config.cluster_ips) && !extends_(config.cluster_ips, prior.cluster_ips, sameAddress)) {
      replace(['cluster_ips']);
    }
    if (Array.isArray(config.ip_families) && Array.isArray(prior.ip_families) && config.ip_families[0] !== prior.ip_families[0]) {
      replace(['ip_families']);
    }
    // the family fields follow a change of policy, type or families the user made
    const reshaped =
      !sameValue(planned.type, prior.type) ||
      !sameValue(planned.ip_family_policy, prior.ip_family_policy) ||
      !sameValue(planned.ip_families, prior.ip_families) ||
      !sameAddressList(planned.cluster_ips, prior.cluster_ips);
    if (reshaped) {
      if (config.cluster_ips === null) planned.cluster_ips = UNKNOWN;
      if (config.ip_families === null) planned.ip_families = UNKNOWN;
      if (config.ip_family_policy === null) planned.ip_family_policy = UNKNOWN;
      if (!sameValue(planned.type, prior.type)) {
        if (config.cluster_ip === null) planned.cluster_ip = UNKNOWN;
        planned.headless = UNKNOWN;
      }
    }
  },

  async create(client, planned) {
    const body: Json = { namespace: planned.namespace, name: planned.name, type: planned.type, labels: planned.labels };
    optional(body, 'selector', planned.selector);
    optional(body, 'clusterIP', planned.cluster_ip);
    optional(body, 'clusterIPs', planned.cluster_ips);
    optional(body, 'ipFamilyPolicy', planned.ip_family_policy);
    optional(body, 'ipFamilies', planned.ip_families);
    return toState(await client.create('kipam_service', collection(planned.cluster_id as string), body), planned);
  },

  async read(client, prior) {
    const res = await client.find(path(prior));
    return res && toState(res, prior);
  },

  async update(client, _prior, planned, priv, config) {
    const body: Json = { type: planned.type, selector: planned.selector ?? null, labels: planned.labels };
    // the family fields only as the user set them: computed values are the server's to derive
    if (config.cluster_ips !== null) optional(body, 'clusterIPs', planned.cluster_ips);
    if (config.ip_family_policy !== null) optional(body, 'ipFamilyPolicy', planned.ip_family_policy);
    if (config.ip_families !== null) optional(body, 'ipFamilies', planned.ip_families);
    return toState(await client.request('PATCH', path(planned), { body, ifMatch: priv.etag }), planned);
  },

  async delete(client, prior, priv) {
    await deleteObject(client, path(prior), priv.etag);
  },

  async import(client, importId) {
    const [clusterId, serviceId] = splitImportId(importId, 'CLUSTER_ID/SERVICE_ID');
    const res = await client.find(`${collection(clusterId)}/${encodeURIComponent(serviceId)}`);
    return res && toState(res, null);
  },
};
