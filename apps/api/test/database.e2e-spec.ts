import { Database } from '@kipam/persistence';
import { createTestDatabase, until, type TestDatabase } from './setup/test-app';

/**
 * Database.transaction sends BEGIN with the first statement and deferred
 * statements with COMMIT. These tests hold it to the semantics of plain
 * parameterised statements in a transaction.
 */
describe('Database transactions', () => {
  let testDb: TestDatabase;
  let db: Database;

  beforeAll(async () => {
    testDb = await createTestDatabase();
    db = new Database(testDb.url, 2);
    await db.query('CREATE TABLE tx_probe (id int PRIMARY KEY, note text NOT NULL)');
  });
  afterAll(async () => {
    await db.close();
    await testDb.drop();
  });

  const awkward = ["it's", 'back\\slash', 'ünïcødé ✓', "'); DROP TABLE tx_probe; --", '$1 $$ $body$', ''];

  it('passes every value of the first statement through unchanged, as a parameter would', async () => {
    const params = [awkward, { nested: { quote: "'", backslash: '\\' } }, 7, null, new Date('2026-11-23T10:00:00.123Z'), true];
    const sql = 'SELECT $1::text[] AS a, $2::jsonb AS b, $3::int AS c, $4::text AS d, $5::timestamptz AS e, $6::boolean AS f';
    const viaTransaction = await db.transaction((tx) => tx.query(sql, params));
    const viaParameters = await db.query(sql, params);
    expect(viaTransaction).toEqual(viaParameters);
    expect(viaTransaction[0].a).toEqual(awkward);
  });

  it('runs the first statement in the transaction: a later failure undoes it', async () => {
    await expect(
      db.transaction(async (tx) => {
        await tx.query('INSERT INTO tx_probe (id, note) VALUES ($1, $2)', [1, 'first']);
        await tx.query('INSERT INTO tx_probe (id, note) VALUES ($1, $2)', [1, 'duplicate']);
      }),
    ).rejects.toMatchObject({ code: '23505' });
    expect(await db.query('SELECT * FROM tx_probe WHERE id = 1')).toEqual([]);
  });

  it('writes deferred statements at COMMIT, with the same values', async () => {
    await db.transaction(async (tx) => {
      await tx.query('INSERT INTO tx_probe (id, note) VALUES ($1, $2)', [2, 'row']);
      for (const [i, note] of awkward.entries()) tx.atCommit!('INSERT INTO tx_probe (id, note) VALUES ($1, $2)', [100 + i, note]);
    });
    const rows = await db.query<{ note: string }>('SELECT note FROM tx_probe WHERE id >= 100 ORDER BY id');
    expect(rows.map((r) => r.note)).toEqual(awkward);
    expect(await db.query('SELECT note FROM tx_probe WHERE id = 2')).toEqual([{ note: 'row' }]);
  });

  it('fails the whole transaction when a deferred statement fails', async () => {
    await expect(
      db.transaction(async (tx) => {
        await tx.query('INSERT INTO tx_probe (id, note) VALUES ($1, $2)', [3, 'kept only if all commit']);
        tx.atCommit!('INSERT INTO tx_probe (id, note) VALUES ($1, $2)', [2, 'duplicate key']);
      }),
    ).rejects.toMatchObject({ code: '23505' });
    expect(await db.query('SELECT * FROM tx_probe WHERE id = 3')).toEqual([]);
    // the connection is clean afterwards
    expect(await db.transaction((tx) => tx.query<{ one: number }>('SELECT 1 AS one'))).toEqual([{ one: 1 }]);
  });

  it('sends what cannot be inlined as a parameter (a NUL character is refused by PostgreSQL, not cut short)', async () => {
    await expect(
      db.transaction((tx) => tx.query('INSERT INTO tx_probe (id, note) VALUES ($1, $2)', [4, "x\0'); DELETE FROM tx_probe; --"])),
    ).rejects.toThrow(/0x00/);
    await expect(
      db.transaction(async (tx) => {
        await tx.query('SELECT 1');
        tx.atCommit!('INSERT INTO tx_probe (id, note) VALUES ($1, $2)', [5, 'a\0b']);
      }),
    ).rejects.toThrow(/0x00/);
    expect((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM tx_probe'))[0].n).toBe(1 + awkward.length);
  });

  it('finish: the last statement travels with the deferred ones and COMMIT in one round trip, and ends the transaction', async () => {
    const trips = db.roundTrips;
    const rows = await db.transaction(async (tx) => {
      await tx.query('INSERT INTO tx_probe (id, note) VALUES ($1, $2)', [7, 'first']);
      tx.atCommit!('INSERT INTO tx_probe (id, note) VALUES ($1, $2)', [8, 'deferred']);
      const last = await tx.finish!<{ note: string }>('INSERT INTO tx_probe (id, note) VALUES ($1, $2) RETURNING note', [9, awkward[3]]);
      await expect(tx.query('SELECT 1')).rejects.toThrow(/transaction is over/);
      return last;
    });
    expect(rows).toEqual([{ note: awkward[3] }]);
    expect(db.roundTrips - trips).toBe(2); // BEGIN with the first statement; the last, the deferred one and COMMIT
    expect(await db.query('SELECT id FROM tx_probe WHERE id BETWEEN 7 AND 9 ORDER BY id')).toEqual([{ id: 7 }, { id: 8 }, { id: 9 }]);
    // a failing last statement writes nothing, and an error thrown after a finish does not undo what committed
    await expect(
      db.transaction(async (tx) => {
        await tx.query('INSERT INTO tx_probe (id, note) VALUES ($1, $2)', [10, 'undone']);
        await tx.finish!('INSERT INTO tx_probe (id, note) VALUES ($1, $2)', [7, 'duplicate key']);
      }),
    ).rejects.toMatchObject({ code: '23505' });
    expect(await db.query('SELECT * FROM tx_probe WHERE id = 10')).toEqual([]);
    await expect(
      db.transaction(async (tx) => {
        await tx.finish!('INSERT INTO tx_probe (id, note) VALUES ($1, $2)', [11, 'committed']);
        throw new Error('after the commit');
      }),
    ).rejects.toThrow('after the commit');
    expect(await db.query('SELECT note FROM tx_probe WHERE id = 11')).toEqual([{ note: 'committed' }]);
  });

  it('runs a transaction that lost a deadlock again, and counts it by SQLSTATE', async () => {
    await db.query('INSERT INTO tx_probe (id, note) VALUES (101, $1), (102, $1) ON CONFLICT (id) DO NOTHING', ['lock']);
    const before = db.retried['40P01'] ?? 0;
    let firstTook!: () => void;
    const took = new Promise<void>((resolve) => (firstTook = resolve));
    let secondTook!: () => void;
    const tookToo = new Promise<void>((resolve) => (secondTook = resolve));
    // each locks one row, then waits for the other's: PostgreSQL ends one of them (40P01), which runs again
    const cross = (mine: number, theirs: number, locked: () => void, other: Promise<void>) => {
      let tries = 0;
      return db.transaction(async (tx) => {
        tries++;
        await tx.query('SELECT 1 FROM tx_probe WHERE id = $1 FOR UPDATE', [mine]);
        if (tries === 1) {
          locked();
          await other;
        }
        await tx.query('SELECT 1 FROM tx_probe WHERE id = $1 FOR UPDATE', [theirs]);
        return tries;
      });
    };
    const tries = await Promise.all([cross(101, 102, firstTook, tookToo), cross(102, 101, secondTook, took)]);
    expect(tries.sort()).toEqual([1, 2]);
    expect(db.retried['40P01']).toBe(before + 1);
  });

  it('deferred statements alone still run in a transaction', async () => {
    await db.transaction(async (tx) => {
      tx.atCommit!('INSERT INTO tx_probe (id, note) VALUES ($1, $2)', [6, 'only deferred']);
    });
    expect(await db.query('SELECT note FROM tx_probe WHERE id = 6')).toEqual([{ note: 'only deferred' }]);
  });
});

describe('Database.listen', () => {
  let testDb: TestDatabase;
  let db: Database;

  beforeAll(async () => {
    testDb = await createTestDatabase();
    db = new Database(testDb.url, 2);
  });
  afterAll(async () => {
    await db.close();
    await testDb.drop();
  });

  it('delivers committed notifications, not its own checks, and comes back after losing its connection', async () => {
    const seen: string[] = [];
    const states: string[] = [];
    const sub = db.listen('probe_channel', {
      notify: (payload) => seen.push(payload),
      up: () => states.push('up'),
      down: () => states.push('down'),
    });
    await until(() => sub.up);
    expect(states).toEqual(['up']); // up only once its own check notification came back

    await db.transaction(async (tx) => {
      await tx.query("SELECT pg_notify('probe_channel', 'one')");
      await tx.query("SELECT pg_notify('other_channel', 'elsewhere')");
    });
    await expect(
      db.transaction(async (tx) => {
        await tx.query("SELECT pg_notify('probe_channel', 'rolled back')");
        await tx.query('SELECT 1/0');
      }),
    ).rejects.toMatchObject({ code: '22012' });
    await db.query("SELECT pg_notify('probe_channel', 'two')");
    await until(() => seen.length >= 2);
    expect(seen).toEqual(['one', 'two']);

    await db.query(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'kipam-listen'",
    );
    await until(() => states.includes('down'));
    await until(() => sub.up);
    expect(states).toEqual(['up', 'down', 'up']);
    await db.query("SELECT pg_notify('probe_channel', 'three')");
    await until(() => seen.length >= 3);
    expect(seen).toEqual(['one', 'two', 'three']);

    await sub.close();
    expect(sub.up).toBe(false);
  });
});
