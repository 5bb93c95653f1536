import { CidrError, Prefix, validateNodeMask, type IPFamily } from '@kipam/cidr';
import type { FieldError } from '../common/errors';
import { selectorMatches, type LabelSelector } from './label-selector';

/**
 * The rules of pod pools, as pure functions. A cluster's pod space per family
 * is a list of pools: its own pod CIDR (`podCidrs`, the virtual pool
 * `default-ipv4`/`default-ipv6`, order 0, selecting every node) and any extra
 * pools. A node takes, per pod family, a block from the first pool in pool
 * order whose node selector matches its labels and that has room.
 */

/** One pool of a cluster, as nodes take blocks from it. */
export interface NodePool {
  name: string;
  family: IPFamily;
  cidr: Prefix;
  poolId: string;
  /** Its node block size. */
  mask: number;
  /** Null: every node. */
  selector: LabelSelector | null;
  order: number;
  /** The cluster's own pod CIDR of the family (podCidrs). */
  isDefault: boolean;
}

/** The name of the virtual pool that is the cluster's own pod CIDR of a family. */
export const defaultPoolName = (family: IPFamily) => (family === 'IPv4' ? 'default-ipv4' : 'default-ipv6');
export const DEFAULT_POOL_NAMES = ['default-ipv4', 'default-ipv6'];

/** Pool order bounds; the cluster's own pod CIDR has order 0. */
export const MIN_ORDER = -1000;
export const MAX_ORDER = 1000;

/** Pool order: by `order`, the cluster's own pod CIDR first among equals, then by name. */
export function byPoolOrder(a: NodePool, b: NodePool): number {
  if (a.order !== b.order) return a.order - b.order;
  if (a.isDefault !== b.isDefault) return a.isDefault ? -1 : 1;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** The pools of a family a node with these labels may take a block from, in the order they are tried. */
export function candidatePools(pools: readonly NodePool[], family: IPFamily, labels: Record<string, string>): NodePool[] {
  return pools
    .filter((p) => p.family === family && selectorMatches(p.selector, labels))
    .slice()
    .sort(byPoolOrder);
}

/** The order a new pool gets when none is given: after every pool of its family. */
export function nextOrder(pools: readonly NodePool[], family: IPFamily): number {
  const orders = pools.filter((p) => p.family === family).map((p) => p.order);
  return Math.min(MAX_ORDER, Math.max(0, ...orders) + 1);
}

/**
 * What is wrong with a new pool against its cluster: its family must be one
 * of the cluster's pod families (add the family to the cluster first), and its
 * node mask must fit its CIDR as kube-controller-manager requires of a pod CIDR
 * (inside it, at most 16 bits longer: `validateNodeMask`). A carve request is
 * checked as the first block of its length in its range.
 */
export function newPoolProblems(
  cidr: Prefix,
  mask: number,
  clusterFamilies: readonly IPFamily[],
  clusterName: string,
  maskField = 'nodeMaskSize',
): FieldError[] {
  if (!clusterFamilies.includes(cidr.family)) {
    return [
      {
        field: 'cidr',
        message: `cluster ${clusterName} has no ${cidr.family} pod CIDR (its pod families: ${clusterFamilies.join(', ')}); add the family to the cluster first`,
      },
    ];
  }
  try {
    validateNodeMask(cidr, mask);
  } catch (error) {
    if (error instanceof CidrError) return [{ field: maskField, message: error.message }];
    throw error;
  }
  return [];
}

/**
 * The pool a requested node block lies in, or why it may not be taken: it must
 * lie inside a pool of its family whose selector matches the node's labels,
 * and be of that pool's node mask size.
 */
export function poolOfRequestedBlock(
  pools: readonly NodePool[],
  block: Prefix,
  labels: Record<string, string>,
  clusterName: string,
): { pool: NodePool } | { problem: string } {
  const family = pools.filter((p) => p.family === block.family);
  const pool = family.find((p) => p.cidr.contains(block));
  if (!pool) {
    return {
      problem: `${block} is not inside any ${block.family} pod pool of cluster ${clusterName} (${family.map((p) => `${p.name} ${p.cidr}`).join(', ')})`,
    };
  }
  if (!selectorMatches(pool.selector, labels)) {
    return { problem: `${block} lies in pod pool ${pool.name}, whose nodeSelector does not match the node's labels` };
  }
  if (block.length !== pool.mask) {
    return {
      problem: pool.isDefault
        ? `${block} must be a /${pool.mask} block: the cluster's ${block.family} node mask size is ${pool.mask}`
        : `${block} must be a /${pool.mask} block: the nodeMaskSize of pod pool ${pool.name} is ${pool.mask}`,
    };
  }
  return { pool };
}

/** The message of a node that no pool has room for: every pool tried, or why none was. */
export function exhaustedMessage(clusterName: string, family: IPFamily, tried: readonly NodePool[]): string {
  if (!tried.length) return `no ${family} pod pool of cluster ${clusterName} selects the node's labels`;
  const names = tried.map((p) => `${p.name} (${p.cidr}, /${p.mask})`).join(', ');
  return tried.length === 1 && tried[0].isDefault
    ? `the ${family} pod CIDR ${tried[0].cidr} of cluster ${clusterName} has no free /${tried[0].mask} node block left (it holds ${tried[0].cidr.subnetCount(tried[0].mask)})`
    : `every ${family} pod pool of cluster ${clusterName} that selects the node is full: ${names}`;
}

/** The cluster columns the pools are built from. */
interface ClusterMasks {
  node_mask_size_ipv4: number;
  node_mask_size_ipv6: number;
}

/**
 * Every pool of a cluster: its own pod CIDRs (cluster_cidr kind pod) as the
 * virtual pools `default-ipv4`/`default-ipv6`, and its extra pools (pod_pool),
 * in the cluster's pod-family order and pool order.
 */
export function nodePoolsOf(
  cluster: ClusterMasks,
  cidrs: readonly { kind: string; position: number; cidr: string; pool_id: string }[],
  extra: readonly {
    name: string;
    cidr: string;
    pool_id: string;
    node_mask_size: number;
    node_selector: LabelSelector | null;
    pool_order: number;
  }[],
): NodePool[] {
  const own = cidrs
    .filter((c) => c.kind === 'pod')
    .sort((a, b) => a.position - b.position)
    .map((c): NodePool => {
      const cidr = Prefix.parseAddressOrCidr(c.cidr);
      return {
        name: defaultPoolName(cidr.family),
        family: cidr.family,
        cidr,
        poolId: c.pool_id,
        mask: cidr.family === 'IPv4' ? cluster.node_mask_size_ipv4 : cluster.node_mask_size_ipv6,
        selector: null,
        order: 0,
        isDefault: true,
      };
    });
  const families = own.map((p) => p.family);
  const more = extra.map((r): NodePool => {
    const cidr = Prefix.parseAddressOrCidr(r.cidr);
    return {
      name: r.name,
      family: cidr.family,
      cidr,
      poolId: r.pool_id,
      mask: r.node_mask_size,
      selector: r.node_selector,
      order: r.pool_order,
      isDefault: false,
    };
  });
  return [...own, ...more].sort((a, b) => families.indexOf(a.family) - families.indexOf(b.family) || byPoolOrder(a, b));
}
