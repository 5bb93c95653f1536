import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { startTestApp, type TestApp } from './setup/test-app';

/** Fixtures: kubectl's own output (apps/api/test/fixtures/k8s/generate.sh). */
const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(join(__dirname, 'fixtures/k8s', name), 'utf8')) as Record<string, unknown>;
const itemsOf = (name: string) => fixture(name).items as Record<string, unknown>[];
/** What `kubectl get nodes,services -A -o json` prints for the fixture cluster. */
const liveState = () => ({
  apiVersion: 'v1',
  kind: 'List',
  metadata: { resourceVersion: '' },
  items: [...itemsOf('nodes.json'), ...itemsOf('services.json')],
});

interface Item {
  kind: string;
  namespace: string | null;
  name: string;
  status: string;
  kipam: Record<string, unknown> | null;
  observed: Record<string, unknown> | null;
  differences: string[];
  actionable: boolean;
  action: string | null;
  note: string | null;
}

describe('Reconciliation', () => {
  let t: TestApp;
  let brown: string;
  const post = (path: string, body: unknown) =>
    t.http
      .post(path)
      .set(t.auth)
      .send(body as object);
  const observe = (clusterId: string, body: unknown, apply?: string) =>
    post(`/v1/clusters/${clusterId}/observations${apply ? `?apply=${apply}` : ''}`, body);
  const table = (items: Item[]) =>
    items.map((i) => `${i.kind} ${i.namespace ? `${i.namespace}/` : ''}${i.name}: ${i.status}${i.action ? ` (${i.action})` : ''}`);
  /** Everything a change could touch, to prove that something changed nothing. */
  const snapshot = async () =>
    (
      await t.sql<{ s: string }>(
        `SELECT (SELECT count(*) FROM node) || '/' || (SELECT count(*) FROM service) || '/' || (SELECT count(*) FROM lease) || '/' ||
                (SELECT count(*) FROM audit_record) || '/' || (SELECT count(*) FROM cluster) || '/' ||
                (SELECT coalesce(string_agg(cidr::text || holder_id::text, ',' ORDER BY cidr, holder_id), '') FROM lease) AS s`,
      )
    )[0].s;
  const nodeBlocks = async (clusterId: string) => {
    const res = await t.http.get(`/v1/clusters/${clusterId}/nodes?limit=1000`).set(t.auth).expect(200);
    return Object.fromEntries((res.body.items as { name: string; podCidrs: string[] }[]).map((n) => [n.name, n.podCidrs]));
  };
  const serviceIps = async (clusterId: string) => {
    const res = await t.http.get(`/v1/clusters/${clusterId}/services?limit=1000`).set(t.auth).expect(200);
    return Object.fromEntries(
      (res.body.items as { namespace: string; name: string; clusterIPs: string[] }[]).map((s) => [
        `${s.namespace}/${s.name}`,
        s.clusterIPs,
      ]),
    );
  };

  beforeAll(async () => {
    t = await startTestApp();
    brown = (await post('/v1/clusters', { name: 'brown', podCidrs: ['10.244.0.0/16'], serviceCidrs: ['10.96.0.0/16'] }).expect(201)).body
      .id as string;
    const nodes = `/v1/clusters/${brown}/nodes`;
    await post(nodes, { name: '10.240.79.157', podCidrs: ['10.244.0.0/24'] }).expect(201); // in-sync
    await post(nodes, { name: '10.240.79.158', podCidrs: ['10.244.9.0/24'] }).expect(201); // mismatched: the cluster has 10.244.1.0/24
    await post(nodes, { name: 'stale', podCidrs: ['10.244.8.0/24'] }).expect(201); // leaked
    const services = `/v1/clusters/${brown}/services`;
    await post(services, { namespace: 'shop', name: 'web', clusterIP: '10.96.0.51' }).expect(201); // mismatched: .50 in the cluster
    await post(services, { namespace: 'shop', name: 'old', clusterIP: '10.96.0.77' }).expect(201); // leaked
    await post(services, { namespace: 'kube-system', name: 'kube-dns', clusterIP: '10.96.0.11' }).expect(201);
    await post(services, { namespace: 'shop', name: 'squatter', clusterIP: '10.96.0.10' }).expect(201); // holds kube-dns's address
  });
  afterAll(() => t.close());

  it('reports each drift class with both sides and counts, and a dry run changes nothing', async () => {
    const before = await snapshot();
    const res = await observe(brown, liveState()).expect(200);
    expect(await snapshot()).toBe(before);
    expect(res.body.applied).toBeNull();
    expect(res.body.observation).toMatch(/^sha256:[0-9a-f]{16}$/);
    expect(table(res.body.items)).toEqual([
      'Node 10.240.79.157: in-sync',
      'Node 10.240.79.158: mismatched',
      'Node 10.240.79.159: unmanaged',
      'Node stale: leaked',
      'Service default/kubernetes: in-sync',
      'Service kube-system/kube-dns: conflicting',
      'Service shop/web: mismatched',
      'Service shop/db: unmanaged',
      'Service shop/old: leaked',
      'Service shop/squatter: leaked',
    ]);
    expect(res.body.counts).toEqual({ inSync: 2, unmanaged: 2, leaked: 3, mismatched: 2, conflicting: 1 });
    const items = res.body.items as Item[];
    expect(items[1]).toMatchObject({
      kipam: { podCIDRs: ['10.244.9.0/24'] },
      observed: { podCIDRs: ['10.244.1.0/24'] },
      differences: ['podCIDRs'],
    });
    expect(items[5].note).toBe('10.96.0.10/32 is leased to Service shop/squatter');
    expect(items[6]).toMatchObject({
      kipam: { clusterIPs: ['10.96.0.51'] },
      observed: { clusterIPs: ['10.96.0.50'] },
      differences: ['clusterIPs'],
    });
    expect(res.body.ignored).toEqual([]);
  });

  it('takes the observation as YAML too (kubectl get -o yaml), with the same digest', async () => {
    const json = await observe(brown, liveState()).expect(200);
    const yaml = await t.http
      .post(`/v1/clusters/${brown}/observations`)
      .set(t.auth)
      .set('Content-Type', 'application/yaml')
      .send(stringify(liveState()))
      .expect(200);
    expect(yaml.body.observation).toBe(json.body.observation);
    expect(yaml.body.counts).toEqual(json.body.counts);
  });

  it('adopts unmanaged and mismatched objects in one audited transaction, never conflicting ones', async () => {
    const res = await observe(brown, liveState(), 'adopt').expect(200);
    expect(res.body.applied).toBe('adopt');
    expect(res.body.adopted).toBe(4);
    expect(table(res.body.items).filter((l) => l.includes('('))).toEqual([
      'Node 10.240.79.158: mismatched (adopted)',
      'Node 10.240.79.159: unmanaged (adopted)',
      'Service shop/web: mismatched (adopted)',
      'Service shop/db: unmanaged (adopted)',
    ]);
    expect(await nodeBlocks(brown)).toEqual({
      '10.240.79.157': ['10.244.0.0/24'],
      '10.240.79.158': ['10.244.1.0/24'],
      '10.240.79.159': ['10.244.2.0/24'],
      stale: ['10.244.8.0/24'],
    });
    const ips = await serviceIps(brown);
    expect([ips['shop/web'], ips['shop/db'], ips['kube-system/kube-dns']]).toEqual([['10.96.0.50'], ['None'], ['10.96.0.11']]);
    const audit = await t.http.get(`/v1/audit?clusterId=${brown}&limit=10`).set(t.auth).expect(200);
    const reasoned = (audit.body.items as { reason: string | null; resource: string; action: string }[]).filter((r) => r.reason);
    expect(reasoned.map((r) => `${r.action} ${r.resource}`).sort()).toEqual([
      'create node',
      'create service',
      'update node',
      'update service',
    ]);
    expect(new Set(reasoned.map((r) => r.reason))).toEqual(new Set([`adopted from observation ${res.body.observation}`]));
    // the space a mismatched node left is free again: a new node gets 10.244.3.0/24 (the lowest free) and none of the adopted blocks
    const fresh = await post(`/v1/clusters/${brown}/nodes`, { name: 'probe' }).expect(201);
    expect(fresh.body.podCidrs).toEqual(['10.244.3.0/24']);
    await t.http.delete(`/v1/clusters/${brown}/nodes/${fresh.body.id}`).set(t.auth).expect(204);
  });

  it('releases leaked records (never default/kubernetes); then the conflict is gone and adopting leaves everything in sync', async () => {
    const before = await snapshot();
    const dry = await observe(brown, liveState()).expect(200);
    expect(await snapshot()).toBe(before);
    expect(dry.body.counts).toEqual({ inSync: 6, unmanaged: 0, leaked: 3, mismatched: 0, conflicting: 1 });

    const res = await observe(brown, liveState(), 'release').expect(200);
    expect(res.body.released).toBe(3);
    expect(table(res.body.items).filter((l) => l.includes('('))).toEqual([
      'Node stale: leaked (released)',
      'Service shop/old: leaked (released)',
      'Service shop/squatter: leaked (released)',
    ]);
    expect(Object.keys(await nodeBlocks(brown))).not.toContain('stale');
    const audit = await t.http.get(`/v1/audit?clusterId=${brown}&action=delete&limit=10`).set(t.auth).expect(200);
    // the node deleted through the API above has no reason; the three releases name the observation
    const reasons = (audit.body.items as { reason: string | null }[]).map((r) => r.reason).filter((r) => r !== null);
    expect(reasons).toEqual(Array(3).fill(`released from observation ${res.body.observation}`));

    const next = await observe(brown, liveState()).expect(200);
    expect(table(next.body.items).find((l) => l.includes('kube-dns'))).toBe('Service kube-system/kube-dns: mismatched');
    await observe(brown, liveState(), 'adopt').expect(200);
    const last = await observe(brown, liveState()).expect(200);
    expect(last.body.counts).toEqual({ inSync: 7, unmanaged: 0, leaked: 0, mismatched: 0, conflicting: 0 });

    // without a Node list, no record is "leaked": a release changes nothing
    const servicesOnly = await observe(brown, fixture('services.json'), 'release').expect(200);
    expect(servicesOnly.body.released).toBe(0);
    const kubernetesOnly = await observe(brown, { apiVersion: 'v1', kind: 'ServiceList', items: [] }, 'release').expect(200);
    expect(table(kubernetesOnly.body.items)).toContain('Service default/kubernetes: leaked');
    expect((await serviceIps(brown))['default/kubernetes']).toEqual(['10.96.0.1']);
    await observe(brown, liveState(), 'adopt').expect(200);
  });

  it('compares the ServiceCIDRs and kubeadm networking; a ServiceCIDR Kipam does not have is unmanaged; unknown kinds are listed', async () => {
    const res = await observe(brown, [
      fixture('servicecidrs.json'),
      fixture('kubeadm-config-v1beta3.json'),
      { apiVersion: 'v1', kind: 'List', items: [{ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-0', namespace: 'shop' } }] },
    ]).expect(200);
    expect(table(res.body.items)).toEqual([
      'ServiceCIDR kubernetes: in-sync',
      'ServiceCIDR newcidr1: unmanaged',
      'ClusterConfiguration kube-system/kubeadm-config: in-sync',
    ]);
    expect(res.body.items[1]).toMatchObject({ kipam: null, actionable: false });
    expect(res.body.items[1].note).toMatch(
      /Kipam has no ServiceCIDR newcidr1; .*create it with POST \/v1\/clusters\/\{id\}\/service-cidrs/,
    );
    expect(res.body.ignored).toEqual([{ at: '[2].items[0]', apiVersion: 'v1', kind: 'Pod', namespace: 'shop', name: 'web-0' }]);
  });

  it('answers bad observations 4xx and writes nothing, dry run or not', async () => {
    const before = await snapshot();
    const outside = liveState();
    (outside.items[4] as { spec: { clusterIPs: string[] } }).spec.clusterIPs = ['10.100.0.5'];
    const duplicate = liveState();
    duplicate.items.push(itemsOf('nodes.json')[0]);
    const cases: [unknown, number, string, RegExp][] = [
      [{ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' } }, 422, 'kind', /Pod is not an observation/],
      [{ apiVersion: 'apps/v1', kind: 'DeploymentList', items: [] }, 422, 'kind', /DeploymentList is not part of an observation/],
      [outside, 422, 'items[4].spec.clusterIPs[0]', /10\.100\.0\.5 is outside every service CIDR of cluster brown/],
      [duplicate, 422, 'items[7]', /Node 10\.240\.79\.157 appears twice \(items\[0\] is the first\)/],
    ];
    for (const apply of [undefined, 'adopt', 'release']) {
      for (const [body, status, field, message] of cases) {
        const res = await observe(brown, body, apply).expect(status);
        expect(res.body.errors[0].field).toBe(field);
        expect(res.body.errors[0].message).toMatch(message);
      }
    }
    const yaml = await t.http
      .post(`/v1/clusters/${brown}/observations?apply=adopt`)
      .set(t.auth)
      .set('Content-Type', 'application/yaml')
      .send('items: [')
      .expect(400);
    expect(yaml.body.type).toBe('/problems/bad-request');
    await observe(brown, liveState(), 'merge').expect(422);
    await observe('00000000-0000-4000-8000-000000000000', liveState()).expect(404);
    expect(await snapshot()).toBe(before);
  });

  it('takes observations larger than the 1 MB every other route keeps', async () => {
    // 3 MB: the fixture cluster plus Pods, as `kubectl get all -A -o json` would add them
    const big = liveState();
    const pod = (i: number) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: `web-${i}`, namespace: 'shop', annotations: { note: 'x'.repeat(10_000) } },
    });
    big.items.push(...Array.from({ length: 300 }, (_, i) => pod(i)));
    const res = await observe(brown, big).expect(200);
    expect(res.body.ignored.length).toBe(300);
    const other = await post('/v1/domains', { name: 'big', description: 'x'.repeat(2 * 1024 * 1024) }).expect(413);
    expect(other.body.type).toBeDefined();
  });

  it('imports a cluster from an observation alone: CIDRs and mask from kubeadm-config, version from the kubelets', async () => {
    await post('/v1/domains', { name: 'isolated' }).expect(201);
    const res = await post('/v1/clusters:import', {
      name: 'imported',
      domain: 'isolated',
      observation: [fixture('nodes.json'), fixture('services.json'), fixture('kubeadm-config-v1beta3.json')],
    }).expect(201);
    const cluster = res.body.cluster;
    expect(res.headers.location).toBe(`/v1/clusters/${cluster.id}`);
    expect(cluster).toMatchObject({
      podCidrs: ['10.244.0.0/16'],
      serviceCidrs: ['10.96.0.0/16'],
      nodeMaskSizeIPv4: 24,
      kubernetesVersion: 'v1.29.4',
      allowConflicts: false,
    });
    expect(res.body.report.adopted).toBe(6);
    expect(await nodeBlocks(cluster.id)).toEqual({
      '10.240.79.157': ['10.244.0.0/24'],
      '10.240.79.158': ['10.244.1.0/24'],
      '10.240.79.159': ['10.244.2.0/24'],
    });
    expect(await serviceIps(cluster.id)).toEqual({
      'default/kubernetes': ['10.96.0.1'],
      'kube-system/kube-dns': ['10.96.0.10'],
      'shop/db': ['None'],
      'shop/web': ['10.96.0.50'],
    });
    const again = await observe(cluster.id, liveState()).expect(200);
    expect(again.body.counts).toEqual({ inSync: 7, unmanaged: 0, leaked: 0, mismatched: 0, conflicting: 0 });
    const audit = await t.http.get(`/v1/audit?clusterId=${cluster.id}&resource=node`).set(t.auth).expect(200);
    expect(audit.body.items[0].reason).toBe(`imported from observation ${res.body.report.observation}`);
  });

  it('imports a dual-stack cluster from a v1beta4 ConfigMap (extraArgs as a list); the body wins over the ConfigMap', async () => {
    const res = await post('/v1/clusters:import', {
      name: 'dual',
      domain: 'isolated',
      observation: fixture('kubeadm-config-v1beta4.json'),
    }).expect(201);
    expect(res.body.cluster).toMatchObject({
      podCidrs: ['10.245.0.0/16', 'fd00:245::/56'],
      serviceCidrs: ['10.97.0.0/16', 'fd00:97::/112'],
      nodeMaskSizeIPv4: 25,
      nodeMaskSizeIPv6: 64,
      kubernetesVersion: 'v1.32.0',
    });
    const flags = await post('/v1/clusters:import', {
      name: 'flags',
      domain: 'isolated',
      podCidrs: ['10.246.0.0/16'],
      serviceCidrs: ['10.98.0.0/16'],
      nodeMaskSizeIPv4: 26,
      observation: fixture('kubeadm-config-v1beta4.json'),
    }).expect(201);
    expect(flags.body.cluster).toMatchObject({ podCidrs: ['10.246.0.0/16'], serviceCidrs: ['10.98.0.0/16'], nodeMaskSizeIPv4: 26 });
  });

  it('lands a brownfield cluster colliding with another with allowConflicts, in /v1/conflicts; refuses it with allowConflicts false', async () => {
    const before = await snapshot();
    const refused = await post('/v1/clusters:import', {
      name: 'twin',
      allowConflicts: false,
      observation: [fixture('kubeadm-config-v1beta3.json'), fixture('services.json')],
    }).expect(409);
    expect(refused.body.type).toBe('/problems/cidr-conflict');
    expect(await snapshot()).toBe(before);

    const res = await post('/v1/clusters:import', {
      name: 'twin',
      observation: [fixture('kubeadm-config-v1beta3.json'), fixture('services.json')],
    }).expect(201);
    expect(res.body.cluster.allowConflicts).toBe(true);
    const conflicts = await t.http.get(`/v1/conflicts?clusterId=${res.body.cluster.id}`).set(t.auth).expect(200);
    const names = (conflicts.body.items as { a: { clusterName: string }; b: { clusterName: string } }[]).map((c) =>
      [c.a.clusterName, c.b.clusterName].sort().join(),
    );
    expect(names).toContain('brown,twin');
  });

  it('lands twins imported at the same time, each overlap found (the one that meets a committed twin runs again)', async () => {
    await post('/v1/domains', { name: 'twins' }).expect(201);
    const imports = await Promise.all(
      ['t1', 't2', 't3', 't4'].map((name) =>
        post('/v1/clusters:import', { name, domain: 'twins', observation: fixture('kubeadm-config-v1beta3.json') }),
      ),
    );
    expect(imports.map((r) => [r.status, r.body.type])).toEqual(imports.map(() => [201, undefined]));
    const conflicts = await t.http.get('/v1/conflicts?domain=twins').set(t.auth).expect(200);
    const pairs = new Set(
      (conflicts.body.items as { a: { clusterName: string }; b: { clusterName: string } }[]).map((c) =>
        [c.a.clusterName, c.b.clusterName].sort().join(),
      ),
    );
    expect([...pairs].sort()).toEqual(['t1,t2', 't1,t3', 't1,t4', 't2,t3', 't2,t4', 't3,t4']);
  });

  it('refuses an import it cannot build, writing nothing', async () => {
    const before = await snapshot();
    const missing = await post('/v1/clusters:import', {
      name: 'nothing',
      domain: 'isolated',
      observation: fixture('services.json'),
    }).expect(422);
    expect(missing.body.errors.map((e: { field: string }) => e.field)).toEqual(['podCidrs', 'serviceCidrs']);
    const outside = await post('/v1/clusters:import', {
      name: 'outside',
      domain: 'isolated',
      podCidrs: ['10.250.0.0/16'],
      serviceCidrs: ['10.99.0.0/16'],
      observation: fixture('services.json'),
    }).expect(422);
    expect(outside.body.errors[0].message).toMatch(/10\.96\.0\.1 is outside every service CIDR of cluster outside/);
    // an imported cluster has only the CIDRs of the body or the ConfigMap: nodes outside them are refused, naming each block
    const strayNodes = await post('/v1/clusters:import', {
      name: 'stray',
      domain: 'isolated',
      podCidrs: ['10.250.0.0/16'],
      serviceCidrs: ['10.99.0.0/16'],
      observation: fixture('nodes.json'),
    }).expect(422);
    expect(strayNodes.body.errors.map((e: { field: string; message: string }) => [e.field, e.message])).toEqual(
      ['10.244.0.0/24', '10.244.1.0/24', '10.244.2.0/24'].map((block, i) => [
        `items[${i}].spec.podCIDRs[0]`,
        `Node 10.240.79.${157 + i}: ${block} is outside every pod CIDR and pod pool of cluster stray (10.250.0.0/16)`,
      ]),
    );
    await post('/v1/clusters:import', {
      name: 'noobs',
      domain: 'isolated',
      podCidrs: ['10.250.0.0/16'],
      serviceCidrs: ['10.99.0.0/16'],
    }).expect(422);
    await post('/v1/clusters:import', { name: 'imported', domain: 'isolated', observation: fixture('kubeadm-config-v1beta3.json') }).expect(
      409,
    );
    expect(await snapshot()).toBe(before);
  });

  it('serves the same report over GraphQL: clusterDrift (changes nothing) and applyObservation', async () => {
    const gql = (query: string, variables: object) => t.http.post('/graphql').set(t.auth).send({ query, variables });
    const observation = JSON.stringify({
      apiVersion: 'v1',
      kind: 'NodeList',
      items: [
        ...itemsOf('nodes.json'),
        { kind: 'Node', apiVersion: 'v1', metadata: { name: 'late' }, spec: { podCIDRs: ['10.244.20.0/24'] } },
      ],
    });
    const before = await snapshot();
    const drift = await gql(
      'query($id: ID!, $o: String!) { clusterDrift(clusterId: $id, observation: $o) { applied counts { inSync unmanaged } items { name status kipam observed } } }',
      { id: brown, o: observation },
    ).expect(200);
    expect(drift.body.errors).toBeUndefined();
    expect(drift.body.data.clusterDrift.counts).toEqual({ inSync: 3, unmanaged: 1 });
    expect(drift.body.data.clusterDrift.items[3]).toEqual({
      name: 'late',
      status: 'unmanaged',
      kipam: null,
      observed: { podCIDRs: ['10.244.20.0/24'] },
    });
    expect(await snapshot()).toBe(before);
    const applied = await gql(
      'mutation($id: ID!, $o: String!) { applyObservation(clusterId: $id, observation: $o, apply: adopt) { applied adopted } }',
      { id: brown, o: observation },
    ).expect(200);
    expect(applied.body.data.applyObservation).toEqual({ applied: 'adopt', adopted: 1 });
    const bad = await gql('query($id: ID!, $o: String!) { clusterDrift(clusterId: $id, observation: $o) { applied } }', {
      id: brown,
      o: '{"kind":"Pod"}',
    }).expect(200);
    expect(bad.body.errors[0].extensions).toMatchObject({ status: 422, errors: [{ field: 'kind' }] });
  });

  describe('a cluster with a pod pool and extra ServiceCIDRs', () => {
    let pooled: string;
    /** The fixture objects, renamed and moved into this cluster's space (the fields kubectl prints are unchanged). */
    const nodeAs = (name: string, block: string) => {
      const n = structuredClone(itemsOf('nodes.json')[0]) as { metadata: Record<string, unknown>; spec: Record<string, unknown> };
      n.metadata = { name, labels: { 'topology.kubernetes.io/zone': 'b' } };
      n.spec = { podCIDR: block, podCIDRs: [block] };
      return n;
    };
    const serviceAs = (namespace: string, name: string, ip: string) => {
      const s = structuredClone(itemsOf('services.json')[2]) as { metadata: Record<string, unknown>; spec: Record<string, unknown> };
      s.metadata = { ...s.metadata, namespace, name, labels: { app: name } };
      s.spec = { ...s.spec, clusterIP: ip, clusterIPs: [ip] };
      return s;
    };
    const state = () => ({
      apiVersion: 'v1',
      kind: 'List',
      metadata: { resourceVersion: '' },
      items: [
        nodeAs('b-1', '10.62.0.0/26'), // in-sync: registered through the API, in the pool
        nodeAs('b-2', '10.62.0.64/26'), // unmanaged, in the pool
        serviceAs('default', 'kubernetes', '10.61.0.1'),
        serviceAs('shop', 'far', '10.63.0.20'), // in-sync, in ServiceCIDR extra-a
        serviceAs('shop', 'near', '10.63.1.30'), // unmanaged, in ServiceCIDR extra-b
      ],
    });
    const poolOf = async (sql: string, name: string) => (await t.sql<{ pool: string }>(sql, [pooled, name]))[0].pool;
    const leasePool = async (holder: string) =>
      (
        await t.sql<{ pool: string }>(
          `SELECT l.pool_id::text AS pool FROM lease l
             LEFT JOIN node n ON n.id = l.holder_id LEFT JOIN service s ON s.id = l.holder_id
            WHERE coalesce(n.cluster_id, s.cluster_id) = $1 AND coalesce(n.name, s.namespace || '/' || s.name) = $2`,
          [pooled, holder],
        )
      ).map((r) => r.pool);

    beforeAll(async () => {
      pooled = (
        await post('/v1/clusters', {
          name: 'pooled',
          podCidrs: ['10.60.0.0/16'],
          serviceCidrs: ['10.61.0.0/16'],
          kubernetesVersion: '1.33',
        }).expect(201)
      ).body.id as string;
      await post(`/v1/clusters/${pooled}/pod-pools`, {
        name: 'zone-b',
        cidr: '10.62.0.0/16',
        nodeMaskSize: 26,
        nodeSelector: { matchLabels: { 'topology.kubernetes.io/zone': 'b' } },
        order: -1, // before the cluster's own pod CIDR for the nodes it selects
      }).expect(201);
      for (const [name, cidr] of [
        ['extra-a', '10.63.0.0/24'],
        ['extra-b', '10.63.1.0/24'],
        ['extra-c', '10.63.2.0/24'],
      ]) {
        await post(`/v1/clusters/${pooled}/service-cidrs`, { name, cidrs: [cidr] }).expect(201);
      }
      const b1 = await post(`/v1/clusters/${pooled}/nodes`, { name: 'b-1', labels: { 'topology.kubernetes.io/zone': 'b' } }).expect(201);
      expect(b1.body.podCidrs).toEqual(['10.62.0.0/26']);
      await post(`/v1/clusters/${pooled}/services`, { namespace: 'shop', name: 'far', clusterIP: '10.63.0.20' }).expect(201);
    });

    it("takes a pool's node blocks and extra ServiceCIDRs' ClusterIPs, and adopts each into the pool holding it", async () => {
      const dry = await observe(pooled, state()).expect(200);
      expect(table(dry.body.items)).toEqual([
        'Node b-1: in-sync',
        'Node b-2: unmanaged',
        'Service default/kubernetes: in-sync',
        'Service shop/far: in-sync',
        'Service shop/near: unmanaged',
      ]);
      const res = await observe(pooled, state(), 'adopt').expect(200);
      expect(res.body.adopted).toBe(2);
      expect((await nodeBlocks(pooled))['b-2']).toEqual(['10.62.0.64/26']);
      expect((await serviceIps(pooled))['shop/near']).toEqual(['10.63.1.30']);
      const zoneB = await poolOf(
        `SELECT cc.pool_id::text AS pool FROM pod_pool pp JOIN cluster_cidr cc ON cc.id = pp.cidr_id WHERE pp.cluster_id = $1 AND pp.name = $2`,
        'zone-b',
      );
      const extraB = await poolOf(
        `SELECT pool_id::text AS pool FROM cluster_cidr WHERE cluster_id = $1 AND kind = 'service' AND service_cidr_name = $2`,
        'extra-b',
      );
      expect(await leasePool('b-2')).toEqual([zoneB]);
      expect(await leasePool('b-1')).toEqual([zoneB]);
      expect(await leasePool('shop/near')).toEqual([extraB]);
      // taken, the adopted block is skipped by the next node of the pool
      const next = await post(`/v1/clusters/${pooled}/nodes`, { name: 'b-3', labels: { 'topology.kubernetes.io/zone': 'b' } }).expect(201);
      expect(next.body.podCidrs).toEqual(['10.62.0.128/26']);
      await t.http.delete(`/v1/clusters/${pooled}/nodes/${next.body.id}`).set(t.auth).expect(204);
      const last = await observe(pooled, state()).expect(200);
      expect(last.body.counts).toEqual({ inSync: 5, unmanaged: 0, leaked: 0, mismatched: 0, conflicting: 0 });
    });

    it("refuses a block in the pool that is not of the pool's node mask size", async () => {
      const body = { apiVersion: 'v1', kind: 'List', items: [nodeAs('b-9', '10.62.1.0/24')] };
      const res = await observe(pooled, body, 'adopt').expect(422);
      expect(res.body.errors).toEqual([
        {
          field: 'items[0].spec.podCIDRs[0]',
          message: 'Node b-9: 10.62.1.0/24 is not a /26, the node mask size of pod pool zone-b (10.62.0.0/16)',
        },
      ]);
    });

    it("compares each observed ServiceCIDR with Kipam's of its name, adopting and releasing none", async () => {
      // the fixture ServiceCIDRList with this cluster's names and CIDRs; newcidr1 left as it is
      const list = fixture('servicecidrs.json') as { items: { metadata: { name: string }; spec: { cidrs: string[] } }[] };
      const [kubernetes, newcidr1] = list.items;
      kubernetes.spec.cidrs = ['10.61.0.0/16'];
      const extraA = structuredClone(newcidr1);
      extraA.metadata.name = 'extra-a';
      extraA.spec.cidrs = ['10.63.0.0/24'];
      const extraB = structuredClone(newcidr1);
      extraB.metadata.name = 'extra-b';
      extraB.spec.cidrs = ['10.63.1.0/25'];
      list.items = [kubernetes, extraA, extraB, newcidr1];
      const before = await snapshot();
      for (const apply of [undefined, 'adopt', 'release']) {
        const res = await observe(pooled, list, apply).expect(200);
        expect(table(res.body.items)).toEqual([
          'ServiceCIDR kubernetes: in-sync',
          'ServiceCIDR extra-a: in-sync',
          'ServiceCIDR extra-b: mismatched',
          'ServiceCIDR newcidr1: unmanaged',
          'ServiceCIDR extra-c: leaked',
        ]);
        const items = res.body.items as Item[];
        expect(items.every((i) => !i.actionable && i.action === null)).toBe(true);
        expect(items[2]).toMatchObject({
          kipam: { cidrs: ['10.63.1.0/24'] },
          observed: { cidrs: ['10.63.1.0/25'] },
          differences: ['cidrs'],
        });
        expect(items[2].note).toMatch(/DELETE \/v1\/clusters\/\{id\}\/service-cidrs\/extra-b and create it again/);
        expect(items[3].note).toMatch(
          /create it with POST \/v1\/clusters\/\{id\}\/service-cidrs \{"name": "newcidr1", "cidrs": \["10\.96\.0\.0\/24"\]\}/,
        );
        expect(items[4]).toMatchObject({ kipam: { cidrs: ['10.63.2.0/24'] }, observed: null });
        expect(items[4].note).toMatch(/not released by apply: .*DELETE \/v1\/clusters\/\{id\}\/service-cidrs\/extra-c/);
      }
      expect(await snapshot()).toBe(before);
      const names = await t.http.get(`/v1/clusters/${pooled}/service-cidrs`).set(t.auth).expect(200);
      expect(JSON.stringify(names.body)).toContain('extra-c');
    });
  });
});
