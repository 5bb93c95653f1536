import { Address, type IPFamily, type Prefix } from '@kipam/cidr';
import { ValidationError, type FieldError } from '../common/errors';
import { poolOfRequestedBlock, type NodePool } from '../pod-pools/pod-pool-rules';
import type { NodeAddressDto } from './dto/node.dto';
import type { NodeAddress } from './nodes.repository';

/**
 * The rules of a node's pod CIDRs and addresses, as pure functions: one block
 * per cluster pod family, of the node mask size, inside the family's pod CIDR
 * (kube-controller-manager's range allocator, `spec.podCIDRs`; seed 000), and
 * at most one address per family per type.
 */

/** One pod CIDR of a cluster, as nodes get blocks from it. */
export interface PodFamily {
  family: IPFamily;
  cidr: Prefix;
  poolId: string;
  /** The node mask size of the family (`--node-cidr-mask-size-ipv4/-ipv6`). */
  mask: number;
  /** Every pool of the family, this pod CIDR's own included (pod-pool-rules.ts); only it when absent. */
  pools?: NodePool[];
}

/**
 * Canonical node addresses; at most one per family per type (a dual-stack
 * `--node-ip` pair is one IPv4 and one IPv6 InternalIP).
 */
export function normalizeAddresses(dtos: NodeAddressDto[]): NodeAddress[] {
  const problems: FieldError[] = [];
  const seen = new Map<string, number>();
  const out = dtos.map((d, i) => {
    const address = Address.parse(d.address);
    const key = `${d.type}/${address.family}`;
    const first = seen.get(key);
    if (first !== undefined) {
      problems.push({
        field: `addresses[${i}]`,
        message: `a second ${address.family} ${d.type} (addresses[${first}] is one): at most one address per family per type`,
      });
    } else seen.set(key, i);
    return { type: d.type, address: address.toString() };
  });
  if (problems.length) throw new ValidationError(problems);
  return out;
}

/**
 * Requested blocks by family, after the rules that need the cluster (422 naming
 * `podCidrs[i]`), each with the pool it lies in: a pool of its family whose
 * selector matches the node's labels, of that pool's node mask size.
 */
export function requestedBlocks(
  clusterName: string,
  families: PodFamily[],
  requested: Prefix[],
  labels: Record<string, string> = {},
): Map<IPFamily, { block: Prefix; pool: NodePool }> {
  const problems: FieldError[] = [];
  const wanted = new Map<IPFamily, { block: Prefix; pool: NodePool }>();
  for (const [i, block] of requested.entries()) {
    const field = `podCidrs[${i}]`;
    const pod = families.find((f) => f.family === block.family);
    if (!pod) {
      problems.push({
        field,
        message: `cluster ${clusterName} has no ${block.family} pod CIDR (its pod CIDRs: ${families.map((f) => f.cidr).join(', ')})`,
      });
      continue;
    }
    const own: NodePool = {
      name: '',
      family: pod.family,
      cidr: pod.cidr,
      poolId: pod.poolId,
      mask: pod.mask,
      selector: null,
      order: 0,
      isDefault: true,
    };
    const pools = pod.pools ?? [own];
    if (wanted.has(block.family)) {
      problems.push({ field, message: `a second ${block.family} block: a node holds one pod CIDR per family` });
    } else if (pools.length === 1 && block.length !== pod.mask) {
      problems.push({
        field,
        message: `${block} must be a /${pod.mask} block: the cluster's ${block.family} node mask size is ${pod.mask}`,
      });
    } else if (pools.length === 1 && !pod.cidr.contains(block)) {
      problems.push({ field, message: `${block} is not inside the cluster's ${block.family} pod CIDR ${pod.cidr}` });
    } else {
      const found = poolOfRequestedBlock(pools, block, labels, clusterName);
      if ('problem' in found) problems.push({ field, message: found.problem });
      else wanted.set(block.family, { block, pool: found.pool });
    }
  }
  if (problems.length) throw new ValidationError(problems);
  return wanted;
}
