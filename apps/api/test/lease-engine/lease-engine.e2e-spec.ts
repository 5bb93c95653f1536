import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import {
  BlockTakenError,
  LeaseEngine,
  LeaseLengthError,
  OutsidePoolError,
  PoolExhaustedError,
  type Holder,
  type HolderKind,
} from '@kipam/allocation';
import { Address, Prefix } from '@kipam/cidr';
import { freeBlocks, subtract } from '../../../../libs/cidr/test/free-space';
import { Database, isPgError, PgCode } from '@kipam/persistence';
import { createTestDatabase, type TestDatabase } from '../setup/test-app';
import { auditPool, expectedHealthy, freeBlocksOf } from './pool-checks';

/** The lease engine (SQL functions + LeaseEngine) against a real PostgreSQL. */
describe('Lease engine', () => {
  let testDb: TestDatabase;
  let db: Database;
  const engine = new LeaseEngine();

  beforeAll(async () => {
    testDb = await createTestDatabase();
    db = new Database(testDb.url, 4);
  });
  afterAll(async () => {
    await db.close();
    await testDb.drop();
  });

  const holder = (kind: HolderKind = 'node', slot = 'pod/IPv4'): Holder => ({ kind, id: randomUUID(), slot });
  const newPool = (cidr: string) => db.transaction((tx) => engine.createPool(tx, 'range', Prefix.parse(cidr)));
  const next = (poolId: string, length: number, h: Holder = holder(), from?: string) =>
    db.transaction((tx) => engine.leaseNext(tx, poolId, length, h, from ? { from: Address.parse(from) } : {}));
  const exact = (poolId: string, cidr: string, h: Holder = holder()) =>
    db.transaction((tx) => engine.leaseExact(tx, poolId, Prefix.parse(cidr), h));
  const release = (ids: string[]) => db.transaction((tx) => engine.release(tx, ids));
  const cidrOf = (r: { lease: { cidr: Prefix } }) => r.lease.cidr.toString();
  const leaseCount = async (poolId: string) =>
    (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM lease WHERE pool_id = $1::bigint', [poolId]))[0].n;
  const expectHealthy = async (poolId: string) => {
    const audit = await auditPool(db.reader, poolId);
    expect(audit).toEqual(expectedHealthy(audit));
    return audit;
  };

  it('leases the lowest free block first, then refuses with PoolExhaustedError', async () => {
    const pool = await newPool('10.0.0.0/22');
    const got: string[] = [];
    for (let i = 0; i < 4; i++) got.push(cidrOf(await next(pool, 24)));
    expect(got).toEqual(['10.0.0.0/24', '10.0.1.0/24', '10.0.2.0/24', '10.0.3.0/24']);
    const refused = next(pool, 24);
    await expect(refused).rejects.toBeInstanceOf(PoolExhaustedError);
    await expect(refused).rejects.toMatchObject({ poolId: pool, prefixLength: 24 });
    expect(await freeBlocksOf(db.reader, pool)).toEqual([]);
    expect(await leaseCount(pool)).toBe(4);
    await expectHealthy(pool);
  });

  it('takes the lowest block of mixed lengths and never splits more than needed', async () => {
    const pool = await newPool('10.1.0.0/24');
    expect(cidrOf(await next(pool, 32))).toBe('10.1.0.0/32');
    expect(await freeBlocksOf(db.reader, pool)).toEqual([
      '10.1.0.1/32',
      '10.1.0.2/31',
      '10.1.0.4/30',
      '10.1.0.8/29',
      '10.1.0.16/28',
      '10.1.0.32/27',
      '10.1.0.64/26',
      '10.1.0.128/25',
    ]);
    expect(cidrOf(await next(pool, 26))).toBe('10.1.0.64/26');
    expect(cidrOf(await next(pool, 30))).toBe('10.1.0.4/30');
    expect(cidrOf(await next(pool, 32))).toBe('10.1.0.1/32');
    expect(cidrOf(await next(pool, 25))).toBe('10.1.0.128/25');
    await expect(next(pool, 25)).rejects.toBeInstanceOf(PoolExhaustedError);
    // smaller blocks are still there
    expect(cidrOf(await next(pool, 27))).toBe('10.1.0.32/27');
    await expectHealthy(pool);
  });

  it('prefers the block at `from` (band start) and falls back to the rest of the pool', async () => {
    const pool = await newPool('10.2.0.0/22');
    expect(cidrOf(await next(pool, 24, holder(), '10.2.2.0'))).toBe('10.2.2.0/24');
    expect(cidrOf(await next(pool, 24, holder(), '10.2.2.0'))).toBe('10.2.3.0/24');
    // nothing at or after `from`: the lowest block of the pool
    expect(cidrOf(await next(pool, 24, holder(), '10.2.2.0'))).toBe('10.2.0.0/24');
    expect(cidrOf(await next(pool, 24, holder(), '10.2.3.0'))).toBe('10.2.1.0/24');
    await expect(next(pool, 24, holder(), '10.2.2.0')).rejects.toBeInstanceOf(PoolExhaustedError);

    // addresses: the first free one at or after `from`
    const band = await newPool('10.3.0.0/24');
    expect(cidrOf(await next(band, 32, holder(), '10.3.0.16'))).toBe('10.3.0.16/32');
    expect(cidrOf(await next(band, 32, holder(), '10.3.0.16'))).toBe('10.3.0.17/32');
    await exact(band, '10.3.0.18/31');
    expect(cidrOf(await next(band, 32, holder(), '10.3.0.16'))).toBe('10.3.0.20/32');
    expect(cidrOf(await next(band, 32))).toBe('10.3.0.0/32');
    // `from` inside a free block that is too small for the length: the next fitting block after it
    expect(cidrOf(await next(band, 28, holder(), '10.3.0.21'))).toBe('10.3.0.32/28');
    await expectHealthy(pool);
    await expectHealthy(band);
  });

  it('looks at a later tier of starts only once nothing at or after the earlier tier is free, waiting for blocks a concurrent allocator holds', async () => {
    // .0-.7: the upper tier starts at .4, the lower at .0; .5-.7 leased, so .4 is the upper tier's last address
    const pool = await newPool('10.4.0.0/29');
    for (const ip of ['10.4.0.5/32', '10.4.0.6/32', '10.4.0.7/32']) await exact(pool, ip);
    const tiers = [[Address.parse('10.4.0.4')], [Address.parse('10.4.0.0')]];
    const race = async (end: 'commit' | 'rollback') => {
      let finishFirst!: () => void;
      const gate = new Promise<void>((resolve) => (finishFirst = resolve));
      let firstLeased!: () => void;
      const leased = new Promise<void>((resolve) => (firstLeased = resolve));
      const first = db
        .transaction(async (tx) => {
          const r = await engine.leaseNext(tx, pool, 32, holder(), { from: [[Address.parse('10.4.0.4')]] });
          firstLeased();
          await gate;
          if (end === 'rollback') throw new Error('rolled back');
          return r;
        })
        .catch(() => null);
      await leased;
      let settled = false;
      const second = db.transaction((tx) => engine.leaseNext(tx, pool, 32, holder(), { from: tiers })).finally(() => (settled = true));
      await new Promise((resolve) => setTimeout(resolve, 300));
      // not the lower tier's free .0-.3 while .4 may still come back
      const waited = !settled;
      finishFirst();
      return { waited, first: await first, second: cidrOf(await second) };
    };
    // the holder of .4 gives it up: the waiting request gets it
    expect(await race('rollback')).toEqual({ waited: true, first: null, second: '10.4.0.4/32' });
    await release([(await db.query<{ id: string }>("SELECT id FROM lease WHERE cidr = '10.4.0.4/32'"))[0].id]);
    // the holder keeps it: the upper tier is full, the lower one serves
    const kept = await race('commit');
    expect(kept.waited).toBe(true);
    expect(kept.first && cidrOf(kept.first)).toBe('10.4.0.4/32');
    expect(['10.4.0.0/32', '10.4.0.1/32', '10.4.0.2/32', '10.4.0.3/32']).toContain(kept.second);
    // one flat list of starts has no tiers: the held .4 is passed over at once
    const flat = await newPool('10.5.0.0/29');
    for (const ip of ['10.5.0.5/32', '10.5.0.6/32', '10.5.0.7/32']) await exact(flat, ip);
    let finish!: () => void;
    const gate = new Promise<void>((resolve) => (finish = resolve));
    let took!: () => void;
    const taken = new Promise<void>((resolve) => (took = resolve));
    const holding = db.transaction(async (tx) => {
      await engine.leaseNext(tx, flat, 32, holder(), { from: Address.parse('10.5.0.4') });
      took();
      await gate;
    });
    await taken;
    const passedOver = await db.transaction((tx) =>
      engine.leaseNext(tx, flat, 32, holder(), { from: [Address.parse('10.5.0.4'), Address.parse('10.5.0.0')] }),
    );
    expect(cidrOf(passedOver)).toBe('10.5.0.0/32');
    finish();
    await holding;
    await expectHealthy(pool);
    await expectHealthy(flat);
  });

  it('leases exact blocks, refusing taken ones with BlockTakenError and outside ones with OutsidePoolError', async () => {
    const pool = await newPool('10.4.0.0/24');
    const owner = holder('service', 'cluster-ip/IPv4');
    const a = await exact(pool, '10.4.0.10/32', owner);
    expect(a).toMatchObject({ existed: false });
    expect(cidrOf(a)).toBe('10.4.0.10/32');

    const taken = exact(pool, '10.4.0.10/32');
    await expect(taken).rejects.toBeInstanceOf(BlockTakenError);
    await expect(taken).rejects.toMatchObject({ holder: { cidr: '10.4.0.10/32', kind: 'service', id: owner.id } });
    // a block containing a lease is taken too
    await expect(exact(pool, '10.4.0.8/29')).rejects.toBeInstanceOf(BlockTakenError);
    // a block inside a lease is taken
    const big = await exact(pool, '10.4.0.128/25');
    await expect(exact(pool, '10.4.0.200/32')).rejects.toBeInstanceOf(BlockTakenError);

    await expect(exact(pool, '10.4.1.0/32')).rejects.toBeInstanceOf(OutsidePoolError);
    await expect(exact(pool, '10.0.0.0/8')).rejects.toBeInstanceOf(OutsidePoolError);
    await expect(exact(pool, 'fd00::/128')).rejects.toBeInstanceOf(OutsidePoolError);

    // next-free works around exact leases
    expect(cidrOf(await next(pool, 29))).toBe('10.4.0.0/29');
    expect(cidrOf(await next(pool, 29))).toBe('10.4.0.16/29');
    // a released block can be leased exactly again
    await release([big.lease.id]);
    expect(cidrOf(await exact(pool, '10.4.0.128/25'))).toBe('10.4.0.128/25');
    await expectHealthy(pool);
  });

  it('returns the existing lease for the same holder and slot (existed: true)', async () => {
    const pool = await newPool('10.5.0.0/24');
    const h = holder('cluster', 'pod/IPv4');
    const first = await next(pool, 28, h);
    const again = await next(pool, 28, h);
    expect(first.existed).toBe(false);
    expect(again).toEqual({ lease: first.lease, existed: true });
    // a different slot of the same holder is another lease
    const other = await next(pool, 28, { ...h, slot: 'service/IPv4' });
    expect(other.existed).toBe(false);
    expect(other.lease.id).not.toBe(first.lease.id);
    // the key is (kind, id, slot): it holds across calls with another length or an exact block
    expect(await next(pool, 30, h)).toEqual({ lease: first.lease, existed: true });
    expect(await exact(pool, first.lease.cidr.toString(), h)).toEqual({ lease: first.lease, existed: true });
    expect(await leaseCount(pool)).toBe(2);
    const found = await db.transaction((tx) => engine.findByHolder(tx, 'cluster', h.id));
    expect(found.map((l) => [l.slot, l.cidr.toString()])).toEqual([
      ['pod/IPv4', '10.5.0.0/28'],
      ['service/IPv4', '10.5.0.16/28'],
    ]);
    expect(await db.transaction((tx) => engine.releaseHolder(tx, 'cluster', h.id))).toBe(2);
    expect(await freeBlocksOf(db.reader, pool)).toEqual(['10.5.0.0/24']);
  });

  // The second request waits on the holder's advisory lock, then finds the first one's lease.
  it('returns the existing lease to a concurrent request for the same holder and slot', async () => {
    const pool = await newPool('10.11.0.0/24');
    const h = holder();
    let commitFirst!: () => void;
    const gate = new Promise<void>((resolve) => (commitFirst = resolve));
    let firstLeased!: () => void;
    const leased = new Promise<void>((resolve) => (firstLeased = resolve));
    const first = db.transaction(async (tx) => {
      const r = await engine.leaseNext(tx, pool, 32, h);
      firstLeased();
      await gate;
      return r;
    });
    await leased;
    const second = db
      .transaction((tx) => engine.leaseNext(tx, pool, 32, h))
      .then(
        (r) => r,
        (e: unknown) => e,
      );
    await new Promise((resolve) => setTimeout(resolve, 200)); // the second now waits on the first's uncommitted row
    commitFirst();
    const [a, b] = await Promise.all([first, second]);
    expect(b).toEqual({ lease: a.lease, existed: true });
  });

  it('merges released blocks back into one free block and reports usage', async () => {
    const pool = await newPool('10.6.0.0/24');
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) ids.push((await next(pool, 32)).lease.id);
    ids.push((await next(pool, 26)).lease.id);
    let usage = await db.transaction((tx) => engine.usage(tx, pool));
    expect(usage).toEqual({
      cidr: Prefix.parse('10.6.0.0/24'),
      total: 256n,
      leased: 74n,
      free: 182n,
      largestFree: Prefix.parse('10.6.0.128/25'),
    });
    expect(await db.transaction((tx) => engine.freeBlockCount(tx, pool, 32))).toBe(182n);
    expect(await db.transaction((tx) => engine.freeBlockCount(tx, pool, 26))).toBe(2n);

    // release in a scrambled order, some in one call
    const order = [3, 0, 9, 10, 5, 1, 7, 2, 8, 4, 6].map((i) => ids[i]);
    expect(await release(order.slice(0, 4))).toBe(4);
    await expectHealthy(pool);
    for (const id of order.slice(4)) expect(await release([id])).toBe(1);
    expect(await release([ids[0]])).toBe(0);

    expect(await db.query('SELECT text(cidr) AS cidr, prefix_len FROM free_block WHERE pool_id = $1::bigint', [pool])).toEqual([
      { cidr: '10.6.0.0/24', prefix_len: 24 },
    ]);
    usage = await db.transaction((tx) => engine.usage(tx, pool));
    expect(usage).toMatchObject({ total: 256n, leased: 0n, free: 256n, largestFree: Prefix.parse('10.6.0.0/24') });
    expect(await leaseCount(pool)).toBe(0);
  });

  it('finds leases by pool and by address', async () => {
    const pool = await newPool('10.7.0.0/24');
    const a = await next(pool, 25);
    const b = await next(pool, 32);
    const listed = await db.transaction((tx) => engine.findByPool(tx, pool));
    expect(listed.map((l) => l.cidr.toString())).toEqual(['10.7.0.0/25', '10.7.0.128/32']);
    const page = await db.transaction((tx) => engine.findByPool(tx, pool, { after: a.lease.cidr }));
    expect(page.map((l) => l.id)).toEqual([b.lease.id]);
    const containing = await db.transaction((tx) => engine.findContaining(tx, Address.parse('10.7.0.77')));
    expect(containing.map((l) => l.id)).toEqual([a.lease.id]);
  });

  it('serves IPv6 /64 and /48 pools without enumerating them', async () => {
    const p64 = await newPool('2001:db8:0:1::/64');
    const addresses: string[] = [];
    for (let i = 0; i < 3; i++) addresses.push(cidrOf(await next(p64, 128, holder('service', 'cluster-ip/IPv6'))));
    expect(addresses).toEqual(['2001:db8:0:1::/128', '2001:db8:0:1::1/128', '2001:db8:0:1::2/128']);
    // one free block per level, never one per address
    expect((await expectHealthy(p64)).freeBlocks).toBe(63);
    const usage64 = await db.transaction((tx) => engine.usage(tx, p64));
    expect(usage64).toMatchObject({
      total: 2n ** 64n,
      leased: 3n,
      free: 2n ** 64n - 3n,
      largestFree: Prefix.parse('2001:db8:0:1:8000::/65'),
    });

    const p48 = await newPool('2001:db8:100::/48');
    const subnets: string[] = [];
    for (let i = 0; i < 3; i++) subnets.push(cidrOf(await next(p48, 64)));
    expect(subnets).toEqual(['2001:db8:100::/64', '2001:db8:100:1::/64', '2001:db8:100:2::/64']);
    expect(cidrOf(await next(p48, 56))).toBe('2001:db8:100:100::/56');
    expect(cidrOf(await next(p48, 128))).toBe('2001:db8:100:3::/128');
    expect(cidrOf(await exact(p48, '2001:db8:100:ffff::/64'))).toBe('2001:db8:100:ffff::/64');
    expect(cidrOf(await next(p48, 64, holder(), '2001:db8:100:ff00::'))).toBe('2001:db8:100:ff00::/64');
    await expectHealthy(p48);
    const usage48 = await db.transaction((tx) => engine.usage(tx, p48));
    expect(usage48.total).toBe(2n ** 80n);
    expect(usage48.leased).toBe(5n * 2n ** 64n + 2n ** 72n + 1n);
  });

  it('fills an IPv6 /120 with /128 leases, then merges it back whole', async () => {
    const pool = await newPool('fd00:0:0:120::/120');
    const ids: string[] = [];
    for (let i = 0; i < 256; i++) {
      const r = await next(pool, 128);
      expect(cidrOf(r)).toBe(`fd00:0:0:120::${i ? i.toString(16) : ''}/128`);
      ids.push(r.lease.id);
    }
    await expect(next(pool, 128)).rejects.toBeInstanceOf(PoolExhaustedError);
    expect(await freeBlocksOf(db.reader, pool)).toEqual([]);
    // free every other address, then the rest
    expect(await release(ids.filter((_, i) => i % 2 === 1))).toBe(128);
    expect((await expectHealthy(pool)).freeBlocks).toBe(128);
    expect(cidrOf(await next(pool, 128))).toBe('fd00:0:0:120::1/128');
    await expect(next(pool, 127)).rejects.toBeInstanceOf(PoolExhaustedError);
    const [{ id: again }] = await db.query<{ id: string }>(
      "SELECT id FROM lease WHERE pool_id = $1::bigint AND cidr = 'fd00:0:0:120::1/128'",
      [pool],
    );
    expect(await release([...ids.filter((_, i) => i % 2 === 0), again])).toBe(129);
    expect(await freeBlocksOf(db.reader, pool)).toEqual(['fd00:0:0:120::/120']);
  });

  it('leaves nothing behind when the transaction fails after leasing', async () => {
    const pool = await newPool('10.8.0.0/24');
    await next(pool, 30);
    const before = await freeBlocksOf(db.reader, pool);
    const h = holder();
    await expect(
      db.transaction(async (tx) => {
        await engine.leaseNext(tx, pool, 32, h);
        await engine.leaseNext(tx, pool, 28, holder());
        await engine.leaseExact(tx, pool, Prefix.parse('10.8.0.128/25'), holder());
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    // a failure inside the engine rolls back what the same transaction already leased
    await expect(
      db.transaction(async (tx) => {
        await engine.leaseNext(tx, pool, 25, holder());
        await engine.leaseNext(tx, pool, 25, holder());
        await engine.leaseNext(tx, pool, 25, holder());
      }),
    ).rejects.toBeInstanceOf(PoolExhaustedError);
    expect(await freeBlocksOf(db.reader, pool)).toEqual(before);
    expect(await leaseCount(pool)).toBe(1);
    expect(await db.transaction((tx) => engine.findByHolder(tx, 'node', h.id))).toEqual([]);
    await expectHealthy(pool);
  });

  it('makes overlapping leases impossible even for hand-written SQL (exclusion constraint)', async () => {
    const pool = await newPool('10.9.0.0/24');
    await next(pool, 26);
    const insert = (cidr: string, overlapAllowed = false) =>
      db.query(
        `INSERT INTO lease (id, pool_id, cidr, family, holder_kind, holder_id, slot, overlap_allowed)
         VALUES (gen_random_uuid(), $1::bigint, $2::inet, 4, 'system', gen_random_uuid(), 'x', $3)`,
        [pool, cidr, overlapAllowed],
      );
    for (const cidr of ['10.9.0.0/26', '10.9.0.5/32', '10.9.0.0/25', '10.9.0.0/24']) {
      const error: unknown = await insert(cidr).then(
        () => null,
        (e: unknown) => e,
      );
      expect(isPgError(error, PgCode.exclusionViolation)).toBe(true);
      expect(error).toMatchObject({ constraint: 'lease_no_overlap' });
    }
    // a brownfield import flagged on purpose is let through
    await insert('10.9.0.0/25', true);
    // host bits are refused
    await expect(insert('10.9.0.65/26')).rejects.toMatchObject({ code: PgCode.checkViolation });
  });

  it('says what it refuses in a JSON DETAIL, for any client of the SQL functions', async () => {
    const pool = await newPool('10.13.0.0/30');
    const h = holder();
    const taken = cidrOf(await exact(pool, '10.13.0.0/31', h));
    const refusal = async (sql: string, params: unknown[]) => {
      const error = (await db.query(sql, params).then(
        () => null,
        (e: unknown) => e,
      )) as { code: string; detail: string };
      return { code: error.code, detail: JSON.parse(error.detail) as unknown };
    };
    const lease = `SELECT * FROM kipam_lease_exact($1::bigint, $2::inet, false, 'node', gen_random_uuid(), 'x')`;
    expect(await refusal(lease, [pool, '10.13.0.1/32'])).toEqual({
      code: PgCode.blockTaken,
      detail: { pool, block: '10.13.0.1/32', holder: { kind: 'node', id: h.id, cidr: taken } },
    });
    expect(await refusal(lease, [pool, '10.14.0.0/32'])).toEqual({ code: PgCode.outsidePool, detail: { pool, block: '10.14.0.0/32' } });
    await next(pool, 31);
    expect(await refusal(`SELECT * FROM kipam_lease_next($1::bigint, 32, NULL, 'node', gen_random_uuid(), 'x')`, [pool])).toEqual({
      code: PgCode.rangeExhausted,
      detail: { pool, length: 32 },
    });
    const fixed = await db.transaction((tx) => engine.createPool(tx, 'cluster_service', Prefix.parse('10.15.0.0/30'), 32));
    expect(await refusal(`SELECT * FROM kipam_lease_next($1::bigint, 31, NULL, 'node', gen_random_uuid(), 'x')`, [fixed])).toEqual({
      code: PgCode.leaseLength,
      detail: { pool: fixed, length: 31, leaseLength: 32 },
    });
  });

  describe('a fixed-length pool (ClusterIPs, node pod CIDRs)', () => {
    const fixedPool = (cidr: string, length: number) =>
      db.transaction((tx) => engine.createPool(tx, 'cluster_service', Prefix.parse(cidr), length));
    const insert = (pool: string, cidr: string, leaseLength: number, overlapAllowed = false) =>
      db.query(
        `INSERT INTO lease (id, pool_id, cidr, family, holder_kind, holder_id, slot, overlap_allowed, lease_length)
         VALUES (gen_random_uuid(), $1::bigint, $2::inet, 4, 'system', gen_random_uuid(), 'x', $3, $4)`,
        [pool, cidr, overlapAllowed, leaseLength],
      );
    const failure = (p: Promise<unknown>) =>
      p.then(
        () => null,
        (e: unknown) => e,
      );

    it('leases and releases blocks of its length like any pool, and refuses other lengths with LeaseLengthError', async () => {
      const pool = await fixedPool('10.11.0.0/29', 32);
      const got: string[] = [];
      for (let i = 0; i < 7; i++) got.push(cidrOf(await next(pool, 32)));
      expect(cidrOf(await exact(pool, '10.11.0.7/32'))).toBe('10.11.0.7/32');
      expect(got).toEqual(['10.11.0.0/32', '10.11.0.1/32', '10.11.0.2/32', '10.11.0.3/32', '10.11.0.4/32', '10.11.0.5/32', '10.11.0.6/32']);
      await expect(next(pool, 32)).rejects.toBeInstanceOf(PoolExhaustedError);
      await expect(exact(pool, '10.11.0.7/32')).rejects.toBeInstanceOf(BlockTakenError);

      const [first] = await db.query<{ id: string }>(`SELECT id FROM lease WHERE pool_id = $1::bigint AND cidr = '10.11.0.0/32'`, [pool]);
      await release([first.id]);
      const wrong = [next(pool, 31), exact(pool, '10.11.0.0/31')];
      for (const refused of wrong) {
        await expect(refused).rejects.toBeInstanceOf(LeaseLengthError);
        await expect(refused).rejects.toThrow(/leases \/32 blocks only/);
      }
      // the refusals left nothing behind
      expect(await freeBlocksOf(db.reader, pool)).toEqual(['10.11.0.0/32']);
      expect(await leaseCount(pool)).toBe(7);
      await expectHealthy(pool);
    });

    it('makes duplicate and off-length leases impossible even for hand-written SQL', async () => {
      const pool = await fixedPool('10.12.0.0/24', 32);
      await next(pool, 32);
      const duplicate: unknown = await failure(insert(pool, '10.12.0.0/32', 32));
      expect(isPgError(duplicate, PgCode.exclusionViolation)).toBe(true);
      expect(duplicate).toMatchObject({ constraint: 'lease_no_duplicate' });
      // a lease of another length, or one claiming to belong to a mixed pool, or an overlap flag: refused
      await expect(insert(pool, '10.12.0.0/31', 32)).rejects.toMatchObject({ code: PgCode.checkViolation });
      await expect(insert(pool, '10.12.0.0/31', 31)).rejects.toMatchObject({ code: PgCode.foreignKeyViolation });
      await expect(insert(pool, '10.12.0.0/30', 0)).rejects.toMatchObject({ code: PgCode.foreignKeyViolation });
      await expect(insert(pool, '10.12.0.0/32', 32, true)).rejects.toMatchObject({ code: PgCode.checkViolation });
      // nor can the pool change its length under its leases
      await expect(db.query('UPDATE pool SET lease_length = 31 WHERE id = $1::bigint', [pool])).rejects.toMatchObject({
        code: PgCode.checkViolation,
      });
      expect(await leaseCount(pool)).toBe(1);
      await expectHealthy(pool);
    });

    it('serves IPv6 ClusterIPs and node blocks of the node mask size', async () => {
      const services = await db.transaction((tx) => engine.createPool(tx, 'cluster_service', Prefix.parse('fd00:5::/112'), 128));
      const pods = await db.transaction((tx) => engine.createPool(tx, 'cluster_pod', Prefix.parse('fd00:6::/48'), 64));
      expect(cidrOf(await next(services, 128))).toBe('fd00:5::/128');
      expect(cidrOf(await next(services, 128))).toBe('fd00:5::1/128');
      expect(cidrOf(await next(pods, 64))).toBe('fd00:6::/64');
      expect(cidrOf(await exact(pods, 'fd00:6:0:7::/64'))).toBe('fd00:6:0:7::/64');
      await expect(exact(pods, 'fd00:6:0:7::/64')).rejects.toBeInstanceOf(BlockTakenError);
      await expect(next(pods, 56)).rejects.toBeInstanceOf(LeaseLengthError);
      const found = await db.transaction((tx) => engine.findContaining(tx, Address.parse('fd00:6:0:7::42')));
      expect(found.map((l) => l.cidr.toString())).toEqual(['fd00:6:0:7::/64']);
      await expectHealthy(services);
      await expectHealthy(pods);
    });
  });

  it('agrees with a reference model over random sequences of leases and releases', async () => {
    const parent = Prefix.parse('10.10.0.0/24');
    type Op = { op: 'next'; length: number } | { op: 'exact'; offset: number; length: number } | { op: 'release'; pick: number };
    const op: fc.Arbitrary<Op> = fc.oneof(
      { weight: 4, arbitrary: fc.record({ op: fc.constant('next' as const), length: fc.integer({ min: 26, max: 32 }) }) },
      {
        weight: 1,
        arbitrary: fc.record({
          op: fc.constant('exact' as const),
          offset: fc.integer({ min: 0, max: 255 }),
          length: fc.integer({ min: 25, max: 32 }),
        }),
      },
      { weight: 3, arbitrary: fc.record({ op: fc.constant('release' as const), pick: fc.nat() }) },
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 10, maxLength: 40 }), async (ops) => {
        const pool = await newPool(parent.toString());
        const held = new Map<string, Prefix>();
        try {
          for (const o of ops) {
            const leased = [...held.values()];
            if (o.op === 'next') {
              const [want] = freeBlocks(parent, leased, o.length);
              const got = await next(pool, o.length).then(
                (r) => r,
                (e: unknown) => e,
              );
              if (!want) {
                expect(got).toBeInstanceOf(PoolExhaustedError);
              } else {
                expect(got).not.toBeInstanceOf(Error);
                const r = got as { lease: { id: string; cidr: Prefix } };
                expect(r.lease.cidr.toString()).toBe(want.toString());
                held.set(r.lease.id, r.lease.cidr);
              }
            } else if (o.op === 'exact') {
              const block = Prefix.of('IPv4', parent.network + (BigInt(o.offset) & ~((1n << BigInt(32 - o.length)) - 1n)), o.length);
              const free = !leased.some((l) => l.overlaps(block));
              const got = await exact(pool, block.toString()).then(
                (r) => r,
                (e: unknown) => e,
              );
              if (free) {
                const r = got as { lease: { id: string; cidr: Prefix } };
                expect(r.lease.cidr.toString()).toBe(block.toString());
                held.set(r.lease.id, r.lease.cidr);
              } else {
                expect(got).toBeInstanceOf(BlockTakenError);
              }
            } else if (held.size) {
              const id = [...held.keys()][o.pick % held.size];
              expect(await release([id])).toBe(1);
              held.delete(id);
            }
            // free blocks are exactly the maximal free aligned blocks (buddies fully merged)
            expect(await freeBlocksOf(db.reader, pool)).toEqual(subtract(parent, [...held.values()]).map((p) => p.toString()));
          }
          const audit = await auditPool(db.reader, pool);
          expect(audit).toEqual({ ...expectedHealthy(audit), leases: held.size });
        } finally {
          await db.transaction((tx) => engine.deletePools(tx, [pool]));
        }
      }),
      { numRuns: 25, seed: 20261123 },
    );
  });

  describe('leaseAll', () => {
    it('leases several blocks in one statement, in order, and returns existing leases for the same holders', async () => {
      const v4 = await newPool('10.70.0.0/24');
      const v6 = await newPool('fd70::/120');
      const h4 = holder('service', 'cluster-ip/IPv4');
      const h6 = { ...h4, slot: 'cluster-ip/IPv6' };
      const requests = [
        { poolId: v4, holder: h4, length: 32, from: Address.parse('10.70.0.128') },
        { poolId: v6, holder: h6, block: Prefix.parse('fd70::10/128') },
      ];
      const before = db.statements;
      const results = await db.transaction((tx) => engine.leaseAll(tx, requests));
      expect(db.statements - before).toBe(1);
      expect(results.map(cidrOf)).toEqual(['10.70.0.128/32', 'fd70::10/128']);
      expect(results.map((r) => r.existed)).toEqual([false, false]);
      const again = await db.transaction((tx) => engine.leaseAll(tx, requests));
      expect(again.map((r) => [r.lease.id, r.existed])).toEqual(results.map((r) => [r.lease.id, true]));
      await expectHealthy(v4);
      await expectHealthy(v6);
    });

    it('names the request that was refused, and leaves nothing of the others behind', async () => {
      const roomy = await newPool('10.71.0.0/24');
      const full = await newPool('10.72.0.0/31');
      await next(full, 31);
      const first = { poolId: roomy, holder: holder(), length: 32 };
      const exhausted = await db
        .transaction((tx) => engine.leaseAll(tx, [first, { poolId: full, holder: holder(), length: 32 }]))
        .catch((e: unknown) => e);
      expect(exhausted).toBeInstanceOf(PoolExhaustedError);
      expect(exhausted).toMatchObject({ request: 1, poolId: full, prefixLength: 32 });

      const taken = await exact(roomy, '10.71.0.9/32');
      const refused = await db
        .transaction((tx) =>
          engine.leaseAll(tx, [
            { poolId: roomy, holder: holder(), block: Prefix.parse('10.71.0.8/32') },
            { poolId: roomy, holder: holder(), block: Prefix.parse('10.71.0.9/32') },
          ]),
        )
        .catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(BlockTakenError);
      expect(refused).toMatchObject({ request: 1 });
      expect((refused as BlockTakenError).holder?.cidr).toBe('10.71.0.9/32');

      // only the lease made before the batches remains
      expect(await leaseCount(roomy)).toBe(1);
      expect(taken.existed).toBe(false);
      await expectHealthy(roomy);
      await expectHealthy(full);
    });
  });
});
