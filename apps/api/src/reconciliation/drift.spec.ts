import { Address, Prefix } from '@kipam/cidr';
import { ValidationError } from '../common/errors';
import { computeDrift, podPoolOf, servicePoolOf, type ClusterSpace, type NodeRecord, type Occupant, type ServiceRecord } from './drift';
import { parseObservation } from './observation';

const space: ClusterSpace = {
  name: 'brown',
  podCidrs: [{ cidr: Prefix.parse('10.244.0.0/16'), poolId: '1' }],
  serviceCidrs: [{ cidr: Prefix.parse('10.96.0.0/16'), poolId: '2' }],
  nodeMask: { IPv4: 24, IPv6: 64 },
  podPools: [],
  extraServiceCidrs: [],
};
/** The same cluster with a pod pool (its own /26 node mask) and two extra ServiceCIDRs. */
const pooled: ClusterSpace = {
  ...space,
  podPools: [{ name: 'zone-b', cidr: Prefix.parse('10.250.0.0/16'), poolId: '3', mask: 26 }],
  extraServiceCidrs: [
    { name: 'extra', cidrs: [{ cidr: Prefix.parse('10.100.0.0/24'), poolId: '4' }] },
    { name: 'spare', cidrs: [{ cidr: Prefix.parse('10.101.0.0/24'), poolId: '5' }] },
  ],
};

const node = (name: string, ...podCIDRs: string[]) => ({ apiVersion: 'v1', kind: 'Node', metadata: { name }, spec: { podCIDRs } });
const service = (namespace: string, name: string, clusterIPs: string[], extra: Record<string, unknown> = {}) => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { namespace, name },
  spec: { type: 'ClusterIP', clusterIPs, ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack', ...extra },
});
const observe = (...items: object[]) => parseObservation({ apiVersion: 'v1', kind: 'List', items });

const nodeRecord = (id: string, name: string, ...cidrs: string[]): NodeRecord => ({
  id,
  name,
  podCidrs: cidrs.map((c) => Prefix.parse(c)),
  leaseIds: cidrs.map((_, i) => `${id}-l${i}`),
});
const serviceRecord = (
  id: string,
  namespace: string,
  name: string,
  ip: string,
  policy: ServiceRecord['ipFamilyPolicy'] = 'SingleStack',
): ServiceRecord => ({
  id,
  namespace,
  name,
  type: 'ClusterIP',
  clusterIPs: [ip],
  ipFamilies: ['IPv4'],
  ipFamilyPolicy: policy,
  leases: [{ family: 'IPv4', id: `${id}-l` }],
});
const occupant = (cidr: string, holderKind: Occupant['holderKind'], holderId: string): Occupant => ({
  cidr: Prefix.parseAddressOrCidr(cidr),
  holderKind,
  holderId,
});

describe('computeDrift', () => {
  const records = {
    nodes: [nodeRecord('n1', 'a', '10.244.0.0/24'), nodeRecord('n2', 'b', '10.244.1.0/24'), nodeRecord('n3', 'gone', '10.244.9.0/24')],
    services: [
      serviceRecord('s1', 'default', 'kubernetes', '10.96.0.1'),
      serviceRecord('s2', 'shop', 'web', '10.96.0.50'),
      serviceRecord('s3', 'shop', 'old', '10.96.0.77'),
    ],
  };
  const occupants = [
    occupant('10.244.0.0/24', 'node', 'n1'),
    occupant('10.244.1.0/24', 'node', 'n2'),
    occupant('10.96.0.1/32', 'service', 's1'),
    occupant('10.96.0.50/32', 'service', 's2'),
    occupant('10.96.0.77/32', 'service', 's3'),
  ];

  it('classifies each object and puts the two sides together, with counts', () => {
    const o = observe(
      node('a', '10.244.0.0/24'), // in-sync
      node('b', '10.244.5.0/24'), // mismatched: another block
      node('c', '10.244.6.0/24'), // unmanaged
      node('d', '10.244.0.0/24'), // conflicting: node a's block
      service('default', 'kubernetes', ['10.96.0.1']), // in-sync
      service('shop', 'web', ['10.96.0.50'], { ipFamilyPolicy: 'PreferDualStack' }), // mismatched: policy
      service('shop', 'api', ['10.96.0.60']), // unmanaged
      service('shop', 'dup', ['10.96.0.50']), // conflicting: web's address
      service('shop', 'db', ['None']), // unmanaged (headless)
    );
    const drift = computeDrift(space, o, records, occupants);
    const table = drift.items.map((i) => [i.kind, i.namespace ? `${i.namespace}/${i.name}` : i.name, i.status, i.actionable]);
    expect(table).toEqual([
      ['Node', 'a', 'in-sync', false],
      ['Node', 'b', 'mismatched', true],
      ['Node', 'c', 'unmanaged', true],
      ['Node', 'd', 'conflicting', false],
      ['Node', 'gone', 'leaked', true],
      ['Service', 'default/kubernetes', 'in-sync', false],
      ['Service', 'shop/web', 'mismatched', true],
      ['Service', 'shop/api', 'unmanaged', true],
      ['Service', 'shop/dup', 'conflicting', false],
      ['Service', 'shop/db', 'unmanaged', true],
      ['Service', 'shop/old', 'leaked', true],
    ]);
    expect(drift.counts).toEqual({ inSync: 2, unmanaged: 3, leaked: 2, mismatched: 2, conflicting: 2 });
    const b = drift.items[1];
    expect([b.kipam, b.observed, b.differences]).toEqual([
      { id: 'n2', podCIDRs: ['10.244.1.0/24'] },
      { podCIDRs: ['10.244.5.0/24'] },
      ['podCIDRs'],
    ]);
    expect(drift.items[3].note).toBe('10.244.0.0/24 is leased to node a');
    expect(drift.items[6].differences).toEqual(['ipFamilyPolicy']);
    expect(drift.items[8].note).toBe('10.96.0.50/32 is leased to Service shop/web');
    expect(drift.plan.adoptNodes.map((a) => [a.observed.name, a.record?.id ?? null])).toEqual([
      ['b', 'n2'],
      ['c', null],
    ]);
    expect(drift.plan.adoptServices.map((a) => a.observed.name)).toEqual(['web', 'api', 'db']);
    expect(drift.plan.releaseNodes.map((r) => r.name)).toEqual(['gone']);
    expect(drift.plan.releaseServices.map((r) => r.name)).toEqual(['old']);
  });

  it('reports space claimed twice in the observation itself as conflicting', () => {
    const drift = computeDrift(space, observe(node('x', '10.244.7.0/24'), node('y', '10.244.7.0/24')), { nodes: [], services: [] }, []);
    expect(drift.items.map((i) => i.status)).toEqual(['unmanaged', 'conflicting']);
    expect(drift.items[1].note).toBe('10.244.7.0/24 is also used by node x in the observation');
  });

  it('never releases default/kubernetes, and compares only the kinds the observation covers', () => {
    const onlyNodes = computeDrift(space, observe(node('a', '10.244.0.0/24')), records, occupants);
    expect(onlyNodes.items.filter((i) => i.kind === 'Service')).toEqual([]);
    const noServices = computeDrift(space, parseObservation({ apiVersion: 'v1', kind: 'ServiceList', items: [] }), records, occupants);
    const kubernetes = noServices.items.find((i) => i.name === 'kubernetes')!;
    expect([kubernetes.status, kubernetes.actionable]).toEqual(['leaked', false]);
    expect(noServices.plan.releaseServices.map((r) => r.name)).toEqual(['web', 'old']);
  });

  it('takes node blocks in a pod pool of its mask size and ClusterIPs in extra ServiceCIDRs, in their pools', () => {
    const o = observe(
      node('a', '10.244.0.0/24'),
      node('p', '10.250.0.64/26'),
      service('shop', 'web', ['10.96.0.50']),
      service('shop', 'far', ['10.100.0.7']),
    );
    const drift = computeDrift(pooled, o, { nodes: [nodeRecord('n9', 'p', '10.250.0.64/26')], services: [] }, [
      occupant('10.250.0.64/26', 'node', 'n9'),
    ]);
    expect(drift.items.map((i) => `${i.name}: ${i.status}`)).toEqual(['a: unmanaged', 'p: in-sync', 'web: unmanaged', 'far: unmanaged']);
    expect(drift.plan.adoptServices.map((a) => a.observed.name)).toEqual(['web', 'far']);
    expect(podPoolOf(pooled, Prefix.parse('10.250.0.64/26'))).toBe('3');
    expect(podPoolOf(pooled, Prefix.parse('10.244.3.0/24'))).toBe('1');
    expect(servicePoolOf(pooled, Address.parse('10.100.0.7'))).toBe('4');
    expect(servicePoolOf(pooled, Address.parse('10.96.0.50'))).toBe('2');
    expect(servicePoolOf(pooled, Address.parse('10.102.0.1'))).toBeUndefined();
  });

  it("refuses a pool's block of another mask size, and names the pools when a block lies outside all", () => {
    const attempt = () =>
      computeDrift(pooled, observe(node('p', '10.250.0.0/24'), node('q', '10.251.0.0/26')), { nodes: [], services: [] }, []);
    expect(attempt).toThrow(ValidationError);
    try {
      attempt();
    } catch (error) {
      expect((error as ValidationError).extra.errors).toEqual([
        {
          field: 'items[0].spec.podCIDRs[0]',
          message: 'Node p: 10.250.0.0/24 is not a /26, the node mask size of pod pool zone-b (10.250.0.0/16)',
        },
        {
          field: 'items[1].spec.podCIDRs[0]',
          message: 'Node q: 10.251.0.0/26 is outside every pod CIDR and pod pool of cluster brown (10.244.0.0/16, 10.250.0.0/16)',
        },
      ]);
    }
  });

  it("compares each ServiceCIDR with Kipam's of the same name: in-sync, mismatched, unmanaged, leaked, acting on none", () => {
    const drift = computeDrift(
      pooled,
      parseObservation({
        apiVersion: 'networking.k8s.io/v1',
        kind: 'ServiceCIDRList',
        items: [
          { metadata: { name: 'kubernetes' }, spec: { cidrs: ['10.96.0.0/16'] } },
          { metadata: { name: 'extra' }, spec: { cidrs: ['10.100.0.0/25'] } },
          { metadata: { name: 'newcidr1' }, spec: { cidrs: ['10.102.0.0/24'] } },
        ],
      }),
      { nodes: [], services: [] },
      [],
    );
    expect(drift.items.map((i) => [i.name, i.status, i.differences, i.actionable, i.kipam, i.observed])).toEqual([
      ['kubernetes', 'in-sync', [], false, { cidrs: ['10.96.0.0/16'] }, { cidrs: ['10.96.0.0/16'] }],
      ['extra', 'mismatched', ['cidrs'], false, { cidrs: ['10.100.0.0/24'] }, { cidrs: ['10.100.0.0/25'] }],
      ['newcidr1', 'unmanaged', [], false, null, { cidrs: ['10.102.0.0/24'] }],
      ['spare', 'leaked', [], false, { cidrs: ['10.101.0.0/24'] }, null],
    ]);
    expect(drift.items[1].note).toMatch(/DELETE \/v1\/clusters\/\{id\}\/service-cidrs\/extra and create it again/);
    expect(drift.items[2].note).toMatch(
      /POST \/v1\/clusters\/\{id\}\/service-cidrs \{"name": "newcidr1", "cidrs": \["10\.102\.0\.0\/24"\]\}/,
    );
    expect(drift.items[3].note).toMatch(/not released by apply: .*DELETE \/v1\/clusters\/\{id\}\/service-cidrs\/spare/);
    expect(drift.counts).toEqual({ inSync: 1, unmanaged: 1, leaked: 1, mismatched: 1, conflicting: 0 });
    // without ServiceCIDRs in the observation, none is leaked
    expect(computeDrift(pooled, observe(node('a', '10.244.0.0/24')), { nodes: [], services: [] }, []).items.map((i) => i.kind)).toEqual([
      'Node',
    ]);
  });

  it('compares the ServiceCIDR named kubernetes and kubeadm networking with the cluster, adopting neither', () => {
    const drift = computeDrift(
      space,
      parseObservation([
        {
          apiVersion: 'networking.k8s.io/v1',
          kind: 'ServiceCIDRList',
          items: [
            { metadata: { name: 'kubernetes' }, spec: { cidrs: ['10.96.0.0/16'] } },
            { metadata: { name: 'extra' }, spec: { cidrs: ['10.100.0.0/24'] } },
          ],
        },
        {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'kubeadm-config', namespace: 'kube-system' },
          data: {
            ClusterConfiguration:
              'apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\ncontrollerManager:\n  extraArgs:\n  - name: node-cidr-mask-size-ipv4\n    value: "25"\nnetworking:\n  podSubnet: 10.244.0.0/16\n  serviceSubnet: 10.96.0.0/12\n',
          },
        },
      ]),
      { nodes: [], services: [] },
      [],
    );
    expect(drift.items.map((i) => [i.kind, i.name, i.status, i.differences, i.actionable])).toEqual([
      ['ServiceCIDR', 'kubernetes', 'in-sync', [], false],
      ['ServiceCIDR', 'extra', 'unmanaged', [], false],
      [
        'ClusterConfiguration',
        'kubeadm-config',
        'mismatched',
        ['networking.serviceSubnet', 'controllerManager.extraArgs.node-cidr-mask-size-ipv4'],
        false,
      ],
    ]);
    expect(drift.items[1].note).toMatch(/Kipam has no ServiceCIDR extra; ServiceCIDRs are not adopted/);
    expect(drift.items[2].kipam).toEqual({ podSubnet: ['10.244.0.0/16'], serviceSubnet: ['10.96.0.0/16'], 'node-cidr-mask-size-ipv4': 24 });
  });

  it('refuses space the cluster cannot hold: a ClusterIP outside every service CIDR, a block of another size or outside the pod CIDRs', () => {
    const attempt = () =>
      computeDrift(
        space,
        observe(node('a', '10.245.0.0/24'), node('b', '10.244.0.0/25'), service('shop', 'web', ['10.100.0.5'])),
        { nodes: [], services: [] },
        [],
      );
    expect(attempt).toThrow(ValidationError);
    try {
      attempt();
    } catch (error) {
      expect((error as ValidationError).extra.errors).toEqual([
        {
          field: 'items[0].spec.podCIDRs[0]',
          message: 'Node a: 10.245.0.0/24 is outside every pod CIDR and pod pool of cluster brown (10.244.0.0/16)',
        },
        { field: 'items[1].spec.podCIDRs[0]', message: "Node b: 10.244.0.0/25 is not a /24, the cluster's IPv4 node mask size" },
        {
          field: 'items[2].spec.clusterIPs[0]',
          message: 'Service shop/web: 10.100.0.5 is outside every service CIDR of cluster brown (10.96.0.0/16)',
        },
      ]);
    }
  });

  it('leaves a node without pod CIDRs alone', () => {
    const drift = computeDrift(space, observe(node('fresh')), { nodes: [], services: [] }, []);
    expect([drift.items[0].status, drift.items[0].actionable]).toEqual(['unmanaged', false]);
    expect(drift.plan.adoptNodes).toEqual([]);
  });
});
