import { stringify as toYaml } from 'yaml';
import type { ClusterConfigModel, ClusterModel, ServiceCidrManifest } from './models/cluster.model';

/**
 * A cluster's networking as its components are configured: the kube-apiserver,
 * kube-controller-manager and kube-proxy flags, and kubeadm's
 * ClusterConfiguration networking block. Pure: rendered from the cluster model.
 */
export function clusterConfig(model: ClusterModel, serviceCidrs: ServiceCidrManifest[] = []): ClusterConfigModel {
  const join = (xs: string[]) => xs.join(',');
  const pod = join(model.podCidrs);
  const service = join(model.serviceCidrs);
  const masks = model.podCidrAssignments.map((a) =>
    a.family === 'IPv4' ? `--node-cidr-mask-size-ipv4=${model.nodeMaskSizeIPv4}` : `--node-cidr-mask-size-ipv6=${model.nodeMaskSizeIPv6}`,
  );
  return {
    clusterId: model.id,
    kubeApiserver: [`--service-cluster-ip-range=${service}`],
    kubeControllerManager: [`--cluster-cidr=${pod}`, `--service-cluster-ip-range=${service}`, ...masks],
    kubeProxy: [`--cluster-cidr=${pod}`],
    kubeadm: {
      apiVersion: 'kubeadm.k8s.io/v1beta4',
      kind: 'ClusterConfiguration',
      ...(model.kubernetesVersion
        ? { kubernetesVersion: model.kubernetesVersion.startsWith('v') ? model.kubernetesVersion : `v${model.kubernetesVersion}` }
        : {}),
      networking: { podSubnet: pod, serviceSubnet: service },
    },
    serviceCidrs,
  };
}

/** The component flags as shell lines, one component per line. */
export function configText(c: ClusterConfigModel): string {
  return [
    `kube-apiserver ${c.kubeApiserver.join(' ')}`,
    `kube-controller-manager ${c.kubeControllerManager.join(' ')}`,
    `kube-proxy ${c.kubeProxy.join(' ')}`,
    '',
  ].join('\n');
}

/** kubeadm's ClusterConfiguration as YAML, then the extra ServiceCIDR manifests (one document each). */
export function configYaml(c: ClusterConfigModel): string {
  return [c.kubeadm, ...(c.serviceCidrs ?? [])].map((doc) => toYaml(doc)).join('---\n');
}
