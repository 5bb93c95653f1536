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
          for (const cidr of reserved) await post(`/v1/ranges/${range.id}/reservations`, { cidr, reason: 'held' }).expect(201);
          const items: { label: string; cidr: Prefix }[] = reserved.map((cidr) => ({
            label: `reservation:reservation:${cidr}`,
            cidr: Prefix.parse(cidr),
          }));
          for (const [i, cidr] of pods.entries()) {
            const service = `172.${20 + i}.0.0/24`;
            await post('/v1/clusters', {
              name: `c${i}`,
              domain,
              podCidrs: [cidr],
              serviceCidrs: [service],
              nodeMaskSizeIPv4: 26,
              allowConflicts: true,
            }).expect(201);
            items.push(
              { label: `c${i}:pod:${cidr}`, cidr: Prefix.parse(cidr) },
              { label: `c${i}:service:${service}`, cidr: Prefix.parse(service) },
            );
          }
          const expected = new Set<string>();
          for (let i = 0; i < items.length; i++)
            for (let j = i + 1; j < items.length; j++)
              if (items[i].cidr.overlaps(items[j].cidr)) expected.add([items[i].label, items[j].label].sort().join(' & '));
          const found = await conflictsOf(domain);
          expect(new Set(found.map((c) => [label(c.a), label(c.b)].sort().join(' & ')))).toEqual(expected);
          expect(found).toHaveLength(expected.size);
          for (const c of found) expect(c.relation).toBe(relationOf(Prefix.parse(c.a.cidr), Prefix.parse(c.b.cidr)));
        },
      ),
      { numRuns: 12, seed: 20261203 },
    );
  });
});
