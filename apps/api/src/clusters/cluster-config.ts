import { stringify as toYaml } from 'yaml';
import type { ClusterConfigModel, ClusterModel, KubeadmArg, ServiceCidrManifest } from './models/cluster.model';

/** `--name=value` as a kubeadm v1beta4 `Arg` (`{name, value}`, the flag without its dashes). */
function toArg(flag: string): KubeadmArg {
  const [name, ...value] = flag.replace(/^--/, '').split('=');
  return { name, value: value.join('=') };
}

/**
 * A cluster's networking as its components are configured: the kube-apiserver,
 * kube-controller-manager and kube-proxy flags, and kubeadm's
 * ClusterConfiguration (v1beta4) with the same flags as the control plane
 * components' `extraArgs`, so a cluster built from it gets the node mask
 * sizes Kipam planned (kubeadm's own default is /24 and /64). Pure: rendered
 * from the cluster model.
 */
export function clusterConfig(model: ClusterModel, serviceCidrs: ServiceCidrManifest[] = []): ClusterConfigModel {
  const join = (xs: string[]) => xs.join(',');
  const pod = join(model.podCidrs);
  const service = join(model.serviceCidrs);
  const masks = model.podCidrAssignments.map((a) =>
    a.family === 'IPv4' ? `--node-cidr-mask-size-ipv4=${model.nodeMaskSizeIPv4}` : `--node-cidr-mask-size-ipv6=${model.nodeMaskSizeIPv6}`,
  );
  const kubeApiserver = [`--service-cluster-ip-range=${service}`];
  const kubeControllerManager = [`--cluster-cidr=${pod}`, `--service-cluster-ip-range=${service}`, ...masks];
  return {
    clusterId: model.id,
    kubeApiserver,
    kubeControllerManager,
    kubeProxy: [`--cluster-cidr=${pod}`],
    kubeadm: {
      apiVersion: 'kubeadm.k8s.io/v1beta4',
      kind: 'ClusterConfiguration',
      ...(model.kubernetesVersion
        ? { kubernetesVersion: model.kubernetesVersion.startsWith('v') ? model.kubernetesVersion : `v${model.kubernetesVersion}` }
        : {}),
      networking: { podSubnet: pod, serviceSubnet: service },
      // v1beta4 extraArgs is a list of {name, value} (v1beta3's was a map)
      apiServer: { extraArgs: kubeApiserver.map(toArg) },
      // kubeadm sets allocate-node-cidrs itself when podSubnet is given; stated, so the list reads whole
      controllerManager: { extraArgs: [{ name: 'allocate-node-cidrs', value: 'true' }, ...kubeControllerManager.map(toArg)] },
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
