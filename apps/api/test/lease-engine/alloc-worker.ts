/**
 * One allocating OS process for the concurrency test (concurrency.e2e-spec.ts):
 * `loops` async allocators, each with its own pooled connection, lease /length
 * blocks from random pools of `pools` and release random leases of their own.
 *
 * Run: node <tsx cli> alloc-worker.ts '<WorkerConfig as JSON>'. It prints `ready`
 * once its connections are open and starts on a line `go` on stdin. Output, line
 * by line, each written synchronously once the transaction has committed:
 *   L <lease id> <cidr>   a lease acknowledged (committed)       } only with
 *   r <lease id>          about to release it                     } `journal`
 *   R <lease id>          release committed                       }
 *   S <WorkerSummary as JSON>   at the end
 */
import { randomUUID } from 'node:crypto';
import { writeSync } from 'node:fs';
import { LeaseEngine, PoolExhaustedError } from '@kipam/allocation';
import { Database } from '@kipam/persistence';

export interface WorkerConfig {
  url: string;
  pools: string[];
  length: number;
  /** Concurrent allocators (and connections) in this process. */
  loops: number;
  /** Allocation attempts of this process, shared by its loops. */
  attempts: number;
  /** Chance, after each attempt, of releasing one random lease the loop holds. */
  releaseRate: number;
  journal: boolean;
}

export interface PoolCounts {
  ok: number;
  released: number;
  exhausted: number;
}

export interface WorkerSummary {
  attempts: number;
  ok: number;
  released: number;
  exhausted: number;
  other: number;
  otherSamples: string[];
  perPool: Record<string, PoolCounts>;
  /** Latency of allocation attempts (ms, whole transaction): [p50, p99, max] of successes and of refusals. */
  okLatency: number[];
  exhaustedLatency: number[];
  /** Wall-clock ms (µs precision): start of the last successful allocation, end of the first refusal. */
  lastOkStart: number | null;
  firstExhaustedEnd: number | null;
  elapsedMs: number;
}

const now = (): number => performance.timeOrigin + performance.now();

/** Writes a whole line to stdout before returning (so it is out before any later kill). */
function emit(line: string): void {
  const buffer = Buffer.from(`${line}\n`);
  let offset = 0;
  while (offset < buffer.length) {
    try {
      offset += writeSync(1, buffer, offset);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
    }
  }
}

function percentiles(values: number[]): number[] {
  if (!values.length) return [];
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] * 100) / 100;
  return [at(0.5), at(0.99), at(1)];
}

function waitForGo(): Promise<void> {
  return new Promise((resolve) => {
    let input = '';
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', (chunk: string) => {
      input += chunk;
      if (input.includes('go\n')) {
        process.stdin.pause();
        resolve();
      }
    });
    // the test runner went away before the start signal
    process.stdin.on('end', () => {
      if (!input.includes('go\n')) process.exit(2);
    });
  });
}

async function main(): Promise<void> {
  const cfg = JSON.parse(process.argv[2]) as WorkerConfig;
  const db = new Database(cfg.url, cfg.loops);
  const engine = new LeaseEngine();
  const summary: WorkerSummary = {
    attempts: 0,
    ok: 0,
    released: 0,
    exhausted: 0,
    other: 0,
    otherSamples: [],
    perPool: Object.fromEntries(cfg.pools.map((p) => [p, { ok: 0, released: 0, exhausted: 0 }])),
    lastOkStart: null,
    firstExhaustedEnd: null,
    elapsedMs: 0,
    okLatency: [],
    exhaustedLatency: [],
  };
  const okTimes: number[] = [];
  const exhaustedTimes: number[] = [];
  const other = (error: unknown): void => {
    summary.other++;
    if (summary.otherSamples.length < 10) {
      const e = error as { code?: string; message?: string };
      summary.otherSamples.push(`${e.code ?? ''} ${e.message ?? String(error)}`);
    }
  };

  // open every connection before the start signal
  const clients = await Promise.all(Array.from({ length: cfg.loops }, () => db.pool.connect()));
  clients.forEach((c) => c.release());
  emit('ready');
  await waitForGo();
  const started = now();

  let remaining = cfg.attempts;
  const loop = async (): Promise<void> => {
    const held: { id: string; pool: string }[] = [];
    while (remaining > 0) {
      remaining--;
      summary.attempts++;
      const pool = cfg.pools[Math.floor(Math.random() * cfg.pools.length)];
      const start = now();
      try {
        const holder = { kind: 'service' as const, id: randomUUID(), slot: 'cluster-ip' };
        const { lease } = await db.transaction((tx) => engine.leaseNext(tx, pool, cfg.length, holder));
        if (cfg.journal) emit(`L ${lease.id} ${lease.cidr.toString()}`);
        summary.ok++;
        okTimes.push(now() - start);
        summary.perPool[pool].ok++;
        held.push({ id: lease.id, pool });
        if (summary.lastOkStart === null || start > summary.lastOkStart) summary.lastOkStart = start;
      } catch (error) {
        if (error instanceof PoolExhaustedError) {
          const end = now();
          summary.exhausted++;
          exhaustedTimes.push(end - start);
          summary.perPool[pool].exhausted++;
          if (summary.firstExhaustedEnd === null || end < summary.firstExhaustedEnd) summary.firstExhaustedEnd = end;
        } else {
          other(error);
        }
      }
      if (held.length && Math.random() < cfg.releaseRate) {
        const [victim] = held.splice(Math.floor(Math.random() * held.length), 1);
        if (cfg.journal) emit(`r ${victim.id}`);
        try {
          const n = await db.transaction((tx) => engine.release(tx, [victim.id]));
          if (cfg.journal) emit(`R ${victim.id}`);
          summary.released += n;
          summary.perPool[victim.pool].released += n;
          if (n !== 1) other(new Error(`release of ${victim.id} released ${n} leases`));
        } catch (error) {
          other(error);
        }
      }
    }
  };
  await Promise.all(Array.from({ length: cfg.loops }, loop));
  summary.elapsedMs = now() - started;
  summary.okLatency = percentiles(okTimes);
  summary.exhaustedLatency = percentiles(exhaustedTimes);
  emit(`S ${JSON.stringify(summary)}`);
  await db.close();
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
