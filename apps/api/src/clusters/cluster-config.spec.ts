import { parse as parseYaml } from 'yaml';
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
      apiServer: { extraArgs: [{ name: 'service-cluster-ip-range', value: '10.96.0.0/16' }] },
      controllerManager: {
        extraArgs: [
          { name: 'allocate-node-cidrs', value: 'true' },
          { name: 'cluster-cidr', value: '10.244.0.0/16' },
          { name: 'service-cluster-ip-range', value: '10.96.0.0/16' },
          { name: 'node-cidr-mask-size-ipv4', value: '24' },
        ],
      },
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

/**
 * The JSON field names of kubeadm.k8s.io/v1beta4, from k8s.io/kubernetes
 * cmd/kubeadm/app/apis/kubeadm/v1beta4/types.go (ClusterConfiguration,
 * Networking, APIServer, ControlPlaneComponent, Arg; read at commit
 * 1329935739c3aa007d23cb9a4dadfee9d59ff79b). TypeMeta adds apiVersion and
 * kind; APIServer inlines ControlPlaneComponent and adds certSANs.
 */
const CONTROL_PLANE_COMPONENT = ['extraArgs', 'extraVolumes', 'extraEnvs'];
const V1BETA4: Record<string, string[]> = {
  ClusterConfiguration: [
    'apiVersion',
    'kind',
    'etcd',
    'networking',
    'kubernetesVersion',
    'controlPlaneEndpoint',
    'apiServer',
    'controllerManager',
    'scheduler',
    'dns',
    'proxy',
    'certificatesDir',
    'imageRepository',
    'featureGates',
    'clusterName',
    'encryptionAlgorithm',
    'certificateValidityPeriod',
    'caCertificateValidityPeriod',
  ],
  Networking: ['serviceSubnet', 'podSubnet', 'dnsDomain'],
  APIServer: [...CONTROL_PLANE_COMPONENT, 'certSANs'],
  ControlPlaneComponent: CONTROL_PLANE_COMPONENT,
  Arg: ['name', 'value'],
};
/** Which v1beta4 type each field of ClusterConfiguration holds (the ones Kipam may emit). */
const FIELD_TYPES: Record<string, string> = {
  networking: 'Networking',
  apiServer: 'APIServer',
  controllerManager: 'ControlPlaneComponent',
};

/** Field-name problems of a parsed ClusterConfiguration against the allow-list. */
function v1beta4Problems(doc: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const check = (type: string, value: unknown, path: string) => {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return problems.push(`${path} must be an object (${type})`);
    for (const [key, child] of Object.entries(value)) {
      if (!V1BETA4[type].includes(key)) problems.push(`${path}.${key} is not a field of ${type}`);
      else if (FIELD_TYPES[key] && type === 'ClusterConfiguration') check(FIELD_TYPES[key], child, `${path}.${key}`);
      else if (key === 'extraArgs') {
        // v1beta4: a list of Arg, each {name, value} strings (a v1beta3-style map fails here)
        if (!Array.isArray(child)) problems.push(`${path}.extraArgs must be a list of {name, value}`);
        else
          child.forEach((arg: unknown, i) => {
            check('Arg', arg, `${path}.extraArgs[${i}]`);
            const a = arg as Record<string, unknown>;
            if (typeof a.name !== 'string' || typeof a.value !== 'string')
              problems.push(`${path}.extraArgs[${i}] name and value must be strings`);
          });
      }
    }
    return problems.length;
  };
  check('ClusterConfiguration', doc, 'ClusterConfiguration');
  return problems;
}

describe('kubeadm ClusterConfiguration YAML', () => {
  const dual = {
    ...cluster(
      [
        ['IPv4', '10.244.0.0/16'],
        ['IPv6', 'fd00:10::/56'],
      ],
      [
        ['IPv4', '10.96.0.0/16'],
        ['IPv6', 'fd00:96::/112'],
      ],
      '1.31',
    ),
    nodeMaskSizeIPv4: 26,
  };

  it('uses only kubeadm v1beta4 field names, extraArgs as lists of {name, value}', () => {
    const doc = parseYaml(configYaml(clusterConfig(dual))) as Record<string, unknown>;
    expect(v1beta4Problems(doc)).toEqual([]);
    // the check itself refuses what v1beta3 looked like and unknown fields
    expect(v1beta4Problems({ ...doc, controllerManager: { extraArgs: { 'node-cidr-mask-size-ipv4': '26' } } })).toEqual([
      'ClusterConfiguration.controllerManager.extraArgs must be a list of {name, value}',
    ]);
    expect(v1beta4Problems({ ...doc, networking: { podSubnet: 'x', podCIDR: 'y' } })).toEqual([
      'ClusterConfiguration.networking.podCIDR is not a field of Networking',
    ]);
  });

  it('carries everything the flags say: the node mask sizes Kipam planned, not kubeadm defaults', () => {
    const c = clusterConfig(dual);
    const doc = parseYaml(configYaml(c)) as {
      controllerManager: { extraArgs: { name: string; value: string }[] };
      apiServer: { extraArgs: { name: string; value: string }[] };
    };
    const args = (xs: { name: string; value: string }[]) => xs.map((a) => `--${a.name}=${a.value}`);
    expect(args(doc.controllerManager.extraArgs)).toEqual(['--allocate-node-cidrs=true', ...c.kubeControllerManager]);
    expect(args(doc.apiServer.extraArgs)).toEqual(c.kubeApiserver);
    expect(doc.controllerManager.extraArgs).toContainEqual({ name: 'node-cidr-mask-size-ipv4', value: '26' });
    expect(doc.controllerManager.extraArgs).toContainEqual({ name: 'node-cidr-mask-size-ipv6', value: '80' });
  });
});
