import { randomBytes } from 'node:crypto';
import { Address, Prefix, dynamicBandStart, isUsableClusterIp, serviceIpRange, type IPFamily } from '@kipam/cidr';
import { ValidationError, type FieldError } from '../common/errors';

/**
 * The ClusterIP rules of kube-apiserver, as pure functions: defaulting and
 * validation of `ipFamilyPolicy`, `ipFamilies`, `clusterIP(s)` on create and
 * update (pkg/registry/core/service/storage/alloc.go `initIPFamilyFields`,
 * pkg/apis/core/validation `ValidateServiceClusterIPsRelatedFields`; the seed's
 * dual-stack Services section). No I/O: the service leases what a plan says.
 */

export const SERVICE_TYPES = ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'] as const;
export type ServiceType = (typeof SERVICE_TYPES)[number];
export const IP_FAMILY_POLICIES = ['SingleStack', 'PreferDualStack', 'RequireDualStack'] as const;
export type IPFamilyPolicy = (typeof IP_FAMILY_POLICIES)[number];
export const IP_FAMILIES = ['IPv4', 'IPv6'] as const;
export const HEADLESS = 'None';

/**
 * Policy of a headless Service without selector when none is given. kube-apiserver's
 * alloc.go sets RequireDualStack ("headless + selectorless defaults to dual"), as the seed
 * page says; the special case skips the dual-stack check, so it holds on any cluster.
 */
export const HEADLESS_SELECTORLESS_POLICY: IPFamilyPolicy = 'RequireDualStack';

/** The ClusterIP-related fields a client sent: `undefined` means not given. */
export interface ServiceSpecInput {
  type?: ServiceType;
  selector?: Record<string, string> | null;
  clusterIP?: string;
  clusterIPs?: string[];
  ipFamilyPolicy?: IPFamilyPolicy | null;
  ipFamilies?: IPFamily[];
}

/** What a Service is now (its row and its leases). */
export interface ServiceState {
  type: ServiceType;
  selector: Record<string, string> | null;
  policy: IPFamilyPolicy | null;
  families: IPFamily[];
  headless: boolean;
  /** Leased ClusterIP per family (canonical text). */
  addresses: Partial<Record<IPFamily, string>>;
}

export interface Allocation {
  family: IPFamily;
  /** An explicitly requested address, with the field that asked for it; dynamic when absent. */
  requested?: { address: Address; field: string };
}

/** What a Service becomes, and the lease changes that takes. */
export interface ServicePlan {
  type: ServiceType;
  selector: Record<string, string> | null;
  policy: IPFamilyPolicy | null;
  families: IPFamily[];
  headless: boolean;
  /** ClusterIPs to lease, in family order. */
  allocations: Allocation[];
  /** Families whose ClusterIP is released (updates only). */
  release: IPFamily[];
}

/** Field names as the caller knows them: `clusterIP`, or `spec.clusterIP` in a manifest. */
export type FieldName = (name: string) => string;

type RequestedIp = Address | typeof HEADLESS;

const other = (f: IPFamily): IPFamily => (f === 'IPv4' ? 'IPv6' : 'IPv4');

function throwIf(errors: FieldError[]): void {
  if (errors.length) throw new ValidationError(errors);
}

export function normalizeSelector(selector: Record<string, string> | null | undefined): Record<string, string> | null {
  return selector && Object.keys(selector).length ? selector : null;
}

function sameIp(a: RequestedIp, b: string | undefined): boolean {
  if (b === undefined) return false;
  if (a === HEADLESS || b === HEADLESS) return a === b;
  return a.equals(Address.parse(b));
}

function sameList<T>(a: readonly T[], b: readonly T[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** `clusterIP` and `clusterIPs` as one list, each with the field that gave it. */
function requestedIps(spec: ServiceSpecInput, f: FieldName, errors: FieldError[]): { values: RequestedIp[]; fields: string[] } {
  const list = spec.clusterIPs ?? [];
  const single = spec.clusterIP ?? '';
  let raw: string[] = [];
  let fields: string[] = [];
  if (list.length) {
    raw = list;
    fields = list.map((_, i) => f(`clusterIPs[${i}]`));
    const first = Address.tryParse(list[0]);
    const given = Address.tryParse(single);
    if (single !== '' && single !== list[0] && !(first && given && first.equals(given))) {
      errors.push({ field: f('clusterIP'), message: `must equal clusterIPs[0] (${list[0]}): clusterIP is always the first of clusterIPs` });
    }
  } else if (single !== '') {
    raw = [single];
    fields = [f('clusterIP')];
  }
  if (raw.length > 2) {
    errors.push({ field: f('clusterIPs'), message: 'holds at most two addresses, one per IP family' });
    return { values: [], fields: [] };
  }
  const values: RequestedIp[] = [];
  for (const [i, text] of raw.entries()) {
    if (text === HEADLESS) {
      if (raw.length > 1) errors.push({ field: fields[i], message: '"None" (headless) must be the only value' });
      values.push(HEADLESS);
      continue;
    }
    const address = Address.tryParse(text);
    if (!address) {
      errors.push({ field: fields[i], message: `${JSON.stringify(text)} is not an IP address (nor "None" for a headless Service)` });
      continue;
    }
    values.push(address);
  }
  const [a, b] = values;
  if (a instanceof Address && b instanceof Address && a.family === b.family) {
    errors.push({ field: fields[1], message: `is ${b.family} like clusterIPs[0]: a Service has at most one ClusterIP per family` });
  }
  return errors.length ? { values: [], fields: [] } : { values, fields };
}

function checkFamilies(families: readonly IPFamily[] | undefined, f: FieldName, errors: FieldError[]): void {
  if (families && families.length === 2 && families[0] === families[1]) {
    errors.push({ field: f('ipFamilies[1]'), message: `duplicates ipFamilies[0] (${families[0]}): list each family once` });
  }
}

/** A given clusterIPs[i] must be of the family ipFamilies[i] names. */
function checkConsistency(values: RequestedIp[], fields: string[], families: readonly IPFamily[], errors: FieldError[]): void {
  for (const [i, v] of values.entries()) {
    if (v instanceof Address && i < families.length && v.family !== families[i]) {
      errors.push({ field: fields[i], message: `${v.toString()} is an ${v.family} address but ipFamilies[${i}] is ${families[i]}` });
    }
  }
}

interface Draft {
  type: ServiceType;
  selector: Record<string, string> | null;
  policy: IPFamilyPolicy;
  headless: boolean;
  values: RequestedIp[];
  fields: string[];
  /** Families given (or kept), before defaulting. */
  families: IPFamily[];
}

/** The part of initIPFamilyFields after the policy is known: families from IPs, cluster checks, defaults. */
function complete(d: Draft, cluster: readonly IPFamily[], f: FieldName, errors: FieldError[]): ServicePlan {
  const families = [...d.families];
  if (d.policy === 'SingleStack') {
    if (d.values.length === 2) {
      errors.push({ field: f('ipFamilyPolicy'), message: 'must be PreferDualStack or RequireDualStack when two clusterIPs are given' });
    }
    if (families.length === 2) {
      errors.push({ field: f('ipFamilyPolicy'), message: 'must be PreferDualStack or RequireDualStack when two ipFamilies are given' });
    }
  }
  for (const [i, v] of d.values.entries()) {
    if (!(v instanceof Address) || i < families.length) continue;
    if (cluster.includes(v.family)) families.push(v.family);
    else
      errors.push({
        field: d.fields[i],
        message: `${v.family} is not configured on this cluster (its service CIDRs are ${cluster.join(', ')})`,
      });
  }
  throwIf(errors);
  const plan = (fams: IPFamily[], allocations: Allocation[]): ServicePlan => ({
    type: d.type,
    selector: d.selector,
    policy: d.policy,
    families: fams,
    headless: d.headless,
    allocations,
    release: [],
  });

  // Headless without selector may name any families, even ones the cluster lacks (alloc.go special case).
  if (d.headless && !d.selector) {
    if (!families.length) families.push(cluster[0]);
    if (families.length < 2 && d.policy !== 'SingleStack') families.push(other(families[0]));
    return plan(families, []);
  }
  if (d.policy === 'RequireDualStack' && cluster.length < 2) {
    errors.push({
      field: f('ipFamilyPolicy'),
      message: `RequireDualStack needs a dual-stack cluster; this cluster has ${cluster[0]} service addresses only`,
    });
  }
  for (const [i, family] of families.entries()) {
    if (!cluster.includes(family)) {
      errors.push({
        field: f(`ipFamilies[${i}]`),
        message: `${family} is not configured on this cluster (its service CIDRs are ${cluster.join(', ')})`,
      });
    }
  }
  throwIf(errors);
  if (!families.length) families.push(cluster[0]);
  if (d.policy !== 'SingleStack' && families.length === 1 && cluster.length === 2) families.push(other(families[0]));
  if (d.headless) return plan(families, []);
  return plan(
    families,
    families.map((family, i) => {
      const v = d.values[i];
      return v instanceof Address ? { family, requested: { address: v, field: d.fields[i] } } : { family };
    }),
  );
}

function externalName(spec: ServiceSpecInput, f: FieldName, errors: FieldError[], current?: ServiceState): void {
  const reason = 'must be empty for type ExternalName: it has no ClusterIP';
  const currentIps = current ? ipsOf(current) : [];
  const ips = [...(spec.clusterIPs ?? []), ...(spec.clusterIP ? [spec.clusterIP] : [])];
  // unchanged ClusterIP fields are dropped with the type change (strategy dropTypeDependentFields)
  if (ips.some((ip) => ip !== '' && !currentIps.includes(ip)))
    errors.push({ field: f(spec.clusterIP ? 'clusterIP' : 'clusterIPs'), message: reason });
  if (spec.ipFamilyPolicy && spec.ipFamilyPolicy !== current?.policy) errors.push({ field: f('ipFamilyPolicy'), message: reason });
  if (spec.ipFamilies?.length && !(current && sameList(spec.ipFamilies, current.families))) {
    errors.push({ field: f('ipFamilies'), message: reason });
  }
  throwIf(errors);
}

function ipsOf(s: ServiceState): string[] {
  if (s.type === 'ExternalName') return [];
  if (s.headless) return [HEADLESS];
  return s.families.map((f) => s.addresses[f]).filter((a): a is string => a !== undefined);
}

/** A new Service: its type, policy, families and the ClusterIPs to lease. */
export function planCreate(spec: ServiceSpecInput, cluster: readonly IPFamily[], f: FieldName): ServicePlan {
  const errors: FieldError[] = [];
  const type = spec.type ?? 'ClusterIP';
  const selector = normalizeSelector(spec.selector);
  if (type === 'ExternalName') {
    externalName(spec, f, errors);
    return { type, selector, policy: null, families: [], headless: false, allocations: [], release: [] };
  }
  const { values, fields } = requestedIps(spec, f, errors);
  const families = [...(spec.ipFamilies ?? [])];
  checkFamilies(families, f, errors);
  checkConsistency(values, fields, families, errors);
  const headless = values[0] === HEADLESS;
  const policy = spec.ipFamilyPolicy ?? (headless && !selector ? HEADLESS_SELECTORLESS_POLICY : 'SingleStack');
  return complete({ type, selector, policy, headless, values, fields, families }, cluster, f, errors);
}

/**
 * A change to an existing Service (merge semantics: what is not given stays).
 * ClusterIPs already set and the primary family are immutable; SingleStack
 * releases the secondary ClusterIP; a dual-stack policy adds the missing family.
 */
export function planUpdate(current: ServiceState, spec: ServiceSpecInput, cluster: readonly IPFamily[], f: FieldName): ServicePlan {
  const errors: FieldError[] = [];
  const type = spec.type ?? current.type;
  const selector = spec.selector === undefined ? current.selector : normalizeSelector(spec.selector);
  const currentIps = ipsOf(current);

  if (current.type === 'ExternalName') {
    if (type === 'ExternalName') {
      externalName(spec, f, errors, current);
      return { type, selector, policy: null, families: [], headless: false, allocations: [], release: [] };
    }
    // leaving ExternalName: the Service gets ClusterIPs as on create
    return planCreate({ ...spec, type, selector }, cluster, f);
  }
  if (type === 'ExternalName') {
    externalName(spec, f, errors, current);
    return {
      type,
      selector,
      policy: null,
      families: [],
      headless: false,
      allocations: [],
      release: current.headless ? [] : current.families.filter((fam) => current.addresses[fam] !== undefined),
    };
  }

  let { values, fields } = requestedIps(spec, f, errors);
  throwIf(errors);
  for (const [i, v] of values.entries()) {
    const now = currentIps[i];
    if (now === undefined || sameIp(v, now)) continue;
    errors.push({
      field: fields[i],
      message:
        i === 0
          ? `is immutable (it is ${now}): delete and recreate the Service to change it`
          : `is immutable once set (it is ${now}); set ipFamilyPolicy to SingleStack to release it`,
    });
  }
  const givenFamilies = spec.ipFamilies?.length ? spec.ipFamilies : undefined;
  checkFamilies(givenFamilies, f, errors);
  if (givenFamilies && current.families.length && givenFamilies[0] !== current.families[0]) {
    errors.push({
      field: f('ipFamilies[0]'),
      message: `the primary family (${current.families[0]}) cannot change: delete and recreate the Service`,
    });
  }
  throwIf(errors);

  const policy = spec.ipFamilyPolicy ?? current.policy ?? 'SingleStack';
  // clusterIP alone says nothing about the secondary: only a clusterIPs list can drop it
  const listGiven = (spec.clusterIPs?.length ?? 0) > 0;
  const ipsUnchanged =
    values.length === 0 || ((!listGiven || values.length === currentIps.length) && values.every((v, i) => sameIp(v, currentIps[i])));
  const familiesUnchanged = !givenFamilies || sameList(givenFamilies, current.families);
  const keep = (): ServicePlan => ({
    type,
    selector,
    policy,
    families: current.families,
    headless: current.headless,
    allocations: [],
    release: [],
  });
  // A PreferDualStack Service is not up- or downgraded by changes that leave its IP fields alone (alloc.go).
  if (current.policy === 'PreferDualStack' && policy === 'PreferDualStack' && ipsUnchanged && familiesUnchanged) return keep();

  let families = givenFamilies ? [...givenFamilies] : [...current.families];
  if (policy === 'SingleStack') {
    // SingleStack with the fields left as they were is clear intent: keep only the first (alloc.go).
    if (values.length > 1 && ipsUnchanged) [values, fields] = [values.slice(0, 1), fields.slice(0, 1)];
    if (familiesUnchanged) families = families.slice(0, 1);
  } else {
    if (listGiven && values.length < currentIps.length) {
      errors.push({ field: f('ipFamilyPolicy'), message: 'must be SingleStack to release the secondary ClusterIP' });
    }
    if (givenFamilies && givenFamilies.length < current.families.length) {
      errors.push({ field: f('ipFamilyPolicy'), message: 'must be SingleStack to release the secondary IP family' });
    }
  }
  checkConsistency(values, fields, families, errors);
  const next = complete({ type, selector, policy, headless: current.headless, values, fields, families }, cluster, f, errors);

  const held = current.headless ? [] : current.families.filter((fam) => current.addresses[fam] !== undefined);
  return {
    ...next,
    allocations: next.allocations.filter((a) => !held.includes(a.family)),
    release: held.filter((fam) => !next.allocations.some((a) => a.family === fam)),
  };
}

/** Why `address` cannot be a ClusterIP of `cidr`, or null when it can. */
export function clusterIpProblem(cidr: Prefix, address: Address): string | null {
  if (isUsableClusterIp(cidr, address)) return null;
  const ip = address.toString();
  if (!cidr.contains(address)) return `${ip} is outside the cluster's ${cidr.family} service CIDR ${cidr.toString()}`;
  if (address.value === cidr.firstValue) {
    return cidr.family === 'IPv4'
      ? `${ip} is the network address of ${cidr.toString()}: Kubernetes never hands it out`
      : `${ip} is the subnet-router anycast address of ${cidr.toString()}: Kubernetes never hands it out`;
  }
  if (cidr.family === 'IPv4' && address.value === cidr.lastValue) {
    return `${ip} is the broadcast address of ${cidr.toString()}: Kubernetes never hands it out`;
  }
  const range = serviceIpRange(cidr);
  return `${ip} is not a usable ClusterIP of ${cidr.toString()} (usable: ${range.count} addresses)`;
}

/** A uniform random whole number in [0, n), n > 0 (crypto randomness; IPv6 bands exceed 2^48). */
export function randomBelow(n: bigint): bigint {
  if (n <= 0n) throw new RangeError('randomBelow needs n > 0');
  const bytes = Math.ceil(n.toString(16).length / 2) + 8;
  // 64 extra random bits make the modulo bias negligible (< 2^-64)
  return BigInt(`0x${randomBytes(bytes).toString('hex')}`) % n;
}

/**
 * Where the lease engine looks for a dynamic ClusterIP of `cidr`, in order
 * (each start: the first free address at or after it): a random address of
 * the upper (dynamic) band, then the band's start (wrap-around); then, as a
 * second tier, used only once nothing of the upper band is free (not while a
 * concurrent creation holds its last addresses), a random address of the
 * lower (static) band and its start. This is
 * kube-apiserver's allocator, pkg/registry/core/service/ipallocator/ipallocator.go
 * `allocateNextService`: a random offset in the upper range walked with
 * wrap-around (`ipIterator`), then the same in the lower range (KEP-3070), so
 * that a released address is not handed out again at once (stale DNS answers
 * and conntrack entries must not reach a new Service). The cost stays one
 * index probe per start, whatever the band's size.
 */
export function dynamicStarts(cidr: Prefix, random: (n: bigint) => bigint = randomBelow): Address[][] {
  const range = serviceIpRange(cidr);
  if (range.count === 0n) return [];
  const band = dynamicBandStart(cidr);
  const at = (value: bigint) => Address.fromBigInt(cidr.family, value);
  const tiers = [[at(band + random(range.last - band + 1n)), at(band)]];
  if (band > range.first) tiers.push([at(range.first + random(band - range.first)), at(range.first)]);
  return tiers;
}
