import { Address, Prefix, dynamicBandStart, serviceIpRange, staticBandSize } from '@kipam/cidr';
import { startTestApp, type TestApp } from './setup/test-app';

/** How ClusterIPs are allocated: KEP-3070 bands, exhaustion, concurrency. */
describe('Service ClusterIP allocation', () => {
  let t: TestApp;

  const cluster = async (name: string, podCidrs: string[], serviceCidrs: string[]): Promise<string> => {
    const res = await t.http.post('/v1/clusters').set(t.auth).send({ name, podCidrs, serviceCidrs }).expect(201);
    return res.body.id as string;
  };
  const create = (clusterId: string, body: object) => t.http.post(`/v1/clusters/${clusterId}/services`).set(t.auth).send(body);
  const value = (ip: string) => Address.parse(ip).value;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('a /28 holds 14 ClusterIPs: default/kubernetes and 13 more, then 409 range-exhausted with nothing left behind', async () => {
    const c = await cluster('small', ['10.20.0.0/16', 'fd00:20::/56'], ['10.120.0.0/28', 'fd00:120::/112']);
    expect(serviceIpRange(Prefix.parse('10.120.0.0/28')).count).toBe(14n);
    const ips: string[] = [];
    for (let i = 0; i < 13; i++) {
      const res = await create(c, { namespace: 'default', name: `s${i}`, ipFamilyPolicy: 'PreferDualStack' }).expect(201);
      ips.push(res.body.clusterIP as string);
    }
    expect(new Set(ips).size).toBe(13);
    expect(ips.map(value).sort((a, b) => Number(a - b))).toEqual(Array.from({ length: 13 }, (_, i) => value('10.120.0.2') + BigInt(i)));

    // IPv6 first: its address is leased before the IPv4 range turns out full
    const full = await create(c, {
      namespace: 'default',
      name: 'one-too-many',
      ipFamilyPolicy: 'PreferDualStack',
      ipFamilies: ['IPv6', 'IPv4'],
    }).expect(409);
    expect(full.body).toMatchObject({ type: '/problems/range-exhausted', family: 'IPv4', cidr: '10.120.0.0/28' });
    // the failed create kept neither its row nor the IPv6 address it got first
    expect(await t.sql(`SELECT 1 FROM service WHERE cluster_id = $1`, [c])).toHaveLength(14);
    const [v6] = await t.sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM lease WHERE holder_kind = 'service' AND family = 6 AND cidr <<= 'fd00:120::/112'`,
    );
    expect(v6.n).toBe(13);

    // releasing one makes room again
    const list = await t.http.get(`/v1/clusters/${c}/services?name=s5`).set(t.auth).expect(200);
    await t.http.delete(`/v1/clusters/${c}/services/${list.body.items[0].id}`).set(t.auth).expect(204);
    const again = await create(c, { namespace: 'default', name: 'one-too-many' }).expect(201);
    expect(again.body.clusterIP).toBe(list.body.items[0].clusterIP);
  });

  it('dynamic ClusterIPs come from the upper band; the static band is left to requests until the upper one is full (KEP-3070)', async () => {
    const c = await cluster('bands', ['10.21.0.0/16'], ['10.121.0.0/24']);
    const cidr = Prefix.parse('10.121.0.0/24');
    expect(staticBandSize(cidr)).toBe(16n);
    const upper = dynamicBandStart(cidr); // 10.121.0.17
    for (let i = 0; i < 5; i++) {
      const res = await create(c, { namespace: 'default', name: `d${i}` }).expect(201);
      expect(value(res.body.clusterIP as string)).toBeGreaterThanOrEqual(upper);
    }
    const low = await create(c, { namespace: 'default', name: 'static', clusterIP: '10.121.0.5' }).expect(201);
    expect(low.body.clusterIP).toBe('10.121.0.5');

    // /27: 30 usable, band of 16; the upper band (.17-.30) fills first, then the lower one is used
    const small = await cluster('bands-small', ['10.22.0.0/16'], ['10.122.0.0/27']);
    const got: bigint[] = [];
    for (let i = 0; i < 15; i++)
      got.push(value((await create(small, { namespace: 'default', name: `d${i}` }).expect(201)).body.clusterIP as string));
    expect(got.slice(0, 14).every((v) => v >= value('10.122.0.17') && v <= value('10.122.0.30'))).toBe(true);
    // then a random address of the lower band (.1 is default/kubernetes)
    expect(got[14] >= value('10.122.0.2') && got[14] <= value('10.122.0.16')).toBe(true);
  });

  it('a released ClusterIP is not handed out again at once: dynamic ones start at a random address of the band (kube-apiserver)', async () => {
    const c = await cluster('reuse', ['10.24.0.0/16'], ['10.124.0.0/16']);
    const band = dynamicBandStart(Prefix.parse('10.124.0.0/16'));
    const again: boolean[] = [];
    const seen = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const first = await create(c, { namespace: 'default', name: 'cycle' }).expect(201);
      await t.http.delete(`/v1/clusters/${c}/services/${first.body.id}`).set(t.auth).expect(204);
      const second = await create(c, { namespace: 'default', name: 'cycle' }).expect(201);
      await t.http.delete(`/v1/clusters/${c}/services/${second.body.id}`).set(t.auth).expect(204);
      again.push(first.body.clusterIP === second.body.clusterIP);
      for (const ip of [first.body.clusterIP as string, second.body.clusterIP as string]) {
        seen.add(ip);
        expect(value(ip)).toBeGreaterThanOrEqual(band);
      }
    }
    // lowest-first would give the same address 20 times out of 20; at random over 65,518 addresses, about never
    expect(again.filter(Boolean).length).toBeLessThan(20);
    expect(again.filter(Boolean).length).toBeLessThanOrEqual(2);
    expect(seen.size).toBeGreaterThan(30);
  });

  it('parallel creations with random starts get distinct ClusterIPs and fill the upper band before the lower one, even at its last addresses', async () => {
    // /26: 62 usable, static band 16, so 46 dynamic addresses: random starts collide often and must move on
    const c = await cluster('parallel', ['10.25.0.0/16', 'fd00:25::/56'], ['10.125.0.0/26', 'fd00:125::/120']);
    const responses = await Promise.all(
      Array.from({ length: 32 }, (_, i) => create(c, { namespace: 'default', name: `p${i}`, ipFamilyPolicy: 'RequireDualStack' })),
    );
    expect(responses.map((r) => r.status)).toEqual(Array.from({ length: 32 }, () => 201));
    for (const family of [0, 1]) {
      const ips = responses.map((r) => (r.body as { clusterIPs: string[] }).clusterIPs[family]);
      expect(new Set(ips).size).toBe(32);
    }
    const upper = dynamicBandStart(Prefix.parse('10.125.0.0/26'));
    expect(responses.every((r) => value((r.body as { clusterIP: string }).clusterIP) >= upper)).toBe(true);
    // the last 14 of the upper band, all at once: none goes to the lower band while
    // another creation holds an upper address it may yet give back
    const rest = await Promise.all(
      Array.from({ length: 14 }, (_, i) => create(c, { namespace: 'default', name: `q${i}`, ipFamilyPolicy: 'RequireDualStack' })),
    );
    expect(rest.map((r) => r.status)).toEqual(Array.from({ length: 14 }, () => 201));
    const all = [...responses, ...rest].map((r) => value((r.body as { clusterIP: string }).clusterIP));
    expect(new Set(all).size).toBe(46);
    expect(all.every((v) => v >= upper)).toBe(true);
    // the upper band is full: the next one comes from the lower band
    const lower = await create(c, { namespace: 'default', name: 'lower' }).expect(201);
    expect(value(lower.body.clusterIP as string)).toBeLessThan(upper);
  });

  it('500 Services created concurrently on a dual-stack cluster get 500 distinct addresses per family', async () => {
    const c = await cluster('busy', ['10.23.0.0/16', 'fd00:23::/56'], ['10.123.0.0/22', 'fd00:123::/112']);
    const results: { clusterIPs: string[] }[] = [];
    for (let batch = 0; batch < 10; batch++) {
      const responses = await Promise.all(
        Array.from({ length: 50 }, (_, i) => create(c, { namespace: `ns-${batch}`, name: `svc-${i}`, ipFamilyPolicy: 'RequireDualStack' })),
      );
      for (const r of responses) {
        expect(r.status).toBe(201);
        results.push(r.body as { clusterIPs: string[] });
      }
    }
    const v4 = new Set(results.map((r) => r.clusterIPs[0]));
    const v6 = new Set(results.map((r) => r.clusterIPs[1]));
    expect(v4.size).toBe(500);
    expect(v6.size).toBe(500);
    expect([...v4].every((ip) => Prefix.parse('10.123.0.0/22').contains(Address.parse(ip)))).toBe(true);
    expect([...v6].every((ip) => Prefix.parse('fd00:123::/112').contains(Address.parse(ip)))).toBe(true);
    const [db] = await t.sql<{ n: number; distinct: number }>(
      `SELECT count(*)::int AS n, count(DISTINCT l.cidr)::int AS distinct FROM lease l JOIN service s ON s.id = l.holder_id
        WHERE l.holder_kind = 'service' AND s.cluster_id = $1`,
      [c],
    );
    expect(db).toEqual({ n: 1001, distinct: 1001 }); // with default/kubernetes
  });
});
