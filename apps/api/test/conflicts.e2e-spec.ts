import fc from 'fast-check';
import { Prefix } from '@kipam/cidr';
import { startTestApp, type TestApp } from './setup/test-app';

interface Side {
  kind: string;
  cidr: string;
  clusterName: string | null;
}
interface Conflict {
  relation: 'identical' | 'contains' | 'within';
  a: Side;
  b: Side;
}

/**
 * The conflicts sweep against the definition: every pair of overlapping CIDRs
 * of a domain (cluster pod and service CIDRs, reservations), found by testing
 * every pair, for random fleets of nested, identical and disjoint blocks.
 */
describe('Conflicts', () => {
  let t: TestApp;
  const post = (path: string, body: object) => t.http.post(path).set(t.auth).send(body);

  beforeAll(async () => {
    t = await startTestApp({ KIPAM_RATE_LIMIT_PER_MINUTE: '0' });
  });
  afterAll(() => t.close());

  /** All pages of a domain's conflicts. */
  const conflictsOf = async (domain: string): Promise<Conflict[]> => {
    const all: Conflict[] = [];
    let cursor: string | null = null;
    do {
      const page: string = `/v1/conflicts?domain=${domain}&limit=7${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const res: { body: { items: Conflict[]; nextCursor: string | null } } = await t.http.get(page).set(t.auth).expect(200);
      all.push(...res.body.items);
      cursor = res.body.nextCursor;
    } while (cursor);
    return all;
  };
  const label = (s: Side) => `${s.clusterName ?? 'reservation'}:${s.kind}:${s.cidr}`;
  const relationOf = (a: Prefix, b: Prefix) => (a.equals(b) ? 'identical' : a.contains(b) ? 'contains' : 'within');

  // prefixes of 10.200.0.0/16 from /16 to /24 at a few offsets: many nest, some are identical, some disjoint
  const block = fc.tuple(fc.constantFrom(16, 17, 18, 20, 22, 24), fc.integer({ min: 0, max: 3 })).map(([len, i]) =>
    Prefix.parse('10.200.0.0/16')
      .subnet(len, Math.min(i, 2 ** (len - 16) - 1))
      .toString(),
  );

  it('finds exactly the overlapping pairs of random fleets, each relation as seen from its first side', async () => {
    let round = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(block, { minLength: 2, maxLength: 9 }),
        fc.subarray(['10.200.0.0/22', '10.200.64.0/18']),
        async (pods, reserved) => {
          const domain = `sweep-${round++}`;
          await post('/v1/domains', { name: domain }).expect(201);
          // a range over part of the space, with reservations the clusters may overlap
          const range = (await post('/v1/ranges', { name: `r-${domain}`, domain, cidr: '10.200.0.0/17' }).expect(201)).body;
          const reservations: string[] = [];
          for (const cidr of reserved)
            reservations.push((await post(`/v1/ranges/${range.id}/reservations`, { cidr, reason: 'held' }).expect(201)).body.id);
          let items: { label: string; cidr: Prefix; owner: string }[] = reserved.map((cidr, i) => ({
            label: `reservation:reservation:${cidr}`,
            cidr: Prefix.parse(cidr),
            owner: reservations[i],
          }));
          const clusters: string[] = [];
          for (const [i, cidr] of pods.entries()) {
            const service = `172.${20 + i}.0.0/24`;
            const id = (
              await post('/v1/clusters', {
                name: `c${i}`,
                domain,
                podCidrs: [cidr],
                serviceCidrs: [service],
                nodeMaskSizeIPv4: 26,
                allowConflicts: true,
              }).expect(201)
            ).body.id as string;
            clusters.push(id);
            items.push(
              { label: `c${i}:pod:${cidr}`, cidr: Prefix.parse(cidr), owner: id },
              { label: `c${i}:service:${service}`, cidr: Prefix.parse(service), owner: id },
            );
          }
          const check = async () => {
            const expected = new Set<string>();
            for (let i = 0; i < items.length; i++)
              for (let j = i + 1; j < items.length; j++)
                if (items[i].cidr.overlaps(items[j].cidr)) expected.add([items[i].label, items[j].label].sort().join(' & '));
            const found = await conflictsOf(domain);
            expect(new Set(found.map((c) => [label(c.a), label(c.b)].sort().join(' & ')))).toEqual(expected);
            expect(found).toHaveLength(expected.size);
            for (const c of found) expect(c.relation).toBe(relationOf(Prefix.parse(c.a.cidr), Prefix.parse(c.b.cidr)));
          };
          await check();
          // every other cluster and the first reservation go: so do their pairs
          const gone = new Set([...clusters.filter((_, i) => i % 2 === 1), ...reservations.slice(0, 1)]);
          for (const id of clusters.filter((c) => gone.has(c))) await t.http.delete(`/v1/clusters/${id}`).set(t.auth).expect(204);
          for (const id of reservations.filter((r) => gone.has(r)))
            await t.http.delete(`/v1/ranges/${range.id}/reservations/${id}`).set(t.auth).expect(204);
          items = items.filter((item) => !gone.has(item.owner));
          await check();
        },
      ),
      { numRuns: 12, seed: 20261203 },
    );
    expect(await keptPairs()).toEqual(await sweptPairs());
  });

  const keptPairs = () => t.sql<{ a_id: string; b_id: string }>('SELECT a_id, b_id FROM cidr_overlap ORDER BY 1, 2');
  const sweptPairs = () => t.sql<{ a_id: string; b_id: string }>('SELECT a_id, b_id FROM kipam_overlaps_swept() ORDER BY 1, 2');

  it('pairs CIDRs that come at the same time, and drops the pairs of those that go while others come', async () => {
    await post('/v1/domains', { name: 'together' }).expect(201);
    const create = (i: number) =>
      post('/v1/clusters', {
        name: `t${i}`,
        domain: 'together',
        podCidrs: ['10.210.0.0/16'],
        serviceCidrs: [`172.${100 + i}.0.0/24`],
        nodeMaskSizeIPv4: 26,
        allowConflicts: true,
      });
    // 12 identical pod CIDRs at once: each commit runs its probe after the others' (the domain's lock)
    const first = await Promise.all(Array.from({ length: 12 }, (_, i) => create(i)));
    expect(first.map((r) => r.status)).toEqual(Array.from({ length: 12 }, () => 201));
    const pairs = async () => (await conflictsOf('together')).map((c) => [c.a.clusterName, c.b.clusterName].sort().join('&'));
    expect(await pairs()).toHaveLength(66);
    // 4 go while 4 others come: 12 remain, every pair of them and no other
    const [removed, added] = await Promise.all([
      Promise.all(first.slice(0, 4).map((r) => t.http.delete(`/v1/clusters/${r.body.id}`).set(t.auth))),
      Promise.all(Array.from({ length: 4 }, (_, i) => create(12 + i))),
    ]);
    expect([...removed, ...added].map((r) => r.status)).toEqual([204, 204, 204, 204, 201, 201, 201, 201]);
    const names = Array.from({ length: 12 }, (_, i) => `t${i + 4}`);
    const expected = names.flatMap((a, i) => names.slice(i + 1).map((b) => [a, b].sort().join('&')));
    expect((await pairs()).sort()).toEqual(expected.sort());
    expect(await keptPairs()).toEqual(await sweptPairs());
    // one cluster's pairs, and the open-conflicts gauge from the same pairs
    const one = await t.http.get(`/v1/conflicts?domain=together&clusterId=${added[0].body.id}`).set(t.auth).expect(200);
    expect(one.body.items).toHaveLength(11);
    const metrics = await t.http.get('/metrics').set(t.auth).expect(200);
    expect(metrics.text).toMatch(/kipam_open_conflicts\{domain="together"\} 12/);
  });
});
