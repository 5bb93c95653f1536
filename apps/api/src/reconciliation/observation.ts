import { createHash } from 'node:crypto';
import { parseAllDocuments } from 'yaml';
import { Address, Prefix, type IPFamily } from '@kipam/cidr';
import { BadRequestError, ValidationError, type FieldError } from '../common/errors';
import { IP_FAMILY_POLICIES, SERVICE_TYPES, HEADLESS, type IPFamilyPolicy, type ServiceType } from '../services/service-ip-rules';
import { BodyTooDeepError, valueNestsDeeperThan, yamlNestsDeeperThan } from '../common/body-depth';
import { labelProblems } from '../common/labels';
import { nodeNameProblem } from '../nodes/dto/node.dto';
import { InvalidYaml } from '../services/service-manifest';
import { namespaceProblem, serviceNameProblem } from '../services/service-names';

/**
 * An observation: a cluster's live state as Kubernetes prints it
 * (`kubectl get nodes,services,servicecidrs -A -o json`, `kubectl -n kube-system
 * get cm kubeadm-config -o yaml`), read into the few fields Kipam keeps. Pure:
 * no I/O. Unknown kinds are skipped and listed; a malformed Node, Service,
 * ServiceCIDR or kubeadm ConfigMap is 422 naming its index and name.
 */

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

export interface ObservedNode {
  /** Where it was in the observation (`items[3]`). */
  at: string;
  name: string;
  /** spec.podCIDRs (or spec.podCIDR), in the order the node IPAM controller gave them. */
  podCidrs: Prefix[];
  kubeletVersion: string | null;
  labels: Record<string, string>;
  /** status.addresses of type InternalIP and ExternalIP, at most one per family per type. */
  addresses: { type: 'InternalIP' | 'ExternalIP'; address: string }[];
}

export interface ObservedService {
  at: string;
  namespace: string;
  name: string;
  type: ServiceType;
  /** Canonical addresses, or ["None"] for a headless Service; empty for ExternalName. */
  clusterIPs: string[];
  ipFamilies: IPFamily[];
  ipFamilyPolicy: IPFamilyPolicy | null;
  selector: Record<string, string> | null;
  labels: Record<string, string>;
}

export interface ObservedServiceCidr {
  at: string;
  name: string;
  cidrs: Prefix[];
}

/** The networking of kubeadm's ClusterConfiguration (the kubeadm-config ConfigMap). */
export interface KubeadmNetworking {
  at: string;
  apiVersion: string;
  podSubnets: Prefix[];
  serviceSubnets: Prefix[];
  nodeMaskSizeIPv4: number | null;
  nodeMaskSizeIPv6: number | null;
  kubernetesVersion: string | null;
}

export interface IgnoredObject {
  at: string;
  apiVersion: string | null;
  kind: string | null;
  namespace: string | null;
  name: string | null;
}

export interface Observation {
  nodes: ObservedNode[];
  services: ObservedService[];
  serviceCidrs: ObservedServiceCidr[];
  kubeadm: KubeadmNetworking | null;
  ignored: IgnoredObject[];
  /** Which kinds the observation speaks for: a kind absent from it is not compared (nothing of it is "leaked"). */
  covers: { nodes: boolean; services: boolean; serviceCidrs: boolean };
  /** `sha256:` and the first 16 hex digits of the observation's canonical JSON: the reason of what it changes. */
  digest: string;
}

const KNOWN = new Set(['Node', 'Service', 'ServiceCIDR', 'ConfigMap']);
const API_VERSIONS: Record<string, string[]> = {
  Node: ['v1'],
  Service: ['v1'],
  ServiceCIDR: ['networking.k8s.io/v1', 'networking.k8s.io/v1beta1'],
  ConfigMap: ['v1'],
};
const KUBEADM_VERSIONS = ['kubeadm.k8s.io/v1beta2', 'kubeadm.k8s.io/v1beta3', 'kubeadm.k8s.io/v1beta4'];
const KUBELET_VERSION = /^v?\d{1,3}\.\d{1,3}(\.\d{1,4}([-+][0-9A-Za-z.-]{1,64})?)?$/;

function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

/** Canonical JSON (sorted keys), so that the same state in another key order has the same digest. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (isObject(value))
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`)
      .join(',')}}`;
  return JSON.stringify(value) ?? 'null';
}

/** The documents of a body: a JSON value, YAML/JSON text (several YAML documents are separate lists), or an array of them. */
function documents(input: unknown): unknown[] {
  if (input instanceof InvalidYaml) throw new BadRequestError(`the observation is not valid YAML: ${input.message}`);
  if (typeof input === 'string') {
    if (yamlNestsDeeperThan(input)) throw new BodyTooDeepError();
    const docs = parseAllDocuments(input, { uniqueKeys: true });
    const list = Array.isArray(docs) ? docs : [docs];
    const values: unknown[] = [];
    for (const d of list) {
      if (d.errors.length) throw new BadRequestError(`the observation is not valid YAML or JSON: ${d.errors[0].message}`);
      const v: unknown = d.toJS({ maxAliasCount: 100 });
      if (valueNestsDeeperThan(v)) throw new BodyTooDeepError();
      if (v !== null && v !== undefined) values.push(v);
    }
    return values;
  }
  return Array.isArray(input) ? input : [input];
}

interface Located {
  at: string;
  object: Json;
  /** Kind and apiVersion of the typed list it came from, for items that carry none (API list responses). */
  listKind: string | null;
  listApiVersion: string | null;
}

/** Reads and checks an observation; 422 (or 400 for text that does not parse) when it cannot be used. */
export function parseObservation(input: unknown): Observation {
  const docs = documents(input);
  const several = docs.length > 1;
  const located: Located[] = [];
  const covers = { nodes: false, services: false, serviceCidrs: false };
  const errors: FieldError[] = [];
  docs.forEach((doc, d) => {
    const prefix = several ? `[${d}].` : '';
    if (!isObject(doc)) {
      errors.push({ field: several ? `[${d}]` : 'body', message: 'must be a Kubernetes object or List (apiVersion, kind, items)' });
      return;
    }
    const kind = str(doc.kind);
    if (kind !== null && (kind === 'List' || kind.endsWith('List'))) {
      if (!Array.isArray(doc.items)) {
        errors.push({ field: `${prefix}items`, message: `a ${kind} must have an items array` });
        return;
      }
      const itemKind = kind === 'List' ? null : kind.slice(0, -'List'.length);
      if (itemKind !== null && !KNOWN.has(itemKind)) {
        errors.push({
          field: `${prefix}kind`,
          message: `${kind} is not part of an observation: give Nodes, Services, ServiceCIDRs and the kubeadm-config ConfigMap`,
        });
        return;
      }
      if (itemKind === 'Node') covers.nodes = true;
      if (itemKind === 'Service') covers.services = true;
      if (itemKind === 'ServiceCIDR') covers.serviceCidrs = true;
      (doc.items as unknown[]).forEach((item, i) => {
        const at = `${prefix}items[${i}]`;
        if (!isObject(item)) errors.push({ field: at, message: 'must be a Kubernetes object' });
        else located.push({ at, object: item, listKind: itemKind, listApiVersion: str(doc.apiVersion) });
      });
      return;
    }
    if (kind === null || !KNOWN.has(kind)) {
      errors.push({
        field: `${prefix}kind`,
        message: `${kind === null ? 'a document without kind' : kind} is not an observation: give a List (or NodeList, ServiceList, ServiceCIDRList) or a kubeadm-config ConfigMap`,
      });
      return;
    }
    located.push({ at: several ? `[${d}]` : '$', object: doc, listKind: null, listApiVersion: null });
  });
  if (errors.length) throw new ValidationError(errors);

  const out: Observation = {
    nodes: [],
    services: [],
    serviceCidrs: [],
    kubeadm: null,
    ignored: [],
    covers,
    digest: `sha256:${createHash('sha256').update(canonical(docs)).digest('hex').slice(0, 16)}`,
  };
  const seen = new Map<string, string>();
  for (const l of located) {
    const kind = str(l.object.kind) ?? l.listKind;
    const apiVersion = str(l.object.apiVersion) ?? l.listApiVersion;
    const metadata = isObject(l.object.metadata) ? l.object.metadata : {};
    const name = str(metadata.name);
    const namespace = str(metadata.namespace);
    const isKubeadm = kind === 'ConfigMap' && name === 'kubeadm-config' && (namespace === null || namespace === 'kube-system');
    if (kind === null || !KNOWN.has(kind) || (kind === 'ConfigMap' && !isKubeadm)) {
      out.ignored.push({ at: l.at, apiVersion, kind, namespace, name });
      continue;
    }
    const problems: string[] = [];
    if (!API_VERSIONS[kind].includes(apiVersion ?? '')) {
      problems.push(`apiVersion ${JSON.stringify(apiVersion)} is not one of ${kind}'s (${API_VERSIONS[kind].join(', ')})`);
    }
    if (!name) problems.push('has no metadata.name');
    const spec = l.object.spec ?? {};
    if (!isObject(spec)) problems.push('spec must be an object');
    const label = `${kind}${name ? ` ${namespace && kind === 'Service' ? `${namespace}/` : ''}${name}` : ''}`;
    if (problems.length || !name || !isObject(spec)) {
      errors.push({ field: l.at, message: `${label}: ${problems.join('; ')}` });
      continue;
    }
    const key = kind === 'Service' ? `Service ${namespace ?? 'default'}/${name}` : `${kind} ${name}`;
    const first = seen.get(key);
    if (first !== undefined) {
      errors.push({ field: l.at, message: `${key} appears twice (${first} is the first): an observation holds each object once` });
      continue;
    }
    seen.set(key, l.at);
    const report = (p: string[]) => {
      if (p.length) errors.push({ field: l.at, message: `${label}: ${p.join('; ')}` });
      return p.length === 0;
    };
    if (kind === 'Node') {
      const node = readNode(l.at, name, metadata, spec, l.object.status, problems);
      if (report(problems)) {
        out.nodes.push(node);
        covers.nodes = true;
      }
    } else if (kind === 'Service') {
      const service = readService(l.at, namespace ?? 'default', name, metadata, spec, problems);
      if (report(problems)) {
        out.services.push(service);
        covers.services = true;
      }
    } else if (kind === 'ServiceCIDR') {
      const cidrs = cidrList(spec.cidrs, 'spec.cidrs', problems);
      if (!cidrs.length && !problems.length) problems.push('spec.cidrs must hold one or two CIDRs');
      if (report(problems)) {
        out.serviceCidrs.push({ at: l.at, name, cidrs });
        covers.serviceCidrs = true;
      }
    } else {
      const kubeadm = readKubeadm(l.at, l.object.data, problems);
      if (report(problems)) out.kubeadm = kubeadm;
    }
  }
  if (errors.length) throw new ValidationError(errors);
  if (!covers.nodes && !covers.services && !covers.serviceCidrs && !out.kubeadm) {
    throw ValidationError.field(
      'items',
      `the observation holds no Node, Service, ServiceCIDR or kubeadm-config ConfigMap${out.ignored.length ? ` (only ${[...new Set(out.ignored.map((i) => i.kind ?? 'objects without kind'))].join(', ')})` : ''}`,
    );
  }
  return out;
}

/** A list of CIDRs (one per family at most, as Kubernetes allows); problems named after `field`. */
function cidrList(value: unknown, field: string, problems: string[]): Prefix[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    problems.push(`${field} must be a list of CIDRs`);
    return [];
  }
  const out: Prefix[] = [];
  value.forEach((v, i) => {
    const p = Prefix.tryParse(v);
    if (!p) problems.push(`${field}[${i}] ${JSON.stringify(v)} is not a CIDR`);
    else if (out.some((o) => o.family === p.family)) problems.push(`${field}[${i}] ${p}: a second ${p.family} CIDR`);
    else out.push(p);
  });
  if (value.length > 2) problems.push(`${field} holds at most two CIDRs, one per family`);
  return out;
}

function readNode(at: string, name: string, metadata: Json, spec: Json, status: unknown, problems: string[]): ObservedNode {
  const nameProblem = nodeNameProblem(name);
  if (nameProblem) problems.push(`metadata.name ${nameProblem}`);
  let podCidrs = cidrList(spec.podCIDRs, 'spec.podCIDRs', problems);
  if (!podCidrs.length && spec.podCIDR !== undefined && spec.podCIDR !== null && spec.podCIDR !== '') {
    podCidrs = cidrList([spec.podCIDR], 'spec.podCIDR', problems);
  }
  const nodeInfo = isObject(status) && isObject(status.nodeInfo) ? status.nodeInfo : {};
  const version = str(nodeInfo.kubeletVersion);
  if (version !== null && version !== '' && !KUBELET_VERSION.test(version)) {
    problems.push(`status.nodeInfo.kubeletVersion ${JSON.stringify(version)} is not a Kubernetes version`);
  }
  const addresses: ObservedNode['addresses'] = [];
  const taken = new Set<string>();
  for (const a of isObject(status) && Array.isArray(status.addresses) ? (status.addresses as unknown[]) : []) {
    if (!isObject(a) || (a.type !== 'InternalIP' && a.type !== 'ExternalIP')) continue;
    const address = Address.tryParse(a.address);
    // the first of each family and type, as the kubelet lists the primary first
    if (!address || taken.has(`${a.type}/${address.family}`)) continue;
    taken.add(`${a.type}/${address.family}`);
    addresses.push({ type: a.type, address: address.toString() });
  }
  return { at, name, podCidrs, kubeletVersion: version || null, labels: readLabels(metadata, problems), addresses };
}

function readLabels(metadata: Json, problems: string[]): Record<string, string> {
  if (metadata.labels === undefined || metadata.labels === null) return {};
  const found = labelProblems(metadata.labels);
  if (found.length) {
    problems.push(`metadata.labels: ${found.join('; ')}`);
    return {};
  }
  return metadata.labels as Record<string, string>;
}

function readService(at: string, namespace: string, name: string, metadata: Json, spec: Json, problems: string[]): ObservedService {
  const nameProblem = serviceNameProblem(name);
  if (nameProblem) problems.push(`metadata.name ${nameProblem}`);
  const nsProblem = namespaceProblem(namespace);
  if (nsProblem) problems.push(`metadata.namespace ${nsProblem}`);
  const type = (spec.type ?? 'ClusterIP') as ServiceType;
  if (!SERVICE_TYPES.includes(type)) problems.push(`spec.type ${JSON.stringify(spec.type)} is not one of ${SERVICE_TYPES.join(', ')}`);
  const policy = spec.ipFamilyPolicy ?? null;
  if (policy !== null && !IP_FAMILY_POLICIES.includes(policy as IPFamilyPolicy)) {
    problems.push(`spec.ipFamilyPolicy ${JSON.stringify(policy)} is not one of ${IP_FAMILY_POLICIES.join(', ')}`);
  }
  let raw: unknown[] = [];
  if (Array.isArray(spec.clusterIPs) && spec.clusterIPs.length) raw = spec.clusterIPs;
  else if (spec.clusterIPs !== undefined && spec.clusterIPs !== null && !Array.isArray(spec.clusterIPs))
    problems.push('spec.clusterIPs must be a list');
  else if (typeof spec.clusterIP === 'string' && spec.clusterIP !== '') raw = [spec.clusterIP];
  const clusterIPs: string[] = [];
  const ipFamilies: IPFamily[] = [];
  raw.forEach((v, i) => {
    if (v === HEADLESS) {
      if (raw.length > 1) problems.push('spec.clusterIPs: "None" (headless) must be the only value');
      clusterIPs.push(HEADLESS);
      return;
    }
    const a = Address.tryParse(v);
    if (!a) problems.push(`spec.clusterIPs[${i}] ${JSON.stringify(v)} is not an IP address`);
    else if (ipFamilies.includes(a.family)) problems.push(`spec.clusterIPs[${i}] ${a}: a second ${a.family} address`);
    else {
      clusterIPs.push(a.toString());
      ipFamilies.push(a.family);
    }
  });
  if (raw.length > 2) problems.push('spec.clusterIPs holds at most two addresses');
  let families: IPFamily[] = ipFamilies;
  if (spec.ipFamilies !== undefined && spec.ipFamilies !== null) {
    if (!Array.isArray(spec.ipFamilies) || spec.ipFamilies.some((f) => f !== 'IPv4' && f !== 'IPv6')) {
      problems.push('spec.ipFamilies must be a list of IPv4 and IPv6');
    } else {
      families = spec.ipFamilies as IPFamily[];
      if (ipFamilies.length && ipFamilies.some((f, i) => families[i] !== f)) {
        problems.push(`spec.ipFamilies (${families.join(', ')}) does not match the families of spec.clusterIPs (${ipFamilies.join(', ')})`);
      }
    }
  }
  if (type === 'ExternalName' && clusterIPs.length) problems.push('an ExternalName Service has no ClusterIP');
  const selector = isObject(spec.selector) && Object.keys(spec.selector).length ? (spec.selector as Record<string, string>) : null;
  const labels = readLabels(metadata, problems);
  return {
    at,
    namespace,
    name,
    type,
    clusterIPs,
    ipFamilies: type === 'ExternalName' ? [] : families,
    ipFamilyPolicy: type === 'ExternalName' ? null : (policy as IPFamilyPolicy | null),
    selector,
    labels,
  };
}

/** extraArgs as kubeadm writes them: a map (v1beta2, v1beta3) or a list of {name, value} (v1beta4). */
function extraArgs(value: unknown): Map<string, string> {
  const out = new Map<string, string>();
  const scalar = (v: unknown) => (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : '');
  if (Array.isArray(value)) {
    for (const a of value) if (isObject(a) && typeof a.name === 'string') out.set(a.name, scalar(a.value));
  } else if (isObject(value)) {
    for (const [k, v] of Object.entries(value)) out.set(k, scalar(v));
  }
  return out;
}

function readKubeadm(at: string, data: unknown, problems: string[]): KubeadmNetworking {
  const empty: KubeadmNetworking = {
    at,
    apiVersion: '',
    podSubnets: [],
    serviceSubnets: [],
    nodeMaskSizeIPv4: null,
    nodeMaskSizeIPv6: null,
    kubernetesVersion: null,
  };
  const text = isObject(data) ? data.ClusterConfiguration : undefined;
  if (typeof text !== 'string') {
    problems.push('data.ClusterConfiguration must hold kubeadm ClusterConfiguration YAML');
    return empty;
  }
  const docs = parseAllDocuments(text);
  const doc = (Array.isArray(docs) ? docs : [docs])[0];
  const config: unknown = doc && !doc.errors.length ? doc.toJS({ maxAliasCount: 100 }) : undefined;
  if (!isObject(config)) {
    problems.push('data.ClusterConfiguration is not valid YAML');
    return empty;
  }
  const apiVersion = str(config.apiVersion) ?? '';
  if (!KUBEADM_VERSIONS.includes(apiVersion) || config.kind !== 'ClusterConfiguration') {
    problems.push(`data.ClusterConfiguration must be a ClusterConfiguration of ${KUBEADM_VERSIONS.join(', ')}`);
    return empty;
  }
  const networking = isObject(config.networking) ? config.networking : {};
  const subnets = (field: string, v: unknown) =>
    typeof v === 'string' && v !== ''
      ? cidrList(
          v.split(',').map((s) => s.trim()),
          `networking.${field}`,
          problems,
        )
      : [];
  const args = extraArgs(isObject(config.controllerManager) ? config.controllerManager.extraArgs : undefined);
  const mask = (flag: string, max: number): number | null => {
    const v = args.get(flag);
    if (v === undefined) return null;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0 || n > max) {
      problems.push(`controllerManager.extraArgs ${flag}=${JSON.stringify(v)} is not a mask size`);
      return null;
    }
    return n;
  };
  // --node-cidr-mask-size is the single-stack flag; the per-family ones win (kube-controller-manager's nodeipam options)
  const single = mask('node-cidr-mask-size', 128);
  const podSubnets = subnets('podSubnet', networking.podSubnet);
  const singleFamily = podSubnets.length === 1 ? podSubnets[0].family : null;
  const version = str(config.kubernetesVersion);
  return {
    at,
    apiVersion,
    podSubnets,
    serviceSubnets: subnets('serviceSubnet', networking.serviceSubnet),
    nodeMaskSizeIPv4: mask('node-cidr-mask-size-ipv4', 32) ?? (singleFamily === 'IPv4' ? single : null),
    nodeMaskSizeIPv6: mask('node-cidr-mask-size-ipv6', 128) ?? (singleFamily === 'IPv6' ? single : null),
    kubernetesVersion: version && KUBELET_VERSION.test(version) ? version : null,
  };
}
