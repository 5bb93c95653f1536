import { Prefix } from '@kipam/cidr';
import { startTestApp, type TestApp } from './setup/test-app';

interface PoolBody {
  name: string;
  family: string;
  cidr: string;
  nodeMaskSize: number;
  nodeSelector: unknown;
  order: number;
  isDefault: boolean;
  rangeId: string | null;
  nodeBlocksTotal: string;
}

describe('Pod pools', () => {
  let t: TestApp;
  const post = (path: string, body: object) => t.http.post(path).set(t.auth).send(body);
  const patch = (path: string, body: object) => t.http.patch(path).set(t.auth).send(body);
  const get = (path: string) => t.http.get(path).set(t.auth);
  const cluster = async (body: object): Promise<string> => (await post('/v1/clusters', body).expect(201)).body.id as string;
  const pools = (id: string) => `/v1/clusters/${id}/pod-pools`;
  const pool = async (id: string, body: object): Promise<PoolBody> => (await post(pools(id), body).expect(201)).body as PoolBody;
  const node = async (id: string, name: string, labels: Record<string, string> = {}) =>
    (await post(`/v1/clusters/${id}/nodes`, { name, labels }).expect(201)).body as { id: string; podCidrs: string[] };
  const fieldsOf = (body: { errors?: { field: string; message: string }[] }) => (body.errors ?? []).map((e) => e.field);
  const counts = async () =>
    (
      await t.sql<{ pools: number; cidrs: number; leases: number; audit: number }>(
        `SELECT (SELECT count(*)::int FROM pod_pool) AS pools, (SELECT count(*)::int FROM cluster_cidr) AS cidrs,
                (SELECT count(*)::int FROM lease) AS leases, (SELECT count(*)::int FROM audit_record) AS audit`,
      )
    )[0];
  const inside = (outer: string, block: string) => Prefix.parse(outer).contains(Prefix.parse(block));

  let dual: string;
  let rangeId: string;

  beforeAll(async () => {
    t = await startTestApp();
    rangeId = (await post('/v1/ranges', { name: 'pools-v4', cidr: '10.128.0.0/12', purpose: 'pod', defaultPrefixLength: 20 }).expect(201))
      .body.id as string;
    dual = await cluster({
      name: 'dual',
      podCidrs: ['10.244.0.0/16', 'fd00:244::/56'],
      serviceCidrs: ['10.96.0.0/16', 'fd00:96::/112'],
    });
  });
  afterAll(() => t.close());

  it("lists the cluster's own pod CIDRs as the pools default-ipv4 and default-ipv6", async () => {
    const res = await get(pools(dual)).expect(200);
    expect(res.body.items.map((p: PoolBody) => [p.name, p.family, p.cidr, p.nodeMaskSize, p.order, p.isDefault, p.nodeSelector])).toEqual([
      ['default-ipv4', 'IPv4', '10.244.0.0/16', 24, 0, true, null],
      ['default-ipv6', 'IPv6', 'fd00:244::/56', 64, 0, true, null],
    ]);
    const one = await get(`${pools(dual)}/default-ipv6`).expect(200);
    expect(one.body.nodeBlocksTotal).toBe('256');
    await get(`${pools(dual)}/nope`).expect(404);
  });

  it('creates a declared pool with a selector and a carved one, each leased and audited', async () => {
    const res = await post(pools(dual), {
      name: 'zone-a',
      cidr: '10.245.0.0/16',
      nodeMaskSize: 26,
      nodeSelector: {
        matchLabels: { 'topology.kubernetes.io/zone': 'a' },
        matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['gpu', 'edge', 'gpu'] }],
      },
      order: -1,
    }).expect(201);
    expect(res.headers.location).toBe(`/v1/clusters/${dual}/pod-pools/zone-a`);
    expect(res.headers.etag).toBe('"1"');
    expect(res.body).toMatchObject({
      name: 'zone-a',
      family: 'IPv4',
      cidr: '10.245.0.0/16',
      nodeMaskSize: 26,
      order: -1,
      isDefault: false,
      rangeId: null,
      nodeBlocksTotal: '1024',
      // values sorted and deduplicated
      nodeSelector: {
        matchLabels: { 'topology.kubernetes.io/zone': 'a' },
        matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['edge', 'gpu'] }],
      },
    });

    const carved = await pool(dual, { name: 'more-v6', cidr: 'fd00:245::/56' });
    // the cluster's IPv6 node mask by default, after every IPv6 pool
    expect([carved.nodeMaskSize, carved.order]).toEqual([64, 1]);
    const fromRange = await pool(dual, { name: 'carved', cidr: { range: 'pools-v4' } });
    expect([fromRange.cidr, fromRange.rangeId, fromRange.order, fromRange.nodeSelector]).toEqual(['10.128.0.0/20', rangeId, 1, null]);
    const lease = await t.sql<{ slot: string; holder_kind: string }>(
      `SELECT l.slot, l.holder_kind::text FROM lease l JOIN range r ON r.pool_id = l.pool_id WHERE r.id = $1 AND l.cidr = '10.128.0.0/20'`,
      [rangeId],
    );
    expect(lease).toEqual([{ slot: 'pod-pool/carved', holder_kind: 'cluster' }]);
    const audit = await get(`/v1/audit?resource=pod-pool`).expect(200);
    expect(audit.body.items.map((a: { action: string; after: { name: string } }) => `${a.action} ${a.after.name}`)).toEqual(
      expect.arrayContaining(['create zone-a', 'create more-v6', 'create carved']),
    );

    const listed = await get(pools(dual)).expect(200);
    expect(listed.body.items.map((p: PoolBody) => p.name)).toEqual(['zone-a', 'default-ipv4', 'carved', 'default-ipv6', 'more-v6']);
  });

  it('refuses bad pools with a 4xx that changes nothing', async () => {
    const v4 = await cluster({ name: 'v4-only', podCidrs: ['10.20.0.0/16'], serviceCidrs: ['10.21.0.0/16'] });
    const before = await counts();
    const refused = async (id: string, body: object, status: number, field?: string, type?: string) => {
      const res = await post(pools(id), body).expect(status);
      if (field) expect(fieldsOf(res.body)).toContain(field);
      if (type) expect(res.body.type).toBe(`/problems/${type}`);
      return res;
    };
    await refused(v4, { name: 'v6', cidr: 'fd00:20::/56' }, 422, 'cidr');
    await refused(v4, { name: 'long', cidr: '10.22.0.0/16', nodeMaskSize: 33 }, 422, 'nodeMaskSize');
    const tooLong = await refused(v4, { name: 'long', cidr: '10.22.0.0/15', nodeMaskSize: 32 }, 422, 'nodeMaskSize');
    expect(tooLong.body.detail).toContain('at most 16');
    await refused(v4, { name: 'short', cidr: '10.22.0.0/16', nodeMaskSize: 15 }, 422, 'nodeMaskSize');
    await refused(v4, { name: 'BAD_NAME', cidr: '10.22.0.0/16' }, 422, 'name');
    await refused(v4, { name: 'hostbits', cidr: '10.22.0.1/16' }, 422, 'cidr');
    await refused(v4, { name: 'two', cidr: ['10.22.0.0/16'] }, 422, 'cidr');
    await refused(v4, { name: 'range', cidr: { range: 'no-such-range' } }, 422, 'cidr.range');
    await refused(v4, { name: 'order', cidr: '10.22.0.0/16', order: 1001 }, 422, 'order');
    // selectors as LabelSelectorAsSelector validates them
    for (const nodeSelector of [
      { matchExpressions: [{ key: 'zone', operator: 'Gt', values: ['1'] }] },
      { matchExpressions: [{ key: 'zone', operator: 'In' }] },
      { matchExpressions: [{ key: 'zone', operator: 'NotIn', values: [] }] },
      { matchExpressions: [{ key: 'zone', operator: 'Exists', values: ['a'] }] },
      { matchExpressions: [{ key: 'bad key!', operator: 'Exists' }] },
      { matchExpressions: [{ key: 'zone', operator: 'In', values: ['not a value!'] }] },
      { matchLabels: { zone: 7 } },
      { matchLabels: { '-bad': 'a' } },
      { matchFields: {} },
      'zone=a',
    ]) {
      const res = await refused(v4, { name: 'sel', cidr: '10.22.0.0/16', nodeSelector }, 422, 'nodeSelector');
      expect(res.body.type).toBe('/problems/validation-failed');
    }
    // overlaps: its own pod CIDR, its own service CIDR, another cluster
    const own = await refused(v4, { name: 'ov', cidr: '10.20.128.0/17' }, 409, undefined, 'cidr-conflict');
    expect(own.body.detail).toContain('pod CIDR 10.20.0.0/16 of cluster v4-only');
    await refused(v4, { name: 'ov', cidr: '10.21.0.0/24' }, 409, undefined, 'cidr-conflict');
    const other = await refused(v4, { name: 'ov', cidr: '10.244.0.0/20' }, 409, undefined, 'cidr-conflict');
    expect(other.body.detail).toContain('cluster dual');
    await refused(v4, { name: 'ov', cidr: '10.245.1.0/24' }, 409, undefined, 'cidr-conflict');
    await post(`/v1/clusters/00000000-0000-4000-8000-000000000000/pod-pools`, { name: 'x', cidr: '10.22.0.0/16' }).expect(404);
    expect(await counts()).toEqual(before);

    await pool(v4, { name: 'extra', cidr: '10.22.0.0/16' });
    const mid = await counts();
    const dup = await refused(v4, { name: 'extra', cidr: '10.23.0.0/16' }, 409, undefined, 'already-exists');
    expect(dup.headers.location).toBe(`/v1/clusters/${v4}/pod-pools/extra`);
    await refused(v4, { name: 'default-ipv4', cidr: '10.23.0.0/16' }, 409, undefined, 'already-exists');
    await refused(v4, { name: 'default-ipv6', cidr: 'fd00:23::/56' }, 409, undefined, 'already-exists');
    await refused(v4, { name: 'again', cidr: '10.22.0.0/17' }, 409, undefined, 'cidr-conflict');
    expect(await counts()).toEqual(mid);
  });

  it("patches nodeSelector and order only; the cluster's own pools are neither patched nor deleted", async () => {
    const id = await cluster({ name: 'patching', podCidrs: ['10.30.0.0/16'], serviceCidrs: ['10.31.0.0/16'] });
    await pool(id, { name: 'p', cidr: '10.32.0.0/16', nodeSelector: { matchLabels: { a: 'b' } } });
    const path = `${pools(id)}/p`;
    const before = await counts();
    const imm = await patch(path, { cidr: '10.33.0.0/16', nodeMaskSize: 25, name: 'q' }).expect(422);
    expect(fieldsOf(imm.body).sort()).toEqual(['cidr', 'name', 'nodeMaskSize']);
    await patch(path, { nodeSelector: { matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] } }).expect(422);
    await patch(path, { order: 5 }).set('If-Match', '"7"').expect(412);
    const own = await patch(`${pools(id)}/default-ipv4`, { order: 3 }).expect(422);
    expect(own.body.detail).toContain("cluster's own IPv4 pod CIDR");
    const del = await t.http
      .delete(`${pools(id)}/default-ipv4`)
      .set(t.auth)
      .expect(409);
    expect(del.body.detail).toContain('cannot be deleted');
    await patch(`${pools(id)}/nope`, { order: 3 }).expect(404);
    expect(await counts()).toEqual(before);

    // repeating the immutable fields is fine
    const same = await patch(path, { name: 'p', cidr: '10.32.0.0/16', nodeMaskSize: 24 }).expect(200);
    expect(same.headers.etag).toBe('"1"');
    const changed = await patch(path, { nodeSelector: { matchExpressions: [{ key: 'a', operator: 'DoesNotExist' }] }, order: -4 })
      .set('If-Match', '"1"')
      .expect(200);
    expect(changed.headers.etag).toBe('"2"');
    expect([changed.body.order, changed.body.nodeSelector]).toEqual([-4, { matchExpressions: [{ key: 'a', operator: 'DoesNotExist' }] }]);
    const reset = await t.http
      .patch(path)
      .set(t.auth)
      .set('Content-Type', 'application/merge-patch+json')
      .send(JSON.stringify({ nodeSelector: null }))
      .expect(200);
    expect(reset.body.nodeSelector).toBeNull();
  });

  it('gives a node the first pool in order whose selector matches its labels, and a requested block only in such a pool', async () => {
    const id = await cluster({ name: 'selecting', podCidrs: ['10.40.0.0/16'], serviceCidrs: ['10.41.0.0/16'] });
    await pool(id, { name: 'zone-a', cidr: '10.42.0.0/16', nodeMaskSize: 25, order: -1, nodeSelector: { matchLabels: { zone: 'a' } } });
    await pool(id, {
      name: 'not-a',
      cidr: '10.43.0.0/16',
      order: -2,
      nodeSelector: {
        matchExpressions: [
          { key: 'zone', operator: 'NotIn', values: ['a'] },
          { key: 'gpu', operator: 'Exists' },
        ],
      },
    });
    expect((await node(id, 'a1', { zone: 'a' })).podCidrs).toEqual(['10.42.0.0/25']);
    expect((await node(id, 'a2', { zone: 'a', gpu: 'yes' })).podCidrs).toEqual(['10.42.0.128/25']);
    expect((await node(id, 'g1', { gpu: 'yes' })).podCidrs).toEqual(['10.43.0.0/24']);
    expect((await node(id, 'g2', { gpu: 'yes', zone: 'b' })).podCidrs).toEqual(['10.43.1.0/24']);
    expect((await node(id, 'plain', { zone: 'b' })).podCidrs).toEqual(['10.40.0.0/24']);

    const requested = (name: string, labels: Record<string, string>, podCidrs: string[]) =>
      post(`/v1/clusters/${id}/nodes`, { name, labels, podCidrs });
    expect((await requested('r1', { zone: 'a' }, ['10.42.9.0/25']).expect(201)).body.podCidrs).toEqual(['10.42.9.0/25']);
    const wrongPool = await requested('r2', { zone: 'b' }, ['10.42.10.0/25']).expect(422);
    expect(wrongPool.body.errors[0]).toEqual({
      field: 'podCidrs[0]',
      message: "10.42.10.0/25 lies in pod pool zone-a, whose nodeSelector does not match the node's labels",
    });
    const wrongMask = await requested('r3', { zone: 'a' }, ['10.42.10.0/24']).expect(422);
    expect(wrongMask.body.errors[0].message).toContain('the nodeMaskSize of pod pool zone-a is 25');
    const outside = await requested('r4', {}, ['10.99.0.0/24']).expect(422);
    expect(outside.body.errors[0].message).toContain('is not inside any IPv4 pod pool');
    expect((await get(`/v1/clusters/${id}/nodes?name=r2`).expect(200)).body.items).toEqual([]);

    // a new selector applies to nodes registered from then on; nodes keep their blocks
    await patch(`${pools(id)}/zone-a`, { nodeSelector: { matchLabels: { zone: 'b' } } }).expect(200);
    expect((await node(id, 'b1', { zone: 'b' })).podCidrs).toEqual(['10.42.1.0/25']);
    expect((await node(id, 'a3', { zone: 'a' })).podCidrs).toEqual(['10.40.1.0/24']);
    const a1 = await get(`/v1/clusters/${id}/nodes?name=a1`).expect(200);
    expect(a1.body.items[0].podCidrs).toEqual(['10.42.0.0/25']);
  });

  it('moves nodes to the next matching pool as one fills, and answers 409 range-exhausted naming the pools tried', async () => {
    const id = await cluster({ name: 'filling', podCidrs: ['10.50.0.0/24'], serviceCidrs: ['10.51.0.0/24'], nodeMaskSizeIPv4: 26 });
    await pool(id, { name: 'overflow', cidr: '10.52.0.0/25', nodeSelector: { matchLabels: { tier: 'x' } } });
    const got: string[] = [];
    for (let i = 0; i < 6; i++) got.push((await node(id, `x${i}`, { tier: 'x' })).podCidrs[0]);
    expect(got).toEqual(['10.50.0.0/26', '10.50.0.64/26', '10.50.0.128/26', '10.50.0.192/26', '10.52.0.0/26', '10.52.0.64/26']);
    const before = await counts();
    const full = await post(`/v1/clusters/${id}/nodes`, { name: 'x6', labels: { tier: 'x' } }).expect(409);
    expect(full.body.type).toBe('/problems/range-exhausted');
    expect(full.body.pools).toEqual(['default-ipv4', 'overflow']);
    expect(full.body.detail).toBe(
      'every IPv4 pod pool of cluster filling that selects the node is full: default-ipv4 (10.50.0.0/24, /26), overflow (10.52.0.0/25, /26)',
    );
    const plain = await post(`/v1/clusters/${id}/nodes`, { name: 'plain' }).expect(409);
    expect(plain.body.pools).toEqual(['default-ipv4']);
    expect(plain.body.detail).toContain('the IPv4 pod CIDR 10.50.0.0/24 of cluster filling has no free /26 node block left');
    expect(await counts()).toEqual(before);

    // adding a pool grows the live cluster
    await pool(id, { name: 'grown', cidr: '10.53.0.0/26' });
    expect((await node(id, 'plain', {})).podCidrs).toEqual(['10.53.0.0/26']);
  });

  it('refuses to delete a pool that holds node blocks (409 naming the nodes), then deletes it and releases its CIDR', async () => {
    const id = await cluster({ name: 'deleting', podCidrs: ['10.60.0.0/16'], serviceCidrs: ['10.61.0.0/16'] });
    const carved = await pool(id, { name: 'p', cidr: { range: 'pools-v4' }, order: -1 });
    const n1 = await node(id, 'n1');
    const n2 = await node(id, 'n2');
    expect(inside(carved.cidr, n1.podCidrs[0]) && inside(carved.cidr, n2.podCidrs[0])).toBe(true);
    const before = await counts();
    const refused = await t.http
      .delete(`${pools(id)}/p`)
      .set(t.auth)
      .expect(409);
    expect(refused.body.type).toBe('/problems/conflict');
    expect(refused.body.nodes).toEqual(['n1', 'n2']);
    expect(refused.body.detail).toContain('still holds the blocks of 2 node(s): n1, n2');
    expect(await counts()).toEqual(before);

    await t.http.delete(`/v1/clusters/${id}/nodes/${n1.id}`).set(t.auth).expect(204);
    await t.http.delete(`/v1/clusters/${id}/nodes/${n2.id}`).set(t.auth).expect(204);
    await t.http
      .delete(`${pools(id)}/p`)
      .set(t.auth)
      .set('If-Match', '"9"')
      .expect(412);
    await t.http
      .delete(`${pools(id)}/p`)
      .set(t.auth)
      .expect(204);
    await get(`${pools(id)}/p`).expect(404);
    const leftovers = await t.sql(`SELECT 1 FROM lease WHERE cidr = $1::inet AND slot = 'pod-pool/p'`, [carved.cidr]);
    expect(leftovers).toEqual([]);
    // the CIDR is free again: the next carve takes it
    expect((await pool(id, { name: 'again', cidr: { range: 'pools-v4' } })).cidr).toBe(carved.cidr);
  });

  it('releases every pool with its cluster', async () => {
    const id = await cluster({ name: 'gone', podCidrs: ['10.70.0.0/16'], serviceCidrs: ['10.71.0.0/16'] });
    const carved = await pool(id, { name: 'p', cidr: { range: 'pools-v4' } });
    await node(id, 'n1');
    await t.http.delete(`/v1/clusters/${id}`).set(t.auth).expect(204);
    expect(await t.sql(`SELECT 1 FROM pod_pool WHERE cluster_id = $1`, [id])).toEqual([]);
    expect(await t.sql(`SELECT 1 FROM lease WHERE cidr = $1::inet`, [carved.cidr])).toEqual([]);
  });

  it('32 parallel registrations across three pools never overlap and fill the right pools', async () => {
    const id = await cluster({ name: 'racing', podCidrs: ['10.80.0.0/23'], serviceCidrs: ['10.81.0.0/24'], nodeMaskSizeIPv4: 28 });
    const za = await pool(id, {
      name: 'za',
      cidr: '10.82.0.0/26',
      order: -2,
      nodeSelector: { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] },
    });
    const zb = await pool(id, { name: 'zb', cidr: '10.83.0.0/26', order: -1, nodeSelector: { matchLabels: { zone: 'b' } } });
    const zoneOf = (i: number) => (i % 4 === 0 ? 'a' : i % 4 === 1 ? 'b' : undefined);
    const results = await Promise.all(
      Array.from({ length: 32 }, (_, i) =>
        post(`/v1/clusters/${id}/nodes`, { name: `n${i}`, labels: zoneOf(i) ? { zone: zoneOf(i) } : {} }).then((r) => ({ i, r })),
      ),
    );
    for (const { r } of results) expect(r.status).toBe(201);
    const blocks = results.map(({ i, r }) => ({ zone: zoneOf(i), block: r.body.podCidrs[0] as string }));
    const parsed = blocks.map((b) => Prefix.parse(b.block));
    for (let a = 0; a < parsed.length; a++) for (let b = a + 1; b < parsed.length; b++) expect(parsed[a].overlaps(parsed[b])).toBe(false);
    const inPool = (cidr: string) => blocks.filter((b) => inside(cidr, b.block));
    // each zone pool holds 4 blocks: full, and only with its own zone's nodes
    expect(inPool(za.cidr).map((b) => b.zone)).toEqual(['a', 'a', 'a', 'a']);
    expect(inPool(zb.cidr).map((b) => b.zone)).toEqual(['b', 'b', 'b', 'b']);
    // the rest (4 a, 4 b overflowing, 16 without zone) in the cluster's own pod CIDR
    expect(inPool('10.80.0.0/23')).toHaveLength(24);
  });

  it('renders kube-controller-manager flags with one pool per family, Cilium cluster-pool values and Calico IPPools always', async () => {
    const id = await cluster({ name: 'cfg', podCidrs: ['10.90.0.0/16'], serviceCidrs: ['10.91.0.0/16'] });
    const one = await get(`/v1/clusters/${id}/config`).expect(200);
    expect(one.body.kubeControllerManager).toEqual([
      '--cluster-cidr=10.90.0.0/16',
      '--service-cluster-ip-range=10.91.0.0/16',
      '--node-cidr-mask-size-ipv4=24',
    ]);
    expect(one.body.cilium).toEqual({
      ipam: { mode: 'cluster-pool', operator: { clusterPoolIPv4PodCIDRList: ['10.90.0.0/16'], clusterPoolIPv4MaskSize: 24 } },
    });
    expect(one.body.calico).toEqual([
      {
        apiVersion: 'projectcalico.org/v3',
        kind: 'IPPool',
        metadata: { name: 'cfg-default-ipv4' },
        spec: { cidr: '10.90.0.0/16', blockSize: 24, nodeSelector: 'all()' },
      },
    ]);
    expect(one.body.notes).toEqual([]);

    await pool(id, {
      name: 'zone-a',
      cidr: '10.92.0.0/16',
      nodeMaskSize: 26,
      order: -1,
      nodeSelector: { matchLabels: { 'topology.kubernetes.io/zone': 'a' }, matchExpressions: [{ key: 'spot', operator: 'DoesNotExist' }] },
    });
    const two = await get(`/v1/clusters/${id}/config`).expect(200);
    expect(two.body.kubeControllerManager).toEqual(['--allocate-node-cidrs=false', '--service-cluster-ip-range=10.91.0.0/16']);
    expect(two.body.kubeProxy).toEqual(['--detect-local-mode=NodeCIDR']);
    expect(two.body.cilium.ipam.operator).toEqual({
      clusterPoolIPv4PodCIDRList: ['10.92.0.0/16', '10.90.0.0/16'],
      clusterPoolIPv4MaskSize: 24,
    });
    expect(two.body.calico.map((p: { metadata: { name: string }; spec: object }) => [p.metadata.name, p.spec])).toEqual([
      ['cfg-zone-a', { cidr: '10.92.0.0/16', blockSize: 26, nodeSelector: "topology.kubernetes.io/zone == 'a' && !has(spot)" }],
      ['cfg-default-ipv4', { cidr: '10.90.0.0/16', blockSize: 24, nodeSelector: 'all()' }],
    ]);
    expect(two.body.notes).toHaveLength(3);

    const calico = await get(`/v1/clusters/${id}/config?format=yaml&cni=calico`).expect(200);
    expect(calico.headers['content-type']).toContain('application/yaml');
    expect(calico.text.split('---\n')).toHaveLength(2);
    expect(calico.text).toContain(
      'apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata:\n  name: cfg-zone-a\nspec:\n  cidr: 10.92.0.0/16\n  blockSize: 26\n',
    );
    const cilium = await get(`/v1/clusters/${id}/config?format=yaml&cni=cilium`).expect(200);
    expect(cilium.text).toBe(
      'ipam:\n  mode: cluster-pool\n  operator:\n    clusterPoolIPv4PodCIDRList:\n      - 10.92.0.0/16\n      - 10.90.0.0/16\n    clusterPoolIPv4MaskSize: 24\n',
    );
    const kubeadm = await get(`/v1/clusters/${id}/config?format=yaml`).expect(200);
    expect(kubeadm.text).toContain('podSubnet: 10.90.0.0/16');
    await get(`/v1/clusters/${id}/config?format=yaml&cni=flannel`).expect(422);
  });

  it('counts capacity per pool and per family; who-owns names the pool of a node block; conflicts see pools', async () => {
    const id = await cluster({ name: 'cap', podCidrs: ['10.100.0.0/24'], serviceCidrs: ['10.101.0.0/24'], nodeMaskSizeIPv4: 26 });
    const before = (await get(`/v1/clusters/${id}/capacity`).expect(200)).body;
    expect(before.maxNodes).toBe('4');
    expect(before.pools.map((p: { name: string }) => p.name)).toEqual(['default-ipv4']);
    await pool(id, { name: 'more', cidr: '10.102.0.0/24', nodeMaskSize: 25, nodeSelector: { matchLabels: { big: 'yes' } }, order: -1 });
    const n = await node(id, 'big-1', { big: 'yes' });
    expect(n.podCidrs).toEqual(['10.102.0.0/25']);
    await node(id, 'small-1');
    const after = (await get(`/v1/clusters/${id}/capacity`).expect(200)).body;
    expect(after.families).toEqual([
      {
        family: 'IPv4',
        podCidr: '10.100.0.0/24',
        nodeMaskSize: 26,
        nodeBlocksTotal: '6',
        nodeBlocksUsed: '2',
        nodeBlocksFree: '4',
        podAddressesPerNode: '64',
      },
    ]);
    expect(after.pools).toEqual([
      {
        name: 'more',
        family: 'IPv4',
        cidr: '10.102.0.0/24',
        nodeMaskSize: 25,
        nodeBlocksTotal: '2',
        nodeBlocksUsed: '1',
        nodeBlocksFree: '1',
        podAddressesPerNode: '128',
      },
      {
        name: 'default-ipv4',
        family: 'IPv4',
        cidr: '10.100.0.0/24',
        nodeMaskSize: 26,
        nodeBlocksTotal: '4',
        nodeBlocksUsed: '1',
        nodeBlocksFree: '3',
        podAddressesPerNode: '64',
      },
    ]);
    expect(after.maxNodes).toBe('4');

    const whois = await get('/v1/whois?address=10.102.0.5').expect(200);
    expect(
      whois.body.leases.map((l: { holder: { kind: string; name: string }; pool: { podPool: string | null } }) => [
        l.holder.kind,
        l.holder.name,
        l.pool.podPool,
      ]),
    ).toEqual([['node', 'big-1', 'more']]);
    const own = await get('/v1/whois?address=10.100.0.1').expect(200);
    expect(own.body.leases.map((l: { pool: { podPool: string | null } }) => l.pool.podPool)).toEqual(['default-ipv4']);

    // an imported cluster overlapping the pool (allowConflicts) shows up as a conflict with it
    const imported = await cluster({ name: 'imp', podCidrs: ['10.102.0.0/16'], serviceCidrs: ['10.103.0.0/24'], allowConflicts: true });
    const conflicts = await get(`/v1/conflicts?clusterId=${imported}`).expect(200);
    expect(
      conflicts.body.items.map((c: { a: { kind: string; cidr: string }; b: { kind: string; cidr: string } }) =>
        [c.a.kind, c.b.kind].sort(),
      ),
    ).toEqual([['pod', 'pod_pool']]);
  });

  it('GraphQL: Cluster.podPools and the pod pool mutations, with the same rules', async () => {
    const gql = (query: string, variables?: object) => t.http.post('/graphql').set(t.auth).send({ query, variables }).expect(200);
    const id = await cluster({ name: 'gql', podCidrs: ['10.110.0.0/16'], serviceCidrs: ['10.111.0.0/16'] });
    const created = await gql(
      `mutation($c: ID!) { createPodPool(clusterId: $c, input: { name: "zone-b", cidr: { range: "pools-v4", prefixLength: 22 }, nodeMaskSize: 26,
         nodeSelector: { matchLabels: { zone: "b" }, matchExpressions: [{ key: "gpu", operator: "Exists" }] } }) {
         name cidr rangeName nodeMaskSize order isDefault nodeSelector { matchLabels matchExpressions { key operator values } } } }`,
      { c: id },
    );
    expect(created.body.data.createPodPool).toEqual({
      name: 'zone-b',
      cidr: expect.stringMatching(/\/22$/),
      rangeName: 'pools-v4',
      nodeMaskSize: 26,
      order: 1,
      isDefault: false,
      nodeSelector: { matchLabels: { zone: 'b' }, matchExpressions: [{ key: 'gpu', operator: 'Exists', values: null }] },
    });
    const bad = await gql(
      `mutation($c: ID!) { createPodPool(clusterId: $c, input: { name: "bad", cidr: { cidr: "10.112.0.0/16" },
         nodeSelector: { matchExpressions: [{ key: "gpu", operator: "In" }] } }) { name } }`,
      { c: id },
    );
    expect(bad.body.errors[0].extensions).toMatchObject({ type: '/problems/validation-failed', status: 422 });
    const updated = await gql(
      `mutation($c: ID!) { updatePodPool(clusterId: $c, name: "zone-b", input: { nodeSelector: null, order: -3 }) { order nodeSelector { matchLabels } } }`,
      {
        c: id,
      },
    );
    expect(updated.body.data.updatePodPool).toEqual({ order: -3, nodeSelector: null });
    const read = await gql(
      `query($c: ID!) { cluster(id: $c) { podPools { name isDefault } capacity { pools { name nodeBlocksTotal } } } }`,
      { c: id },
    );
    expect(read.body.data.cluster.podPools).toEqual([
      { name: 'zone-b', isDefault: false },
      { name: 'default-ipv4', isDefault: true },
    ]);
    expect(read.body.data.cluster.capacity.pools).toEqual([
      { name: 'zone-b', nodeBlocksTotal: '16' },
      { name: 'default-ipv4', nodeBlocksTotal: '256' },
    ]);
    const page = await gql(`{ clusters(first: 50) { nodes { name podPools { name } } } }`);
    expect(page.body.data.clusters.nodes.find((c: { name: string }) => c.name === 'gql').podPools).toHaveLength(2);
    const deleted = await gql(`mutation($c: ID!) { deletePodPool(clusterId: $c, name: "zone-b") }`, { c: id });
    expect(deleted.body.data.deletePodPool).toBe(true);
    const own = await gql(`mutation($c: ID!) { deletePodPool(clusterId: $c, name: "default-ipv4") }`, { c: id });
    expect(own.body.errors[0].extensions).toMatchObject({ type: '/problems/conflict', status: 409 });
  });

  it("adds a family's pools up in the cluster CIDR metrics", async () => {
    const id = await cluster({ name: 'metered', podCidrs: ['10.120.0.0/24'], serviceCidrs: ['10.121.0.0/24'], nodeMaskSizeIPv4: 26 });
    await pool(id, { name: 'more', cidr: '10.122.0.0/24', order: -1 });
    await node(id, 'n1');
    const text = (await t.http.get('/metrics').expect(200)).text;
    const sample = (name: string) =>
      text
        .split('\n')
        .filter((l) => l.startsWith(`${name}{`) && l.includes('cluster="metered"') && l.includes('kind="pod"'))
        .map((l) => Number(l.split(' ').pop()));
    expect(sample('kipam_cluster_cidr_free_addresses')).toEqual([448]);
    expect(sample('kipam_cluster_cidr_utilization_ratio')).toEqual([0.125]);
  });

  it('a pool deletion racing node registrations never leaves a node without its block', async () => {
    const id = await cluster({ name: 'race-delete', podCidrs: ['10.150.0.0/19'], serviceCidrs: ['10.151.0.0/24'] });
    for (let round = 0; round < 3; round++) {
      await pool(id, { name: `p${round}`, cidr: `10.${152 + round}.0.0/21`, order: -1 });
      const [deleted, ...registered] = await Promise.all([
        t.http.delete(`${pools(id)}/p${round}`).set(t.auth),
        ...Array.from({ length: 8 }, (_, i) => post(`/v1/clusters/${id}/nodes`, { name: `r${round}-${i}` })),
      ]);
      expect([204, 409]).toContain(deleted.status);
      for (const r of registered) expect([r.status, r.body.detail]).toEqual([201, undefined]);
      const listed = (await get(`/v1/clusters/${id}/nodes?limit=100`).expect(200)).body.items as { name: string; podCidrs: string[] }[];
      const read = await get(`${pools(id)}/p${round}`);
      for (const n of listed.filter((x) => x.name.startsWith(`r${round}-`))) {
        expect(n.podCidrs).toHaveLength(1);
        // a block in the pool only while the pool is there
        if (deleted.status === 204) expect(inside('10.150.0.0/19', n.podCidrs[0])).toBe(true);
      }
      expect(read.status).toBe(deleted.status === 204 ? 404 : 200);
    }
  });
});
