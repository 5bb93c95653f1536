import { startTestApp, type TestApp } from './setup/test-app';

interface Crossing {
  subject: string;
  data: {
    scope: { kind: string; id: string; family: string };
    previousLevel: string;
    level: string;
    direction: string;
    utilization: number;
  };
}

describe('Capacity thresholds', () => {
  let t: TestApp;
  const post = (path: string, body: object) => t.http.post(path).set(t.auth).send(body);
  const patch = (path: string, body: object) => t.http.patch(path).set(t.auth).send(body);
  let seen = '0';
  /** Threshold crossings since the last call. */
  const crossings = async (): Promise<Crossing[]> => {
    const rows = await t.sql<Crossing & { id: string }>(
      "SELECT id::text AS id, subject, data FROM event_outbox WHERE type = 'capacity.threshold-crossed' AND event_outbox.id > $1::bigint ORDER BY event_outbox.id",
      [seen],
    );
    if (rows.length) seen = rows[rows.length - 1].id;
    return rows.map(({ subject, data }) => ({ subject, data }));
  };
  const levels = (cs: Crossing[]) => cs.map((c) => `${c.data.previousLevel}>${c.data.level} ${c.data.direction}`);

  beforeAll(async () => {
    t = await startTestApp({ KIPAM_WEBHOOK_DELIVERY: 'false' });
  });
  afterAll(() => t.close());

  it('announce each crossing of a range, up and down, exactly once', async () => {
    const range = (await post('/v1/ranges', { name: 'r24', cidr: '10.60.0.0/24', warnAt: 0.5, criticalAt: 0.75 }).expect(201)).body;
    expect(range).toMatchObject({ warnAt: 0.5, criticalAt: 0.75, capacityLevel: 'ok' });
    await crossings();
    const carve = (name: string) =>
      post('/v1/clusters', {
        name,
        nodeMaskSizeIPv4: 28,
        podCidrs: [{ range: 'r24', prefixLength: 26 }],
        serviceCidrs: ['10.160.0.0/16'].map((c) => c.replace('160', String(160 + name.length))),
      });
    const a = (await carve('a').expect(201)).body;
    expect(await crossings()).toEqual([]); // 25 %
    const b = (await carve('bb').expect(201)).body;
    const up = await crossings(); // 50 %
    expect(levels(up)).toEqual(['ok>warning up']);
    expect(up[0]).toMatchObject({
      subject: `ranges/${range.id}`,
      data: { scope: { kind: 'range', id: range.id, family: 'IPv4' }, utilization: 0.5 },
    });
    const c = (await carve('ccc').expect(201)).body;
    expect(levels(await crossings())).toEqual(['warning>critical up']); // 75 %
    expect((await t.http.get(`/v1/ranges/${range.id}`).set(t.auth).expect(200)).body.capacityLevel).toBe('critical');

    await t.http.delete(`/v1/clusters/${c.id}`).set(t.auth).expect(204);
    expect(levels(await crossings())).toEqual(['critical>warning down']);
    await t.http.delete(`/v1/clusters/${b.id}`).set(t.auth).expect(204);
    expect(levels(await crossings())).toEqual(['warning>ok down']);
    await t.http.delete(`/v1/clusters/${a.id}`).set(t.auth).expect(204);
    expect(await crossings()).toEqual([]);
  });

  it('announce one crossing for a transaction that allocates several blocks', async () => {
    await post('/v1/ranges', { name: 'batch', cidr: '10.61.0.0/24', warnAt: 0.4 }).expect(201);
    await crossings();
    // pod and service CIDRs carved from the range in one transaction: 0 % to 50 %
    await post('/v1/clusters', {
      name: 'two-at-once',
      nodeMaskSizeIPv4: 28,
      podCidrs: [{ range: 'batch', prefixLength: 26 }],
      serviceCidrs: [{ range: 'batch', prefixLength: 26 }],
    }).expect(201);
    expect(levels(await crossings())).toEqual(['ok>warning up']);
  });

  it('announce crossings of a cluster pod CIDR, per family', async () => {
    const cluster = (
      await post('/v1/clusters', {
        name: 'pods',
        podCidrs: ['10.62.0.0/24', 'fd00:62::/62'],
        serviceCidrs: ['10.162.0.0/16', 'fd00:162::/112'],
        nodeMaskSizeIPv4: 26,
        nodeMaskSizeIPv6: 64,
        capacityThresholds: [{ kind: 'pod', family: 'IPv4', warnAt: 0.5 }],
      }).expect(201)
    ).body;
    expect(cluster.capacityThresholds).toEqual([
      { kind: 'pod', family: 'IPv4', cidr: '10.62.0.0/24', warnAt: 0.5, criticalAt: 0.95, level: 'ok' },
      { kind: 'pod', family: 'IPv6', cidr: 'fd00:62::/62', warnAt: 0.8, criticalAt: 0.95, level: 'ok' },
      { kind: 'service', family: 'IPv4', cidr: '10.162.0.0/16', warnAt: 0.8, criticalAt: 0.95, level: 'ok' },
      { kind: 'service', family: 'IPv6', cidr: 'fd00:162::/112', warnAt: 0.8, criticalAt: 0.95, level: 'ok' },
    ]);
    await crossings();
    const nodes: string[] = [];
    for (let i = 0; i < 4; i++) nodes.push((await post(`/v1/clusters/${cluster.id}/nodes`, { name: `n${i}` }).expect(201)).body.id);
    // IPv4 (/24 in /26 blocks): 50 % warning, 100 % critical; IPv6 (/62 in /64 blocks): 75 % none, 100 % critical
    const all = await crossings();
    expect(all.map((c) => `${c.data.scope.kind} ${c.data.scope.family} ${c.data.previousLevel}>${c.data.level}`)).toEqual([
      'pod IPv4 ok>warning',
      'pod IPv4 warning>critical',
      'pod IPv6 ok>critical',
    ]);
    expect(all.every((c) => c.subject === `clusters/${cluster.id}`)).toBe(true);
    await t.http.delete(`/v1/clusters/${cluster.id}/nodes/${nodes[3]}`).set(t.auth).expect(204);
    expect((await crossings()).map((c) => `${c.data.scope.family} ${c.data.previousLevel}>${c.data.level}`)).toEqual([
      'IPv4 critical>warning',
      'IPv6 critical>ok',
    ]);
    const read = await t.http.get(`/v1/clusters/${cluster.id}`).set(t.auth).expect(200);
    expect(read.body.capacityThresholds.slice(0, 2).map((c: { level: string }) => c.level)).toEqual(['warning', 'ok']);
  });

  it('announce a crossing once when concurrent transactions cross it together', async () => {
    const cluster = (
      await post('/v1/clusters', {
        name: 'racing',
        podCidrs: ['10.67.0.0/24'],
        serviceCidrs: ['10.167.0.0/16'],
        nodeMaskSizeIPv4: 28,
        capacityThresholds: [{ kind: 'pod', family: 'IPv4', warnAt: 0.5 }],
      }).expect(201)
    ).body;
    await crossings();
    // 16 blocks of /28, all taken at once: 50 % is crossed by whichever commits eighth, 95 % by the last
    await Promise.all(Array.from({ length: 16 }, (_, i) => post(`/v1/clusters/${cluster.id}/nodes`, { name: `r${i}` }).expect(201)));
    expect(levels(await crossings())).toEqual(['ok>warning up', 'warning>critical up']);
  });

  it('re-evaluate at once when thresholds change, and refuse bad ones writing nothing', async () => {
    const range = (await post('/v1/ranges', { name: 'tune', cidr: '10.63.0.0/24' }).expect(201)).body;
    await post('/v1/clusters', {
      name: 'tuned',
      nodeMaskSizeIPv4: 28,
      podCidrs: [{ range: 'tune', prefixLength: 25 }],
      serviceCidrs: ['10.163.0.0/16'],
    }).expect(201);
    await crossings();
    const bad = async (body: object, field: string) => {
      const res = await patch(`/v1/ranges/${range.id}`, body).expect(422);
      expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual([field]);
    };
    await bad({ warnAt: 1.5 }, 'warnAt');
    await bad({ warnAt: 0 }, 'warnAt');
    await bad({ criticalAt: 0.5 }, 'warnAt'); // below the current warnAt 0.8
    await post('/v1/ranges', { name: 'bad', cidr: '10.64.0.0/24', warnAt: 0.9, criticalAt: 0.8 }).expect(422);
    expect(await t.sql("SELECT 1 FROM range WHERE name = 'bad'")).toHaveLength(0);
    expect(await crossings()).toEqual([]);

    const lowered = await patch(`/v1/ranges/${range.id}`, { warnAt: 0.5 }).expect(200); // 50 % used
    expect(lowered.body).toMatchObject({ warnAt: 0.5, capacityLevel: 'warning' });
    expect(lowered.headers.etag).toBe('"2"');
    expect(levels(await crossings())).toEqual(['ok>warning up']);
    const reset = await patch(`/v1/ranges/${range.id}`, { warnAt: null }).expect(200);
    expect(reset.body).toMatchObject({ warnAt: 0.8, capacityLevel: 'ok' });
    expect(levels(await crossings())).toEqual(['warning>ok down']);

    const cluster = (await t.http.get('/v1/clusters').query({ name: 'tuned' }).set(t.auth).expect(200)).body.items[0];
    const refused = await patch(`/v1/clusters/${cluster.id}`, {
      capacityThresholds: [{ kind: 'pod', family: 'IPv6', warnAt: 0.5 }],
    }).expect(422);
    expect(refused.body.errors).toEqual([{ field: 'capacityThresholds[0].family', message: 'the cluster has no IPv6 pod CIDR' }]);
  });

  it('show thresholds in GraphQL and set them there', async () => {
    const gql = (query: string, variables?: object) => t.http.post('/graphql').set(t.auth).send({ query, variables }).expect(200);
    const created = await gql('mutation($i: CreateRangeInput!) { createRange(input: $i) { id warnAt criticalAt capacityLevel } }', {
      i: { name: 'gql', cidr: '10.65.0.0/24', warnAt: 0.6 },
    });
    expect(created.body.data.createRange).toMatchObject({ warnAt: 0.6, criticalAt: 0.95, capacityLevel: 'ok' });
    const cluster = await gql(
      `mutation($i: CreateClusterInput!) { createCluster(input: $i) { id capacityThresholds { kind family cidr warnAt criticalAt level } } }`,
      {
        i: {
          name: 'gql-c',
          podCidrs: [{ cidr: '10.66.0.0/16' }],
          serviceCidrs: [{ cidr: '10.166.0.0/16' }],
          capacityThresholds: [{ kind: 'service', family: 'IPv4', criticalAt: 0.9 }],
        },
      },
    );
    expect(cluster.body.data.createCluster.capacityThresholds).toEqual([
      { kind: 'pod', family: 'IPv4', cidr: '10.66.0.0/16', warnAt: 0.8, criticalAt: 0.95, level: 'ok' },
      { kind: 'service', family: 'IPv4', cidr: '10.166.0.0/16', warnAt: 0.8, criticalAt: 0.9, level: 'ok' },
    ]);
  });

  it("announce a pod pool's crossings apart from its cluster's pod CIDR, with its own thresholds", async () => {
    const cluster = (
      await post('/v1/clusters', {
        name: 'pooled',
        podCidrs: ['10.70.0.0/24'],
        serviceCidrs: ['10.170.0.0/24'],
        nodeMaskSizeIPv4: 26,
      }).expect(201)
    ).body;
    const pools = `/v1/clusters/${cluster.id}/pod-pools`;
    const body = { name: 'zone-b', cidr: '10.71.0.0/24', nodeMaskSize: 26, nodeSelector: { matchLabels: { zone: 'b' } }, order: -1 };
    // bad thresholds: 422, no pool, no CIDR leased
    const refused = await post(pools, { ...body, warnAt: 0.9, criticalAt: 0.8 }).expect(422);
    expect(refused.body.errors.map((e: { field: string }) => e.field)).toEqual(['warnAt']);
    expect(await t.sql("SELECT 1 FROM cluster_cidr WHERE kind = 'pod_pool' AND cidr = '10.71.0.0/24'")).toHaveLength(0);

    const created = await post(pools, { ...body, warnAt: 0.5, criticalAt: 0.75 }).expect(201);
    const pool = created.body;
    expect(pool).toMatchObject({ warnAt: 0.5, criticalAt: 0.75, capacityLevel: 'ok' });
    await crossings();
    const node = (name: string) => post(`/v1/clusters/${cluster.id}/nodes`, { name, labels: { zone: 'b' } }).expect(201);
    await node('b1'); // 25 % of the pool, the cluster's pod CIDR untouched
    expect(await crossings()).toEqual([]);
    await node('b2'); // 50 %
    const up = await crossings();
    expect(levels(up)).toEqual(['ok>warning up']);
    expect(up[0]).toMatchObject({
      subject: `clusters/${cluster.id}`,
      data: { scope: { kind: 'pod-pool', id: cluster.id, family: 'IPv4' }, utilization: 0.5 },
    });
    expect((await t.http.get(`${pools}/zone-b`).set(t.auth).expect(200)).body.capacityLevel).toBe('warning');
    // the cluster's own pod CIDR keeps its own scope and level
    const own = (await t.http.get(`${pools}/default-ipv4`).set(t.auth).expect(200)).body;
    expect(own).toMatchObject({ warnAt: 0.8, criticalAt: 0.95, capacityLevel: 'ok' });

    await patch(`${pools}/zone-b`, { criticalAt: 0.4 }).expect(422); // below warnAt 0.5
    expect(await crossings()).toEqual([]);
    await patch(`${pools}/zone-b`, { warnAt: null }).expect(422); // the default 0.8 is above criticalAt 0.75
    const reset = await patch(`${pools}/zone-b`, { warnAt: null, criticalAt: null }).expect(200);
    expect(reset.body).toMatchObject({ warnAt: 0.8, criticalAt: 0.95, capacityLevel: 'ok' });
    expect(levels(await crossings())).toEqual(['warning>ok down']);
    expect(reset.headers.etag).not.toBe(created.headers.etag);

    // GraphQL sets them too
    const gql = await t.http
      .post('/graphql')
      .set(t.auth)
      .send({
        query: `mutation { updatePodPool(clusterId: "${cluster.id}", name: "zone-b", input: { warnAt: 0.5, criticalAt: 0.9 }) { warnAt criticalAt capacityLevel } }`,
      })
      .expect(200);
    expect(gql.body.data.updatePodPool).toEqual({ warnAt: 0.5, criticalAt: 0.9, capacityLevel: 'warning' });
    expect(levels(await crossings())).toEqual(['ok>warning up']);
  });

  it("keep each pool's free count equal to its free blocks, through leases, releases and brownfield overlaps", async () => {
    /** Scopes whose kept count differs from the free blocks of their pool (a scope not counted yet keeps none). */
    const drift = () =>
      t.sql<{ pool_id: string; kept: string; actual: string }>(
        `SELECT s.pool_id::text AS pool_id, s.free_addresses::text AS kept, coalesce(f.free, 0)::text AS actual
           FROM capacity_scope s JOIN pool p ON p.id = s.pool_id
           LEFT JOIN LATERAL (SELECT sum(power(2::numeric, CASE p.family WHEN 4 THEN 32 ELSE 128 END - b.prefix_len)) AS free
                                FROM free_block b WHERE b.pool_id = s.pool_id) f ON true
          WHERE s.free_addresses <> coalesce(f.free, 0)`,
      );
    const range = (await post('/v1/ranges', { name: 'counted', cidr: '10.90.0.0/22', warnAt: 0.5, criticalAt: 0.9 }).expect(201)).body;
    await crossings();
    const carved = (
      await post('/v1/clusters', {
        name: 'carved',
        podCidrs: [{ range: 'counted', prefixLength: 24 }, 'fd00:90::/60'],
        serviceCidrs: ['10.180.0.0/24', 'fd00:180::/120'],
        nodeMaskSizeIPv4: 26,
        nodeMaskSizeIPv6: 64,
      }).expect(201)
    ).body;
    const nodes = await Promise.all(
      Array.from({ length: 3 }, async (_, i) => (await post(`/v1/clusters/${carved.id}/nodes`, { name: `c${i}` }).expect(201)).body.id),
    );
    for (let i = 0; i < 5; i++) {
      await post(`/v1/clusters/${carved.id}/services`, { namespace: 'default', name: `s${i}`, ipFamilyPolicy: 'PreferDualStack' }).expect(
        201,
      );
    }
    await t.http.delete(`/v1/clusters/${carved.id}/nodes/${nodes[1]}`).set(t.auth).expect(204);
    expect(await drift()).toEqual([]);
    // a brownfield cluster declared over the carved /24 and the free /24 beside it: its lease overlaps on purpose
    const imported = (
      await post('/v1/clusters', {
        name: 'imported',
        podCidrs: ['10.90.0.0/23'],
        serviceCidrs: ['10.181.0.0/24'],
        nodeMaskSizeIPv4: 26,
        allowConflicts: true,
      }).expect(201)
    ).body;
    const flagged = await t.sql<{ overlap_allowed: boolean }>(
      "SELECT overlap_allowed FROM lease WHERE holder_id = $1 AND cidr = '10.90.0.0/23'::inet",
      [imported.id],
    );
    expect(flagged).toEqual([{ overlap_allowed: true }]);
    expect(await drift()).toEqual([]);
    expect(levels(await crossings())).toEqual(['ok>warning up']); // 512 of 1,024 addresses leased
    // released beside the overlapping lease: only the part nothing else covers comes back (none of it)
    await t.http.delete(`/v1/clusters/${carved.id}`).set(t.auth).expect(204);
    expect(await drift()).toEqual([]);
    expect(await crossings()).toEqual([]);
    await t.http.delete(`/v1/clusters/${imported.id}`).set(t.auth).expect(204);
    expect(await drift()).toEqual([]);
    expect(levels(await crossings())).toEqual(['warning>ok down']);
    const [kept] = await t.sql<{ free: string }>(
      'SELECT s.free_addresses::text AS free FROM capacity_scope s JOIN range r ON r.pool_id = s.pool_id WHERE r.id = $1',
      [range.id],
    );
    expect(kept.free).toBe('1024'); // all of the /22 again
  });
});
