import { ApiError, type Json, type KipamClient } from '../client/kipam-client';
import { checkAddress } from '../framework/attributes';
import { rangeFromApi } from '../resources/range';
import type { DataSourceType } from '../framework/resource';
import { DiagnosticsError, error, type Diagnostic } from '../protocol/diagnostics';
import { BOOL, listOf, mapOf, NUMBER, STRING, type Attribute, type TypeSpec } from '../protocol/schema';
import type { ObjectValue, Value } from '../protocol/values';

const out = (type: TypeSpec, description: string): Attribute => ({ type, computed: true, description });
const lookup = (what: string): Record<string, Attribute> => ({
  id: { type: STRING, optional: true, computed: true, description: `The ${what}'s id. Give \`id\` or \`name\`.` },
  name: { type: STRING, optional: true, computed: true, description: `The ${what}'s name. Give \`id\` or \`name\`.` },
});
const inDomain: Attribute = {
  type: STRING,
  optional: true,
  computed: true,
  description: 'Domain name or id, for a lookup by name (`default` when left out).',
};

function requireOne(config: ObjectValue): Diagnostic[] {
  const hasId = config.id !== null;
  const hasName = config.name !== null;
  if (hasId === hasName) return [error('Invalid lookup', 'give exactly one of id and name', [hasId ? 'name' : 'id'])];
  return [];
}

/** By id, or the one item named so in the collection (404 as a clear diagnostic). */
async function findOne(client: KipamClient, collection: string, config: ObjectValue, what: string, domain?: Value): Promise<Json> {
  if (typeof config.id === 'string') {
    const res = await client.find(`${collection}/${encodeURIComponent(config.id)}`);
    if (!res) throw new DiagnosticsError([error(`No such ${what}`, `${what} ${config.id} does not exist`, ['id'])]);
    return res.body;
  }
  const query = new URLSearchParams({ name: config.name as string });
  if (typeof domain === 'string') query.set('domain', domain);
  else if (domain !== undefined) query.set('domain', 'default');
  const res = await client.get<{ items: Json[] }>(`${collection}?${query}`);
  if (res.body.items.length === 0) {
    throw new DiagnosticsError([
      error(
        `No such ${what}`,
        `no ${what} is named ${JSON.stringify(config.name)}${typeof domain === 'string' ? ` in domain ${domain}` : ''}`,
        ['name'],
      ),
    ]);
  }
  return res.body.items[0];
}

const domainData: DataSourceType = {
  name: 'kipam_domain',
  schema: {
    description: 'Looks up a routing domain by id or name.',
    attributes: { ...lookup('domain'), description: out(STRING, 'Free text.') },
  },
  validate: requireOne,
  async read(client, config) {
    const ref = (config.id ?? config.name) as string;
    const res = await client.find(`/v1/domains/${encodeURIComponent(ref)}`);
    if (!res) throw new DiagnosticsError([error('No such domain', `domain ${ref} does not exist`, [config.id !== null ? 'id' : 'name'])]);
    return { id: res.body.id as string, name: res.body.name as string, description: res.body.description as string };
  },
};

const rangeData: DataSourceType = {
  name: 'kipam_range',
  schema: {
    description: 'Looks up a range by id, or by name in a domain.',
    attributes: {
      ...lookup('range'),
      domain: inDomain,
      domain_id: out(STRING, "The domain's id."),
      cidr: out(STRING, 'The block the range owns.'),
      family: out(STRING, '`IPv4` or `IPv6`.'),
      parent: out(STRING, 'Parent range id, or null.'),
      purpose: out(STRING, '`pod`, `service` or `any`.'),
      min_prefix_length: out(NUMBER, 'Shortest prefix length that may be carved.'),
      max_prefix_length: out(NUMBER, 'Longest prefix length that may be carved.'),
      default_prefix_length: out(NUMBER, 'Prefix length carved when a request gives none.'),
      labels: out(mapOf(STRING), 'Labels.'),
      description: out(STRING, 'Free text.'),
    },
  },
  validate: requireOne,
  async read(client, config) {
    return rangeFromApi(await findOne(client, '/v1/ranges', config, 'range', config.domain));
  },
};

const clusterData: DataSourceType = {
  name: 'kipam_cluster',
  schema: {
    description: 'Looks up a cluster by id, or by name in a domain.',
    attributes: {
      ...lookup('cluster'),
      domain: inDomain,
      domain_id: out(STRING, "The domain's id."),
      pod_cidrs: out(listOf(STRING), 'Pod CIDRs (`--cluster-cidr`), in family order.'),
      service_cidrs: out(listOf(STRING), 'Service CIDRs (`--service-cluster-ip-range`); the first is the primary family.'),
      stack: out(STRING, '`IPv4`, `IPv6` or `DualStack`.'),
      ip_families: out(listOf(STRING), 'Service CIDR families in order.'),
      node_mask_size_ipv4: out(NUMBER, '`--node-cidr-mask-size-ipv4`'),
      node_mask_size_ipv6: out(NUMBER, '`--node-cidr-mask-size-ipv6`'),
      kubernetes_version: out(STRING, 'Kubernetes version, or null.'),
      labels: out(mapOf(STRING), 'Labels.'),
      allow_conflicts: out(BOOL, 'Declared CIDRs may overlap other clusters.'),
    },
  },
  validate: requireOne,
  async read(client, config) {
    const b = await findOne(client, '/v1/clusters', config, 'cluster', config.domain);
    return {
      id: b.id as string,
      name: b.name as string,
      domain: b.domain as string,
      domain_id: b.domainId as string,
      pod_cidrs: b.podCidrs as string[],
      service_cidrs: b.serviceCidrs as string[],
      stack: b.stack as string,
      ip_families: b.ipFamilies as string[],
      node_mask_size_ipv4: b.nodeMaskSizeIPv4 as number,
      node_mask_size_ipv6: b.nodeMaskSizeIPv6 as number,
      kubernetes_version: (b.kubernetesVersion as string | null) ?? null,
      labels: (b.labels as ObjectValue) ?? {},
      allow_conflicts: b.allowConflicts as boolean,
    };
  },
};

const LEASE: TypeSpec = [
  'object',
  {
    cidr: STRING,
    family: STRING,
    slot: STRING,
    holder_kind: STRING,
    holder_id: STRING,
    holder_name: STRING,
    cluster_id: STRING,
    cluster_name: STRING,
    namespace: STRING,
    range_id: STRING,
    range_name: STRING,
  },
];
const NODE_ADDRESS: TypeSpec = [
  'object',
  { node_id: STRING, node_name: STRING, cluster_id: STRING, cluster_name: STRING, type: STRING, address: STRING },
];

const whoisData: DataSourceType = {
  name: 'kipam_whois',
  schema: {
    description: 'Who owns an address: every lease containing it, across all clusters and domains, and the nodes reporting it.',
    attributes: {
      address: { type: STRING, required: true, description: 'An IPv4 or IPv6 address.' },
      family: out(STRING, '`IPv4` or `IPv6`.'),
      leases: out(listOf(LEASE), 'Every lease containing the address, largest block first, with its holder.'),
      node_addresses: out(listOf(NODE_ADDRESS), 'Nodes that report the address (InternalIP/ExternalIP).'),
    },
  },
  validate(config) {
    const diagnostics: Diagnostic[] = [];
    checkAddress(config.address, ['address'], diagnostics);
    return diagnostics;
  },
  async read(client, config) {
    const res = await client.get(`/v1/whois?${new URLSearchParams({ address: config.address as string })}`);
    const b = res.body;
    type Lease = { cidr: string; family: string; slot: string; holder: Json; pool: Json };
    return {
      address: config.address,
      family: b.family as string,
      leases: (b.leases as Lease[]).map((l) => ({
        cidr: l.cidr,
        family: l.family,
        slot: l.slot,
        holder_kind: l.holder.kind as string,
        holder_id: l.holder.id as string,
        holder_name: l.holder.name as string,
        cluster_id: (l.holder.clusterId as string | null) ?? null,
        cluster_name: (l.holder.clusterName as string | null) ?? null,
        namespace: (l.holder.namespace as string | null) ?? null,
        range_id: (l.pool.rangeId as string | null) ?? null,
        range_name: (l.pool.rangeName as string | null) ?? null,
      })),
      node_addresses: (b.nodeAddresses as Json[]).map((n) => ({
        node_id: n.nodeId as string,
        node_name: n.nodeName as string,
        cluster_id: n.clusterId as string,
        cluster_name: n.clusterName as string,
        type: n.type as string,
        address: n.address as string,
      })),
    };
  },
};

const SIDE: TypeSpec = [
  'object',
  { kind: STRING, cidr: STRING, family: STRING, cluster_id: STRING, cluster_name: STRING, range_id: STRING, reservation_id: STRING },
];
const CONFLICT: TypeSpec = ['object', { domain: STRING, domain_id: STRING, relation: STRING, a: SIDE, b: SIDE }];
const MAX_CONFLICT_PAGES = 100;

const side = (s: Json): ObjectValue => ({
  kind: s.kind as string,
  cidr: s.cidr as string,
  family: s.family as string,
  cluster_id: (s.clusterId as string | null) ?? null,
  cluster_name: (s.clusterName as string | null) ?? null,
  range_id: (s.rangeId as string | null) ?? null,
  reservation_id: (s.reservationId as string | null) ?? null,
});

const conflictsData: DataSourceType = {
  name: 'kipam_conflicts',
  schema: {
    description: 'Every pair of overlapping CIDRs in a domain (identical, or one containing the other), with both holders.',
    attributes: {
      domain: { type: STRING, optional: true, description: 'Domain name or id; every domain when left out.' },
      cluster_id: { type: STRING, optional: true, description: 'Only conflicts involving this cluster.' },
      conflicts: out(listOf(CONFLICT), 'The conflicts; `relation` says how `a` relates to `b` (identical, contains, within).'),
    },
  },
  async read(client, config) {
    const conflicts: ObjectValue[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < MAX_CONFLICT_PAGES; page++) {
      const query = new URLSearchParams({ limit: '500' });
      if (typeof config.domain === 'string') query.set('domain', config.domain);
      if (typeof config.cluster_id === 'string') query.set('clusterId', config.cluster_id);
      if (cursor) query.set('cursor', cursor);
      const res: { body: { items: Json[]; nextCursor: string | null } } = await client.get(`/v1/conflicts?${query}`);
      for (const c of res.body.items) {
        conflicts.push({
          domain: c.domain as string,
          domain_id: c.domainId as string,
          relation: c.relation as string,
          a: side(c.a as Json),
          b: side(c.b as Json),
        });
      }
      cursor = res.body.nextCursor;
      if (!cursor) break;
    }
    return { domain: config.domain, cluster_id: config.cluster_id, conflicts };
  },
};

const clusterConfigData: DataSourceType = {
  name: 'kipam_cluster_config',
  schema: {
    description: "A cluster's component flags and kubeadm networking, to feed its control plane.",
    attributes: {
      cluster_id: { type: STRING, required: true, description: 'The cluster (id).' },
      kube_apiserver: out(listOf(STRING), 'kube-apiserver flags (`--service-cluster-ip-range=…`).'),
      kube_controller_manager: out(listOf(STRING), 'kube-controller-manager flags (cluster CIDR, service range, node mask sizes).'),
      kube_proxy: out(listOf(STRING), 'kube-proxy flags (`--cluster-cidr=…`).'),
      pod_subnet: out(STRING, 'kubeadm `networking.podSubnet` (comma-separated, dual-stack).'),
      service_subnet: out(STRING, 'kubeadm `networking.serviceSubnet`.'),
      kubeadm_yaml: out(STRING, 'The kubeadm ClusterConfiguration as YAML.'),
    },
  },
  async read(client, config) {
    const base = `/v1/clusters/${encodeURIComponent(config.cluster_id as string)}/config`;
    let json;
    try {
      json = await client.get(base);
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) {
        throw new DiagnosticsError([error('No such cluster', `cluster ${config.cluster_id as string} does not exist`, ['cluster_id'])]);
      }
      throw e;
    }
    const yaml = await client.text(`${base}?format=yaml`);
    const b = json.body;
    const kubeadm = b.kubeadm as { networking: { podSubnet: string; serviceSubnet: string } };
    return {
      cluster_id: config.cluster_id,
      kube_apiserver: b.kubeApiserver as string[],
      kube_controller_manager: b.kubeControllerManager as string[],
      kube_proxy: b.kubeProxy as string[],
      pod_subnet: kubeadm.networking.podSubnet,
      service_subnet: kubeadm.networking.serviceSubnet,
      kubeadm_yaml: yaml,
    };
  },
};

export const DATA_SOURCES: DataSourceType[] = [domainData, rangeData, clusterData, whoisData, conflictsData, clusterConfigData];
