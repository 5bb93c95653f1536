import { CidrError, Prefix, validateNodeMask, validateServiceCidr, type IPFamily } from '@kipam/cidr';
import { ValidationError, type FieldError } from '../common/errors';
import type { RangePurpose } from '../ranges/dto/range.dto';
import { DEFAULT_ULA_SERVICE_LENGTH, LOCALLY_ASSIGNED_ULA, type GenerateRequest } from './cluster-profile';
import { isCarveRequest, isGenerateRequest, type CarveRequest, type CidrEntry } from './dto/cidr-entry';
import type { Stack } from './models/cluster.model';

/**
 * The rules of a cluster's pod and service CIDRs, as pure functions: planning
 * each entry of `podCidrs`/`serviceCidrs` (declared, or carved from a range),
 * the validation kube-apiserver and kube-controller-manager apply to these
 * flags (DESIGN.md; seed 000, "Configure IPv4/IPv6 dual-stack"), what a patch
 * may add, and the addresses a service CIDR never hands out. No I/O:
 * cluster-cidrs.ts looks the ranges up and leases what a plan says.
 */

export type CidrKind = 'pod' | 'service';
export type NodeMasks = Record<IPFamily, number>;

export const CIDR_FIELD: Record<CidrKind, 'podCidrs' | 'serviceCidrs'> = { pod: 'podCidrs', service: 'serviceCidrs' };
/** `--node-cidr-mask-size-ipv4/-ipv6` when not given. */
export const DEFAULT_NODE_MASK: NodeMasks = { IPv4: 24, IPv6: 64 };

/** What a carve request is checked against and leased from. */
export interface CarveRange {
  id: string;
  name: string;
  cidr: string;
  pool_id: string;
  purpose: RangePurpose;
  min_prefix_length: number | null;
  max_prefix_length: number | null;
  default_prefix_length: number | null;
}

/** An entry of podCidrs/serviceCidrs once its range (if any) is known, before anything is leased. */
export interface PlannedCidr {
  kind: CidrKind;
  position: number;
  field: string;
  family: IPFamily;
  /** The declared CIDR; absent for a carve request. */
  declared?: Prefix;
  /** The prefix length: the declared one, or the one to carve or generate. */
  length: number;
  range?: CarveRange;
  /** A generated CIDR (`{generate: "ula"}`): taken from a fresh RFC 4193 global ID when leased. */
  generate?: 'ula';
  /** The slot of its lease (holder: the cluster); `<kind>/<family>` when absent. A pod pool's is `pod-pool/<name>`. */
  slot?: string;
  /** The extra ServiceCIDR it is for (none: the cluster's own podCidrs/serviceCidrs). */
  serviceCidrName?: string;
}

/** A cluster CIDR once leased. */
export interface LeasedCidr extends PlannedCidr {
  cidr: Prefix;
  leaseId: string | null;
  rangeId: string | null;
  overlapAllowed: boolean;
  /** The RFC 4193 global ID of a generated CIDR. */
  ulaGlobalId?: bigint;
}

/** A cluster CIDR as stored, as far as these rules read it. */
export interface StoredCidr {
  kind: CidrKind;
  position: number;
  cidr: string;
  range_id: string | null;
  range_name: string | null;
  /** Set when the CIDR was generated (`{generate: "ula"}`). */
  ula_global_id?: string | null;
}

export function stackOf(families: readonly IPFamily[]): Stack {
  return families.length === 2 ? 'DualStack' : families[0];
}

export function cidrField(kind: CidrKind, position: number): string {
  return `${CIDR_FIELD[kind]}[${position}]`;
}

/** The plan of a declared entry (`"10.244.0.0/16"`, already validated as a CIDR at the edge). */
export function planDeclared(kind: CidrKind, position: number, entry: string, field = cidrField(kind, position)): PlannedCidr {
  const declared = Prefix.parse(entry);
  return { kind, position, field, family: declared.family, declared, length: declared.length };
}

/** The plan of a generate request: an IPv6 CIDR of the length, placed when leased. */
export function planGenerate(kind: CidrKind, position: number, request: GenerateRequest): PlannedCidr {
  const field = cidrField(kind, position);
  if (kind !== 'service') throw ValidationError.field(field, 'only service CIDRs can be generated');
  return { kind, position, field, family: 'IPv6', length: request.prefixLength ?? DEFAULT_ULA_SERVICE_LENGTH, generate: request.generate };
}

/**
 * The plan of a carve request, against its range (undefined: no such range in
 * the domain): the range must be for this kind of CIDR, and the length (the
 * range's default when not given) inside the range and its length rules.
 */
export function planCarve(
  kind: CidrKind,
  position: number,
  request: CarveRequest,
  range: CarveRange | undefined,
  domainName: string,
  field = cidrField(kind, position),
): PlannedCidr {
  if (!range) throw ValidationError.field(`${field}.range`, `no range ${request.range} in domain ${domainName}`);
  if (range.purpose !== 'any' && range.purpose !== kind) {
    throw ValidationError.field(`${field}.range`, `range ${range.name} is for ${range.purpose} CIDRs, not ${kind} CIDRs`);
  }
  const rangeCidr = Prefix.parseAddressOrCidr(range.cidr);
  const length = request.prefixLength ?? range.default_prefix_length;
  if (length === null || length === undefined) {
    throw ValidationError.field(`${field}.prefixLength`, `is required: range ${range.name} has no defaultPrefixLength`);
  }
  const problems: string[] = [];
  if (length < rangeCidr.length || length > rangeCidr.bits)
    problems.push(`must be between ${rangeCidr.length} and ${rangeCidr.bits} for range ${range.name} (${rangeCidr})`);
  if (range.min_prefix_length !== null && length < range.min_prefix_length)
    problems.push(`range ${range.name} hands out /${range.min_prefix_length} or longer`);
  if (range.max_prefix_length !== null && length > range.max_prefix_length)
    problems.push(`range ${range.name} hands out /${range.max_prefix_length} or shorter`);
  if (problems.length) throw ValidationError.field(`${field}.prefixLength`, problems.join('; '));
  return { kind, position, field, family: rangeCidr.family, length, range };
}

/**
 * What kube-apiserver and kube-controller-manager refuse in these flags: two
 * entries of one family, service families other than the pod families, a node
 * mask out of bounds for its pod CIDR, a service CIDR too large for the
 * Kubernetes version, and declared pod and service CIDRs that overlap.
 */
export function planProblems(plan: PlannedCidr[], masks: NodeMasks, kubernetesVersion: string | null): FieldError[] {
  const problems: FieldError[] = [];
  for (const kind of ['pod', 'service'] as const) {
    const entries = plan.filter((p) => p.kind === kind);
    if (entries.length === 2 && entries[0].family === entries[1].family) {
      problems.push({
        field: CIDR_FIELD[kind],
        message: `both entries are ${entries[0].family}: a dual-stack cluster has one CIDR per family, of different families`,
      });
    }
  }
  const families = (kind: CidrKind) => new Set(plan.filter((p) => p.kind === kind).map((p) => p.family));
  const podFamilies = families('pod');
  const serviceFamilies = families('service');
  if (problems.length === 0 && (podFamilies.size !== serviceFamilies.size || [...podFamilies].some((f) => !serviceFamilies.has(f)))) {
    problems.push({
      field: 'serviceCidrs',
      message: `families (${[...serviceFamilies].join(', ')}) must match the pod CIDR families (${[...podFamilies].join(', ')})`,
    });
  }
  for (const p of plan) {
    // a carve request is checked as the first block of its length in its range, a generated one as a block of fd00::/8
    const probe =
      p.declared ??
      (p.generate
        ? Prefix.of('IPv6', LOCALLY_ASSIGNED_ULA.network, p.length)
        : Prefix.of(p.family, Prefix.parseAddressOrCidr(p.range!.cidr).network, p.length));
    try {
      if (p.kind === 'pod') {
        const maskField = p.family === 'IPv4' ? 'nodeMaskSizeIPv4' : 'nodeMaskSizeIPv6';
        try {
          validateNodeMask(probe, masks[p.family]);
        } catch (error) {
          if (error instanceof CidrError) problems.push({ field: maskField, message: `${error.message} (${p.field} is /${p.length})` });
          else throw error;
        }
      } else {
        validateServiceCidr(probe, kubernetesVersion);
      }
    } catch (error) {
      if (error instanceof CidrError) problems.push({ field: p.field, message: error.message });
      else throw error;
    }
  }
  const declared = plan.filter((p) => p.declared);
  for (const a of declared.filter((p) => p.kind === 'pod')) {
    for (const b of declared.filter((p) => p.kind === 'service')) {
      if (a.declared!.overlaps(b.declared!)) {
        problems.push({ field: b.field, message: `service CIDR ${b.declared} overlaps pod CIDR ${a.declared}: they must not overlap` });
      }
    }
  }
  return problems;
}

/** A pod and a service CIDR of the cluster that overlap once leased (a carve may land where the other is). */
export function leasedOverlapProblem(leased: LeasedCidr[]): FieldError | undefined {
  for (const a of leased) {
    for (const b of leased) {
      if (a !== b && a.kind === 'pod' && b.kind === 'service' && a.cidr.overlaps(b.cidr)) {
        return { field: b.field, message: `service CIDR ${b.cidr} overlaps pod CIDR ${a.cidr}: they must not overlap` };
      }
    }
  }
  return undefined;
}

/** Pod CIDRs first, each kind in its family order. */
export function byKindAndPosition(a: PlannedCidr, b: PlannedCidr): number {
  return a.kind === b.kind ? a.position - b.position : a.kind === 'pod' ? -1 : 1;
}

/** A cluster's stored CIDRs as declared entries, to check a patch's additions together with them. */
export function plannedFromStored(cidrs: StoredCidr[]): PlannedCidr[] {
  return cidrs.map((c) => {
    const cidr = Prefix.parseAddressOrCidr(c.cidr);
    return {
      kind: c.kind,
      position: c.position,
      field: cidrField(c.kind, c.position),
      family: cidr.family,
      declared: cidr,
      length: cidr.length,
    };
  });
}

/**
 * The entries a patch adds to one kind. Existing entries must come back
 * unchanged, as their CIDR or as the carve request they came from; removing or
 * changing one is refused (422).
 */
export function addedEntries(kind: CidrKind, stored: StoredCidr[], entries: CidrEntry[] | undefined): CidrEntry[] {
  if (entries === undefined) return [];
  const current = stored.filter((c) => c.kind === kind).sort((a, b) => a.position - b.position);
  const field = CIDR_FIELD[kind];
  if (entries.length < current.length) {
    throw ValidationError.field(
      field,
      `removing a family is not supported (the cluster has ${current.length} ${kind} CIDRs); delete and recreate the cluster`,
    );
  }
  for (const [i, c] of current.entries()) {
    const entry = entries[i];
    const cidr = Prefix.parseAddressOrCidr(c.cidr);
    const unchanged = isGenerateRequest(entry)
      ? c.ula_global_id !== null && c.ula_global_id !== undefined && (entry.prefixLength ?? DEFAULT_ULA_SERVICE_LENGTH) === cidr.length
      : isCarveRequest(entry)
        ? c.range_id !== null &&
          (entry.range === c.range_id || entry.range === c.range_name) &&
          (entry.prefixLength === undefined || entry.prefixLength === cidr.length)
        : Prefix.tryParse(entry)?.equals(cidr) === true;
    if (!unchanged) {
      throw ValidationError.field(`${field}[${i}]`, `existing ${kind} CIDR ${cidr} cannot be changed; only a missing family can be added`);
    }
  }
  return entries.slice(current.length);
}

/** Adding a family (single- to dual-stack) takes one pod CIDR and one service CIDR of that family. */
export function familyAdditionProblem(additions: PlannedCidr[]): FieldError | undefined {
  const family = additions[0]?.family;
  if (additions.length && (additions.length !== 2 || additions.some((a) => a.family !== family))) {
    return { field: 'podCidrs', message: 'adding a family takes one pod CIDR and one service CIDR of the same new family' };
  }
  return undefined;
}

/** A new Kubernetes version must keep the existing service CIDRs valid (their size cap). */
export function versionProblem(serviceCidrs: Prefix[], kubernetesVersion: string | null): FieldError | undefined {
  for (const cidr of serviceCidrs) {
    try {
      validateServiceCidr(cidr, kubernetesVersion);
    } catch (error) {
      if (error instanceof CidrError) return { field: 'kubernetesVersion', message: `${error.message} (existing service CIDR)` };
      throw error;
    }
  }
  return undefined;
}

/**
 * The addresses of a service CIDR that are never ClusterIPs, with the slot
 * their system lease takes: IPv4 network and broadcast (of a /30 or larger),
 * the IPv6 subnet-router anycast address (Kubernetes service IP allocator).
 */
export function reservedServiceAddresses(cidr: Prefix): { address: Prefix; slot: string }[] {
  const at = (value: bigint) => Prefix.of(cidr.family, value, cidr.bits);
  if (cidr.family === 'IPv4') {
    return cidr.length <= 30
      ? [
          { address: at(cidr.firstValue), slot: 'network' },
          { address: at(cidr.lastValue), slot: 'broadcast' },
        ]
      : [];
  }
  return cidr.length < 128 ? [{ address: at(cidr.firstValue), slot: 'subnet-router-anycast' }] : [];
}
