import { parse as parseYaml } from 'yaml';
import { startTestApp, type TestApp } from './setup/test-app';

describe('Clusters', () => {
  let t: TestApp;
  const post = (path: string, body: object) => t.http.post(path).set(t.auth).send(body);
  const cluster = (body: object) => post('/v1/clusters', body);

  beforeAll(async () => {
    t = await startTestApp();
    await post('/v1/ranges', { name: 'pods-v4', cidr: '10.0.0.0/8', purpose: 'pod', defaultPrefixLength: 16 }).expect(201);
    await post('/v1/ranges', { name: 'svc-v4', cidr: '172.16.0.0/12', purpose: 'service', defaultPrefixLength: 16 }).expect(201);
    await post('/v1/ranges', { name: 'ula-pods', cidr: 'fd00:10::/48', purpose: 'pod', defaultPrefixLength: 56 }).expect(201);
    await post('/v1/ranges', { name: 'ula-svc', cidr: 'fd00:96::/64', purpose: 'service', defaultPrefixLength: 112 }).expect(201);
  });
  afterAll(() => t.close());

  it('creates the dual-stack cluster of the API example, declared and carved', async () => {
    const res = await cluster({
      name: 'prod-eu-1',
      domain: 'default',
      podCidrs: ['10.244.0.0/16', { range: 'ula-pods', prefixLength: 56 }],
      serviceCidrs: [{ range: 'svc-v4', prefixLength: 16 }, 'fd00:10:96::/112'],
      nodeMaskSizeIPv4: 24,
      nodeMaskSizeIPv6: 64,
      kubernetesVersion: '1.31',
      labels: { env: 'prod' },
    }).expect(201);
    expect(res.body).toMatchObject({
      name: 'prod-eu-1',
      domain: 'default',
      stack: 'DualStack',
      ipFamilies: ['IPv4', 'IPv6'],
      podCidrs: ['10.244.0.0/16', 'fd00:10::/56'],
      serviceCidrs: ['172.16.0.0/16', 'fd00:10:96::/112'],
      nodeMaskSizeIPv4: 24,
      nodeMaskSizeIPv6: 64,
      kubernetesVersion: '1.31',
      labels: { env: 'prod' },
    });
    expect(res.body.podCidrAssignments[0]).toEqual({
      family: 'IPv4',
      cidr: '10.244.0.0/16',
      rangeId: expect.any(String),
      rangeName: 'pods-v4',
    });
    expect(res.body.serviceCidrAssignments[1]).toEqual({ family: 'IPv6', cidr: 'fd00:10:96::/112', rangeId: null, rangeName: null });
    expect(res.headers.location).toBe(`/v1/clusters/${res.body.id}`);
    const read = await t.http.get(`/v1/clusters/${res.body.id}`).set(t.auth).expect(200);
    expect(read.body).toEqual(res.body);
    // default/kubernetes holds the first address of the primary service CIDR
    const [svc] = await t.sql<{ cidr: string }>(
      `SELECT l.cidr::text AS cidr FROM service s JOIN lease l ON l.holder_kind = 'service' AND l.holder_id = s.id
        WHERE s.cluster_id = $1 AND s.namespace = 'default' AND s.name = 'kubernetes'`,
      [res.body.id],
    );
    expect(svc.cidr).toBe('172.16.0.1/32');
    // its pools lease one length each: node blocks of the node mask size, single ClusterIPs
    const pools = await t.sql<{ kind: string; cidr: string; lease_length: number }>(
      `SELECT cc.kind, cc.cidr::text AS cidr, p.lease_length FROM cluster_cidr cc JOIN pool p ON p.id = cc.pool_id
        WHERE cc.cluster_id = $1 ORDER BY cc.kind, cc.family`,
      [res.body.id],
    );
    expect(pools).toEqual([
      { kind: 'pod', cidr: '10.244.0.0/16', lease_length: 24 },
      { kind: 'pod', cidr: 'fd00:10::/56', lease_length: 64 },
      { kind: 'service', cidr: '172.16.0.0/16', lease_length: 32 },
      { kind: 'service', cidr: 'fd00:10:96::/112', lease_length: 128 },
    ]);
  });

  it('carves IPv4 and IPv6 in either order, skipping declared CIDRs and reservations', async () => {
    const v6first = await cluster({
      name: 'v6-first',
      podCidrs: [{ range: 'ula-pods' }, { range: 'pods-v4' }],
      serviceCidrs: [{ range: 'ula-svc' }, { range: 'svc-v4' }],
    }).expect(201);
    expect(v6first.body.ipFamilies).toEqual(['IPv6', 'IPv4']);
    expect(v6first.body.podCidrs).toEqual(['fd00:10:0:100::/56', '10.0.0.0/16']);
    expect(v6first.body.serviceCidrs).toEqual(['fd00:96::/112', '172.17.0.0/16']);

    // declared 10.1.0.0/16 is leased from pods-v4 ...
    await cluster({ name: 'declared', podCidrs: ['10.1.0.0/16'], serviceCidrs: ['192.168.0.0/24'] }).expect(201);
    // ... and 10.2.0.0/16 reserved: the next carve skips both
    const range = await t.http.get('/v1/ranges?name=pods-v4').set(t.auth).expect(200);
    const vpc = await post(`/v1/ranges/${range.body.items[0].id}/reservations`, { cidr: '10.2.0.0/16', reason: 'VPC' }).expect(201);
    const next = await cluster({ name: 'carved-next', podCidrs: [{ range: 'pods-v4' }], serviceCidrs: [{ range: 'svc-v4' }] }).expect(201);
    expect(next.body.podCidrs).toEqual(['10.3.0.0/16']);
    expect(next.body.stack).toBe('IPv4');

    // a declared CIDR inside the reservation: 409 address-taken naming who holds the space, the one
    // shape every feature answers with, in REST and in GraphQL alike
    const expected = {
      type: '/problems/address-taken',
      status: 409,
      field: 'podCidrs[0]',
      cidr: '10.2.5.0/24',
      holder: { kind: 'reservation', id: vpc.body.id, cidr: '10.2.0.0/16', name: '10.2.0.0/16', clusterId: null },
      detail:
        'podCidrs[0] 10.2.5.0/24 overlaps 10.2.0.0/16, held by reservation 10.2.0.0/16; set allowConflicts to import an existing cluster anyway',
    };
    const inVpc = await cluster({ name: 'in-vpc', podCidrs: ['10.2.5.0/24'], serviceCidrs: ['192.168.60.0/24'] }).expect(409);
    expect(inVpc.body).toMatchObject(expected);
    const viaGraphql = await post('/graphql', {
      query:
        'mutation { createCluster(input: { name: "in-vpc", podCidrs: [{ cidr: "10.2.5.0/24" }], serviceCidrs: [{ cidr: "192.168.60.0/24" }] }) { id } }',
    });
    const { detail, ...extensions } = expected;
    expect(viaGraphql.body.errors[0]).toMatchObject({ message: detail, extensions: { ...extensions, code: 'ADDRESS_TAKEN' } });
  });

  it('refuses a declared CIDR overlapping another cluster, unless allowConflicts; then it shows in conflicts', async () => {
    const clash = await cluster({ name: 'clash', podCidrs: ['10.244.0.0/17'], serviceCidrs: ['192.168.10.0/24'] }).expect(409);
    expect(clash.body.type).toBe('/problems/cidr-conflict');
    expect(clash.body.detail).toMatch(/prod-eu-1/);
    const outside = await cluster({ name: 'clash', podCidrs: ['100.64.0.0/16'], serviceCidrs: ['192.168.0.0/25'] }).expect(409);
    expect(outside.body.detail).toMatch(/declared/);

    const imported = await cluster({
      name: 'brownfield',
      podCidrs: ['10.244.0.0/17'],
      serviceCidrs: ['192.168.10.0/24'],
      allowConflicts: true,
    }).expect(201);
    expect(imported.body.allowConflicts).toBe(true);
    const conflicts = await t.http.get('/v1/conflicts?domain=default').set(t.auth).expect(200);
    const pair = conflicts.body.items.find(
      (c: { a: { clusterName: string }; b: { clusterName: string } }) =>
        [c.a.clusterName, c.b.clusterName].sort().join() === 'brownfield,prod-eu-1',
    );
    expect(pair).toBeDefined();
    expect(pair.a.kind).toBe('pod');
    expect(pair.relation).toBe(pair.a.clusterName === 'brownfield' ? 'within' : 'contains');
    const only = await t.http.get(`/v1/conflicts?clusterId=${imported.body.id}`).set(t.auth).expect(200);
    expect(only.body.items.length).toBeGreaterThan(0);
  });

  it('applies the Kubernetes validation rules with 422 naming the field', async () => {
    const cases: [object, string, RegExp][] = [
      [{ podCidrs: ['10.50.0.0/16', '10.51.0.0/16'], serviceCidrs: ['172.31.0.0/16'] }, 'podCidrs', /one CIDR per family/],
      [
        { podCidrs: ['10.50.0.0/16'], serviceCidrs: ['172.31.0.0/16', 'fd00:99::/112'] },
        'serviceCidrs',
        /must match the pod CIDR families/,
      ],
      [{ podCidrs: ['10.50.0.0/16'], serviceCidrs: ['172.31.0.0/16', '172.30.0.0/16', '172.29.0.0/16'] }, 'serviceCidrs', /one or two/],
      [{ podCidrs: ['10.50.0.0/16'], serviceCidrs: ['11.0.0.0/8'] }, 'serviceCidrs[0]', /2\^20|2\^24/],
      [{ podCidrs: ['10.50.0.0/16'], serviceCidrs: ['172.31.0.0/16'], nodeMaskSizeIPv4: 8 }, 'nodeMaskSizeIPv4', /.+/],
      [{ podCidrs: ['10.50.0.0/16'], serviceCidrs: ['172.31.0.0/16'], nodeMaskSizeIPv4: 32 + 1 }, 'nodeMaskSizeIPv4', /.+/],
      [{ podCidrs: ['10.50.0.0/8'], serviceCidrs: ['172.31.0.0/16'] }, 'podCidrs', /did you mean 10\.0\.0\.0\/8/],
      [{ podCidrs: ['10.50.0.0/16'], serviceCidrs: ['10.50.128.0/24'] }, 'serviceCidrs[0]', /must not overlap/],
      [{ podCidrs: [{ range: 'svc-v4' }], serviceCidrs: ['172.31.0.0/16'] }, 'podCidrs[0].range', /service CIDRs/],
      [{ podCidrs: [{ range: 'nope' }], serviceCidrs: ['172.31.0.0/16'] }, 'podCidrs[0].range', /no range nope/],
      [
        { podCidrs: [{ range: 'pods-v4', prefixLength: 4 }], serviceCidrs: ['172.31.0.0/16'] },
        'podCidrs[0].prefixLength',
        /between 8 and 32/,
      ],
      [{ podCidrs: [{ range: 'pods-v4', colour: 1 }], serviceCidrs: ['172.31.0.0/16'] }, 'podCidrs', /unknown field/],
      [
        { podCidrs: ['10.50.0.0/16'], serviceCidrs: ['172.31.0.0/16'], kubernetesVersion: 'latest' },
        'kubernetesVersion',
        /Kubernetes version/,
      ],
    ];
    for (const [body, field, message] of cases) {
      const res = await cluster({ name: 'invalid', ...body });
      expect({ body, status: res.status }).toEqual({ body, status: 422 });
      expect(res.body.errors).toEqual(
        expect.arrayContaining([expect.objectContaining({ field, message: expect.stringMatching(message) })]),
      );
    }
    // the 2^20 cap no longer applies from Kubernetes 1.34
    await cluster({ name: 'big-services', podCidrs: ['10.60.0.0/16'], serviceCidrs: ['11.0.0.0/8'], kubernetesVersion: '1.34' }).expect(
      201,
    );
    const [{ n }] = await t.sql<{ n: number }>(`SELECT count(*)::int AS n FROM cluster WHERE name = 'invalid'`);
    expect(n).toBe(0);
  });

  it('answers 409 range-exhausted when a range has no block left, and leaves nothing behind', async () => {
    await post('/v1/ranges', { name: 'tiny', cidr: '100.100.0.0/23', defaultPrefixLength: 24 }).expect(201);
    await cluster({ name: 'tiny-1', podCidrs: [{ range: 'tiny' }], serviceCidrs: ['192.168.50.0/24'] }).expect(201);
    await cluster({ name: 'tiny-2', podCidrs: [{ range: 'tiny' }], serviceCidrs: ['192.168.51.0/24'] }).expect(201);
    const full = await cluster({ name: 'tiny-3', podCidrs: [{ range: 'tiny' }], serviceCidrs: ['192.168.52.0/24'] }).expect(409);
    expect(full.body.type).toBe('/problems/range-exhausted');
    const [{ n }] = await t.sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM lease l JOIN cluster_cidr cc ON cc.cidr = '192.168.52.0/24'::inet`,
    );
    expect(n).toBe(0);
  });

  it('renders component flags and kubeadm networking for IPv4-only, IPv6-only (EKS style) and dual-stack clusters', async () => {
    const v4 = await cluster({ name: 'cfg-v4', podCidrs: ['10.70.0.0/16'], serviceCidrs: ['10.96.0.0/16'] }).expect(201);
    const c4 = await t.http.get(`/v1/clusters/${v4.body.id}/config`).set(t.auth).expect(200);
    expect(c4.body).toMatchObject({
      kubeApiserver: ['--service-cluster-ip-range=10.96.0.0/16'],
      kubeControllerManager: ['--cluster-cidr=10.70.0.0/16', '--service-cluster-ip-range=10.96.0.0/16', '--node-cidr-mask-size-ipv4=24'],
      kubeProxy: ['--cluster-cidr=10.70.0.0/16'],
      kubeadm: {
        apiVersion: 'kubeadm.k8s.io/v1beta4',
        kind: 'ClusterConfiguration',
        networking: { podSubnet: '10.70.0.0/16', serviceSubnet: '10.96.0.0/16' },
      },
    });

    const eks = await cluster({
      name: 'cfg-eks',
      podCidrs: ['2600:1f14:abc:de00::/64'],
      serviceCidrs: ['fd12:3456:789a::/108'],
      nodeMaskSizeIPv6: 80,
    }).expect(201);
    expect(eks.body.stack).toBe('IPv6');
    const c6 = await t.http.get(`/v1/clusters/${eks.body.id}/config`).set(t.auth).expect(200);
    expect(c6.body.kubeControllerManager).toEqual([
      '--cluster-cidr=2600:1f14:abc:de00::/64',
      '--service-cluster-ip-range=fd12:3456:789a::/108',
      '--node-cidr-mask-size-ipv6=80',
    ]);

    const ds = await cluster({
      name: 'cfg-ds',
      podCidrs: ['10.71.0.0/16', 'fd00:71::/56'],
      serviceCidrs: ['10.97.0.0/16', 'fd00:97::/112'],
      kubernetesVersion: '1.31',
    }).expect(201);
    const cd = await t.http.get(`/v1/clusters/${ds.body.id}/config`).set(t.auth).expect(200);
    expect(cd.body.kubeApiserver).toEqual(['--service-cluster-ip-range=10.97.0.0/16,fd00:97::/112']);
    expect(cd.body.kubeControllerManager).toEqual([
      '--cluster-cidr=10.71.0.0/16,fd00:71::/56',
      '--service-cluster-ip-range=10.97.0.0/16,fd00:97::/112',
      '--node-cidr-mask-size-ipv4=24',
      '--node-cidr-mask-size-ipv6=64',
    ]);
    expect(cd.body.kubeProxy).toEqual(['--cluster-cidr=10.71.0.0/16,fd00:71::/56']);
    expect(cd.body.kubeadm.networking).toEqual({ podSubnet: '10.71.0.0/16,fd00:71::/56', serviceSubnet: '10.97.0.0/16,fd00:97::/112' });
    expect(cd.body.kubeadm.kubernetesVersion).toBe('v1.31');
    const text = await t.http.get(`/v1/clusters/${ds.body.id}/config?format=text`).set(t.auth).expect(200);
    expect(text.text).toContain('kube-proxy --cluster-cidr=10.71.0.0/16,fd00:71::/56');
    const yaml = await t.http.get(`/v1/clusters/${ds.body.id}/config?format=yaml`).set(t.auth).expect(200);
    expect(yaml.text).toContain('podSubnet: 10.71.0.0/16,fd00:71::/56');
    // the node mask sizes reach kubeadm (v1beta4 extraArgs: a list of {name, value})
    const kubeadm = parseYaml(yaml.text) as { controllerManager: { extraArgs: unknown[] }; apiServer: { extraArgs: unknown[] } };
    expect(kubeadm.controllerManager.extraArgs).toEqual([
      { name: 'allocate-node-cidrs', value: 'true' },
      { name: 'cluster-cidr', value: '10.71.0.0/16,fd00:71::/56' },
      { name: 'service-cluster-ip-range', value: '10.97.0.0/16,fd00:97::/112' },
      { name: 'node-cidr-mask-size-ipv4', value: '24' },
      { name: 'node-cidr-mask-size-ipv6', value: '64' },
    ]);
    expect(kubeadm.apiServer.extraArgs).toEqual([{ name: 'service-cluster-ip-range', value: '10.97.0.0/16,fd00:97::/112' }]);
    const narrow = await cluster({
      name: 'cfg-26',
      podCidrs: ['10.72.0.0/16'],
      serviceCidrs: ['10.99.0.0/16'],
      nodeMaskSizeIPv4: 26,
    }).expect(201);
    const narrowYaml = await t.http.get(`/v1/clusters/${narrow.body.id}/config?format=yaml`).set(t.auth).expect(200);
    expect((parseYaml(narrowYaml.text) as typeof kubeadm).controllerManager.extraArgs).toContainEqual({
      name: 'node-cidr-mask-size-ipv4',
      value: '26',
    });
  });

  it('adds the missing family (single- to dual-stack), refuses other CIDR changes, and updates labels', async () => {
    const single = await cluster({ name: 'upgrade', podCidrs: [{ range: 'pods-v4' }], serviceCidrs: ['10.98.0.0/16'] }).expect(201);
    const id = single.body.id;
    const carvedPod = single.body.podCidrs[0];
    const changed = await t.http
      .patch(`/v1/clusters/${id}`)
      .set(t.auth)
      .send({ podCidrs: ['10.200.0.0/16'] })
      .expect(422);
    expect(changed.body.errors[0].field).toBe('podCidrs[0]');
    const removed = await t.http.patch(`/v1/clusters/${id}`).set(t.auth).send({ serviceCidrs: [] }).expect(422);
    expect(removed.body.errors[0].field).toBe('serviceCidrs');
    await t.http.patch(`/v1/clusters/${id}`).set(t.auth).send({ name: 'renamed' }).expect(422);
    await t.http.patch(`/v1/clusters/${id}`).set(t.auth).send({ nodeMaskSizeIPv4: 26 }).expect(422);
    const onlyPod = await t.http
      .patch(`/v1/clusters/${id}`)
      .set(t.auth)
      .send({ podCidrs: [carvedPod, 'fd00:98::/56'] })
      .expect(422);
    expect(onlyPod.body.detail).toMatch(/one pod CIDR and one service CIDR/);

    const upgraded = await t.http
      .patch(`/v1/clusters/${id}`)
      .set(t.auth)
      .send({
        podCidrs: [{ range: 'pods-v4' }, { range: 'ula-pods' }],
        serviceCidrs: ['10.98.0.0/16', 'fd00:98::/112'],
        labels: { tier: 'gold' },
      })
      .expect(200);
    expect(upgraded.body).toMatchObject({ stack: 'DualStack', ipFamilies: ['IPv4', 'IPv6'], labels: { tier: 'gold' }, nodesBackfilled: 0 });
    expect(upgraded.body.podCidrs[0]).toBe(carvedPod);
    expect(upgraded.body.serviceCidrs).toEqual(['10.98.0.0/16', 'fd00:98::/112']);
    const added = await t.sql<{ lease_length: number }>(
      `SELECT p.lease_length FROM cluster_cidr cc JOIN pool p ON p.id = cc.pool_id WHERE cc.cluster_id = $1 AND cc.family = 6 ORDER BY cc.kind`,
      [id],
    );
    expect(added.map((r) => r.lease_length)).toEqual([64, 128]);
  });

  it('deletes a cluster and releases every lease in one transaction: the same CIDR can be carved again', async () => {
    await post('/v1/ranges', { name: 'reuse', cidr: '100.101.0.0/24', defaultPrefixLength: 24 }).expect(201);
    const first = await cluster({ name: 'reuse-1', podCidrs: [{ range: 'reuse' }], serviceCidrs: ['192.168.60.0/24'] }).expect(201);
    expect(first.body.podCidrs).toEqual(['100.101.0.0/24']);
    await cluster({ name: 'reuse-2', podCidrs: [{ range: 'reuse' }], serviceCidrs: ['192.168.61.0/24'] }).expect(409);
    await t.http.delete(`/v1/clusters/${first.body.id}`).set(t.auth).expect(204);
    await t.http.get(`/v1/clusters/${first.body.id}`).set(t.auth).expect(404);
    await t.http.delete(`/v1/clusters/${first.body.id}`).set(t.auth).expect(404);
    const again = await cluster({ name: 'reuse-2', podCidrs: [{ range: 'reuse' }], serviceCidrs: ['192.168.60.0/24'] }).expect(201);
    expect(again.body.podCidrs).toEqual(['100.101.0.0/24']);
    const [{ n }] = await t.sql<{ n: number }>(`SELECT count(*)::int AS n FROM lease WHERE holder_id = $1`, [first.body.id]);
    expect(n).toBe(0);
  });

  it('lists clusters filtered by name, domain, stack and label selector', async () => {
    const byLabel = await t.http.get('/v1/clusters?label=env=prod').set(t.auth).expect(200);
    expect(byLabel.body.items.map((c: { name: string }) => c.name)).toEqual(['prod-eu-1']);
    const byName = await t.http.get('/v1/clusters?name=cfg-eks').set(t.auth).expect(200);
    expect(byName.body.items).toHaveLength(1);
    const ipv6 = await t.http.get('/v1/clusters?stack=IPv6').set(t.auth).expect(200);
    expect(ipv6.body.items.map((c: { name: string }) => c.name)).toEqual(['cfg-eks']);
    const other = await post('/v1/domains', { name: 'lab' }).expect(201);
    await cluster({ name: 'prod-eu-1', domain: 'lab', podCidrs: ['10.244.0.0/16'], serviceCidrs: ['10.96.0.0/16'] }).expect(201);
    const lab = await t.http.get(`/v1/clusters?domain=${other.body.id}`).set(t.auth).expect(200);
    expect(lab.body.items.map((c: { domain: string }) => c.domain)).toEqual(['lab']);
    expect((await cluster({ name: 'prod-eu-1', podCidrs: ['10.245.0.0/16'], serviceCidrs: ['10.95.0.0/16'] }).expect(409)).body.type).toBe(
      '/problems/already-exists',
    );
  });

  it('pages through clusters of several domains in (domain, name) order, filters and all, whatever the page size', async () => {
    for (const d of ['page-b', 'page-a', 'page-c']) await post('/v1/domains', { name: d }).expect(201);
    const made: { domain: string; name: string; tier: string }[] = [];
    let n = 0;
    for (const domain of ['page-c', 'page-a', 'page-b']) {
      for (const name of ['zeta', 'alpha', 'mid', 'beta']) {
        const tier = n % 2 ? 'gold' : 'silver';
        await cluster({
          name,
          domain,
          labels: { tier },
          podCidrs: [`10.${100 + n}.0.0/16`],
          serviceCidrs: [`172.${16 + n}.0.0/16`],
        }).expect(201);
        made.push({ domain, name, tier });
        n++;
      }
    }
    const walk = async (query: string, limit: number) => {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: string = `/v1/clusters?${query}&limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
        const res: { body: { items: { domain: string; name: string }[]; nextCursor: string | null } } = await t.http
          .get(page)
          .set(t.auth)
          .expect(200);
        expect(res.body.items.length).toBeLessThanOrEqual(limit);
        seen.push(...res.body.items.map((c) => `${c.domain}/${c.name}`));
        cursor = res.body.nextCursor;
      } while (cursor);
      return seen.filter((s) => s.startsWith('page-'));
    };
    const order = (rows: typeof made) => rows.map((r) => `${r.domain}/${r.name}`).sort();
    for (const limit of [1, 2, 3, 5, 100]) {
      expect(await walk('', limit)).toEqual(order(made));
      expect(await walk('label=tier=gold', limit)).toEqual(order(made.filter((r) => r.tier === 'gold')));
    }
    expect(await walk('domain=page-b', 2)).toEqual(order(made.filter((r) => r.domain === 'page-b')));
    expect(await walk('name=mid', 1)).toEqual(['page-a/mid', 'page-b/mid', 'page-c/mid']);
  });
});
