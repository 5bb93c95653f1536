import { Address } from './address';
import { CidrError, describeValue, quote } from './errors';
import { Prefix, assertPrefix } from './prefix';

/** Usable ClusterIPs of a service CIDR, inclusive. When empty, count is 0n and last = first - 1n. */
export interface ServiceIpRange {
  first: bigint;
  last: bigint;
  count: bigint;
}

/**
 * Kubernetes never hands out the network address, nor the IPv4 broadcast address; IPv6 has no
 * broadcast, so only its first (subnet-router anycast) address is lost.
 * Source: kubernetes pkg/registry/core/service/ipallocator (hostsPerNetwork, NewIPAllocator).
 */
export function serviceIpRange(cidr: Prefix): ServiceIpRange {
  assertPrefix(cidr, 'cidr');
  const first = cidr.firstValue + 1n;
  const last = cidr.family === 'IPv4' ? cidr.lastValue - 1n : cidr.lastValue;
  if (last < first) return { first, last: first - 1n, count: 0n };
  return { first, last, count: last - first + 1n };
}

export function isUsableClusterIp(cidr: Prefix, ip: Address): boolean {
  assertPrefix(cidr, 'cidr');
  if (!(ip instanceof Address) || ip.family !== cidr.family) return false;
  const range = serviceIpRange(cidr);
  return ip.value >= range.first && ip.value <= range.last;
}

/**
 * Size of the lower (static) band of a service CIDR.
 * KEP-3070, as implemented in ipallocator calculateRangeOffset: min(max(16, size/16), 256) where
 * size is the CIDR's address count, and 0 (no static band) when size <= 16. Since size > 16
 * implies size/16 and 16 are both below the usable count, the band never exceeds it.
 */
export function staticBandSize(cidr: Prefix): bigint {
  assertPrefix(cidr, 'cidr');
  const size = cidr.size;
  if (size <= 16n) return 0n;
  const offset = size / 16n;
  return offset < 16n ? 16n : offset > 256n ? 256n : offset;
}

/** First address of the upper band, where the dynamic allocator starts looking (KEP-3070). */
export function dynamicBandStart(cidr: Prefix): bigint {
  return serviceIpRange(cidr).first + staticBandSize(cidr);
}

/** kube-apiserver --service-cluster-ip-range cap: at most 2^20 addresses (cmd/kube-apiserver/app/options/validation.go). */
export const MAX_SERVICE_CIDR_BITS = 20;

/**
 * The cap above is skipped once MultiCIDRServiceAllocator and DisableAllocatorDualWrite are both
 * on, which is the locked default from 1.34 (KEP-1880; feature-gate docs).
 */
export const SERVICE_CIDR_CAP_LIFTED_IN = { major: 1, minor: 34 } as const;

/** The IPAddress-based allocator rejects IPv6 service CIDRs shorter than /64 (KEP-1880, ipallocator NewIPAllocator). */
export const MIN_IPV6_SERVICE_CIDR_LENGTH = 64;

/** kube-apiserver refuses a primary service range of fewer than 8 addresses (pkg/controlplane ServiceIPRange). */
export const MIN_SERVICE_CIDR_ADDRESSES = 8n;

/** kube-controller-manager node IPAM: node mask at most 16 bits longer than the cluster CIDR (cidrset clusterSubnetMaxDiff). */
export const MAX_NODE_MASK_DIFF = 16;

export interface KubernetesVersion {
  major: number;
  minor: number;
}

const VERSION_RE = /^v?(0|[1-9][0-9]{0,5})\.(0|[1-9][0-9]{0,5})(?:\.(?:0|[1-9][0-9]{0,5})(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?)?$/;

/** "1.31", "v1.31.2" and distribution builds such as "v1.31.2-eks-1234" or "v1.30.4+k3s1". */
export function parseKubernetesVersion(v: string): KubernetesVersion {
  const shown = typeof v === 'string' ? quote(v) : describeValue(v);
  const match = typeof v === 'string' && v.length <= 64 ? VERSION_RE.exec(v) : null;
  if (!match) {
    throw new CidrError(
      'invalid-kubernetes-version',
      `invalid Kubernetes version ${shown}; expected major.minor with an optional patch, like "1.31" or "v1.31.2"`,
      v,
    );
  }
  return { major: Number(match[1]), minor: Number(match[2]) };
}

function capLifted(version: KubernetesVersion | null): boolean {
  if (version === null) return false;
  const { major, minor } = SERVICE_CIDR_CAP_LIFTED_IN;
  return version.major > major || (version.major === major && version.minor >= minor);
}

/**
 * Throws when kube-apiserver would refuse this service CIDR. Without a version the pre-1.34
 * rules apply, because they are the ones every supported version accepts.
 */
export function validateServiceCidr(cidr: Prefix, kubernetesVersion?: string | null): void {
  assertPrefix(cidr, 'service CIDR');
  const version = kubernetesVersion === undefined || kubernetesVersion === null ? null : parseKubernetesVersion(kubernetesVersion);
  const hostBits = cidr.bits - cidr.length;
  const name = cidr.toString();
  if (!capLifted(version) && hostBits > MAX_SERVICE_CIDR_BITS) {
    throw new CidrError(
      'service-cidr-too-large',
      `service CIDR ${name} holds 2^${hostBits} addresses; Kubernetes below 1.34 allows at most 2^${MAX_SERVICE_CIDR_BITS} ` +
        `(a /${32 - MAX_SERVICE_CIDR_BITS} or longer for IPv4, /${128 - MAX_SERVICE_CIDR_BITS} or longer for IPv6)`,
      cidr,
    );
  }
  if (capLifted(version) && cidr.family === 'IPv6' && cidr.length < MIN_IPV6_SERVICE_CIDR_LENGTH) {
    throw new CidrError(
      'service-cidr-too-large',
      `service CIDR ${name} is shorter than /${MIN_IPV6_SERVICE_CIDR_LENGTH}; the Kubernetes ServiceCIDR allocator rejects IPv6 ranges larger than a /64`,
      cidr,
    );
  }
  if (cidr.size < MIN_SERVICE_CIDR_ADDRESSES) {
    throw new CidrError(
      'service-cidr-too-small',
      `service CIDR ${name} holds only ${cidr.size} address${cidr.size === 1n ? '' : 'es'}; kube-apiserver requires at least ` +
        `${MIN_SERVICE_CIDR_ADDRESSES} (a /29 or shorter for IPv4, /125 or shorter for IPv6): ` +
        'the first usable address goes to the kubernetes Service and Services need the rest',
      cidr,
    );
  }
}

/** Throws when kube-controller-manager could not cut node blocks of /mask out of the pod CIDR. */
export function validateNodeMask(podCidr: Prefix, mask: number): void {
  assertPrefix(podCidr, 'pod CIDR');
  const bits = podCidr.bits;
  const name = podCidr.toString();
  if (typeof mask !== 'number' || !Number.isInteger(mask) || mask < 0 || mask > bits) {
    const shown = typeof mask === 'number' ? String(mask) : describeValue(mask);
    throw new CidrError(
      'node-mask-out-of-range',
      `node mask ${shown} is not a valid ${podCidr.family} prefix length; use an integer from 0 to ${bits}`,
      mask,
    );
  }
  const longest = Math.min(podCidr.length + MAX_NODE_MASK_DIFF, bits);
  if (mask < podCidr.length) {
    throw new CidrError(
      'node-mask-too-small',
      `node mask /${mask} is shorter than pod CIDR ${name}, so a node block would not fit inside it; use /${podCidr.length} to /${longest}`,
      mask,
    );
  }
  if (mask > podCidr.length + MAX_NODE_MASK_DIFF) {
    throw new CidrError(
      'node-mask-too-large',
      `node mask /${mask} is ${mask - podCidr.length} bits longer than pod CIDR ${name}; Kubernetes allows at most ` +
        `${MAX_NODE_MASK_DIFF} (2^${MAX_NODE_MASK_DIFF} node blocks): use /${longest} or shorter, or a larger pod CIDR`,
      mask,
    );
  }
}
