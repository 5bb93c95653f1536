import { clusterConfig } from './cluster-config';
import { calicoYaml, ciliumYaml, withPools, type ConfigPool } from './cni-config';
import type { ClusterModel } from './models/cluster.model';

const model = {
  id: 'c1',
  name: 'prod',
  podCidrs: ['10.244.0.0/16', 'fd00:244::/56'],
  serviceCidrs: ['10.96.0.0/16', 'fd00:96::/112'],
  podCidrAssignments: [
    { family: 'IPv4', cidr: '10.244.0.0/16', rangeId: null, rangeName: null },
    { family: 'IPv6', cidr: 'fd00:244::/56', rangeId: null, rangeName: null },
  ],
  nodeMaskSizeIPv4: 24,
  nodeMaskSizeIPv6: 120,
  kubernetesVersion: null,
} as unknown as ClusterModel;
const own: ConfigPool[] = [
  { name: 'default-ipv4', family: 'IPv4', cidr: '10.244.0.0/16', nodeMaskSize: 24, nodeSelector: null, isDefault: true },
  { name: 'default-ipv6', family: 'IPv6', cidr: 'fd00:244::/56', nodeMaskSize: 120, nodeSelector: null, isDefault: true },
];

describe('CNI config', () => {
  it('keeps the kube-controller-manager flags with one pool per family, and renders Cilium and Calico', () => {
    const c = withPools(clusterConfig(model), model, own);
    expect(c.kubeControllerManager).toEqual([
      '--cluster-cidr=10.244.0.0/16,fd00:244::/56',
      '--service-cluster-ip-range=10.96.0.0/16,fd00:96::/112',
      '--node-cidr-mask-size-ipv4=24',
      '--node-cidr-mask-size-ipv6=120',
    ]);
    expect(c.cilium).toEqual({
      ipam: {
        mode: 'cluster-pool',
        operator: {
          clusterPoolIPv4PodCIDRList: ['10.244.0.0/16'],
          clusterPoolIPv4MaskSize: 24,
          clusterPoolIPv6PodCIDRList: ['fd00:244::/56'],
          clusterPoolIPv6MaskSize: 120,
        },
      },
    });
    expect(c.calico).toEqual([
      {
        apiVersion: 'projectcalico.org/v3',
        kind: 'IPPool',
        metadata: { name: 'prod-default-ipv4' },
        spec: { cidr: '10.244.0.0/16', blockSize: 24, nodeSelector: 'all()' },
      },
      {
        apiVersion: 'projectcalico.org/v3',
        kind: 'IPPool',
        metadata: { name: 'prod-default-ipv6' },
        spec: { cidr: 'fd00:244::/56', blockSize: 120, nodeSelector: 'all()' },
      },
    ]);
    expect(c.notes).toEqual([]);
  });

  it('switches the range allocator off with several pools in a family, and notes what a CNI cannot express', () => {
    const pools: ConfigPool[] = [
      {
        name: 'zone-a',
        family: 'IPv4',
        cidr: '10.245.0.0/16',
        nodeMaskSize: 26,
        nodeSelector: { matchLabels: { zone: 'a' } },
        isDefault: false,
      },
      own[0],
      own[1],
      { name: 'wide', family: 'IPv6', cidr: 'fd00:245::/56', nodeMaskSize: 64, nodeSelector: null, isDefault: false },
    ];
    const c = withPools(clusterConfig(model), model, pools);
    expect(c.kubeControllerManager).toEqual(['--allocate-node-cidrs=false', '--service-cluster-ip-range=10.96.0.0/16,fd00:96::/112']);
    expect(c.kubeProxy).toEqual(['--detect-local-mode=NodeCIDR']);
    expect(c.cilium!.ipam.operator).toEqual({
      clusterPoolIPv4PodCIDRList: ['10.245.0.0/16', '10.244.0.0/16'],
      clusterPoolIPv4MaskSize: 24,
      clusterPoolIPv6PodCIDRList: ['fd00:244::/56', 'fd00:245::/56'],
      clusterPoolIPv6MaskSize: 120,
    });
    expect(c.calico!.map((p) => [p.metadata.name, p.spec.blockSize, p.spec.nodeSelector])).toEqual([
      ['prod-zone-a', 26, "zone == 'a'"],
      ['prod-default-ipv4', 24, 'all()'],
      ['prod-default-ipv6', 120, 'all()'],
      ['prod-wide', 64, 'all()'],
    ]);
    expect(c.notes!.join('\n')).toContain("kube-controller-manager's range allocator takes one pod CIDR per family");
    expect(c.notes!.join('\n')).toContain('Cilium cluster-pool takes one IPv4 mask size');
    expect(c.notes!.join('\n')).toContain('node selectors hold in Kipam and Calico, not in Cilium');
    expect(c.notes!.join('\n')).toContain("Calico's blockSize must be 116 to 128 for IPv6: pool wide (/64)");
    expect(calicoYaml(c).split('---\n')).toHaveLength(4);
    expect(calicoYaml(c)).toContain("nodeSelector: zone == 'a'");
    expect(ciliumYaml(c)).toContain('clusterPoolIPv4PodCIDRList:\n      - 10.245.0.0/16\n      - 10.244.0.0/16');
  });
});
