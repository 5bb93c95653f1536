import { randomBytes } from 'node:crypto';
import { Prefix, type IPFamily } from '@kipam/cidr';
import { BadRequestError, type FieldError } from '../common/errors';

/**
 * Cluster profiles and the address rules that go with them, as pure functions
 * over plain values (no I/O): the EKS IPv6 profile (seed 004, "IPv6 EKS
 * 클러스터 실행"), the link-local guard every cluster has, node-local ranges,
 * generated RFC 4193 ULA service ranges and the VPC CNI max-pods formula.
 * Each check answers a FieldError (a 422 entry) or undefined, so that cluster
 * CIDRs, pod pools and ServiceCIDRs can all call them.
 */

export const CLUSTER_PROFILES = ['eks-ipv6'] as const;
export type ClusterProfile = (typeof CLUSTER_PROFILES)[number];

/** IPv6 global unicast (RFC 4291 §2.4, IANA's 2000::/3): what VPC subnets hand out. */
export const GLOBAL_UNICAST = Prefix.parse('2000::/3');
/** IPv6 unique local addresses (RFC 4193 §3): fc00::/7. */
export const UNIQUE_LOCAL = Prefix.parse('fc00::/7');
/** Locally assigned ULAs (RFC 4193 §3.2, L = 1): every generated global ID lives here. */
export const LOCALLY_ASSIGNED_ULA = Prefix.parse('fd00::/8');
/** Link-local space of both families (RFC 3927, RFC 4291 §2.5.6); Calico refuses IP pools there. */
export const LINK_LOCAL: readonly Prefix[] = [Prefix.parse('169.254.0.0/16'), Prefix.parse('fe80::/10')];

/** EKS IPv6: every node gets one /80 (prefix mode). */
export const EKS_NODE_MASK = 80;
/** EKS IPv6: each pod subnet is a VPC subnet, a /64. */
export const EKS_POD_PREFIX_LENGTH = 64;
/** The host-local range every EKS IPv6 node gives its pods for IPv4 egress (SNAT to the node's address). */
export const EKS_NODE_LOCAL_CIDR = '169.254.172.0/22';
/** The prefix length of a generated ULA service range unless asked otherwise (EKS's /108). */
export const DEFAULT_ULA_SERVICE_LENGTH = 108;
/** Global IDs are 40 bits (RFC 4193 §3.2.1). */
export const ULA_GLOBAL_ID_BITS = 40;

/** A generated service CIDR entry: `{"generate": "ula", "prefixLength": 108}`. */
export interface GenerateRequest {
  generate: 'ula';
  prefixLength?: number;
}

/** What a profile fills in when the request leaves it out. */
export interface ProfileDefaults {
  nodeMaskSizeIPv6?: number;
  nodeLocalCidrs: string[];
  serviceCidrs?: GenerateRequest[];
}

export function profileDefaults(profile: ClusterProfile | null): ProfileDefaults {
  if (profile === 'eks-ipv6') {
    return {
      nodeMaskSizeIPv6: EKS_NODE_MASK,
      nodeLocalCidrs: [EKS_NODE_LOCAL_CIDR],
      serviceCidrs: [{ generate: 'ula', prefixLength: DEFAULT_ULA_SERVICE_LENGTH }],
    };
  }
  return { nodeLocalCidrs: [] };
}

/** Pods and services of the EKS IPv6 profile are IPv6 only: single-stack IPv6 (seed 004). */
export function checkFamiliesForProfile(
  profile: ClusterProfile | null,
  field: 'podCidrs' | 'serviceCidrs',
  families: readonly IPFamily[],
): FieldError | undefined {
  if (profile !== 'eks-ipv6') return undefined;
  if (families.length === 1 && families[0] === 'IPv6') return undefined;
  return {
    field,
    message: `the eks-ipv6 profile is single-stack IPv6: one IPv6 entry, no IPv4 (got ${families.join(', ') || 'none'})`,
  };
}

/** EKS IPv6 pod CIDRs are VPC subnets: global unicast (2000::/3) /64s. */
export function checkPodCidrForProfile(profile: ClusterProfile | null, cidr: Prefix, field: string): FieldError | undefined {
  if (profile !== 'eks-ipv6' || cidr.family !== 'IPv6') return undefined;
  const problems: string[] = [];
  if (!GLOBAL_UNICAST.contains(cidr)) problems.push(`${cidr} is not global unicast (2000::/3)`);
  if (cidr.length !== EKS_POD_PREFIX_LENGTH) problems.push(`${cidr} is not a /${EKS_POD_PREFIX_LENGTH} (a VPC subnet)`);
  return problems.length
    ? { field, message: `the eks-ipv6 profile takes pod CIDRs that are VPC subnets: ${problems.join('; ')}` }
    : undefined;
}

/** EKS IPv6 service CIDRs are unique local addresses (fc00::/7). */
export function checkServiceCidrForProfile(profile: ClusterProfile | null, cidr: Prefix, field: string): FieldError | undefined {
  if (profile !== 'eks-ipv6' || cidr.family !== 'IPv6' || UNIQUE_LOCAL.contains(cidr)) return undefined;
  return { field, message: `the eks-ipv6 profile takes a ULA service CIDR (fc00::/7); ${cidr} is not one` };
}

/** EKS IPv6 nodes take a /80 each (prefix mode). */
export function checkNodeMaskForProfile(profile: ClusterProfile | null, nodeMaskSizeIPv6: number): FieldError | undefined {
  if (profile !== 'eks-ipv6' || nodeMaskSizeIPv6 === EKS_NODE_MASK) return undefined;
  return {
    field: 'nodeMaskSizeIPv6',
    message: `the eks-ipv6 profile gives every node a /${EKS_NODE_MASK} (VPC CNI prefix mode), not a /${nodeMaskSizeIPv6}`,
  };
}

/** Pod and service CIDRs stay out of link-local space (169.254.0.0/16, fe80::/10), as Calico's IP pools do. */
export function checkNotLinkLocal(cidr: Prefix, field: string): FieldError | undefined {
  const hit = LINK_LOCAL.find((l) => l.family === cidr.family && l.overlaps(cidr));
  if (!hit) return undefined;
  return { field, message: `${cidr} overlaps link-local ${hit}: pod and service CIDRs may not (only node-local ranges may be link-local)` };
}

/**
 * Node-local ranges (`nodeLocalCidrs`) must not overlap each other nor the
 * cluster's own pod and service CIDRs: a pod's egress address would then be
 * another pod's or a ClusterIP.
 */
export function checkNodeLocalCidrs(nodeLocal: readonly Prefix[], clusterCidrs: readonly { field: string; cidr: Prefix }[]): FieldError[] {
  const problems: FieldError[] = [];
  for (const [i, n] of nodeLocal.entries()) {
    const field = `nodeLocalCidrs[${i}]`;
    for (const [j, m] of nodeLocal.entries()) {
      if (j < i && m.overlaps(n)) problems.push({ field, message: `${n} overlaps nodeLocalCidrs[${j}] (${m})` });
    }
    for (const c of clusterCidrs) {
      if (c.cidr.overlaps(n)) {
        problems.push({
          field,
          message: `${n} overlaps ${c.field} (${c.cidr}): a node-local range must stay out of the cluster's pod and service space`,
        });
      }
    }
  }
  return problems;
}

/** The locally assigned ULA /48 of a global ID: fd00::/8 followed by its 40 bits (RFC 4193 §3.1). */
export function ulaPrefix(globalId: bigint): Prefix {
  if (globalId < 0n || globalId >= 1n << BigInt(ULA_GLOBAL_ID_BITS)) throw new RangeError(`a ULA global ID has 40 bits, not ${globalId}`);
  return Prefix.of('IPv6', LOCALLY_ASSIGNED_ULA.network | (globalId << 80n), 48);
}

/**
 * The generated service CIDR of a global ID: the first block of the length in
 * subnet 0 of its /48, `fdXX:XXXX:XXXX::/108` (EKS's shape). Subnet IDs and
 * the rest of the /48 are left to the operator.
 */
export function ulaServiceCidr(globalId: bigint, prefixLength: number): Prefix {
  return ulaPrefix(globalId).subnet(prefixLength, 0);
}

/** The global ID of a /48 made by `ulaPrefix`. */
export function globalIdOf(prefix: Prefix): bigint {
  return (prefix.network >> 80n) & ((1n << BigInt(ULA_GLOBAL_ID_BITS)) - 1n);
}

/** Ten hex digits, as RFC 4193 writes a global ID. */
export function formatGlobalId(globalId: bigint): string {
  return globalId.toString(16).padStart(10, '0');
}

/** 40 bits from the platform's cryptographic random source (RFC 4193 §3.2.2 allows any good random source). */
export function randomGlobalId(bytes: (n: number) => Uint8Array = randomBytes): bigint {
  const b = bytes(5);
  return b.reduce((acc, x) => (acc << 8n) | BigInt(x), 0n);
}

/**
 * Max pods per node in VPC CNI prefix mode, the seed's formula:
 * `(ENIs × (IPs per ENI − 1) × 16) + 2`. For m5.large (3 ENIs, 10 IPs each)
 * that is 434; seed 004 prints 460, which the formula does not give.
 */
export function maxPodsPerNode(enis: number, ipsPerEni: number): number {
  return enis * (ipsPerEni - 1) * 16 + 2;
}

/** A positive whole number (a query parameter's text, or a GraphQL Int), or why not. */
export function positiveIntegerProblem(name: string, value: unknown): string | undefined {
  const ok =
    typeof value === 'string'
      ? /^[1-9][0-9]{0,5}$/.test(value)
      : typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 999999;
  return ok ? undefined : `${name} must be a positive whole number (at most 999999), got ${JSON.stringify(value)}`;
}

/** The ENI figures of a capacity request: both or neither, each a positive whole number; throws 400 otherwise. */
export function eniQuery(enis: unknown, ipsPerEni: unknown): { enis: number; ipsPerEni: number } | undefined {
  if (enis === undefined && ipsPerEni === undefined) return undefined;
  const problems = [positiveIntegerProblem('enis', enis), positiveIntegerProblem('ipsPerEni', ipsPerEni)].filter((p) => p !== undefined);
  if (problems.length) throw new BadRequestError(`${problems.join('; ')} (give both enis and ipsPerEni for maxPodsPerNode)`);
  return { enis: Number(enis), ipsPerEni: Number(ipsPerEni) };
}

/** A concrete pod or service CIDR of a cluster, as the profile rules read it. */
export interface ProfiledCidr {
  kind: 'pod' | 'service';
  field: string;
  cidr: Prefix;
}

/**
 * Every profile, link-local and node-local rule over a cluster's CIDRs: the
 * profile's families and node mask, each CIDR against the link-local guard
 * and the profile, and the node-local ranges against them all. Called before
 * leasing with the declared CIDRs, and after with every CIDR (carved and
 * generated ones are only known then).
 */
export function clusterProfileProblems(c: {
  profile: ClusterProfile | null;
  podFamilies: readonly IPFamily[];
  serviceFamilies: readonly IPFamily[];
  nodeMaskSizeIPv6: number;
  cidrs: readonly ProfiledCidr[];
  /** CIDRs the cluster already has: checked against the node-local ranges only (they were checked when added). */
  existing?: readonly ProfiledCidr[];
  /** Entries whose CIDR is not known yet (to be carved): only their length is checked. */
  pending?: readonly { kind: 'pod' | 'service'; field: string; length: number }[];
  nodeLocalCidrs: readonly Prefix[];
}): FieldError[] {
  const problems: (FieldError | undefined)[] = [
    checkFamiliesForProfile(c.profile, 'podCidrs', c.podFamilies),
    checkFamiliesForProfile(c.profile, 'serviceCidrs', c.serviceFamilies),
  ];
  if (c.podFamilies.includes('IPv6')) problems.push(checkNodeMaskForProfile(c.profile, c.nodeMaskSizeIPv6));
  for (const x of c.cidrs) {
    problems.push(checkNotLinkLocal(x.cidr, x.field));
    problems.push(
      x.kind === 'pod' ? checkPodCidrForProfile(c.profile, x.cidr, x.field) : checkServiceCidrForProfile(c.profile, x.cidr, x.field),
    );
  }
  for (const x of c.pending ?? []) {
    if (c.profile === 'eks-ipv6' && x.kind === 'pod' && x.length !== EKS_POD_PREFIX_LENGTH) {
      problems.push({ field: x.field, message: `the eks-ipv6 profile takes pod CIDRs that are VPC subnets: /${x.length} is not a /64` });
    }
  }
  return [
    ...problems.filter((p): p is FieldError => p !== undefined),
    ...checkNodeLocalCidrs(c.nodeLocalCidrs, [...(c.existing ?? []), ...c.cidrs]),
  ];
}
