import { CidrError, Prefix, parseKubernetesVersion, validateServiceCidr, type IPFamily } from '@kipam/cidr';
import type { FieldError } from '../common/errors';
import type { PlannedCidr } from './cluster-cidr-rules';

/**
 * The rules of extra ServiceCIDRs (networking.k8s.io/v1 ServiceCIDR, GA in
 * Kubernetes 1.33, KEP-1880), as pure functions: the version gate, the name
 * and `cidrs` checks of `ValidateServiceCIDR` in
 * pkg/apis/networking/validation/validation.go, and the cluster-level checks
 * Kipam adds (families the cluster has, the service CIDR size rules).
 */

/** The ServiceCIDR kube-apiserver makes from --service-cluster-ip-range: the cluster's own serviceCidrs. */
export const DEFAULT_SERVICE_CIDR = 'kubernetes';
/** networking.k8s.io/v1 ServiceCIDR is GA (and on by default) from this version. */
export const SERVICE_CIDR_MIN_VERSION = { major: 1, minor: 33 } as const;

/** `ValidateServiceCIDRName = NameIsDNSSubdomain`: RFC 1123 subdomain, at most 253 characters. */
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export function serviceCidrNameProblem(name: string): string | null {
  if (name.length === 0) return 'is required';
  if (name.length > 253) return 'must be no more than 253 characters (a DNS-1123 subdomain)';
  if (!DNS1123_SUBDOMAIN.test(name)) {
    return (
      "must be a lowercase RFC 1123 subdomain: lowercase letters, digits, '-' and '.', starting and ending " +
      "with a letter or digit (e.g. 'extra-1' or 'services.example.com')"
    );
  }
  return null;
}

/** Why a cluster of this Kubernetes version cannot have extra ServiceCIDRs, or null when it can. */
export function serviceCidrVersionGate(kubernetesVersion: string | null): string | null {
  const needed = `${SERVICE_CIDR_MIN_VERSION.major}.${SERVICE_CIDR_MIN_VERSION.minor}`;
  if (kubernetesVersion === null) {
    return `the cluster has no kubernetesVersion: extra ServiceCIDRs (networking.k8s.io/v1) need Kubernetes ${needed} or later; set kubernetesVersion first`;
  }
  const v = parseKubernetesVersion(kubernetesVersion);
  const ok =
    v.major > SERVICE_CIDR_MIN_VERSION.major || (v.major === SERVICE_CIDR_MIN_VERSION.major && v.minor >= SERVICE_CIDR_MIN_VERSION.minor);
  return ok
    ? null
    : `the cluster runs Kubernetes ${kubernetesVersion}: extra ServiceCIDRs (networking.k8s.io/v1, GA in ${needed}) need ${needed} or later`;
}

/** A cluster version change that would strand its extra ServiceCIDRs. */
export function serviceCidrVersionProblem(
  cidrs: { service_cidr_name: string }[],
  kubernetesVersion: string | null,
): FieldError | undefined {
  const names = [...new Set(cidrs.map((c) => c.service_cidr_name).filter(Boolean))];
  if (!names.length) return undefined;
  const gate = serviceCidrVersionGate(kubernetesVersion);
  return gate ? { field: 'kubernetesVersion', message: `${gate}; the cluster has ServiceCIDR(s) ${names.join(', ')}` } : undefined;
}

/**
 * What `ValidateServiceCIDR` refuses in `cidrs` once each entry is planned (one
 * or two entries, two of different families), and what Kipam adds: a family
 * the cluster has service addresses of, and the service CIDR size rules of
 * the cluster's Kubernetes version (cluster-cidr-rules.ts).
 */
export function serviceCidrPlanProblems(
  plan: PlannedCidr[],
  clusterFamilies: readonly IPFamily[],
  kubernetesVersion: string | null,
): FieldError[] {
  const problems: FieldError[] = [];
  if (plan.length === 2 && plan[0].family === plan[1].family) {
    problems.push({
      field: 'cidrs',
      message: `may specify no more than one CIDR for each IP family (both are ${plan[0].family}), e.g. 10.97.0.0/16 and fd00:97::/112`,
    });
    return problems;
  }
  for (const p of plan) {
    if (!clusterFamilies.includes(p.family)) {
      problems.push({
        field: p.field,
        message: `is ${p.family}, but the cluster has ${clusterFamilies.join(' and ')} service addresses only: a ServiceCIDR extends a family the cluster has`,
      });
      continue;
    }
    const probe = p.declared ?? Prefix.of(p.family, Prefix.parseAddressOrCidr(p.range!.cidr).network, p.length);
    try {
      validateServiceCidr(probe, kubernetesVersion);
    } catch (error) {
      if (error instanceof CidrError) problems.push({ field: p.field, message: error.message });
      else throw error;
    }
  }
  return problems;
}
