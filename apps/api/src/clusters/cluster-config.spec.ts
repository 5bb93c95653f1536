import { clusterConfig, configText, configYaml } from './cluster-config';
import type { ClusterModel } from './models/cluster.model';

function cluster(pods: [string, string][], services: [string, string][], kubernetesVersion: string | null = null): ClusterModel {
  const assignments = (xs: [string, string][]) => xs.map(([family, cidr]) => ({ family, cidr, rangeId: null, rangeName: null }));
  return {
    id: 'c1',
    podCidrs: pods.map(([, cidr]) => cidr),
    serviceCidrs: services.map(([, cidr]) => cidr),
    podCidrAssignments: assignments(pods),
    serviceCidrAssignments: assignments(services),
    nodeMaskSizeIPv4: 24,
    nodeMaskSizeIPv6: 80,
    kubernetesVersion,
  } as unknown as ClusterModel;
}

describe('clusterConfig', () => {
  it.each([
    [
      'IPv4',
      cluster([['IPv4', '10.244.0.0/16']], [['IPv4', '10.96.0.0/16']]),
      ['--cluster-cidr=10.244.0.0/16', '--service-cluster-ip-range=10.96.0.0/16', '--node-cidr-mask-size-ipv4=24'],
    ],
    [
      'IPv6 only',
      cluster([['IPv6', 'fd00:10::/56']], [['IPv6', 'fd00:96::/112']]),
      ['--cluster-cidr=fd00:10::/56', '--service-cluster-ip-range=fd00:96::/112', '--node-cidr-mask-size-ipv6=80'],
    ],
    [
      'dual-stack, IPv6 first',
      cluster(
        [
          ['IPv6', 'fd00:10::/56'],
          ['IPv4', '10.244.0.0/16'],
        ],
        [
          ['IPv6', 'fd00:96::/112'],
          ['IPv4', '10.96.0.0/16'],
        ],
      ),
      [
        '--cluster-cidr=fd00:10::/56,10.244.0.0/16',
        '--service-cluster-ip-range=fd00:96::/112,10.96.0.0/16',
        '--node-cidr-mask-size-ipv6=80',
        '--node-cidr-mask-size-ipv4=24',
      ],
    ],
  ])('renders kube-controller-manager flags in family order: %s', (_case, model, flags) => {
    expect(clusterConfig(model).kubeControllerManager).toEqual(flags);
  });

  it('renders kubeadm networking, with the version as kubeadm spells it', () => {
    const c = clusterConfig(cluster([['IPv4', '10.244.0.0/16']], [['IPv4', '10.96.0.0/16']], '1.31'));
    expect(c.kubeadm).toEqual({
      apiVersion: 'kubeadm.k8s.io/v1beta4',
      kind: 'ClusterConfiguration',
      kubernetesVersion: 'v1.31',
      networking: { podSubnet: '10.244.0.0/16', serviceSubnet: '10.96.0.0/16' },
    });
    expect(clusterConfig(cluster([['IPv4', '10.0.0.0/16']], [['IPv4', '10.1.0.0/16']])).kubeadm).not.toHaveProperty('kubernetesVersion');
    expect(configYaml(c)).toContain('podSubnet: 10.244.0.0/16');
    expect(configText(c).split('\n')).toEqual([
      'kube-apiserver --service-cluster-ip-range=10.96.0.0/16',
      'kube-controller-manager --cluster-cidr=10.244.0.0/16 --service-cluster-ip-range=10.96.0.0/16 --node-cidr-mask-size-ipv4=24',
      'kube-proxy --cluster-cidr=10.244.0.0/16',
      '',
    ]);
  });
});
