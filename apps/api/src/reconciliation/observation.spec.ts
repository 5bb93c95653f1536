import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { ValidationError, BadRequestError } from '../common/errors';
import { InvalidYaml } from '../services/service-manifest';
import { parseObservation } from './observation';

const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(join(__dirname, '../../test/fixtures/k8s', name), 'utf8')) as Record<string, unknown>;
const items = (name: string) => fixture(name).items as Record<string, unknown>[];

function errorsOf(fn: () => unknown): { field: string; message: string }[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof ValidationError) return error.extra.errors as { field: string; message: string }[];
    throw error;
  }
  throw new Error('expected a ValidationError');
}

describe('parseObservation', () => {
  const everything = () => ({
    apiVersion: 'v1',
    kind: 'List',
    items: [...items('nodes.json'), ...items('services.json'), fixture('kubeadm-config-v1beta3.json')],
  });

  it('reads one List of Nodes, Services and the kubeadm-config ConfigMap (kubectl output)', () => {
    const o = parseObservation(everything());
    expect(o.nodes.map((n) => [n.name, n.podCidrs.map(String), n.kubeletVersion])).toEqual([
      ['10.240.79.157', ['10.244.0.0/24'], 'v1.29.4'],
      ['10.240.79.158', ['10.244.1.0/24'], 'v1.29.4'],
      ['10.240.79.159', ['10.244.2.0/24'], 'v1.29.4'],
    ]);
    expect(o.services.map((s) => [`${s.namespace}/${s.name}`, s.clusterIPs, s.ipFamilies, s.ipFamilyPolicy])).toEqual([
      ['default/kubernetes', ['10.96.0.1'], ['IPv4'], 'SingleStack'],
      ['kube-system/kube-dns', ['10.96.0.10'], ['IPv4'], 'SingleStack'],
      ['shop/web', ['10.96.0.50'], ['IPv4'], 'SingleStack'],
      ['shop/db', ['None'], ['IPv4'], 'SingleStack'],
    ]);
    expect(o.kubeadm).toMatchObject({ apiVersion: 'kubeadm.k8s.io/v1beta3', nodeMaskSizeIPv4: 24, nodeMaskSizeIPv6: null });
    expect(o.kubeadm!.podSubnets.map(String)).toEqual(['10.244.0.0/16']);
    expect(o.covers).toEqual({ nodes: true, services: true, serviceCidrs: false });
    expect(o.digest).toMatch(/^sha256:[0-9a-f]{16}$/);
  });

  it('reads separate lists (an array, or YAML documents) to the same observation and digest', () => {
    const lists = [fixture('nodes.json'), fixture('services.json'), fixture('kubeadm-config-v1beta3.json')];
    const fromArray = parseObservation(lists);
    const fromYaml = parseObservation(lists.map((l) => stringify(l)).join('---\n'));
    expect(fromYaml.nodes.length).toBe(3);
    expect(fromYaml.services.length).toBe(4);
    expect(fromYaml.digest).toBe(fromArray.digest);
    // JSON text is YAML too
    expect(parseObservation(JSON.stringify(everything())).services.length).toBe(4);
    expect(fromArray.nodes[0].at).toBe('[0].items[0]');
  });

  it('reads v1beta4 ClusterConfiguration: extraArgs as a list, dual-stack subnets', () => {
    const o = parseObservation(fixture('kubeadm-config-v1beta4.json'));
    expect(o.kubeadm).toMatchObject({
      apiVersion: 'kubeadm.k8s.io/v1beta4',
      nodeMaskSizeIPv4: 25,
      nodeMaskSizeIPv6: 64,
      kubernetesVersion: 'v1.32.0',
    });
    expect(o.kubeadm!.serviceSubnets.map(String)).toEqual(['10.97.0.0/16', 'fd00:97::/112']);
    expect(o.covers).toEqual({ nodes: false, services: false, serviceCidrs: false });
  });

  it('takes API list responses whose items carry no kind (NodeList, ServiceCIDRList)', () => {
    const nodes = fixture('nodes.json');
    const bare = {
      apiVersion: 'v1',
      kind: 'NodeList',
      items: (nodes.items as Record<string, unknown>[]).map(({ kind: _k, apiVersion: _a, ...rest }) => rest),
    };
    expect(parseObservation(bare).nodes.length).toBe(3);
    const cidrs = parseObservation(fixture('servicecidrs.json'));
    expect(cidrs.serviceCidrs.map((c) => [c.name, c.cidrs.map(String)])).toEqual([
      ['kubernetes', ['10.96.0.0/16']],
      ['newcidr1', ['10.96.0.0/24']],
    ]);
    // an empty NodeList still says "these are all the nodes"
    expect(parseObservation({ apiVersion: 'v1', kind: 'NodeList', items: [] }).covers.nodes).toBe(true);
  });

  it('ignores and lists unknown kinds and other ConfigMaps', () => {
    const o = parseObservation({
      apiVersion: 'v1',
      kind: 'List',
      items: [
        { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'shop' } },
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'other', namespace: 'kube-system' }, data: {} },
        ...items('services.json'),
      ],
    });
    expect(o.ignored).toEqual([
      { at: 'items[0]', apiVersion: 'v1', kind: 'Pod', namespace: 'shop', name: 'p' },
      { at: 'items[1]', apiVersion: 'v1', kind: 'ConfigMap', namespace: 'kube-system', name: 'other' },
    ]);
    expect(o.services.length).toBe(4);
  });

  it('refuses wrong kinds at the top, and an observation with nothing Kipam compares', () => {
    expect(errorsOf(() => parseObservation({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' } }))[0].field).toBe('kind');
    expect(errorsOf(() => parseObservation({ apiVersion: 'v1', kind: 'PodList', items: [] }))[0].message).toMatch(/PodList is not part/);
    expect(
      errorsOf(() => parseObservation({ apiVersion: 'v1', kind: 'List', items: [{ kind: 'Pod', apiVersion: 'v1' }] }))[0].message,
    ).toMatch(/holds no Node, Service/);
    expect(errorsOf(() => parseObservation('just text'))[0].field).toBe('body');
  });

  it('refuses malformed objects with their index and name', () => {
    const list = everything();
    const bad = structuredClone(list);
    (bad.items[1] as { spec: { podCIDRs: string[] } }).spec.podCIDRs = ['10.244.1.0/33'];
    (bad.items[4] as { spec: { clusterIPs: string[] } }).spec.clusterIPs = ['10.96.0.300'];
    (bad.items[5] as { apiVersion: string }).apiVersion = 'apps/v1';
    const errors = errorsOf(() => parseObservation(bad));
    expect(errors).toEqual([
      {
        field: 'items[1]',
        message: expect.stringMatching(/^Node 10\.240\.79\.158: spec\.podCIDRs\[0\] "10\.244\.1\.0\/33" is not a CIDR/),
      },
      {
        field: 'items[4]',
        message: expect.stringMatching(/^Service kube-system\/kube-dns: spec\.clusterIPs\[0\] "10\.96\.0\.300" is not an IP/),
      },
      { field: 'items[5]', message: expect.stringMatching(/^Service shop\/web: apiVersion "apps\/v1"/) },
    ]);
    expect(
      errorsOf(() => parseObservation({ kind: 'List', apiVersion: 'v1', items: [{ kind: 'Node', apiVersion: 'v1', metadata: {} }] })),
    ).toEqual([{ field: 'items[0]', message: 'Node: has no metadata.name' }]);
  });

  it('refuses the same object twice', () => {
    const list = everything();
    list.items.push(items('services.json')[2]);
    expect(errorsOf(() => parseObservation(list))).toEqual([
      { field: 'items[8]', message: 'Service shop/web appears twice (items[5] is the first): an observation holds each object once' },
    ]);
  });

  it('refuses a kubeadm ConfigMap that does not hold a ClusterConfiguration, and YAML that does not parse (400)', () => {
    const cm = fixture('kubeadm-config-v1beta3.json');
    (cm.data as Record<string, string>).ClusterConfiguration = 'apiVersion: kubeadm.k8s.io/v1beta3\nkind: InitConfiguration\n';
    expect(errorsOf(() => parseObservation(cm))[0].message).toMatch(/must be a ClusterConfiguration/);
    expect(() => parseObservation('a: [1, 2')).toThrow(BadRequestError);
    expect(() => parseObservation(new InvalidYaml('bad'))).toThrow(BadRequestError);
  });
});
