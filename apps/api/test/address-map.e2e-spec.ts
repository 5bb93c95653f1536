import { startTestApp, type TestApp } from './setup/test-app';

interface MapLease {
  id: string;
  cidr: string;
  holder: { kind: string; name: string; clusterId: string | null };
  innerPool: { kind: string; rangeId: string | null; clusterId: string | null; family: string | null } | null;
}
interface MapCell {
  index: number;
  prefix: string;
  leased: string;
  reserved: string;
  free: string;
  leaseCount: number;
  leases: MapLease[];
}

describe('Address maps of ranges and cluster CIDRs', () => {
  let t: TestApp;
  let rangeId: string;
  let clusterId: string;
  let v6ClusterId: string;
  let readerToken: string;

  const post = (path: string, body: object) => t.http.post(path).set(t.auth).send(body);
  const map = async (path: string, status = 200) => (await t.http.get(path).set(t.auth).expect(status)).body;
  const cellOf = (body: { cells: MapCell[] }, prefix: string) => body.cells.find((c) => c.prefix === prefix);

  beforeAll(async () => {
    t = await startTestApp({ KIPAM_RATE_LIMIT_PER_MINUTE: '0' });
    rangeId = (await post('/v1/ranges', { name: 'ten', cidr: '10.0.0.0/8', purpose: 'pod' }).expect(201)).body.id;
    await post('/v1/ranges', { name: 'ula', cidr: 'fd00:10::/48' }).expect(201);
    await post(`/v1/ranges/${rangeId}/reservations`, { cidr: '10.255.0.0/16', reason: 'VPC' }).expect(201);
    clusterId = (
      await post('/v1/clusters', {
        name: 'prod',
        podCidrs: [
          { range: 'ten', prefixLength: 16 },
          { range: 'ula', prefixLength: 56 },
        ],
        serviceCidrs: ['192.168.96.0/24', 'fd00:96::/112'],
      }).expect(201)
    ).body.id;
    for (const name of ['n1', 'n2', 'n3']) await post(`/v1/clusters/${clusterId}/nodes`, { name }).expect(201);
    for (const name of ['a', 'b']) {
      await post(`/v1/clusters/${clusterId}/services`, { namespace: 'web', name, ipFamilyPolicy: 'RequireDualStack' }).expect(201);
    }
    // from Kubernetes 1.34 a service CIDR may be as large as a /64: 2^64 addresses, never enumerated
    v6ClusterId = (
      await post('/v1/clusters', {
        name: 'huge',
        podCidrs: ['fd00:200::/48'],
        serviceCidrs: ['fd00:300::/64'],
        kubernetesVersion: '1.34',
      }).expect(201)
    ).body.id;
    await post(`/v1/clusters/${v6ClusterId}/services`, { namespace: 'web', name: 'x', clusterIP: 'fd00:300::ffff:1' }).expect(201);
    readerToken = (await post('/v1/tokens', { name: 'map-reader', role: 'reader' }).expect(201)).body.secret;
  });
  afterAll(() => t.close());

  it('draws a range as 256 cells with the cluster, reservation and free space, counts as decimal strings', async () => {
    const body = await map(`/v1/ranges/${rangeId}/map`);
    expect(body).toMatchObject({
      pool: { kind: 'range', cidr: '10.0.0.0/8', family: 'IPv4', rangeId, rangeName: 'ten', leaseLength: null },
      prefix: '10.0.0.0/8',
      depth: 8,
      cellPrefixLength: 16,
      total: '16777216',
      leased: '65536',
      reserved: '65536',
      free: String(16777216 - 2 * 65536),
      leaseCount: 2,
      coveredBy: null,
    });
    expect(body.cells.map((c: MapCell) => c.prefix)).toEqual(['10.0.0.0/16', '10.255.0.0/16']);
    expect(cellOf(body, '10.0.0.0/16')).toMatchObject({
      index: 0,
      leased: '65536',
      reserved: '0',
      free: '0',
      leaseCount: 1,
      leases: [
        {
          cidr: '10.0.0.0/16',
          holder: { kind: 'cluster', name: 'prod', clusterId },
          innerPool: { kind: 'cluster_pod', clusterId, family: 'IPv4', rangeId: null },
        },
      ],
    });
    expect(cellOf(body, '10.255.0.0/16')).toMatchObject({
      index: 255,
      leased: '0',
      reserved: '65536',
      leases: [{ holder: { kind: 'reservation' } }],
    });
  });

  it('zooms: a deeper view cuts a cell finely, a coarse one sums several leases per cell', async () => {
    const fine = await map(`/v1/ranges/${rangeId}/map?prefix=10.0.0.0/12&depth=4`);
    expect(fine).toMatchObject({ prefix: '10.0.0.0/12', cellPrefixLength: 16, total: '1048576', leased: '65536', leaseCount: 1 });
    const coarse = await map(`/v1/ranges/${rangeId}/map?depth=1`);
    expect(coarse.cells).toEqual([
      expect.objectContaining({ prefix: '10.0.0.0/9', leased: '65536', free: String(2 ** 23 - 65536) }),
      expect.objectContaining({ prefix: '10.128.0.0/9', reserved: '65536', free: String(2 ** 23 - 65536) }),
    ]);
    // the first leases of a cell are named, in address order
    const nodes = await map(`/v1/clusters/${clusterId}/map?kind=pod&family=IPv4&depth=0`);
    expect(nodes.cells).toEqual([
      expect.objectContaining({ prefix: '10.0.0.0/16', leaseCount: 3, leased: String(3 * 256), leases: expect.any(Array) }),
    ]);
    expect(nodes.cells[0].leases.map((l: MapLease) => l.holder.name)).toEqual(['n1', 'n2', 'n3']);
  });

  it("draws a cluster's pod CIDR as node blocks, and a view inside one lease as wholly that lease's", async () => {
    const body = await map(`/v1/clusters/${clusterId}/map?kind=pod&family=IPv4`);
    expect(body.pool).toMatchObject({
      kind: 'cluster_pod',
      cidr: '10.0.0.0/16',
      clusterId,
      clusterName: 'prod',
      rangeName: 'ten',
      leaseLength: 24,
    });
    expect(body.cellPrefixLength).toBe(24);
    expect(body.cells.map((c: MapCell) => [c.prefix, c.leases[0].holder.kind, c.leases[0].holder.name])).toEqual([
      ['10.0.0.0/24', 'node', 'n1'],
      ['10.0.1.0/24', 'node', 'n2'],
      ['10.0.2.0/24', 'node', 'n3'],
    ]);
    const inside = await map(`/v1/clusters/${clusterId}/map?kind=pod&prefix=10.0.1.128/25&depth=2`);
    expect(inside).toMatchObject({ leased: '128', free: '0', leaseCount: 1, coveredBy: { cidr: '10.0.1.0/24', holder: { name: 'n2' } } });
    expect(inside.cells).toHaveLength(4);
    expect(inside.cells.every((c: MapCell) => c.leases[0]?.holder.name === 'n2' && c.leased === '32')).toBe(true);
  });

  it('counts IPv6 space beyond 2^53 exactly', async () => {
    const v6 = await map(`/v1/clusters/${clusterId}/map?kind=pod&family=IPv6`);
    expect(v6).toMatchObject({
      pool: { cidr: 'fd00:10::/56', family: 'IPv6', leaseLength: 64 },
      cellPrefixLength: 64,
      total: (2n ** 72n).toString(),
      leased: (3n * 2n ** 64n).toString(),
      free: (2n ** 72n - 3n * 2n ** 64n).toString(),
    });
    expect(v6.cells[0]).toMatchObject({ prefix: 'fd00:10::/64', leased: (2n ** 64n).toString(), free: '0' });
  });

  it('draws ClusterIPs to single addresses, reserved addresses apart, in a /64 service CIDR without enumerating it', async () => {
    const svc = await map(`/v1/clusters/${clusterId}/map?kind=service&family=IPv4&prefix=192.168.96.0/24&depth=8`);
    expect(svc.pool).toMatchObject({ kind: 'cluster_service', leaseLength: 32 });
    expect(svc.cellPrefixLength).toBe(32);
    // network and broadcast never handed out; default/kubernetes has the first address; a and b somewhere
    expect(cellOf(svc, '192.168.96.0/32')).toMatchObject({ reserved: '1', leases: [{ holder: { kind: 'system' } }] });
    expect(cellOf(svc, '192.168.96.255/32')).toMatchObject({ reserved: '1' });
    expect(cellOf(svc, '192.168.96.1/32')).toMatchObject({
      leased: '1',
      leases: [{ holder: { kind: 'service', name: 'default/kubernetes' } }],
    });
    expect(svc).toMatchObject({ leased: '3', reserved: '2', leaseCount: 5 });

    const huge = await map(`/v1/clusters/${v6ClusterId}/map?kind=service&depth=10`);
    expect(huge).toMatchObject({
      pool: { cidr: 'fd00:300::/64', leaseLength: 128 },
      total: (2n ** 64n).toString(),
      leased: '2',
      reserved: '1',
      cellPrefixLength: 74,
    });
    // the default/kubernetes address and the anycast address share cell 0; fd00:300::ffff:1 is there too
    expect(huge.cells).toEqual([expect.objectContaining({ index: 0, leaseCount: 3, prefix: 'fd00:300::/74' })]);
    const deepest = await map(`/v1/clusters/${v6ClusterId}/map?kind=service&prefix=fd00:300::ffff:0/120&depth=10`);
    expect(deepest).toMatchObject({ depth: 8, cellPrefixLength: 128 });
    expect(deepest.cells.map((c: MapCell) => [c.prefix, c.leases[0].holder.name])).toEqual([['fd00:300::ffff:1/128', 'web/x']]);
  });

  it('refuses a prefix outside the pool, a bad depth, a missing family and unknown ids, as problems on the field', async () => {
    const outside = await map(`/v1/ranges/${rangeId}/map?prefix=11.0.0.0/16`, 422);
    expect(outside.errors).toEqual([{ field: 'prefix', message: expect.stringContaining('is not inside 10.0.0.0/8') }]);
    const v6 = await map(`/v1/ranges/${rangeId}/map?prefix=fd00::/64`, 422);
    expect(v6.errors[0].field).toBe('prefix');
    expect((await map(`/v1/ranges/${rangeId}/map?depth=11`, 422)).errors[0].field).toBe('depth');
    expect((await map(`/v1/ranges/${rangeId}/map?depth=-1`, 422)).errors[0].field).toBe('depth');
    const hostBits = await map(`/v1/ranges/${rangeId}/map?prefix=10.1.2.3/16`, 422);
    expect(hostBits.errors[0]).toEqual({ field: 'prefix', message: expect.stringContaining('did you mean 10.1.0.0/16?') });
    expect((await map(`/v1/clusters/${v6ClusterId}/map?kind=pod&family=IPv4`, 422)).errors[0]).toEqual({
      field: 'family',
      message: 'cluster huge has no IPv4 pod CIDR',
    });
    expect((await map(`/v1/clusters/${clusterId}/map?kind=node`, 422)).errors[0].field).toBe('kind');
    expect((await map('/v1/ranges/4b1f4c1e-0000-4000-8000-000000000000/map', 404)).type).toBe('/problems/not-found');
    expect((await map('/v1/clusters/not-a-uuid/map', 404)).type).toBe('/problems/not-found');
  });

  it('is readable with a reader token and through GraphQL, where a map costs enough to keep lists of maps bounded', async () => {
    await t.http
      .get(`/v1/ranges/${rangeId}/map`)
      .set({ Authorization: `Bearer ${readerToken}` })
      .expect(200);
    const res = await t.http
      .post('/graphql')
      .set(t.auth)
      .send({
        query: `query($id: ID!, $c: ID!) {
          range(id: $id) { map(depth: 8) { total cellPrefixLength cells { prefix leased leases { holder { kind name } innerPool { kind clusterId family } } } } }
          cluster(id: $c) { map(kind: "service", family: IPv6, depth: 8) { pool { kind leaseLength } leased reserved coveredBy { cidr } } }
        }`,
        variables: { id: rangeId, c: clusterId },
      });
    expect(res.body.errors).toBeUndefined();
    expect(res.status).toBe(200);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.range.map.cells[0]).toEqual({
      prefix: '10.0.0.0/16',
      leased: '65536',
      leases: [{ holder: { kind: 'cluster', name: 'prod' }, innerPool: { kind: 'cluster_pod', clusterId, family: 'IPv4' } }],
    });
    expect(res.body.data.cluster.map).toEqual({
      pool: { kind: 'cluster_service', leaseLength: 128 },
      leased: '2',
      reserved: '1',
      coveredBy: null,
    });
    const bad = await t.http
      .post('/graphql')
      .set(t.auth)
      .send({ query: `{ range(id: "${rangeId}") { map(depth: 12) { total } } }` });
    expect(bad.body.errors[0].extensions).toMatchObject({ status: 422, errors: [{ field: 'depth' }] });
    const tooMany = await t.http.post('/graphql').set(t.auth).send({ query: '{ ranges(first: 500) { nodes { map { total } } } }' });
    expect(tooMany.body.errors[0].extensions.code).toBe('QUERY_TOO_COMPLEX');
  });

  it('tells a token who it is (REST and GraphQL), never its secret', async () => {
    expect((await t.http.get('/v1/me').set(t.auth).expect(200)).body).toEqual({
      id: expect.any(String),
      name: 'bootstrap-admin',
      role: 'admin',
      clusters: [],
    });
    const reader = await t.http
      .get('/v1/me')
      .set({ Authorization: `Bearer ${readerToken}` })
      .expect(200);
    expect(reader.body).toMatchObject({ name: 'map-reader', role: 'reader', clusters: [] });
    expect(JSON.stringify(reader.body)).not.toContain(readerToken);
    await t.http.get('/v1/me').expect(401);
    const gql = await t.http
      .post('/graphql')
      .set({ Authorization: `Bearer ${readerToken}` })
      .send({ query: '{ viewer { name role clusters } }' })
      .expect(200);
    expect(gql.body.data.viewer).toEqual({ name: 'map-reader', role: 'reader', clusters: [] });
  });
});
