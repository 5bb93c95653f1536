import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { LeaseEngine } from '@kipam/allocation';
import { Prefix } from '@kipam/cidr';
import { Database } from '@kipam/persistence';
import { createTestDatabase, type TestDatabase } from '../setup/test-app';
import type { WorkerConfig, WorkerSummary } from './alloc-worker';
import { auditPool, expectedHealthy } from './pool-checks';

/**
 * Many OS processes allocating from the same small pools at once, driven to
 * exhaustion, one of them killed mid-run: PostgreSQL alone keeps the pools right.
 */
const PROCESSES = 4;
const LOOPS = 16; // per process: 64 concurrent allocators in all
const REPO = join(__dirname, '../../../..');
const WORKER = join(__dirname, 'alloc-worker.ts');
/** Every worker started, so that none outlives a failed test. */
const running = new Set<ChildProcessWithoutNullStreams>();

interface Worker {
  proc: ChildProcessWithoutNullStreams;
  ready: Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  summary?: WorkerSummary;
  /** Journal: leases acknowledged after COMMIT, releases started, releases committed. */
  acked: Map<string, string>;
  releasing: Set<string>;
  released: Set<string>;
  stderr: string;
}

function startWorker(cfg: WorkerConfig, onAck?: (w: Worker) => void): Worker {
  // one process per worker (tsx's loader in it, not the tsx CLI, which would run the script in a child)
  const proc = spawn(process.execPath, ['--import', 'tsx', WORKER, JSON.stringify(cfg)], { cwd: REPO, stdio: 'pipe' });
  running.add(proc);
  proc.on('exit', () => running.delete(proc));
  let markReady: () => void = () => undefined;
  const w: Worker = {
    proc,
    ready: new Promise<void>((resolve) => (markReady = resolve)),
    exited: new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal }))),
    acked: new Map(),
    releasing: new Set(),
    released: new Set(),
    stderr: '',
  };
  proc.stderr.on('data', (chunk: Buffer) => (w.stderr += chunk.toString()));
  createInterface({ input: proc.stdout }).on('line', (line) => {
    const [tag, a, b] = line.split(' ');
    if (tag === 'ready') markReady();
    else if (tag === 'L') {
      w.acked.set(a, b);
      onAck?.(w);
    } else if (tag === 'r') w.releasing.add(a);
    else if (tag === 'R') w.released.add(a);
    else if (tag === 'S') w.summary = JSON.parse(line.slice(2)) as WorkerSummary;
  });
  return w;
}

/** Starts the workers, lets them go at once, waits for every one to exit. */
async function runWorkers(configs: WorkerConfig[], onAck?: (w: Worker) => void): Promise<Worker[]> {
  const workers = configs.map((cfg) => startWorker(cfg, onAck));
  await Promise.all(
    workers.map((w) =>
      Promise.race([
        w.ready,
        w.exited.then(() => {
          throw new Error(`a worker exited before it was ready: ${w.stderr}`);
        }),
      ]),
    ),
  );
  for (const w of workers) w.proc.stdin.end('go\n');
  await Promise.all(workers.map((w) => w.exited));
  return workers;
}

function total(summaries: WorkerSummary[], key: 'attempts' | 'ok' | 'released' | 'exhausted' | 'other'): number {
  return summaries.reduce((n, s) => n + s[key], 0);
}

describe('Lease engine under concurrency (4 processes, 64 allocators)', () => {
  let testDb: TestDatabase;
  let db: Database;
  const engine = new LeaseEngine();

  beforeAll(async () => {
    testDb = await createTestDatabase();
    db = new Database(testDb.url, 2);
  });
  afterAll(async () => {
    for (const proc of running) proc.kill('SIGKILL');
    await db.close();
    await testDb.drop();
  });

  const newPool = (cidr: string, leaseLength?: number) =>
    db.transaction((tx) => engine.createPool(tx, leaseLength ? 'cluster_service' : 'range', Prefix.parse(cidr), leaseLength));
  const config = (pools: string[], attempts: number, releaseRate: number, journal = false): WorkerConfig => ({
    url: testDb.url,
    pools,
    length: 32,
    loops: LOOPS,
    attempts,
    releaseRate,
    journal,
  });
  const leaseCount = async (poolId: string) =>
    (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM lease WHERE pool_id = $1::bigint', [poolId]))[0].n;
  const expectHealthy = async (poolId: string) => {
    const audit = await auditPool(db.reader, poolId);
    expect(audit).toEqual(expectedHealthy(audit));
    return audit;
  };

  it.each([
    ['of mixed lengths (GiST exclusion)', '10.20.0.0/22', undefined],
    ['of /32 leases only (B-tree uniqueness)', '10.22.0.0/22', 32],
  ])(
    'fills a pool %s exactly, refusing only once it is full',
    async (_kind, cidr, leaseLength) => {
      const pool = await newPool(cidr, leaseLength); // 1024 addresses, 1600 attempts
      const workers = await runWorkers(Array.from({ length: PROCESSES }, () => config([pool], 400, 0)));
      const summaries = workers.map((w) => w.summary!);
      expect(workers.map((w) => w.stderr)).toEqual(workers.map(() => ''));
      expect(summaries.flatMap((s) => s.otherSamples)).toEqual([]);
      expect({ ok: total(summaries, 'ok'), exhausted: total(summaries, 'exhausted'), other: total(summaries, 'other') }).toEqual({
        ok: 1024,
        exhausted: 576,
        other: 0,
      });
      // No refusal ended before an allocation that still succeeded began: no premature exhaustion.
      const firstRefusalEnd = Math.min(...summaries.map((s) => s.firstExhaustedEnd ?? Infinity));
      const lastSuccessStart = Math.max(...summaries.map((s) => s.lastOkStart ?? -Infinity));
      expect(firstRefusalEnd).toBeGreaterThan(lastSuccessStart);
      expect(await leaseCount(pool)).toBe(1024);
      const audit = await expectHealthy(pool);
      expect(audit.freeBlocks).toBe(0);
    },
    120_000,
  );

  it('stays exact through 20,000 attempts with random releases on a /20 driven to exhaustion', async () => {
    const pool = await newPool('10.21.0.0/20'); // 4096 addresses
    const workers = await runWorkers(Array.from({ length: PROCESSES }, () => config([pool], 5000, 0.2)));
    const summaries = workers.map((w) => w.summary!);
    expect(workers.map((w) => w.stderr)).toEqual(workers.map(() => ''));
    // every refusal was a clean exhaustion error
    expect(summaries.flatMap((s) => s.otherSamples)).toEqual([]);
    expect(total(summaries, 'other')).toBe(0);
    expect(total(summaries, 'attempts')).toBe(20_000);
    expect(total(summaries, 'ok') + total(summaries, 'exhausted')).toBe(20_000);
    expect(total(summaries, 'exhausted')).toBeGreaterThan(1000);
    // the pool holds exactly what was acknowledged and not released
    expect(await leaseCount(pool)).toBe(total(summaries, 'ok') - total(summaries, 'released'));
    const audit = await expectHealthy(pool);
    expect(audit.leases).toBe(total(summaries, 'ok') - total(summaries, 'released'));
  }, 120_000);

  it('keeps every acknowledged lease and no half-made state when an allocating process is SIGKILLed', async () => {
    const pool = await newPool('10.22.0.0/22'); // 1024 addresses
    const victimConfig = config([pool], 100_000, 0.3, true);
    let killedAt = 0;
    const workers = await runWorkers([victimConfig, ...Array.from({ length: PROCESSES - 1 }, () => config([pool], 600, 0.3))], (w) => {
      if (w.acked.size === 200 && !killedAt) {
        killedAt = w.acked.size;
        w.proc.kill('SIGKILL');
      }
    });
    const [victim, ...others] = workers;
    expect(killedAt).toBe(200);
    expect(await victim.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(victim.summary).toBeUndefined();
    expect(others.flatMap((w) => w.summary!.otherSamples)).toEqual([]);

    // The server ends the dead process's sessions, rolling back what they had open.
    for (let i = 0; ; i++) {
      const [{ n }] = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE datname = current_database() AND pid <> pg_backend_pid() AND state IS DISTINCT FROM 'idle'`,
      );
      if (n === 0) break;
      if (i > 300) throw new Error(`${n} sessions of the killed worker are still open`);
      await new Promise((r) => setTimeout(r, 100));
    }

    // Every acknowledged lease not being released exists, at the acknowledged CIDR.
    const kept = [...victim.acked].filter(([id]) => !victim.releasing.has(id));
    expect(kept.length).toBeGreaterThan(0);
    const rows = await db.query<{ id: string; cidr: string }>(
      'SELECT id::text AS id, text(cidr) AS cidr FROM lease WHERE id = ANY($1::uuid[])',
      [kept.map(([id]) => id)],
    );
    expect(new Map(rows.map((r) => [r.id, r.cidr]))).toEqual(new Map(kept));
    // Every release acknowledged is gone.
    const releasedRows = await db.query('SELECT id FROM lease WHERE id = ANY($1::uuid[])', [[...victim.released]]);
    expect(releasedRows).toEqual([]);
    // No half-made state: leases and free blocks still tile the pool exactly.
    await expectHealthy(pool);
  }, 120_000);
});
