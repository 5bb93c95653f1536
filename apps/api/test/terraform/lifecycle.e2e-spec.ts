import { startTestApp, type TestApp } from '../setup/test-app';
import { Provider } from './provider';

/**
 * Each resource through the lifecycle a Terraform provider drives: create,
 * read, plan (no diff), update, immutable update, import, delete, read after
 * delete, delete again. Inputs are spelled non-canonically where they can be;
 * reads must answer the canonical form.
 */
describe('Terraform lifecycle', () => {
  let t: TestApp;
  let tf: Provider;
  beforeAll(async () => {
    t = await startTestApp();
    tf = new Provider(t);
  });
  afterAll(() => t.close());

  it('domain', async () => {
    await tf.walk({
      kind: 'domain',
      collection: '/v1/domains',
      data: { name: 'tf-domain', description: 'managed by terraform' },
      computed: ['createdAt', 'updatedAt'],
      update: { description: 'changed' },
      immutable: { patch: { name: 'renamed' }, field: 'name' },
    });
  });

  it('range', async () => {
    const created = await tf.walk({
      kind: 'range',
      collection: '/v1/ranges',
      data: {
        name: 'tf-pods-v6',
        cidr: 'FD00:0010:0000:0000::/48',
        purpose: 'pod',
        defaultPrefixLength: 56,
        labels: { team: 'net' },
        description: 'pods',
      },
      canonical: { name: 'tf-pods-v6', cidr: 'fd00:10::/48', purpose: 'pod', defaultPrefixLength: 56, labels: { team: 'net' } },
      computed: ['family', 'domain', 'domainId'],
      update: { labels: { team: 'platform' } },
      immutable: { patch: { cidr: 'fd00:11::/48' }, field: 'cidr' },
    });
    expect(created.body).toMatchObject({ family: 'IPv6', domain: 'default' });
  });

  it('reservation', async () => {
    const range = await tf.create('/v1/ranges', { name: 'tf-vpc', cidr: '10.64.0.0/12' });
    const created = await tf.walk({
      kind: 'reservation',
      collection: `/v1/ranges/${range.id}/reservations`,
      data: { cidr: '10.64.0.0/16', reason: 'VPC CIDR' },
      computed: ['family', 'rangeId'],
      update: { reason: 'VPC CIDR (eu-west-1)' },
      immutable: { patch: { cidr: '10.65.0.0/16' }, field: 'cidr' },
    });
    expect(created.body.rangeId).toBe(range.id);
    // released with the delete: the block can be reserved again
    await tf.create(`/v1/ranges/${range.id}/reservations`, { cidr: '10.64.0.0/16' });
  });

  it('cluster (declared, dual-stack, IPv6 spelled loosely)', async () => {
    const created = await tf.walk({
      kind: 'cluster',
      collection: '/v1/clusters',
      data: {
        name: 'tf-cluster',
        podCidrs: ['10.244.0.0/16', 'FD00:10:244:0::/56'],
        serviceCidrs: ['10.96.0.0/16', 'fd00:10:96:0:0:0:0:0/112'],
        nodeMaskSizeIPv4: 24,
        nodeMaskSizeIPv6: 64,
        kubernetesVersion: '1.31',
        labels: { env: 'prod' },
      },
      canonical: {
        name: 'tf-cluster',
        podCidrs: ['10.244.0.0/16', 'fd00:10:244::/56'],
        serviceCidrs: ['10.96.0.0/16', 'fd00:10:96::/112'],
        nodeMaskSizeIPv4: 24,
        nodeMaskSizeIPv6: 64,
        kubernetesVersion: '1.31',
        labels: { env: 'prod' },
      },
      computed: ['stack', 'ipFamilies', 'domainId', 'podCidrAssignments'],
      update: { labels: { env: 'staging' } },
      immutable: { patch: { nodeMaskSizeIPv4: 25 }, field: 'nodeMaskSizeIPv4' },
    });
    expect(created.body).toMatchObject({ stack: 'DualStack', ipFamilies: ['IPv4', 'IPv6'] });
    // every lease went with it: the same CIDRs can be declared again
    expect(await tf.leasesOf(created.id)).toEqual([]);
    await tf.create('/v1/clusters', { name: 'tf-cluster-again', podCidrs: ['10.244.0.0/16'], serviceCidrs: ['10.96.0.0/16'] });
  });

  it('node (pod CIDRs computed in family order, addresses canonical)', async () => {
    const cluster = await tf.create('/v1/clusters', {
      name: 'tf-nodes',
      podCidrs: ['fd00:20:244::/56', '10.20.0.0/16'],
      serviceCidrs: ['fd00:20:96::/112', '10.21.0.0/16'],
    });
    const created = await tf.walk({
      kind: 'node',
      collection: `/v1/clusters/${cluster.id}/nodes`,
      data: {
        name: 'worker-1',
        labels: { 'node-role.kubernetes.io/worker': '' },
        addresses: [
          { type: 'InternalIP', address: 'FD00:0:0:0::0A' },
          { type: 'InternalIP', address: '192.168.1.10' },
        ],
      },
      canonical: {
        name: 'worker-1',
        labels: { 'node-role.kubernetes.io/worker': '' },
        addresses: [
          { type: 'InternalIP', address: 'fd00::a' },
          { type: 'InternalIP', address: '192.168.1.10' },
        ],
      },
      computed: ['podCidr', 'podCidrs', 'clusterId'],
      update: { labels: { pool: 'blue' } },
      immutable: { patch: { name: 'worker-2' }, field: 'name' },
    });
    expect(created.body.clusterId).toBe(cluster.id);
    expect(created.body.podCidrs).toEqual(['fd00:20:244::/64', '10.20.0.0/24']);
    expect(created.body.podCidr).toBe('fd00:20:244::/64');
    expect(await tf.leasesOf(created.id)).toEqual([]);
  });

  it('service (ClusterIPs computed, IPv6 first as asked)', async () => {
    const cluster = await tf.create('/v1/clusters', {
      name: 'tf-services',
      podCidrs: ['10.30.0.0/16', 'fd00:30:244::/56'],
      serviceCidrs: ['10.31.0.0/16', 'fd00:30:96::/112'],
    });
    const created = await tf.walk({
      kind: 'service',
      collection: `/v1/clusters/${cluster.id}/services`,
      data: {
        namespace: 'default',
        name: 'web',
        selector: { app: 'web' },
        ipFamilyPolicy: 'PreferDualStack',
        ipFamilies: ['IPv6', 'IPv4'],
        labels: { tier: 'frontend' },
      },
      computed: ['clusterIP', 'clusterIPs', 'clusterId'],
      update: { labels: { tier: 'edge' } },
      immutable: { patch: { namespace: 'other' }, field: 'namespace' },
    });
    expect(created.body.clusterIPs).toHaveLength(2);
    expect(created.body.clusterIPs[0]).toContain(':');
    expect(created.body.clusterIP).toBe(created.body.clusterIPs[0]);
    expect(await tf.leasesOf(created.id)).toEqual([]);

    // a requested ClusterIP spelled loosely reads back canonical; it is immutable
    const pinned = await tf.create(`/v1/clusters/${cluster.id}/services`, {
      namespace: 'default',
      name: 'dns',
      clusterIP: 'FD00:30:96:0::A',
      ipFamilies: ['IPv6'],
    });
    expect(pinned.body.clusterIPs).toEqual(['fd00:30:96::a']);
    const moved = await tf.patch(pinned.location, { clusterIP: 'fd00:30:96::b' }).expect(422);
    expect(moved.body.errors.map((e: { field: string }) => e.field)).toContain('clusterIP');
  });

  it('accepts a PATCH that repeats the whole configuration (what the generic REST provider sends)', async () => {
    const cluster = { name: 'whole', podCidrs: ['10.10.0.0/16'], serviceCidrs: ['10.11.0.0/16'], nodeMaskSizeIPv4: 24, labels: { a: '1' } };
    const c = await tf.create('/v1/clusters', cluster);
    expect((await tf.patch(c.location, { ...cluster, labels: { a: '2' } }).expect(200)).body.labels).toEqual({ a: '2' });
    const node = { name: 'whole-1', labels: { a: '1' }, addresses: [{ type: 'InternalIP', address: '192.168.9.1' }] };
    const n = await tf.create(`/v1/clusters/${c.id}/nodes`, node);
    expect((await tf.patch(n.location, { ...node, labels: { a: '2' } }).expect(200)).body.labels).toEqual({ a: '2' });
    const service = { namespace: 'default', name: 'whole', clusterIP: '10.11.0.53', selector: { app: 'dns' }, labels: { a: '1' } };
    const sv = await tf.create(`/v1/clusters/${c.id}/services`, service);
    expect((await tf.patch(sv.location, { ...service, labels: { a: '2' } }).expect(200)).body.labels).toEqual({ a: '2' });
  });

  it('accepts unchanged immutable fields in a PATCH of a domain, range or reservation, and names a changed one', async () => {
    const domain = { name: 'whole-domain', description: 'a' };
    const d = await tf.create('/v1/domains', domain);
    expect((await tf.patch(d.location, { ...domain, description: 'b' }).expect(200)).body.description).toBe('b');
    expect((await tf.patch(d.location, { ...domain, name: 'other' }).expect(422)).body.errors).toEqual([
      { field: 'name', message: expect.stringMatching(/immutable/) },
    ]);

    const range = {
      name: 'whole-range',
      cidr: 'FD00:0099::/48',
      domain: 'whole-domain',
      purpose: 'pod',
      defaultPrefixLength: 56,
      labels: { a: '1' },
    };
    const r = await tf.create('/v1/ranges', range);
    expect((await tf.patch(r.location, { ...range, labels: { a: '2' } }).expect(200)).body.labels).toEqual({ a: '2' });
    const changed = await tf.patch(r.location, { ...range, cidr: 'fd00:98::/48', purpose: 'any' }).expect(422);
    expect(changed.body.errors.map((e: { field: string }) => e.field)).toEqual(['cidr', 'purpose']);

    const reservation = { cidr: 'fd00:99::/56', reason: 'x' };
    const rs = await tf.create(`/v1/ranges/${r.id}/reservations`, reservation);
    expect((await tf.patch(rs.location, { ...reservation, reason: 'y' }).expect(200)).body.reason).toBe('y');
    await tf.patch(rs.location, { ...reservation, cidr: 'fd00:99:0:100::/56' }).expect(422);
  });

  it('answers a create of an existing holder with 409 and its Location, for every resource', async () => {
    const domain = await tf.create('/v1/domains', { name: 'dup-domain' });
    const range = await tf.create('/v1/ranges', { name: 'dup-range', cidr: '172.16.0.0/12', defaultPrefixLength: 16 });
    const cluster = await tf.create('/v1/clusters', {
      name: 'dup-cluster',
      podCidrs: [{ range: 'dup-range' }],
      serviceCidrs: [{ range: 'dup-range', prefixLength: 20 }],
    });
    const node = await tf.create(`/v1/clusters/${cluster.id}/nodes`, { name: 'dup-node' });
    const service = await tf.create(`/v1/clusters/${cluster.id}/services`, { namespace: 'kube-system', name: 'dup-svc' });
    const cases: [string, object, string][] = [
      ['/v1/domains', { name: 'dup-domain' }, domain.location],
      ['/v1/ranges', { name: 'dup-range', cidr: '192.168.0.0/16' }, range.location],
      ['/v1/clusters', { name: 'dup-cluster', podCidrs: ['10.1.0.0/16'], serviceCidrs: ['10.2.0.0/16'] }, cluster.location],
      [`/v1/clusters/${cluster.id}/nodes`, { name: 'dup-node' }, node.location],
      [`/v1/clusters/${cluster.id}/services`, { namespace: 'kube-system', name: 'dup-svc' }, service.location],
    ];
    for (const [collection, body, location] of cases) {
      const res = await t.http.post(collection).set(t.auth).send(body).expect(409);
      expect({ collection, type: res.body.type, location: res.headers.location }).toEqual({
        collection,
        type: '/problems/already-exists',
        location,
      });
    }
    // carved CIDRs are computed and returned by the create
    expect(cluster.body.podCidrs).toEqual(['172.16.0.0/16']);
    expect(cluster.body.serviceCidrs).toEqual(['172.17.0.0/20']);
  });

  it('refuses to delete a parent that still holds children (409)', async () => {
    const domain = await tf.create('/v1/domains', { name: 'parent-domain' });
    const parent = await tf.create('/v1/ranges', { name: 'parent', cidr: '100.64.0.0/10', domain: 'parent-domain' });
    const child = await tf.create('/v1/ranges', { name: 'child', cidr: '100.64.0.0/16', domain: 'parent-domain', parent: parent.id });
    expect(child.body.parent).toBe(parent.id);
    expect((await tf.delete(domain.location).expect(409)).body.type).toBe('/problems/conflict');
    expect((await tf.delete(parent.location).expect(409)).body.type).toBe('/problems/conflict');
    await tf.create('/v1/clusters', {
      name: 'carved',
      domain: 'parent-domain',
      podCidrs: [{ range: 'child', prefixLength: 20 }],
      serviceCidrs: [{ range: 'child', prefixLength: 24 }],
    });
    expect((await tf.delete(child.location).expect(409)).body.type).toBe('/problems/conflict');
  });

  it('replaces create-before-destroy when the range has room', async () => {
    await tf.create('/v1/ranges', { name: 'cbd', cidr: '10.128.0.0/14', defaultPrefixLength: 16 });
    const spec = (name: string) => ({ name, podCidrs: [{ range: 'cbd' }], serviceCidrs: [{ range: 'cbd', prefixLength: 20 }] });
    const old = await tf.create('/v1/clusters', spec('blue'));
    const oldNode = await tf.create(`/v1/clusters/${old.id}/nodes`, { name: 'n1' });
    // the replacement is created while the old one still exists…
    const replacement = await tf.create('/v1/clusters', spec('green'));
    expect(replacement.body.podCidrs[0]).not.toBe(old.body.podCidrs[0]);
    expect(replacement.body.serviceCidrs[0]).not.toBe(old.body.serviceCidrs[0]);
    // …then the old one is destroyed, releasing its blocks for the next create
    await tf.delete(old.location).expect(204);
    expect(await tf.leasesOf(oldNode.id)).toEqual([]);
    const next = await tf.create('/v1/clusters', spec('blue'));
    expect(next.body.podCidrs).toEqual(old.body.podCidrs);

    // a node replaced the same way: new name first, then the old one goes
    const a = await tf.create(`/v1/clusters/${replacement.id}/nodes`, { name: 'pool-a-1' });
    const b = await tf.create(`/v1/clusters/${replacement.id}/nodes`, { name: 'pool-b-1' });
    expect(b.body.podCidrs).not.toEqual(a.body.podCidrs);
    await tf.delete(a.location).expect(204);

    // no room: the replacement fails cleanly and the old one is untouched
    await tf.create('/v1/ranges', { name: 'tiny', cidr: '10.200.0.0/23', defaultPrefixLength: 24 });
    const only = await tf.create('/v1/clusters', { name: 'only', podCidrs: [{ range: 'tiny' }], serviceCidrs: [{ range: 'tiny' }] });
    const full = await t.http
      .post('/v1/clusters')
      .set(t.auth)
      .send({ name: 'only-2', podCidrs: [{ range: 'tiny' }], serviceCidrs: [{ range: 'tiny' }] })
      .expect(409);
    expect(full.body.type).toBe('/problems/range-exhausted');
    await tf.read(only.location).expect(200);
  });

  it('lists every collection with cursor pagination in a stable order, filtered by name and labels', async () => {
    const cluster = await tf.create('/v1/clusters', { name: 'lists', podCidrs: ['10.40.0.0/16'], serviceCidrs: ['10.41.0.0/16'] });
    const collections: [string, (i: number) => object][] = [
      ['/v1/ranges', (i) => ({ name: `list-${i}`, cidr: `10.${150 + i}.0.0/16`, labels: { set: 'l', parity: String(i % 2) } })],
      [
        '/v1/clusters',
        (i) => ({
          name: `list-${i}`,
          podCidrs: [`10.${160 + i}.0.0/16`],
          serviceCidrs: [`10.${170 + i}.0.0/16`],
          labels: { set: 'l', parity: String(i % 2) },
        }),
      ],
      [`/v1/clusters/${cluster.id}/nodes`, (i) => ({ name: `list-${i}`, labels: { set: 'l', parity: String(i % 2) } })],
      [
        `/v1/clusters/${cluster.id}/services`,
        (i) => ({ namespace: 'default', name: `list-${i}`, labels: { set: 'l', parity: String(i % 2) } }),
      ],
    ];
    for (const [collection, body] of collections) {
      // created out of order: the list order must not depend on it
      for (const i of [3, 1, 4, 2, 5]) await tf.create(collection, body(i));
      const names: string[] = [];
      let cursor: string | null = null;
      do {
        const page: { body: { items: { name: string }[]; nextCursor: string | null } } = await t.http
          .get(collection)
          .query({ limit: 2, label: 'set=l', ...(cursor ? { cursor } : {}) })
          .set(t.auth)
          .expect(200);
        expect(page.body.items.length).toBeLessThanOrEqual(2);
        names.push(...page.body.items.map((x) => x.name));
        cursor = page.body.nextCursor;
      } while (cursor);
      expect({ collection, names }).toEqual({ collection, names: ['list-1', 'list-2', 'list-3', 'list-4', 'list-5'] });

      const odd = await t.http
        .get(collection)
        .query({ label: ['set=l', 'parity=1'] })
        .set(t.auth)
        .expect(200);
      expect({ collection, names: odd.body.items.map((x: { name: string }) => x.name) }).toEqual({
        collection,
        names: ['list-1', 'list-3', 'list-5'],
      });
      const byName = await t.http.get(collection).query({ name: 'list-4' }).set(t.auth).expect(200);
      expect({ collection, names: byName.body.items.map((x: { name: string }) => x.name) }).toEqual({ collection, names: ['list-4'] });
    }
  });
});
