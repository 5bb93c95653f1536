import { Address, Prefix } from '@kipam/cidr';
import { Database } from '@kipam/persistence';
import { NodesRepository } from '../src/nodes/nodes.repository';
import { startTestApp, type TestApp } from './setup/test-app';

interface NodeBody {
  id: string;
  clusterId: string;
  name: string;
  podCidr: string | null;
  podCidrs: string[];
  labels: Record<string, string>;
  addresses: { type: string; address: string }[];
}

describe('Nodes', () => {
  let t: TestApp;
  const post = (path: string, body: object) => t.http.post(path).set(t.auth).send(body);
  const cluster = async (body: object): Promise<string> => (await post('/v1/clusters', body).expect(201)).body.id as string;
  const nodes = (clusterId: string) => `/v1/clusters/${clusterId}/nodes`;
  const node = (clusterId: string, body: object) => post(nodes(clusterId), body);
  const created = async (clusterId: string, body: object): Promise<NodeBody> => (await node(clusterId, body).expect(201)).body as NodeBody;
  const capacity = async (clusterId: string) => (await t.http.get(`/v1/clusters/${clusterId}/capacity`).set(t.auth).expect(200)).body;
  const fieldsOf = (body: { errors?: { field: string; message: string }[] }) => (body.errors ?? []).map((e) => e.field);
  const nodeRows = async (clusterId: string, name: string) =>
    (await t.sql<{ n: number }>('SELECT count(*)::int AS n FROM node WHERE cluster_id = $1 AND name = $2', [clusterId, name]))[0].n;

  let v4: string;
  let dual: string;

  beforeAll(async () => {
    t = await startTestApp();
    v4 = await cluster({ name: 'v4', podCidrs: ['10.244.0.0/16'], serviceCidrs: ['10.96.0.0/16'] });
    dual = await cluster({
      name: 'dual',
      podCidrs: ['10.245.0.0/16', 'fd00:245::/56'],
      serviceCidrs: ['10.97.0.0/16', 'fd00:97::/112'],
    });
  });
  afterAll(() => t.close());

  it('gives IPv4-only nodes the lowest free /24 of the pod CIDR, with Location and ETag', async () => {
    const res = await node(v4, { name: 'worker-1', labels: { role: 'worker' } }).expect(201);
    expect(res.body).toEqual({
      id: expect.any(String),
      clusterId: v4,
      name: 'worker-1',
      podCidr: '10.244.0.0/24',
      podCidrs: ['10.244.0.0/24'],
      labels: { role: 'worker' },
      addresses: [],
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    expect(res.headers.location).toBe(`/v1/clusters/${v4}/nodes/${res.body.id}`);
    expect(res.headers.etag).toBe('"1"');
    const second = await created(v4, { name: 'worker-2' });
    expect(second.podCidrs).toEqual(['10.244.1.0/24']);

    const read = await t.http.get(res.headers.location).set(t.auth).expect(200);
    expect(read.body).toEqual(res.body);
    expect(read.headers.etag).toBe('"1"');
    const [lease] = await t.sql<{ slot: string; cidr: string }>(
      `SELECT slot, cidr::text AS cidr FROM lease WHERE holder_kind = 'node' AND holder_id = $1`,
      [res.body.id],
    );
    expect(lease).toEqual({ slot: 'pod/IPv4', cidr: '10.244.0.0/24' });
  });

  it('refuses a second node of the same name with 409 already-exists and its Location, also under concurrency', async () => {
    const first = await t.http
      .get(`${nodes(v4)}?name=worker-1`)
      .set(t.auth)
      .expect(200);
    const again = await node(v4, { name: 'worker-1' }).expect(409);
    expect(again.body.type).toBe('/problems/already-exists');
    expect(again.headers.location).toBe(`/v1/clusters/${v4}/nodes/${first.body.items[0].id}`);

    const racers = await Promise.all(Array.from({ length: 6 }, () => node(v4, { name: 'racer' })));
    expect(racers.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409, 409]);
    const winner = racers.find((r) => r.status === 201)!;
    for (const r of racers.filter((x) => x.status === 409)) {
      expect(r.body.type).toBe('/problems/already-exists');
      expect(r.headers.location).toBe(`/v1/clusters/${v4}/nodes/${winner.body.id}`);
    }
    // the losers left no lease behind
    const [{ n }] = await t.sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM lease l JOIN cluster_cidr cc ON cc.pool_id = l.pool_id WHERE cc.cluster_id = $1 AND cc.kind = 'pod'`,
      [v4],
    );
    expect(n).toBe(3);
  });

  it('validates node names as Kubernetes does (DNS subdomain, lower case, at most 253 characters)', async () => {
    await created(v4, { name: 'ip-10-0-1-23.eu-west-1.compute.internal' });
    for (const name of ['Worker-1', 'worker_1', '-worker', 'worker.', `${'a'.repeat(250)}.bcd`, '']) {
      const res = await node(v4, { name }).expect(422);
      expect(fieldsOf(res.body)).toEqual(['name']);
    }
    await created(v4, { name: `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}` }); // 253
    await node(v4, { name: 'x', colour: 'blue' }).expect(422);
  });

  it('gives IPv6-only nodes their blocks: /64 by default, /80 on an EKS-style /64 pod CIDR', async () => {
    const v6 = await cluster({ name: 'v6', podCidrs: ['fd00:20::/56'], serviceCidrs: ['fd00:21::/112'] });
    expect((await created(v6, { name: 'a' })).podCidrs).toEqual(['fd00:20::/64']);
    const b = await created(v6, { name: 'b' });
    expect(b).toMatchObject({ podCidr: 'fd00:20:0:1::/64', podCidrs: ['fd00:20:0:1::/64'] });
    const cap = await capacity(v6);
    expect(cap).toEqual({
      clusterId: v6,
      families: [
        {
          family: 'IPv6',
          podCidr: 'fd00:20::/56',
          nodeMaskSize: 64,
          nodeBlocksTotal: '256',
          nodeBlocksUsed: '2',
          nodeBlocksFree: '254',
          podAddressesPerNode: '18446744073709551616',
        },
      ],
      // the cluster's own pod CIDR is its only pool
      pools: [
        {
          name: 'default-ipv6',
          family: 'IPv6',
          cidr: 'fd00:20::/56',
          nodeMaskSize: 64,
          nodeBlocksTotal: '256',
          nodeBlocksUsed: '2',
          nodeBlocksFree: '254',
          podAddressesPerNode: '18446744073709551616',
        },
      ],
      maxNodes: '254',
      serviceCidrs: [expect.objectContaining({ serviceCidr: 'kubernetes', family: 'IPv6', clusterIPsUsed: '1' })],
    });

    const eks = await cluster({
      name: 'eks',
      podCidrs: ['2600:1f14:abc:de00::/64'],
      serviceCidrs: ['fd12:3456:789a::/108'],
      nodeMaskSizeIPv6: 80,
    });
    expect((await created(eks, { name: 'ip-1' })).podCidrs).toEqual(['2600:1f14:abc:de00::/80']);
    expect((await created(eks, { name: 'ip-2' })).podCidrs).toEqual(['2600:1f14:abc:de00:1::/80']);
    const requested = await created(eks, { name: 'ip-3', podCidrs: ['2600:1f14:abc:de00:ffff::/80'] });
    expect(requested.podCidr).toBe('2600:1f14:abc:de00:ffff::/80');
    const wrongMask = await node(eks, { name: 'ip-4', podCidrs: ['2600:1f14:abc:de00:5::/96'] }).expect(422);
    expect(wrongMask.body.errors[0]).toEqual({ field: 'podCidrs[0]', message: expect.stringMatching(/must be a \/80/) });
    const ecap = await capacity(eks);
    expect(ecap.families[0]).toMatchObject({
      nodeMaskSize: 80,
      nodeBlocksTotal: '65536',
      nodeBlocksUsed: '3',
      nodeBlocksFree: '65533',
      podAddressesPerNode: String(2n ** 48n),
    });
    expect(ecap.maxNodes).toBe('65533');
  });

  it('gives dual-stack nodes one block per family, in the cluster pod-family order', async () => {
    const n = await created(dual, { name: 'ds-1' });
    expect(n.podCidrs).toEqual(['10.245.0.0/24', 'fd00:245::/64']);
    expect(n.podCidr).toBe('10.245.0.0/24');
    const slots = await t.sql<{ slot: string }>(`SELECT slot FROM lease WHERE holder_kind = 'node' AND holder_id = $1 ORDER BY slot`, [
      n.id,
    ]);
    expect(slots.map((s) => s.slot)).toEqual(['pod/IPv4', 'pod/IPv6']);

    const v6first = await cluster({
      name: 'v6-first',
      podCidrs: ['fd00:246::/56', '10.246.0.0/16'],
      serviceCidrs: ['fd00:98::/112', '10.98.0.0/16'],
    });
    const m = await created(v6first, { name: 'ds-1' });
    expect(m.podCidrs).toEqual(['fd00:246::/64', '10.246.0.0/24']);
    expect(m.podCidr).toBe('fd00:246::/64');
    const listed = await t.http.get(nodes(v6first)).set(t.auth).expect(200);
    expect(listed.body.items[0].podCidrs).toEqual(['fd00:246::/64', '10.246.0.0/24']);
  });

  it('holds requested blocks, allocates the missing family, and refuses bad or taken ones', async () => {
    const partial = await created(dual, { name: 'ds-explicit', podCidrs: ['fd00:245:0:10::/64'] });
    expect(partial.podCidrs).toEqual(['10.245.1.0/24', 'fd00:245:0:10::/64']);
    const both = await created(dual, { name: 'ds-both', podCidrs: ['fd00:245:0:20::/64', '10.245.20.0/24'] });
    expect(both.podCidrs).toEqual(['10.245.20.0/24', 'fd00:245:0:20::/64']);

    const cases: [string | object, object, string, RegExp][] = [
      [dual, { podCidrs: ['10.245.4.0/23'] }, 'podCidrs[0]', /must be a \/24 block/],
      [dual, { podCidrs: ['10.245.5.0/25'] }, 'podCidrs[0]', /must be a \/24 block/],
      [dual, { podCidrs: ['10.245.5.1/24'] }, 'podCidrs', /did you mean 10\.245\.5\.0\/24/],
      [dual, { podCidrs: ['10.1.0.0/24'] }, 'podCidrs[0]', /not inside the cluster's IPv4 pod CIDR 10\.245\.0\.0\/16/],
      [dual, { podCidrs: ['fd00:999::/64'] }, 'podCidrs[0]', /not inside the cluster's IPv6 pod CIDR fd00:245::\/56/],
      [dual, { podCidrs: ['10.245.7.0/24', '10.245.8.0/24'] }, 'podCidrs[1]', /second IPv4 block/],
      [dual, { podCidrs: ['10.245.7.0/24', 'fd00:245:0:7::/64', '10.245.8.0/24'] }, 'podCidrs', /at most two/],
      [dual, { podCidrs: '10.245.7.0/24' }, 'podCidrs', /array/],
      [v4, { podCidrs: ['fd00:245:0:7::/64'] }, 'podCidrs[0]', /has no IPv6 pod CIDR/],
    ];
    for (const [clusterId, body, field, message] of cases) {
      const res = await node(clusterId as string, { name: 'bad', ...body });
      expect({ body, status: res.status }).toEqual({ body, status: 422 });
      expect(res.body.errors).toEqual(expect.arrayContaining([{ field, message: expect.stringMatching(message) }]));
    }

    const taken = await node(dual, { name: 'thief', podCidrs: ['10.245.0.0/24'] }).expect(409);
    expect(taken.body.type).toBe('/problems/address-taken');
    expect(taken.body.detail).toMatch(/10\.245\.0\.0\/24 is already held by node ds-1 of cluster dual/);
    expect(taken.body).toMatchObject({
      field: 'podCidrs',
      cidr: '10.245.0.0/24',
      holder: { kind: 'node', name: 'ds-1', cidr: '10.245.0.0/24' },
    });
    const takenV6 = await node(dual, { name: 'thief', podCidrs: ['fd00:245:0:10::/64'] }).expect(409);
    expect(takenV6.body.detail).toMatch(/node ds-explicit/);
    expect(await nodeRows(dual, 'bad')).toBe(0);
    expect(await nodeRows(dual, 'thief')).toBe(0);
  });

  it('answers 409 range-exhausted when the pod CIDR is full, and leaves nothing behind', async () => {
    const small = await cluster({ name: 'small', podCidrs: ['10.250.0.0/22'], serviceCidrs: ['10.99.0.0/24'] });
    const before = await capacity(small);
    expect(before.families[0]).toMatchObject({
      nodeBlocksTotal: '4',
      nodeBlocksUsed: '0',
      nodeBlocksFree: '4',
      podAddressesPerNode: '256',
    });
    expect(before.maxNodes).toBe('4');
    const made: NodeBody[] = [];
    for (let i = 0; i < 4; i++) made.push(await created(small, { name: `s${i}` }));
    expect(made.map((n) => n.podCidr)).toEqual(['10.250.0.0/24', '10.250.1.0/24', '10.250.2.0/24', '10.250.3.0/24']);
    const full = await node(small, { name: 's4' }).expect(409);
    expect(full.body.type).toBe('/problems/range-exhausted');
    expect(full.body.detail).toMatch(/IPv4 pod CIDR 10\.250\.0\.0\/22 of cluster small has no free \/24/);
    expect(full.body).toMatchObject({ family: 'IPv4', podCidr: '10.250.0.0/22' });
    expect(await nodeRows(small, 's4')).toBe(0);
    const after = await capacity(small);
    expect(after.families[0]).toMatchObject({ nodeBlocksUsed: '4', nodeBlocksFree: '0' });
    expect(after.maxNodes).toBe('0');

    // delete one (If-Match), then a new node gets the freed block
    const target = made[1];
    await t.http
      .delete(`${nodes(small)}/${target.id}`)
      .set(t.auth)
      .set('If-Match', '"7"')
      .expect(412);
    await t.http
      .delete(`${nodes(small)}/${target.id}`)
      .set(t.auth)
      .set('If-Match', '"1"')
      .expect(204);
    await t.http
      .get(`${nodes(small)}/${target.id}`)
      .set(t.auth)
      .expect(404);
    await t.http
      .delete(`${nodes(small)}/${target.id}`)
      .set(t.auth)
      .expect(404);
    const [{ n }] = await t.sql<{ n: number }>(`SELECT count(*)::int AS n FROM lease WHERE holder_id = $1`, [target.id]);
    expect(n).toBe(0);
    expect((await capacity(small)).maxNodes).toBe('1');
    const again = await created(small, { name: 's1' });
    expect(again.podCidrs).toEqual(['10.250.1.0/24']);
    expect(again.id).not.toBe(target.id);
  });

  it('backfills existing nodes when the cluster gains a family', async () => {
    const up = await cluster({ name: 'upgrade', podCidrs: ['10.251.0.0/16'], serviceCidrs: ['10.100.0.0/16'] });
    const made: NodeBody[] = [];
    for (const name of ['u1', 'u2', 'u3']) made.push(await created(up, { name }));
    const patched = await t.http
      .patch(`/v1/clusters/${up}`)
      .set(t.auth)
      .send({ podCidrs: ['10.251.0.0/16', 'fd00:251::/56'], serviceCidrs: ['10.100.0.0/16', 'fd00:101::/112'] })
      .expect(200);
    expect(patched.body.nodesBackfilled).toBe(3);
    const got = await Promise.all(
      made.map(
        async (n) =>
          (
            await t.http
              .get(`${nodes(up)}/${n.id}`)
              .set(t.auth)
              .expect(200)
          ).body,
      ),
    );
    expect(got.map((n: NodeBody) => n.podCidrs)).toEqual([
      ['10.251.0.0/24', 'fd00:251::/64'],
      ['10.251.1.0/24', 'fd00:251:0:1::/64'],
      ['10.251.2.0/24', 'fd00:251:0:2::/64'],
    ]);
    expect(got.every((n: NodeBody) => n.podCidr === n.podCidrs[0])).toBe(true);
    const next = await created(up, { name: 'u4' });
    expect(next.podCidrs).toEqual(['10.251.3.0/24', 'fd00:251:0:3::/64']);
    const cap = await capacity(up);
    expect(cap.families.map((f: { family: string; nodeBlocksUsed: string }) => [f.family, f.nodeBlocksUsed])).toEqual([
      ['IPv4', '4'],
      ['IPv6', '4'],
    ]);
  });

  it('hands 200 nodes created concurrently 200 distinct blocks, with no error', async () => {
    const busy = await cluster({
      name: 'busy',
      podCidrs: ['10.252.0.0/16', 'fd00:252::/56'],
      serviceCidrs: ['10.101.0.0/16', 'fd00:102::/112'],
    });
    const bodies: NodeBody[] = [];
    for (let batch = 0; batch < 4; batch++) {
      const results = await Promise.all(Array.from({ length: 50 }, (_, i) => node(busy, { name: `n-${batch * 50 + i}` })));
      const failed = results.filter((r) => r.status !== 201).map((r) => [r.status, r.body.detail]);
      expect(failed).toEqual([]);
      bodies.push(...results.map((r) => r.body as NodeBody));
    }
    const v4s = new Set(bodies.map((b) => b.podCidrs[0]));
    const v6s = new Set(bodies.map((b) => b.podCidrs[1]));
    expect(v4s.size).toBe(200);
    expect(v6s.size).toBe(200);
    // concurrent allocators skip blocks locked by each other, so the set need not be the lowest 200
    const within = (pod: string, mask: number) => (block: string) =>
      Prefix.parse(pod).contains(Prefix.parse(block)) && Prefix.parse(block).length === mask;
    expect(bodies.every((b) => b.podCidr === b.podCidrs[0])).toBe(true);
    expect([...v4s].every(within('10.252.0.0/16', 24))).toBe(true);
    expect([...v6s].every(within('fd00:252::/56', 64))).toBe(true);
    const [{ leases }] = await t.sql<{ leases: number }>(
      `SELECT count(DISTINCT l.cidr)::int AS leases FROM lease l JOIN node n ON n.id = l.holder_id WHERE n.cluster_id = $1`,
      [busy],
    );
    expect(leases).toBe(400);
    const cap = await capacity(busy);
    expect(cap.families.map((f: { nodeBlocksUsed: string; nodeBlocksFree: string }) => [f.nodeBlocksUsed, f.nodeBlocksFree])).toEqual([
      ['200', '56'],
      ['200', '56'],
    ]);
    expect(cap.maxNodes).toBe('56');
  }, 60_000);

  it('reports capacity per family with maxNodes the fewest free blocks over the families', async () => {
    const cap = await cluster({
      name: 'cap',
      podCidrs: ['10.253.0.0/16', 'fd00:253::/56'],
      serviceCidrs: ['10.102.0.0/16', 'fd00:103::/112'],
      nodeMaskSizeIPv6: 60,
    });
    expect(await capacity(cap)).toEqual({
      clusterId: cap,
      families: [
        {
          family: 'IPv4',
          podCidr: '10.253.0.0/16',
          nodeMaskSize: 24,
          nodeBlocksTotal: '256',
          nodeBlocksUsed: '0',
          nodeBlocksFree: '256',
          podAddressesPerNode: '256',
        },
        {
          family: 'IPv6',
          podCidr: 'fd00:253::/56',
          nodeMaskSize: 60,
          nodeBlocksTotal: '16',
          nodeBlocksUsed: '0',
          nodeBlocksFree: '16',
          podAddressesPerNode: String(2n ** 68n),
        },
      ],
      pools: [
        expect.objectContaining({ name: 'default-ipv4', nodeBlocksFree: '256' }),
        expect.objectContaining({ name: 'default-ipv6', nodeBlocksFree: '16' }),
      ],
      maxNodes: '16',
      // the ClusterIPs of each ServiceCIDR: default/kubernetes holds the first IPv4 one
      serviceCidrs: [
        {
          serviceCidr: 'kubernetes',
          family: 'IPv4',
          cidr: '10.102.0.0/16',
          clusterIPsTotal: '65534',
          clusterIPsUsed: '1',
          clusterIPsFree: '65533',
        },
        {
          serviceCidr: 'kubernetes',
          family: 'IPv6',
          cidr: 'fd00:103::/112',
          clusterIPsTotal: '65535',
          clusterIPsUsed: '0',
          clusterIPsFree: '65535',
        },
      ],
    });
    await created(cap, { name: 'c1' });
    await created(cap, { name: 'c2', podCidrs: ['fd00:253:0:f0::/60'] });
    const after = await capacity(cap);
    expect(after.families.map((f: { nodeBlocksUsed: string; nodeBlocksFree: string }) => [f.nodeBlocksUsed, f.nodeBlocksFree])).toEqual([
      ['2', '254'],
      ['2', '14'],
    ]);
    expect(after.maxNodes).toBe('14');
    await t.http.get('/v1/clusters/00000000-0000-4000-8000-000000000000/capacity').set(t.auth).expect(404);
  });

  it('validates, canonicalises and finds node addresses', async () => {
    const n = await created(dual, {
      name: 'addr-1',
      addresses: [
        { type: 'InternalIP', address: '192.168.10.5' },
        { type: 'InternalIP', address: '2001:DB8:0:0:0:0:0:5' },
        { type: 'ExternalIP', address: '203.0.113.7' },
      ],
    });
    expect(n.addresses).toEqual([
      { type: 'InternalIP', address: '192.168.10.5' },
      { type: 'InternalIP', address: '2001:db8::5' },
      { type: 'ExternalIP', address: '203.0.113.7' },
    ]);
    const [row] = await t.sql<{ addresses: unknown }>('SELECT addresses FROM node WHERE id = $1', [n.id]);
    expect(row.addresses).toEqual(n.addresses);

    const bad: [object[], string][] = [
      [[{ type: 'InternalIP', address: '192.168.10.300' }], 'addresses[0].address'],
      [[{ type: 'Hostname', address: '192.168.10.6' }], 'addresses[0].type'],
      [[{ type: 'InternalIP', address: '192.168.10.6', zone: 'a' }], 'addresses[0].zone'],
      [[{ type: 'InternalIP', address: '10.0.0.0/8' }], 'addresses[0].address'],
      [
        [
          { type: 'InternalIP', address: '192.168.10.6' },
          { type: 'ExternalIP', address: '192.168.10.7' },
          { type: 'InternalIP', address: '192.168.10.8' },
        ],
        'addresses[2]',
      ],
    ];
    for (const [addresses, field] of bad) {
      const res = await node(dual, { name: 'addr-bad', addresses });
      expect({ addresses, status: res.status }).toEqual({ addresses, status: 422 });
      expect(fieldsOf(res.body)).toContain(field);
    }
    expect(await nodeRows(dual, 'addr-bad')).toBe(0);

    const repo = t.app.get(NodesRepository, { strict: false });
    const db = t.app.get(Database, { strict: false });
    const found = await repo.findByAddress(db.reader, Address.parse('2001:db8::5'));
    expect(found.map((r) => r.id)).toEqual([n.id]);
    expect(await repo.findByAddress(db.reader, Address.parse('192.168.10.99'))).toEqual([]);

    // who owns the address: the node reporting it (any spelling of the address)
    const whois = await t.http.get('/v1/whois?address=2001:DB8::0:5').set(t.auth).expect(200);
    expect(whois.body).toEqual({
      address: '2001:db8::5',
      family: 'IPv6',
      leases: [],
      clusterCidrs: [],
      nodeAddresses: [
        { nodeId: n.id, nodeName: 'addr-1', clusterId: dual, clusterName: expect.any(String), type: 'InternalIP', address: '2001:db8::5' },
      ],
      nodeLocal: [],
      nodeLocalMore: false,
    });
    // a node block's address: its lease, and no node reporting it
    const inBlock = await t.http
      .get(`/v1/whois?address=${n.podCidrs[0].split('/')[0]}`)
      .set(t.auth)
      .expect(200);
    expect(inBlock.body.nodeAddresses).toEqual([]);
    expect(inBlock.body.leases.map((l: { holder: { kind: string; name: string } }) => l.holder)).toContainEqual(
      expect.objectContaining({ kind: 'node', name: 'addr-1' }),
    );
  });

  it('patches labels and addresses with If-Match; name and podCidrs are immutable', async () => {
    const n = await created(dual, { name: 'patchy', labels: { a: '1' } });
    const url = `${nodes(dual)}/${n.id}`;
    const patched = await t.http
      .patch(url)
      .set(t.auth)
      .set('If-Match', '"1"')
      .send({ labels: { a: '2', b: 'x' }, addresses: [{ type: 'InternalIP', address: 'fd00::a' }] })
      .expect(200);
    expect(patched.body).toMatchObject({
      name: 'patchy',
      labels: { a: '2', b: 'x' },
      addresses: [{ type: 'InternalIP', address: 'fd00::a' }],
      podCidrs: n.podCidrs,
    });
    expect(patched.headers.etag).toBe('"2"');
    await t.http.patch(url).set(t.auth).set('If-Match', '"1"').send({ labels: {} }).expect(412);

    // unchanged values are accepted, and change nothing
    const same = await t.http.patch(url).set(t.auth).send({ name: 'patchy', podCidrs: n.podCidrs }).expect(200);
    expect(same.headers.etag).toBe('"2"');
    const rename = await t.http.patch(url).set(t.auth).send({ name: 'other' }).expect(422);
    expect(fieldsOf(rename.body)).toEqual(['name']);
    const move = await t.http
      .patch(url)
      .set(t.auth)
      .send({ podCidrs: ['10.245.99.0/24', n.podCidrs[1]] })
      .expect(422);
    expect(fieldsOf(move.body)).toEqual(['podCidrs']);
    const reorder = await t.http
      .patch(url)
      .set(t.auth)
      .send({ podCidrs: [n.podCidrs[1], n.podCidrs[0]] })
      .expect(422);
    expect(fieldsOf(reorder.body)).toEqual(['podCidrs']);
    const dup = await t.http
      .patch(url)
      .set(t.auth)
      .send({
        addresses: [
          { type: 'InternalIP', address: 'fd00::a' },
          { type: 'InternalIP', address: 'fd00::b' },
        ],
      })
      .expect(422);
    expect(fieldsOf(dup.body)).toEqual(['addresses[1]']);

    const cleared = await t.http.patch(url).set(t.auth).send({ addresses: null, labels: null }).expect(200);
    expect(cleared.body).toMatchObject({ labels: {}, addresses: [] });
    expect(cleared.headers.etag).toBe('"3"');

    // a node path under another cluster, or a cluster that does not exist, is 404
    await t.http
      .get(`${nodes(v4)}/${n.id}`)
      .set(t.auth)
      .expect(404);
    await t.http
      .patch(`${nodes(v4)}/${n.id}`)
      .set(t.auth)
      .send({ labels: {} })
      .expect(404);
    await t.http
      .delete(`${nodes(v4)}/${n.id}`)
      .set(t.auth)
      .expect(404);
    const missing = '00000000-0000-4000-8000-000000000000';
    const gone = await t.http
      .get(`${nodes(missing)}/${n.id}`)
      .set(t.auth)
      .expect(404);
    expect(gone.body.detail).toMatch(/cluster/);
    await t.http.get(nodes(missing)).set(t.auth).expect(404);
    await node(missing, { name: 'x' }).expect(404);
    await node('not-a-uuid', { name: 'x' }).expect(404);
    await t.http
      .get(`${nodes(dual)}/not-a-uuid`)
      .set(t.auth)
      .expect(404);
    await t.http.delete(url).set(t.auth).set('If-Match', '"3"').expect(204);
  });

  it('lists nodes by name with cursor pagination, and filters by name and label selector', async () => {
    const list = await t.http.get(nodes(v4)).set(t.auth).expect(200);
    const names = list.body.items.map((n: NodeBody) => n.name);
    expect(names).toEqual([...names].sort());
    expect(list.body.nextCursor).toBeNull();

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { items: NodeBody[]; nextCursor: string | null } } = await t.http
        .get(nodes(v4))
        .query({ limit: 2, ...(cursor ? { cursor } : {}) })
        .set(t.auth)
        .expect(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.items.map((n) => n.name));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(names);

    const byName = await t.http
      .get(`${nodes(v4)}?name=worker-2`)
      .set(t.auth)
      .expect(200);
    expect(byName.body.items.map((n: NodeBody) => n.podCidrs)).toEqual([['10.244.1.0/24']]);
    const byLabel = await t.http
      .get(`${nodes(v4)}?label=role=worker`)
      .set(t.auth)
      .expect(200);
    expect(byLabel.body.items.map((n: NodeBody) => n.name)).toEqual(['worker-1']);
    const without = await t.http
      .get(`${nodes(v4)}?label=!role`)
      .set(t.auth)
      .expect(200);
    expect(without.body.items.map((n: NodeBody) => n.name)).not.toContain('worker-1');
    // every requirement must hold: key present, value, value excluded, key absent
    const all = await t.http
      .get(`${nodes(v4)}?label=role,role=worker,role!=db&label=!zone`)
      .set(t.auth)
      .expect(200);
    expect(all.body.items.map((n: NodeBody) => n.name)).toEqual(['worker-1']);
    const contradictory = await t.http
      .get(`${nodes(v4)}?label=role=worker,role=db`)
      .set(t.auth)
      .expect(200);
    expect(contradictory.body.items).toEqual([]);
    await t.http.get(nodes(v4)).query({ label: 'bad key' }).set(t.auth).expect(422);
    await t.http
      .get(`${nodes(v4)}?cursor=nope`)
      .set(t.auth)
      .expect(422);
  });

  it('goes away with its cluster', async () => {
    const c = await cluster({ name: 'doomed', podCidrs: ['10.254.0.0/16'], serviceCidrs: ['10.103.0.0/16'] });
    const n = await created(c, { name: 'd1' });
    await t.http.delete(`/v1/clusters/${c}`).set(t.auth).expect(204);
    await t.http
      .get(`${nodes(c)}/${n.id}`)
      .set(t.auth)
      .expect(404);
    const [{ count }] = await t.sql<{ count: number }>(`SELECT count(*)::int AS count FROM lease WHERE holder_id = $1`, [n.id]);
    expect(count).toBe(0);
  });
});
