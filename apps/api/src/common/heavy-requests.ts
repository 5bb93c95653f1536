import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DEFAULT_PAGE_SIZE } from './pagination';
import { UnavailableError } from './errors';

/**
 * Requests whose answer is large (a REST page of more than DEFAULT_PAGE_SIZE
 * items) take turns: at most
 * `concurrency` of them are served at once per process and the rest wait,
 * costing nothing, for a turn. Reading rows, mapping them and serializing a
 * 1,000-item page are synchronous stretches on the one event loop; hundreds of
 * them at once put every other request (health probes, small reads) behind
 * them all (/healthz took seconds). The total work is the same either way;
 * only its interleaving with small requests changes. Past `maxWaiting` waiting
 * requests the answer is 503 with Retry-After.
 */
export class HeavyRequestGate {
  /** Waiting requests past which the answer is 503. */
  static readonly MAX_WAITING = 1000;

  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    readonly concurrency: number,
    readonly maxWaiting: number,
  ) {}

  /** Waits for a turn, which ends when the response is finished or the client went away. */
  async enter(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    if (this.running < this.concurrency) {
      this.running++;
    } else {
      if (this.waiting.length >= this.maxWaiting) {
        throw new UnavailableError(`more than ${this.maxWaiting} large answers are waiting to be served; retry shortly`, 1);
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next)
        next(); // the turn passes on: running stays the same
      else this.running--;
    };
    TURNS.set(request, release);
    if (reply.raw.closed || request.raw.destroyed) release();
    else reply.raw.once('close', release);
  }

  get stats(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.waiting.length };
  }
}

const TURNS = new WeakMap<FastifyRequest, () => void>();

/** A REST read of more than the default page size. */
export function isLargePage(request: FastifyRequest): boolean {
  if (request.method !== 'GET' && request.method !== 'HEAD') return false;
  const limit = Number((request.query as { limit?: unknown } | undefined)?.limit);
  return Number.isFinite(limit) && limit > DEFAULT_PAGE_SIZE;
}

/** Installs the gate in front of REST pages larger than the default. */
export function installHeavyRequestGate(fastify: FastifyInstance, gate: HeavyRequestGate): void {
  fastify.addHook('preHandler', async (request, reply) => {
    if (isLargePage(request)) await gate.enter(request, reply);
  });
  fastify.addHook('onResponse', async (request) => {
    TURNS.get(request)?.();
  });
}
