import { stringify as toYaml } from 'yaml';
import { calicoSelector, type LabelSelector } from '../pod-pools/label-selector';
import type { CalicoIPPool, CiliumValues, ClusterConfigModel, ClusterModel } from './models/cluster.model';

/**
 * What each CNI needs to know of a cluster's pod pools, as pure functions of
 * the cluster and its pools (GET /v1/clusters/{id}/config):
 *
 * - kube-controller-manager's range allocator takes one pod CIDR per family
 *   (`--cluster-cidr`, `--node-cidr-mask-size-ipv4/-ipv6`): its flags stay as
 *   they are while every family has one pool. With more, node blocks come from
 *   Kipam (or the CNI's IPAM), so the allocator is switched off
 *   (`--allocate-node-cidrs=false`) and kube-proxy tells local traffic by the
 *   node's own block (`--detect-local-mode=NodeCIDR`) rather than by one CIDR.
 * - Cilium's cluster-pool IPAM, as Helm values: `ipam.mode: cluster-pool`,
 *   `ipam.operator.clusterPoolIPv4PodCIDRList` / `clusterPoolIPv6PodCIDRList`
 *   (lists of CIDRs) and `clusterPoolIPv4MaskSize` / `clusterPoolIPv6MaskSize`
 *   (one block size per family). Cilium Helm reference,
 *   https://docs.cilium.io/en/stable/helm-reference/ (ipam.operator.*), and
 *   https://docs.cilium.io/en/stable/network/concepts/ipam/cluster-pool/.
 * - Calico, one `IPPool` (projectcalico.org/v3) per pool: `spec.cidr`,
 *   `spec.blockSize` (20-32 for IPv4, 116-128 for IPv6) and `spec.nodeSelector`
 *   in Calico's selector syntax (`all()` when the pool selects every node).
 *   https://docs.tigera.io/calico/latest/reference/resources/ippool
 *
 * What a CNI cannot express (per-pool mask sizes and selectors in Cilium's
 * cluster-pool mode, Calico's block size bounds) is said in `notes`.
 */

/** A pool as config rendering reads it (PodPoolModel's fields). */
export interface ConfigPool {
  name: string;
  family: 'IPv4' | 'IPv6';
  cidr: string;
  nodeMaskSize: number;
  nodeSelector: LabelSelector | null;
  isDefault: boolean;
}

/** Calico's blockSize bounds per family (IPPool reference, `blockSize`). */
export const CALICO_BLOCK_SIZE = { IPv4: [20, 32], IPv6: [116, 128] } as const;

export function ciliumValues(pools: readonly ConfigPool[], notes: string[]): CiliumValues {
  const operator: CiliumValues['ipam']['operator'] = {};
  for (const family of ['IPv4', 'IPv6'] as const) {
    const mine = pools.filter((p) => p.family === family);
    if (!mine.length) continue;
    const own = mine.find((p) => p.isDefault) ?? mine[0];
    const masks = [...new Set(mine.map((p) => p.nodeMaskSize))];
    if (masks.length > 1) {
      notes.push(
        `Cilium cluster-pool takes one ${family} mask size for every CIDR in its list: clusterPool${family}MaskSize is ${own.nodeMaskSize}, while the ${family} pools use /${masks.join(', /')}`,
      );
    }
    if (family === 'IPv4') {
      operator.clusterPoolIPv4PodCIDRList = mine.map((p) => p.cidr);
      operator.clusterPoolIPv4MaskSize = own.nodeMaskSize;
    } else {
      operator.clusterPoolIPv6PodCIDRList = mine.map((p) => p.cidr);
      operator.clusterPoolIPv6MaskSize = own.nodeMaskSize;
    }
  }
  if (pools.some((p) => p.nodeSelector)) {
    notes.push(
      'Cilium cluster-pool hands the listed CIDRs to any node: node selectors hold in Kipam and Calico, not in Cilium (use Kipam-assigned spec.podCIDRs with ipam.mode=kubernetes to keep them)',
    );
  }
  return { ipam: { mode: 'cluster-pool', operator } };
}

export function calicoIPPools(clusterName: string, pools: readonly ConfigPool[], notes: string[]): CalicoIPPool[] {
  return pools.map((p) => {
    const [min, max] = CALICO_BLOCK_SIZE[p.family];
    if (p.nodeMaskSize < min || p.nodeMaskSize > max) {
      notes.push(
        `Calico's blockSize must be ${min} to ${max} for ${p.family}: pool ${p.name} (/${p.nodeMaskSize}) would be refused by Calico`,
      );
    }
    return {
      apiVersion: 'projectcalico.org/v3',
      kind: 'IPPool',
      metadata: { name: `${clusterName}-${p.name}` },
      spec: { cidr: p.cidr, blockSize: p.nodeMaskSize, nodeSelector: calicoSelector(p.nodeSelector) },
    };
  });
}

/** The cluster's config (cluster-config.ts) with its pools: component flags adjusted when a family has several, and the CNI values. */
export function withPools(config: ClusterConfigModel, model: ClusterModel, pools: readonly ConfigPool[]): ClusterConfigModel {
  const notes: string[] = [];
  const several = ['IPv4', 'IPv6'].some((f) => pools.filter((p) => p.family === f).length > 1);
  const service = model.serviceCidrs.join(',');
  const out: ClusterConfigModel = { ...config };
  if (several) {
    out.kubeControllerManager = ['--allocate-node-cidrs=false', `--service-cluster-ip-range=${service}`];
    out.kubeProxy = ['--detect-local-mode=NodeCIDR'];
    notes.push(
      "kube-controller-manager's range allocator takes one pod CIDR per family: with several pools per family, nodes' spec.podCIDRs come from Kipam (POST /v1/clusters/{id}/nodes) or the CNI's IPAM",
    );
  }
  out.cilium = ciliumValues(pools, notes);
  out.calico = calicoIPPools(model.name, pools, notes);
  out.notes = notes;
  return out;
}

/** Calico's IPPool manifests as one multi-document YAML stream (`kubectl apply -f` / `calicoctl apply -f`). */
export function calicoYaml(c: ClusterConfigModel): string {
  return (c.calico ?? []).map((p) => toYaml(p)).join('---\n');
}

/** Cilium's Helm values as a values file (`helm install cilium cilium/cilium -f values.yaml`). */
export function ciliumYaml(c: ClusterConfigModel): string {
  return toYaml(c.cilium ?? {});
}
