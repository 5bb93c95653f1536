/**
 * Lease engine benchmark: `npm run bench [-- flags]` (see --help).
 *
 * Uses DATABASE_URL's server when set, else an embedded PostgreSQL in a temp
 * folder; either way a fresh database with the migrations applied, dropped at
 * the end. Prints three tables:
 *   1. fill: median allocation latency per tenth of fullness (IPv4 /16, IPv6 /112);
 *   2. throughput at 1/16/64 allocators on one range and over 64 ranges, next to
 *      the ceiling (plain single-row INSERT transactions, same database and pool size);
 *   3. IPv6 /64 and /48 ranges against an IPv4 /16;
 *   4. a fragmented /16 against a clean one.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { LeaseEngine, type Holder } from '@kipam/allocation';
import { Prefix } from '@kipam/cidr';
import {
  applyMigrations,
  connectionConfig,
  Database,
  startEmbeddedPostgres,
  withDatabase,
  type EmbeddedDatabase,
} from '@kipam/persistence';

interface Options {
  only: Set<string>;
  v4Fill: number;
  v6Fill: number;
  v6Fraction: number;
  duration: number;
  warmup: number;
  concurrency: number[];
  ranges: number;
  allocations: number;
  json?: string;
  keep: boolean;
}

const HELP = `Usage: npm run bench -- [flags]
  --only=fill,throughput,ipv6,fragmentation   parts to run (default: all four)
  --v4-fill=16                  IPv4 pool filled with /32 leases (default /16: 65,536 allocations)
  --v6-fill=112                 IPv6 pool filled with /128 leases (default /112: 65,536 allocations)
  --v6-fraction=1               how much of the IPv6 pool to fill (0..1)
  --duration=4                  seconds measured per throughput workload (in 1 s turns, after --warmup=1)
  --concurrency=1,16,64         allocator counts for the throughput runs
  --ranges=64                   ranges the "spread" throughput runs use
  --allocations=1500            allocations per pool in the IPv6 comparison
  --long                        a longer run: IPv6 /108 filled to 90% (943,718 allocations),
                                20 s throughput runs, 10,000 allocations per IPv6 pool
  --quick                       a smoke run: /20 and /116 fills, 2 s throughput runs
  --json=path                   also write the results as JSON
  --keep                        keep the benchmark database
Environment: DATABASE_URL (a server to use; a fresh database is created on it).`;

function parseOptions(argv: string[]): Options {
  const flags = new Map<string, string>();
  for (const arg of argv) {
    const m = /^--([a-z0-9-]+)(?:=(.*))?$/.exec(arg);
    if (!m) throw new Error(`unknown argument ${arg}\n${HELP}`);
    flags.set(m[1], m[2] ?? 'true');
  }
  if (flags.has('help')) {
    console.log(HELP);
    process.exit(0);
  }
  const long = flags.has('long');
  const quick = flags.has('quick');
  const num = (name: string, def: number): number => {
    const v = flags.get(name);
    if (v === undefined) return def;
    const n = Number(v);
    if (!Number.isFinite(n)) throw new Error(`--${name} needs a number, got ${v}`);
    return n;
  };
  return {
    only: new Set((flags.get('only') ?? 'fill,throughput,ipv6,fragmentation').split(',')),
    v4Fill: num('v4-fill', quick ? 20 : 16),
    v6Fill: num('v6-fill', long ? 108 : quick ? 116 : 112),
    v6Fraction: num('v6-fraction', long ? 0.9 : 1),
    duration: num('duration', long ? 20 : quick ? 2 : 4),
    warmup: num('warmup', quick ? 0.5 : 1),
    concurrency: (flags.get('concurrency') ?? '1,16,64').split(',').map(Number),
    ranges: num('ranges', 64),
    allocations: num('allocations', long ? 10_000 : quick ? 500 : 1500),
    json: flags.get('json'),
    keep: flags.has('keep'),
  };
}

// ---------------------------------------------------------------- helpers

const nowNs = (): bigint => process.hrtime.bigint();
const usSince = (t: bigint): number => Number(nowNs() - t) / 1000;

function quantile(sorted: Float64Array | number[], q: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/** Sorted, without the NaNs that mark samples not taken. */
function sortedCopy(values: Float64Array | number[]): Float64Array {
  return Float64Array.from(values)
    .filter((v) => !Number.isNaN(v))
    .sort();
}

function fmt(n: number, digits = 0): string {
  if (!Number.isFinite(n)) return '-';
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

const holder = (kind: Holder['kind'] = 'service'): Holder => ({ kind, id: randomUUID(), slot: 'bench' });

const engine = new LeaseEngine();

/** A range pool (leases of any length), or with `leaseLength` a fixed-length pool like a cluster's ClusterIP pool. */
async function createPool(db: Database, cidr: string, leaseLength?: number): Promise<string> {
  return db.transaction((tx) => engine.createPool(tx, leaseLength ? 'cluster_service' : 'range', Prefix.parse(cidr), leaseLength));
}

interface Timed {
  /** The kipam_lease_next round trip alone (µs). */
  call: number;
  /** The whole transaction: BEGIN, the call, COMMIT (µs). */
  txn: number;
}

/** One allocation in its own transaction, timed. */
async function timedLease(db: Database, poolId: string, length: number): Promise<Timed> {
  const t0 = nowNs();
  let call = 0;
  await db.transaction(async (tx) => {
    const c0 = nowNs();
    await engine.leaseNext(tx, poolId, length, holder());
    call = usSince(c0);
  });
  return { call, txn: usSince(t0) };
}

// ---------------------------------------------------------------- 1. fill

interface FillResult {
  pool: string;
  allocations: number;
  seconds: number;
  tenths: { fill: string; callP50: number; txnP50: number; txnP99: number; controlP50: number; buffersP50: number }[];
  ratioCall: number;
  ratioTxn: number;
  /** ratioTxn divided by the same ratio of the control pool: what is left once machine noise is taken out. */
  ratioTxnVsControl: number;
  /** Median buffers per allocation, last tenth / first tenth. */
  ratioBuffers: number;
  /** The largest of those ratios over all tenths (not only the last). */
  worstTxnVsControl: number;
  worstBuffers: number;
  freeBlocksAtEnd: number;
}

/**
 * Every CONTROL_EVERY-th allocation is followed by one in a near-empty pool of a
 * second database on the same server: a yardstick for load from elsewhere on the
 * machine that shares nothing (tables, indexes, dead rows) with the pool being filled.
 */
const CONTROL_EVERY = 32;
/** Allocations per tenth run under EXPLAIN (ANALYZE, BUFFERS): pages touched per allocation, which machine noise cannot skew. */
const BUFFER_SAMPLES_PER_TENTH = 25;

/** One allocation under EXPLAIN (ANALYZE, BUFFERS): shared buffers hit or read by the call, nested statements included. */
async function leaseBuffers(db: Database, poolId: string, length: number): Promise<number> {
  return db.transaction(async (tx) => {
    const [row] = await tx.query<{ 'QUERY PLAN': { Plan: { 'Shared Hit Blocks': number; 'Shared Read Blocks': number } }[] }>(
      `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON)
       SELECT * FROM kipam_lease_next($1::bigint, $2::int, NULL, 'service', $3::uuid, 'bench')`,
      [poolId, length, randomUUID()],
    );
    const plan = row['QUERY PLAN'][0].Plan;
    return plan['Shared Hit Blocks'] + plan['Shared Read Blocks'];
  });
}

async function fill(url: string, controlUrl: string, cidr: string, fraction: number, label: string): Promise<FillResult> {
  const db = new Database(url, 1);
  const controlDb = new Database(controlUrl, 1);
  try {
    const prefix = Prefix.parse(cidr);
    const poolId = await createPool(db, cidr);
    const control = Prefix.parse(prefix.family === 'IPv4' ? '10.0.0.0/8' : 'fd00::/64');
    const controlId = await createPool(controlDb, control.toString());
    const n = Math.floor(Number(prefix.size) * fraction);
    // warm both sessions (plans of the SQL functions are cached per connection)
    const warm = await createPool(db, prefix.family === 'IPv4' ? '172.29.0.0/16' : 'fd00:3a3a::/64');
    for (let i = 0; i < 200; i++) {
      await timedLease(db, warm, prefix.bits);
      await timedLease(controlDb, controlId, control.bits);
    }
    const call = new Float64Array(n);
    const txn = new Float64Array(n);
    const controlTxn = new Float64Array(Math.ceil(n / CONTROL_EVERY));
    const buffers = new Float64Array(n).fill(NaN);
    const bufferEvery = Math.max(2, Math.floor(n / (10 * BUFFER_SAMPLES_PER_TENTH)));
    const started = Date.now();
    let lastReport = started;
    for (let i = 0; i < n; i++) {
      if (i % bufferEvery === bufferEvery - 1) {
        buffers[i] = await leaseBuffers(db, poolId, prefix.bits);
        call[i] = NaN;
        txn[i] = NaN;
      } else {
        const t = await timedLease(db, poolId, prefix.bits);
        call[i] = t.call;
        txn[i] = t.txn;
      }
      if (i % CONTROL_EVERY === 0) controlTxn[i / CONTROL_EVERY] = (await timedLease(controlDb, controlId, control.bits)).txn;
      if (Date.now() - lastReport > 15_000) {
        lastReport = Date.now();
        process.stderr.write(`  ${label}: ${fmt(i)} / ${fmt(n)} allocations\n`);
      }
    }
    const seconds = (Date.now() - started) / 1000;
    const tenths: FillResult['tenths'] = [];
    for (let k = 0; k < 10; k++) {
      const from = Math.floor((k * n) / 10);
      const to = Math.floor(((k + 1) * n) / 10);
      const c = sortedCopy(call.subarray(from, to));
      const t = sortedCopy(txn.subarray(from, to));
      const ctl = sortedCopy(controlTxn.subarray(Math.ceil(from / CONTROL_EVERY), Math.ceil(to / CONTROL_EVERY)));
      const buf = sortedCopy(buffers.subarray(from, to));
      const lo = (fraction * k * 10).toFixed(0);
      const hi = (fraction * (k + 1) * 10).toFixed(0);
      tenths.push({
        fill: `${lo}-${hi}%`,
        callP50: quantile(c, 0.5),
        txnP50: quantile(t, 0.5),
        txnP99: quantile(t, 0.99),
        controlP50: quantile(ctl, 0.5),
        buffersP50: quantile(buf, 0.5),
      });
    }
    const [{ n: freeBlocksAtEnd }] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM free_block WHERE pool_id = $1::bigint', [
      poolId,
    ]);
    const ratioTxn = tenths[9].txnP50 / tenths[0].txnP50;
    return {
      pool: `${cidr} (${fmt(n)} x /${prefix.bits})`,
      allocations: n,
      seconds,
      tenths,
      ratioCall: tenths[9].callP50 / tenths[0].callP50,
      ratioTxn,
      ratioTxnVsControl: ratioTxn / (tenths[9].controlP50 / tenths[0].controlP50),
      ratioBuffers: tenths[9].buffersP50 / tenths[0].buffersP50,
      worstTxnVsControl: Math.max(...tenths.map((t) => t.txnP50 / tenths[0].txnP50 / (t.controlP50 / tenths[0].controlP50))),
      worstBuffers: Math.max(...tenths.map((t) => t.buffersP50 / tenths[0].buffersP50)),
      freeBlocksAtEnd,
    };
  } finally {
    await db.close();
    await controlDb.close();
  }
}

// ---------------------------------------------------------------- 2. throughput

interface RunResult {
  perSecond: number;
  p50: number;
  p99: number;
  errors: number;
}

interface Window {
  done: number;
  seconds: number;
  latencies: number[];
  errors: number;
}

/**
 * `concurrency` loops doing `op` back to back for `seconds`; counts what completes
 * inside the window (then lets the operations in flight finish, uncounted).
 */
async function window(concurrency: number, seconds: number, op: () => Promise<void>): Promise<Window> {
  const end = Date.now() + seconds * 1000;
  const w: Window = { done: 0, seconds, latencies: [], errors: 0 };
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < end) {
        const t0 = nowNs();
        try {
          await op();
        } catch (error) {
          if (!w.errors) console.error(`  operation failed: ${String(error)}`);
          w.errors++;
          continue;
        }
        if (Date.now() < end) {
          w.done++;
          w.latencies.push(usSince(t0));
        }
      }
    }),
  );
  return w;
}

function summarize(windows: Window[]): RunResult {
  const seconds = windows.reduce((n, w) => n + w.seconds, 0);
  const sorted = sortedCopy(windows.flatMap((w) => w.latencies));
  return {
    perSecond: windows.reduce((n, w) => n + w.done, 0) / seconds,
    p50: quantile(sorted, 0.5),
    p99: quantile(sorted, 0.99),
    errors: windows.reduce((n, w) => n + w.errors, 0),
  };
}

interface ThroughputRow {
  concurrency: number;
  ceiling: RunResult;
  oneRange: RunResult;
  oneFixed: RunResult;
  spread: RunResult;
}

let poolCounter = 0;
/** A fresh IPv4 /12 each time (1M addresses: no run can exhaust it, fullness stays near zero). */
const nextSlash12 = (): Prefix => Prefix.parse(`10.${16 * (1 + (poolCounter++ % 15))}.0.0/12`);

/**
 * The three workloads run in turns of one second each (ceiling, one range,
 * spread, ceiling, ...) so that load from elsewhere on the machine hits them alike.
 */
async function throughput(url: string, opts: Options): Promise<ThroughputRow[]> {
  const admin = new Database(url, 2);
  await admin.query(
    'CREATE TABLE IF NOT EXISTS bench_ceiling (id uuid PRIMARY KEY, holder_id uuid NOT NULL, created_at timestamptz NOT NULL DEFAULT now())',
  );
  const rows: ThroughputRow[] = [];
  try {
    for (const c of opts.concurrency) {
      const db = new Database(url, c);
      try {
        // open every connection before measuring
        const clients = await Promise.all(Array.from({ length: c }, () => db.pool.connect()));
        clients.forEach((client) => client.release());

        const one = await createPool(admin, nextSlash12().toString());
        const fixed = await createPool(admin, nextSlash12().toString(), 32);
        // the same amount of space cut into `ranges` ranges; each allocation goes to a random one
        const spreadPools: string[] = [];
        const spreadBase = nextSlash12();
        const spreadLength = 12 + Math.ceil(Math.log2(opts.ranges));
        for (let i = 0; i < opts.ranges; i++) {
          const cidr = Prefix.of('IPv4', spreadBase.network + (BigInt(i) << BigInt(32 - spreadLength)), spreadLength);
          spreadPools.push(await createPool(admin, cidr.toString()));
        }
        const workloads = {
          ceiling: () =>
            db
              .transaction((tx) => tx.query('INSERT INTO bench_ceiling (id, holder_id) VALUES ($1, $2)', [randomUUID(), randomUUID()]))
              .then(() => undefined),
          oneRange: () => db.transaction((tx) => engine.leaseNext(tx, one, 32, holder())).then(() => undefined),
          oneFixed: () => db.transaction((tx) => engine.leaseNext(tx, fixed, 32, holder())).then(() => undefined),
          spread: () => {
            const pool = spreadPools[Math.floor(Math.random() * spreadPools.length)];
            return db.transaction((tx) => engine.leaseNext(tx, pool, 32, holder())).then(() => undefined);
          },
        };
        const names = ['ceiling', 'oneRange', 'oneFixed', 'spread'] as const;
        for (const name of names) await window(c, opts.warmup, workloads[name]);
        const windows: Record<(typeof names)[number], Window[]> = { ceiling: [], oneRange: [], oneFixed: [], spread: [] };
        const slice = Math.min(1, opts.duration);
        for (let turn = 0; turn < Math.ceil(opts.duration / slice); turn++) {
          for (const name of names) windows[name].push(await window(c, slice, workloads[name]));
        }
        const row = {
          concurrency: c,
          ceiling: summarize(windows.ceiling),
          oneRange: summarize(windows.oneRange),
          oneFixed: summarize(windows.oneFixed),
          spread: summarize(windows.spread),
        };
        rows.push(row);
        process.stderr.write(
          `  ${c} allocators: ceiling ${fmt(row.ceiling.perSecond)}/s, one range ${fmt(row.oneRange.perSecond)}/s, ` +
            `one fixed-length pool ${fmt(row.oneFixed.perSecond)}/s, ` +
            `${opts.ranges} ranges ${fmt(row.spread.perSecond)}/s\n`,
        );
      } finally {
        await db.close();
      }
    }
  } finally {
    await admin.close();
  }
  return rows;
}

// ---------------------------------------------------------------- 3. IPv6 ranges

interface SizeResult {
  pool: string;
  first: number;
  callP50: number;
  txnP50: number;
  txnP99: number;
  freeBlocks: number;
}

/** The pools take turns, one allocation each, so that load from elsewhere on the machine hits them alike. */
async function sizes(url: string, opts: Options): Promise<SizeResult[]> {
  const db = new Database(url, 1);
  const cases: [string, number][] = [
    ['172.16.0.0/16', 32],
    ['2001:db8:64::/64', 128],
    ['2001:db8:48::/48', 128],
    ['2001:db9:48::/48', 64],
  ];
  try {
    // warm the session (plans of the SQL functions are cached per connection)
    const warm = await createPool(db, '172.31.0.0/16');
    for (let i = 0; i < 200; i++) await timedLease(db, warm, 32);
    const pools = await Promise.all(
      cases.map(async ([cidr, length]) => ({
        cidr,
        length,
        id: await createPool(db, cidr),
        first: 0,
        call: new Float64Array(opts.allocations),
        txn: new Float64Array(opts.allocations),
      })),
    );
    for (const p of pools) p.first = (await timedLease(db, p.id, p.length)).txn;
    for (let i = 0; i < opts.allocations; i++) {
      for (const p of pools) {
        const t = await timedLease(db, p.id, p.length);
        p.call[i] = t.call;
        p.txn[i] = t.txn;
      }
    }
    const out: SizeResult[] = [];
    for (const p of pools) {
      const [{ n }] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM free_block WHERE pool_id = $1::bigint', [p.id]);
      const c = sortedCopy(p.call);
      const t = sortedCopy(p.txn);
      out.push({
        pool: `${p.cidr}, /${p.length} leases`,
        first: p.first,
        callP50: quantile(c, 0.5),
        txnP50: quantile(t, 0.5),
        txnP99: quantile(t, 0.99),
        freeBlocks: n,
      });
    }
    return out;
  } finally {
    await db.close();
  }
}

// ---------------------------------------------------------------- 4. fragmentation

interface FragmentResult {
  pool: string;
  length: number;
  callP50: number;
  txnP50: number;
  buffersP50: number;
}

/**
 * A /16 whose lower half is leased as /32s with every other address free again
 * (16,384 free /32 blocks, as many releases would leave it) against a clean /16:
 * the cost of a /32 and of a /26 (node-CIDR sized) allocation. The fragmented
 * state is written with SQL in one go (the same rows the engine would leave).
 */
async function fragmentation(url: string, opts: Options): Promise<FragmentResult[]> {
  const db = new Database(url, 1);
  try {
    const fragmented = await createPool(db, '10.250.0.0/16');
    const clean = await createPool(db, '10.251.0.0/16');
    await db.transaction(async (tx) => {
      await tx.query('DELETE FROM free_block WHERE pool_id = $1::bigint', [fragmented]);
      await tx.query(
        `INSERT INTO lease (id, pool_id, cidr, family, holder_kind, holder_id, slot)
         SELECT gen_random_uuid(), $1::bigint, '10.250.0.0/32'::inet + 2 * i, 4, 'service', gen_random_uuid(), 'bench'
           FROM generate_series(0, 16383) i`,
        [fragmented],
      );
      await tx.query(
        `INSERT INTO free_block (pool_id, cidr, prefix_len)
         SELECT $1::bigint, '10.250.0.1/32'::inet + 2 * i, 32 FROM generate_series(0, 16383) i
         UNION ALL SELECT $1::bigint, '10.250.128.0/17', 17`,
        [fragmented],
      );
    });
    await db.query('VACUUM ANALYZE free_block');
    await db.query('ANALYZE lease');
    const warm = await createPool(db, '172.30.0.0/16');
    for (let i = 0; i < 200; i++) await timedLease(db, warm, 32);
    const cases: { pool: string; id: string; length: number }[] = [
      { pool: 'clean 10.251.0.0/16', id: clean, length: 26 },
      { pool: 'fragmented 10.250.0.0/16', id: fragmented, length: 26 },
      { pool: 'clean 10.251.0.0/16', id: clean, length: 32 },
      { pool: 'fragmented 10.250.0.0/16', id: fragmented, length: 32 },
    ];
    const n = Math.min(opts.allocations, 400);
    const samples = cases.map(() => ({ call: [] as number[], txn: [] as number[], buffers: [] as number[] }));
    for (let i = 0; i < n; i++) {
      for (const [k, c] of cases.entries()) {
        if (i % 10 === 9) {
          samples[k].buffers.push(await leaseBuffers(db, c.id, c.length));
        } else {
          const t = await timedLease(db, c.id, c.length);
          samples[k].call.push(t.call);
          samples[k].txn.push(t.txn);
        }
      }
    }
    return cases.map((c, k) => ({
      pool: c.pool,
      length: c.length,
      callP50: quantile(sortedCopy(samples[k].call), 0.5),
      txnP50: quantile(sortedCopy(samples[k].txn), 0.5),
      buffersP50: quantile(sortedCopy(samples[k].buffers), 0.5),
    }));
  } finally {
    await db.close();
  }
}

// ---------------------------------------------------------------- main

async function serverInfo(url: string): Promise<Record<string, string>> {
  const client = new Client(connectionConfig(url));
  await client.connect();
  try {
    const info: Record<string, string> = {};
    for (const setting of ['server_version', 'shared_buffers', 'synchronous_commit', 'fsync', 'max_connections']) {
      const { rows } = await client.query<Record<string, string>>(`SHOW ${setting}`);
      info[setting] = rows[0][setting];
    }
    return info;
  } finally {
    await client.end();
  }
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  const startedAt = Date.now();
  let embedded: EmbeddedDatabase | undefined;
  let dataDir: string | undefined;
  let serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) {
    dataDir = mkdtempSync(join(tmpdir(), 'kipam-bench-pg-'));
    process.stderr.write(`starting an embedded PostgreSQL in ${dataDir}\n`);
    embedded = await startEmbeddedPostgres(dataDir, { database: 'postgres' });
    serverUrl = embedded.url;
  }
  const dbName = `kipam_bench_${process.pid}`;
  const admin = new Client(connectionConfig(serverUrl));
  await admin.connect();
  await admin.query(`CREATE DATABASE "${dbName}"`);
  await admin.query(`CREATE DATABASE "${dbName}_control"`);
  const url = withDatabase(serverUrl, dbName);
  const controlUrl = withDatabase(serverUrl, `${dbName}_control`);
  const cleanup = async (): Promise<void> => {
    for (const name of opts.keep ? [] : [dbName, `${dbName}_control`]) {
      await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).catch(() => undefined);
    }
    await admin.end().catch(() => undefined);
    if (embedded) await embedded.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  };
  process.once('SIGINT', () => {
    void cleanup().finally(() => process.exit(130));
  });

  try {
    await applyMigrations(url);
    await applyMigrations(controlUrl);
    const info = await serverInfo(url);
    const machine = {
      cpus: String(cpus().length),
      memory: `${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
      postgres: `${info.server_version}${embedded ? ' (embedded)' : ' (DATABASE_URL)'}`,
      node: process.version,
      settings: `shared_buffers=${info.shared_buffers} synchronous_commit=${info.synchronous_commit} fsync=${info.fsync}`,
    };
    console.log(`Kipam lease engine benchmark  ${new Date().toISOString()}`);
    console.log(`cpus ${machine.cpus}, memory ${machine.memory}, PostgreSQL ${machine.postgres}, Node ${machine.node}`);
    console.log(
      `load average at the start ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')} (other work on the machine skews latencies; see the control columns)`,
    );
    console.log(`${machine.settings}; every allocation is its own READ COMMITTED transaction (BEGIN, one SQL call, COMMIT)\n`);
    const results: Record<string, unknown> = { machine, options: { ...opts, only: [...opts.only] } };

    if (opts.only.has('fill')) {
      process.stderr.write('1. fill\n');
      const v4 = await fill(url, controlUrl, `10.0.0.0/${opts.v4Fill}`, 1, 'IPv4');
      const v6 = await fill(url, controlUrl, `fd00:f111::/${opts.v6Fill}`, opts.v6Fraction, 'IPv6');
      results.fill = [v4, v6];
      console.log(`1. Filling a pool one allocation at a time: median latency (µs) per tenth of the allocations`);
      console.log(
        `   call = the SQL call alone, txn = BEGIN + call + COMMIT, control = txn p50 in a near-empty pool of another database, sampled alongside,`,
      );
      console.log(
        `   buffers = shared buffers the call touched (EXPLAIN ANALYZE on ${BUFFER_SAMPLES_PER_TENTH} allocations per tenth): work done, immune to machine noise`,
      );
      console.log(`   A: ${v4.pool} in ${fmt(v4.seconds, 1)} s    B: ${v6.pool} in ${fmt(v6.seconds, 1)} s`);
      console.log(
        table(
          [
            'tenth',
            'A fill',
            'A call p50',
            'A txn p50',
            'A txn p99',
            'A control',
            'A buffers',
            'B fill',
            'B call p50',
            'B txn p50',
            'B txn p99',
            'B control',
            'B buffers',
          ],
          v4.tenths.map((a, k) => {
            const b = v6.tenths[k];
            const cells = (r: FillResult['tenths'][number]) => [
              r.fill,
              fmt(r.callP50),
              fmt(r.txnP50),
              fmt(r.txnP99),
              fmt(r.controlP50),
              fmt(r.buffersP50),
            ];
            return [String(k + 1), ...cells(a), ...cells(b)];
          }),
        ),
      );
      const verdict = (r: number) => `${r.toFixed(2)} ${r <= 1.5 ? '(goal <= 1.5: met)' : '(goal <= 1.5: MISSED)'}`;
      console.log(`   last tenth / first tenth, call: A ${verdict(v4.ratioCall)}, B ${verdict(v6.ratioCall)}`);
      console.log(`   last tenth / first tenth, txn:  A ${verdict(v4.ratioTxn)}, B ${verdict(v6.ratioTxn)}`);
      console.log(
        `   txn ratio divided by the control pool's ratio (machine noise taken out): A ${v4.ratioTxnVsControl.toFixed(2)}, B ${v6.ratioTxnVsControl.toFixed(2)}`,
      );
      console.log(`   buffers per allocation, last tenth / first tenth: A ${v4.ratioBuffers.toFixed(2)}, B ${v6.ratioBuffers.toFixed(2)}`);
      console.log(
        `   worst tenth / first tenth: buffers A ${v4.worstBuffers.toFixed(2)}, B ${v6.worstBuffers.toFixed(2)}; ` +
          `txn vs control A ${v4.worstTxnVsControl.toFixed(2)}, B ${v6.worstTxnVsControl.toFixed(2)}`,
      );
      console.log(`   free blocks left: A ${v4.freeBlocksAtEnd}, B ${v6.freeBlocksAtEnd}\n`);
    }

    if (opts.only.has('throughput')) {
      process.stderr.write('2. throughput\n');
      const rows = await throughput(url, opts);
      results.throughput = rows;
      console.log(
        `2. Throughput (${opts.duration} s per workload in 1 s turns, after ${opts.warmup} s warm-up; allocators = connections of one pool in this process)`,
      );
      console.log(
        `   ceiling = plain single-row INSERT transactions; one range = an IPv4 /12 range pool (leases of any length: GiST exclusion);\n` +
          `   fixed /32 = an IPv4 /12 pool of /32 leases only, like a cluster's ClusterIP pool (B-tree uniqueness);\n` +
          `   spread = the same space as ${opts.ranges} range pools, a random one per allocation`,
      );
      console.log(
        table(
          [
            'allocators',
            'ceiling/s',
            'one range/s',
            '% ceiling',
            'p50 ms',
            'p99 ms',
            'fixed /32/s',
            '% ceiling',
            'p50 ms',
            'p99 ms',
            `${opts.ranges} ranges/s`,
            '% ceiling',
            'p50 ms',
            'p99 ms',
          ],
          rows.map((r) => [
            String(r.concurrency),
            fmt(r.ceiling.perSecond),
            fmt(r.oneRange.perSecond),
            `${fmt((100 * r.oneRange.perSecond) / r.ceiling.perSecond)}%`,
            fmt(r.oneRange.p50 / 1000, 2),
            fmt(r.oneRange.p99 / 1000, 2),
            fmt(r.oneFixed.perSecond),
            `${fmt((100 * r.oneFixed.perSecond) / r.ceiling.perSecond)}%`,
            fmt(r.oneFixed.p50 / 1000, 2),
            fmt(r.oneFixed.p99 / 1000, 2),
            fmt(r.spread.perSecond),
            `${fmt((100 * r.spread.perSecond) / r.ceiling.perSecond)}%`,
            fmt(r.spread.p50 / 1000, 2),
            fmt(r.spread.p99 / 1000, 2),
          ]),
        ),
      );
      const at16 = rows.find((r) => r.concurrency === 16);
      if (at16) {
        for (const [what, run] of [
          ['one range pool', at16.oneRange],
          ['one fixed /32 pool', at16.oneFixed],
        ] as const) {
          const ratio = run.perSecond / at16.ceiling.perSecond;
          console.log(`   16 allocators on ${what}: ${fmt(100 * ratio)}% of the ceiling (goal >= 50%: ${ratio >= 0.5 ? 'met' : 'MISSED'})`);
        }
      }
      console.log('');
    }

    if (opts.only.has('ipv6')) {
      process.stderr.write('3. IPv6 ranges\n');
      const rows = await sizes(url, opts);
      results.sizes = rows;
      const base = rows[0];
      console.log(
        `3. Range size: ${fmt(opts.allocations)} allocations per pool after the first, one at a time, the pools taking turns (µs)`,
      );
      console.log(
        table(
          ['pool', 'first txn', 'call p50', 'txn p50', 'txn p99', 'txn p50 vs /16', 'free blocks'],
          rows.map((r) => [
            r.pool,
            fmt(r.first),
            fmt(r.callP50),
            fmt(r.txnP50),
            fmt(r.txnP99),
            `${(r.txnP50 / base.txnP50).toFixed(2)}x`,
            String(r.freeBlocks),
          ]),
        ),
      );
      console.log('');
    }

    if (opts.only.has('fragmentation')) {
      process.stderr.write('4. fragmentation\n');
      const rows = await fragmentation(url, opts);
      results.fragmentation = rows;
      console.log('4. Fragmentation: a /16 whose lower half is every other /32 (16,384 free /32 blocks) vs a clean /16 (µs)');
      console.log(
        table(
          ['pool', 'lease', 'call p50', 'txn p50', 'buffers p50'],
          rows.map((r) => [r.pool, `/${r.length}`, fmt(r.callP50), fmt(r.txnP50), fmt(r.buffersP50)]),
        ),
      );
      console.log('');
    }

    console.log(
      `total ${fmt((Date.now() - startedAt) / 1000, 0)} s; load average at the end ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
    if (opts.json) writeFileSync(opts.json, `${JSON.stringify(results, null, 2)}\n`);
  } finally {
    await cleanup();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
