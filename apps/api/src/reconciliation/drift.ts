import { Address, Prefix, type IPFamily } from '@kipam/cidr';
import type { HolderKind } from '@kipam/allocation';
import { ValidationError, type FieldError } from '../common/errors';
import { HEADLESS, type IPFamilyPolicy, type ServiceType } from '../services/service-ip-rules';
import { DEFAULT_SERVICE_CIDR } from '../clusters/service-cidr-rules';
import type { Observation, ObservedNode, ObservedService } from './observation';

/**
 * The drift between Kipam's records of a cluster and an observation of it, as a
 * pure function: per object one of in-sync, unmanaged (in the cluster, no
 * record), leaked (a record whose object is gone), mismatched (both, but they
 * differ) or conflicting (the cluster uses space Kipam leased to another
 * holder), the two sides shown together, and the plan that `adopt` and
 * `release` carry out.
 */

export const DRIFT_STATUSES = ['in-sync', 'unmanaged', 'leaked', 'mismatched', 'conflicting'] as const;
export type DriftStatus = (typeof DRIFT_STATUSES)[number];
export const DRIFT_KINDS = ['Node', 'Service', 'ServiceCIDR', 'ClusterConfiguration'] as const;
export type DriftKind = (typeof DRIFT_KINDS)[number];

/**
 * A cluster's space as Kipam holds it: its own CIDRs (in family order) with
 * their pools and node mask sizes, its extra pod pools (each with its own node
 * mask size) and its extra ServiceCIDRs (each CIDR with its pool of ClusterIPs).
 */
export interface ClusterSpace {
  name: string;
  podCidrs: { cidr: Prefix; poolId: string }[];
  serviceCidrs: { cidr: Prefix; poolId: string }[];
  nodeMask: Record<IPFamily, number>;
  podPools: { name: string; cidr: Prefix; poolId: string; mask: number }[];
  extraServiceCidrs: { name: string; cidrs: { cidr: Prefix; poolId: string }[] }[];
}

/** Where node blocks may lie: the cluster's own pod CIDRs (the cluster's node mask size), then its pod pools (theirs). */
export function podSpaces(space: ClusterSpace): { name: string | null; cidr: Prefix; poolId: string; mask: number }[] {
  return [
    ...space.podCidrs.map((p) => ({ name: null, cidr: p.cidr, poolId: p.poolId, mask: space.nodeMask[p.cidr.family] })),
    ...space.podPools,
  ];
}

/** Where ClusterIPs may lie: the cluster's own service CIDRs (ServiceCIDR kubernetes), then its extra ServiceCIDRs. */
export function serviceSpaces(space: ClusterSpace): { name: string; cidr: Prefix; poolId: string }[] {
  return [
    ...space.serviceCidrs.map((r) => ({ name: DEFAULT_SERVICE_CIDR, ...r })),
    ...space.extraServiceCidrs.flatMap((s) => s.cidrs.map((r) => ({ name: s.name, ...r }))),
  ];
}

/** The pool a node block is leased in: the pod CIDR or pod pool holding it whose node mask size it has. */
export function podPoolOf(space: ClusterSpace, block: Prefix): string | undefined {
  return podSpaces(space).find((p) => p.cidr.family === block.family && p.cidr.contains(block) && p.mask === block.length)?.poolId;
}

/** The pool a ClusterIP is leased in: the service CIDR holding it. */
export function servicePoolOf(space: ClusterSpace, address: Address): string | undefined {
  return serviceSpaces(space).find((r) => r.cidr.family === address.family && r.cidr.contains(address))?.poolId;
}

export interface NodeRecord {
  id: string;
  name: string;
  /** In the cluster's pod-family order. */
  podCidrs: Prefix[];
  leaseIds: string[];
}

export interface ServiceRecord {
  id: string;
  namespace: string;
  name: string;
  type: ServiceType;
  clusterIPs: string[];
  ipFamilies: IPFamily[];
  ipFamilyPolicy: IPFamilyPolicy | null;
  /** The ClusterIP leases by family. */
  leases: { family: IPFamily; id: string }[];
}

/** A lease in one of the cluster's pools on space the observation uses. */
export interface Occupant {
  cidr: Prefix;
  holderKind: HolderKind;
  holderId: string;
}

export interface DriftItem {
  kind: DriftKind;
  namespace: string | null;
  name: string;
  status: DriftStatus;
  /** Kipam's record (null when there is none). */
  kipam: Record<string, unknown> | null;
  /** What the cluster runs (null for a leaked record). */
  observed: Record<string, unknown> | null;
  /** The fields that differ (mismatched). */
  differences: string[];
  /** Whether `?apply=adopt` (unmanaged, mismatched) or `?apply=release` (leaked) acts on it. */
  actionable: boolean;
  note: string | null;
  /** Where the object was in the observation (`items[3]`). */
  at: string | null;
}

export interface DriftCounts {
  inSync: number;
  unmanaged: number;
  leaked: number;
  mismatched: number;
  conflicting: number;
}

export interface DriftPlan {
  /** Nodes to record (no record) or to re-lease (mismatched record). */
  adoptNodes: { observed: ObservedNode; record: NodeRecord | null }[];
  adoptServices: { observed: ObservedService; record: ServiceRecord | null }[];
  releaseNodes: NodeRecord[];
  releaseServices: ServiceRecord[];
}

export interface Drift {
  items: DriftItem[];
  counts: DriftCounts;
  plan: DriftPlan;
}

const texts = (xs: Prefix[]) => xs.map((x) => x.toString());
const sameList = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);
const isKubernetesService = (s: { namespace: string; name: string }) => s.namespace === 'default' && s.name === 'kubernetes';

/** The block as the key of an exact lease (pool leases all have one length, so equal text is overlap). */
const keyOf = (p: Prefix) => p.toString();

/**
 * Observed space Kipam could never hold for this cluster: a node block outside
 * its pod CIDRs and pod pools or not of the node mask size of the one holding
 * it, a ClusterIP outside every service CIDR (the cluster's own and its extra
 * ServiceCIDRs'). 422 naming each, before anything is compared (the
 * observation does not belong to this cluster, or its configuration differs).
 */
export function observationProblems(space: ClusterSpace, o: Observation): FieldError[] {
  const problems: FieldError[] = [];
  const pods = podSpaces(space);
  const services = serviceSpaces(space);
  for (const n of o.nodes) {
    n.podCidrs.forEach((block, i) => {
      const holding = pods.filter((p) => p.cidr.family === block.family && p.cidr.contains(block));
      const field = `${n.at}.spec.podCIDRs[${i}]`;
      if (!holding.length) {
        problems.push({
          field,
          message: `Node ${n.name}: ${block} is outside every pod CIDR and pod pool of cluster ${space.name} (${texts(pods.map((p) => p.cidr)).join(', ')})`,
        });
      } else if (!holding.some((p) => p.mask === block.length)) {
        const p = holding[0];
        problems.push({
          field,
          message:
            p.name === null
              ? `Node ${n.name}: ${block} is not a /${p.mask}, the cluster's ${block.family} node mask size`
              : `Node ${n.name}: ${block} is not a /${p.mask}, the node mask size of pod pool ${p.name} (${p.cidr})`,
        });
      }
    });
  }
  for (const s of o.services) {
    s.clusterIPs.forEach((ip, i) => {
      if (ip === HEADLESS) return;
      const address = Address.parse(ip);
      if (!services.some((r) => r.cidr.family === address.family && r.cidr.contains(address))) {
        problems.push({
          field: `${s.at}.spec.clusterIPs[${i}]`,
          message: `Service ${s.namespace}/${s.name}: ${ip} is outside every service CIDR of cluster ${space.name} (${texts(services.map((r) => r.cidr)).join(', ')})`,
        });
      }
    });
  }
  return problems;
}

/** The drift of one cluster; throws 422 when the observation uses space the cluster cannot have (observationProblems). */
export function computeDrift(
  space: ClusterSpace,
  o: Observation,
  records: { nodes: NodeRecord[]; services: ServiceRecord[] },
  occupants: Occupant[],
): Drift {
  const problems = observationProblems(space, o);
  if (problems.length) throw new ValidationError(problems);

  const byKey = new Map<string, Occupant[]>();
  for (const occ of occupants) byKey.set(keyOf(occ.cidr), [...(byKey.get(keyOf(occ.cidr)) ?? []), occ]);
  const nodeNames = new Map(records.nodes.map((n) => [n.id, n.name]));
  const serviceNames = new Map(records.services.map((s) => [s.id, `${s.namespace}/${s.name}`]));
  const holderText = (occ: Occupant) => {
    if (occ.holderKind === 'node') return `node ${nodeNames.get(occ.holderId) ?? occ.holderId}`;
    if (occ.holderKind === 'service') return `Service ${serviceNames.get(occ.holderId) ?? occ.holderId}`;
    if (occ.holderKind === 'system') return 'the system (an address that is never a ClusterIP)';
    return `${occ.holderKind} ${occ.holderId}`;
  };
  /** Space held by someone other than `ownId`, or claimed earlier in the same observation. */
  const claimed = new Map<string, string>();
  const conflictOf = (blocks: Prefix[], ownId: string | undefined, claimant: string): string | null => {
    for (const b of blocks) {
      const other = (byKey.get(keyOf(b)) ?? []).find((occ) => occ.holderId !== ownId);
      if (other) return `${b} is leased to ${holderText(other)}`;
      const earlier = claimed.get(keyOf(b));
      if (earlier && earlier !== claimant) return `${b} is also used by ${earlier} in the observation`;
    }
    for (const b of blocks) claimed.set(keyOf(b), claimant);
    return null;
  };

  const items: DriftItem[] = [];
  const plan: DriftPlan = { adoptNodes: [], adoptServices: [], releaseNodes: [], releaseServices: [] };

  // Nodes
  const podOrder = space.podCidrs.map((p) => p.cidr.family);
  const nodeRecords = new Map(records.nodes.map((n) => [n.name, n]));
  const seenNodes = new Set<string>();
  for (const n of o.nodes) {
    seenNodes.add(n.name);
    const record = nodeRecords.get(n.name) ?? null;
    const observed = { podCIDRs: texts(n.podCidrs) };
    const kipam = record ? { id: record.id, podCIDRs: texts(record.podCidrs) } : null;
    const base = { kind: 'Node' as const, namespace: null, name: n.name, at: n.at, observed, kipam };
    const conflict = conflictOf(n.podCidrs, record?.id, `node ${n.name}`);
    const inOrder = sameList(
      n.podCidrs.map((p) => p.family),
      podOrder.filter((f) => n.podCidrs.some((p) => p.family === f)),
    );
    if (record && sameList(texts(record.podCidrs), observed.podCIDRs)) {
      items.push({ ...base, status: 'in-sync', differences: [], actionable: false, note: null });
    } else if (conflict) {
      items.push({ ...base, status: 'conflicting', differences: record ? ['podCIDRs'] : [], actionable: false, note: conflict });
    } else if (!n.podCidrs.length) {
      items.push({
        ...base,
        status: record ? 'mismatched' : 'unmanaged',
        differences: record ? ['podCIDRs'] : [],
        actionable: false,
        note: 'the node has no spec.podCIDRs yet (its pod CIDRs are not assigned): nothing to adopt',
      });
    } else if (!inOrder) {
      items.push({
        ...base,
        status: record ? 'mismatched' : 'unmanaged',
        differences: ['podCIDRs'],
        actionable: false,
        note: `spec.podCIDRs is not in the cluster's pod-family order (${podOrder.join(', ')}): Kipam keeps node blocks in that order`,
      });
    } else {
      items.push({
        ...base,
        status: record ? 'mismatched' : 'unmanaged',
        differences: record ? ['podCIDRs'] : [],
        actionable: true,
        note: null,
      });
      plan.adoptNodes.push({ observed: n, record });
    }
  }
  if (o.covers.nodes) {
    for (const r of records.nodes) {
      if (seenNodes.has(r.name)) continue;
      items.push({
        kind: 'Node',
        namespace: null,
        name: r.name,
        at: null,
        status: 'leaked',
        kipam: { id: r.id, podCIDRs: texts(r.podCidrs) },
        observed: null,
        differences: [],
        actionable: true,
        note: null,
      });
      plan.releaseNodes.push(r);
    }
  }

  // Services
  const serviceRecords = new Map(records.services.map((s) => [`${s.namespace}/${s.name}`, s]));
  const seenServices = new Set<string>();
  for (const s of o.services) {
    const key = `${s.namespace}/${s.name}`;
    seenServices.add(key);
    const record = serviceRecords.get(key) ?? null;
    const observed = { type: s.type, clusterIPs: s.clusterIPs, ipFamilies: s.ipFamilies, ipFamilyPolicy: s.ipFamilyPolicy };
    const kipam = record
      ? {
          id: record.id,
          type: record.type,
          clusterIPs: record.clusterIPs,
          ipFamilies: record.ipFamilies,
          ipFamilyPolicy: record.ipFamilyPolicy,
        }
      : null;
    const base = { kind: 'Service' as const, namespace: s.namespace, name: s.name, at: s.at, observed, kipam };
    const differences: string[] = [];
    if (record) {
      if (record.type !== s.type) differences.push('type');
      if (!sameList(record.clusterIPs, s.clusterIPs)) differences.push('clusterIPs');
      if (!sameList(record.ipFamilies, s.ipFamilies)) differences.push('ipFamilies');
      if (record.ipFamilyPolicy !== s.ipFamilyPolicy) differences.push('ipFamilyPolicy');
    }
    const blocks = s.clusterIPs.filter((ip) => ip !== HEADLESS).map((ip) => Prefix.parseAddressOrCidr(ip));
    const conflict = conflictOf(blocks, record?.id, `Service ${key}`);
    if (record && !differences.length) {
      items.push({ ...base, status: 'in-sync', differences, actionable: false, note: null });
    } else if (conflict) {
      items.push({ ...base, status: 'conflicting', differences, actionable: false, note: conflict });
    } else if (s.ipFamilies.some((f) => !serviceSpaces(space).some((r) => r.cidr.family === f))) {
      items.push({
        ...base,
        status: record ? 'mismatched' : 'unmanaged',
        differences,
        actionable: false,
        note: `the cluster has no ${s.ipFamilies.join('/')} service CIDR for it`,
      });
    } else {
      items.push({ ...base, status: record ? 'mismatched' : 'unmanaged', differences, actionable: true, note: null });
      plan.adoptServices.push({ observed: s, record });
    }
  }
  if (o.covers.services) {
    for (const r of records.services) {
      if (seenServices.has(`${r.namespace}/${r.name}`)) continue;
      const apiServer = isKubernetesService(r);
      items.push({
        kind: 'Service',
        namespace: r.namespace,
        name: r.name,
        at: null,
        status: 'leaked',
        kipam: { id: r.id, type: r.type, clusterIPs: r.clusterIPs, ipFamilies: r.ipFamilies, ipFamilyPolicy: r.ipFamilyPolicy },
        observed: null,
        differences: [],
        actionable: !apiServer,
        note: apiServer ? "default/kubernetes is kube-apiserver's own Service: it is kept as long as the cluster exists" : null,
      });
      if (!apiServer) plan.releaseServices.push(r);
    }
  }

  // ServiceCIDRs (networking.k8s.io/v1): each compared with Kipam's of the same name, never adopted nor released
  // (kubernetes holds --service-cluster-ip-range, the cluster's serviceCidrs; the others are its extra ServiceCIDRs)
  const serviceCidrs = texts(space.serviceCidrs.map((r) => r.cidr));
  const kipamServiceCidrs = new Map<string, string[]>([
    [DEFAULT_SERVICE_CIDR, serviceCidrs],
    ...space.extraServiceCidrs.map((x): [string, string[]] => [x.name, texts(x.cidrs.map((r) => r.cidr))]),
  ]);
  const seenServiceCidrs = new Set<string>();
  for (const c of o.serviceCidrs) {
    seenServiceCidrs.add(c.name);
    const observed = { cidrs: texts(c.cidrs) };
    const base = { kind: 'ServiceCIDR' as const, namespace: null, name: c.name, at: c.at, observed, differences: [], actionable: false };
    const cidrs = kipamServiceCidrs.get(c.name);
    if (!cidrs) {
      items.push({
        ...base,
        kipam: null,
        status: 'unmanaged',
        note: `Kipam has no ServiceCIDR ${c.name}; ServiceCIDRs are not adopted: create it with POST /v1/clusters/{id}/service-cidrs {"name": "${c.name}", "cidrs": [${observed.cidrs.map((x) => `"${x}"`).join(', ')}]}`,
      });
      continue;
    }
    const same = sameList(observed.cidrs, cidrs);
    let note: string | null = null;
    if (!same) {
      note =
        c.name === DEFAULT_SERVICE_CIDR
          ? "the cluster's service CIDRs are not adopted: change them with PATCH /v1/clusters/{id} or in the cluster"
          : `ServiceCIDRs are not adopted and their cidrs never change: DELETE /v1/clusters/{id}/service-cidrs/${c.name} and create it again with POST /v1/clusters/{id}/service-cidrs, or change it in the cluster`;
    }
    items.push({
      ...base,
      kipam: { cidrs },
      status: same ? 'in-sync' : 'mismatched',
      differences: same ? [] : ['cidrs'],
      note,
    });
  }
  if (o.covers.serviceCidrs) {
    for (const x of space.extraServiceCidrs) {
      if (seenServiceCidrs.has(x.name)) continue;
      items.push({
        kind: 'ServiceCIDR',
        namespace: null,
        name: x.name,
        at: null,
        status: 'leaked',
        kipam: { cidrs: texts(x.cidrs.map((r) => r.cidr)) },
        observed: null,
        differences: [],
        actionable: false,
        note: `ServiceCIDRs are not released by apply: when the cluster no longer has it, delete it with DELETE /v1/clusters/{id}/service-cidrs/${x.name}`,
      });
    }
  }

  // kubeadm's ClusterConfiguration
  if (o.kubeadm) {
    const k = o.kubeadm;
    const podCidrs = texts(space.podCidrs.map((p) => p.cidr));
    const observed: Record<string, unknown> = { podSubnet: texts(k.podSubnets), serviceSubnet: texts(k.serviceSubnets) };
    const kipam: Record<string, unknown> = { podSubnet: podCidrs, serviceSubnet: serviceCidrs };
    const differences: string[] = [];
    if (!sameList(texts(k.podSubnets), podCidrs)) differences.push('networking.podSubnet');
    if (!sameList(texts(k.serviceSubnets), serviceCidrs)) differences.push('networking.serviceSubnet');
    for (const [family, value] of [
      ['IPv4', k.nodeMaskSizeIPv4],
      ['IPv6', k.nodeMaskSizeIPv6],
    ] as const) {
      if (value === null || !space.podCidrs.some((p) => p.cidr.family === family)) continue;
      const flag = `node-cidr-mask-size-${family.toLowerCase()}`;
      observed[flag] = value;
      kipam[flag] = space.nodeMask[family];
      if (value !== space.nodeMask[family]) differences.push(`controllerManager.extraArgs.${flag}`);
    }
    items.push({
      kind: 'ClusterConfiguration',
      namespace: 'kube-system',
      name: 'kubeadm-config',
      at: k.at,
      observed,
      kipam,
      status: differences.length ? 'mismatched' : 'in-sync',
      differences,
      actionable: false,
      note: differences.length ? "the cluster's CIDRs and node mask sizes are not adopted: they are the cluster's identity in Kipam" : null,
    });
  }

  return { items, counts: countsOf(items), plan };
}

export function countsOf(items: readonly Pick<DriftItem, 'status'>[]): DriftCounts {
  const counts: DriftCounts = { inSync: 0, unmanaged: 0, leaked: 0, mismatched: 0, conflicting: 0 };
  for (const i of items) {
    if (i.status === 'in-sync') counts.inSync++;
    else counts[i.status]++;
  }
  return counts;
}
