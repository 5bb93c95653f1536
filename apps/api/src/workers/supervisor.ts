import cluster, { type Worker } from 'node:cluster';
import type pino from 'pino';
import { AggregatorRegistry } from 'prom-client';
import { answer } from './ipc';
import { RateGrants } from './shared-rate-limit';

/** Unexpected worker exits tolerated within CRASH_WINDOW_MS before the server gives up. */
export const CRASH_LIMIT = 5;
export const CRASH_WINDOW_MS = 60_000;

/**
 * Tells a worker that died once from workers that keep dying: after
 * CRASH_LIMIT unexpected exits within CRASH_WINDOW_MS the server stops
 * (a supervisor — systemd, Kubernetes — then sees it fail, instead of a
 * server that looks up while it cannot serve).
 */
export class CrashLoopGuard {
  private readonly exits: number[] = [];

  constructor(
    private readonly limit = CRASH_LIMIT,
    private readonly windowMs = CRASH_WINDOW_MS,
  ) {}

  /** Records an exit; true when the workers are crash-looping. */
  exited(now = Date.now()): boolean {
    this.exits.push(now);
    while (this.exits.length && this.exits[0] <= now - this.windowMs) this.exits.shift();
    return this.exits.length >= this.limit;
  }
}

export interface SupervisorOptions {
  workers: number;
  /** Environment of every worker, on top of the primary's (the database URL the primary resolved). */
  env: Record<string, string>;
  log: pino.Logger;
  /** Called once when every worker is listening. */
  onListening: (address: { address: string; port: number }) => void;
  /** Called when the server cannot go on (a worker failed to start, or the workers crash-loop). */
  onFatal: (reason: string) => void;
}

/**
 * The primary of a server with several workers: starts them, answers their
 * questions (shared rate limit, aggregated metrics), replaces one that dies,
 * and stops them all on shutdown. It serves no request itself; the port is
 * shared by node:cluster, which hands new connections to the workers in turn.
 */
export class Supervisor {
  private readonly guard = new CrashLoopGuard();
  private readonly listening = new Set<number>();
  private everListening = false;
  private stopping = false;
  private fatal = false;

  constructor(private readonly o: SupervisorOptions) {}

  start(): void {
    const grants = new RateGrants();
    const aggregator = new AggregatorRegistry();
    answer({
      'rate-limit': (q) => grants.take(q.key, q.want, q.max, q.windowMs),
      metrics: async () => ({ text: await aggregator.clusterMetrics() }),
    });
    cluster.on('listening', (worker, address) => {
      this.listening.add(worker.id);
      if (!this.everListening && this.listening.size >= this.o.workers) {
        this.everListening = true;
        this.o.onListening({ address: String(address.address ?? ''), port: address.port });
      }
    });
    cluster.on('exit', (worker, code, signal) => this.onExit(worker, code, signal));
    for (let i = 0; i < this.o.workers; i++) this.fork();
  }

  private fork(): Worker {
    return cluster.fork(this.o.env);
  }

  private onExit(worker: Worker, code: number | null, signal: string | null): void {
    const wasListening = this.listening.delete(worker.id);
    if (this.stopping || this.fatal) return;
    const how = signal ? `signal ${signal}` : `code ${code}`;
    if (!this.everListening && !wasListening) {
      // a worker that never listened, before any worker did: the server cannot start (its own log says why)
      this.fatal = true;
      this.o.onFatal(`a worker failed to start (${how})`);
      return;
    }
    if (this.guard.exited()) {
      this.fatal = true;
      this.o.onFatal(`workers keep exiting (${CRASH_LIMIT} exits within ${CRASH_WINDOW_MS / 1000} s, the last with ${how})`);
      return;
    }
    const next = this.fork();
    this.o.log.error(
      { worker: worker.process.pid, replacement: next.process.pid },
      `worker ${worker.process.pid} exited with ${how}; started another`,
    );
  }

  /** Workers alive now (not yet exited). */
  get alive(): Worker[] {
    return Object.values(cluster.workers ?? {}).filter((w): w is Worker => !!w && !w.isDead());
  }

  /** SIGTERM to every worker (each drains its requests and closes its pool); resolves when all have exited. */
  async stop(timeoutMs: number): Promise<boolean> {
    this.stopping = true;
    const workers = this.alive;
    const exited = workers.map((w) => new Promise<void>((r) => (w.isDead() ? r() : w.once('exit', () => r()))));
    for (const w of workers) w.process.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const inTime = await Promise.race([
      Promise.all(exited).then(() => true),
      new Promise<boolean>((r) => (timer = setTimeout(() => r(false), timeoutMs))),
    ]);
    clearTimeout(timer);
    if (!inTime) for (const w of this.alive) w.process.kill('SIGKILL');
    return inTime;
  }
}
