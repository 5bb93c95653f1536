import { Logger } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';
import { UnavailableError } from './errors';
import { sendProblem } from './problem.filter';

/**
 * Graceful shutdown, the part Fastify's close() does not do: while the
 * requests in flight finish, the server keeps accepting connections and
 * answers each new request 503 (problem+json, Retry-After, Connection: close)
 * instead of refusing the connection, so a client or balancer learns at once
 * to go elsewhere, and /readyz is 503 too.
 */
export class ShutdownDrain {
  private draining = false;
  private inFlight = 0;
  private idle: (() => void) | undefined;
  private readonly logger = new Logger('Shutdown');

  install(fastify: FastifyInstance): void {
    fastify.addHook('onRequest', async (request, reply) => {
      if (this.draining) {
        void reply.header('connection', 'close');
        sendProblem(
          request,
          reply,
          new UnavailableError('the server is shutting down; retry (another replica can answer)', 1),
          this.logger,
        );
        return reply;
      }
      this.inFlight++;
      let done = false;
      reply.raw.once('close', () => {
        if (done) return;
        done = true;
        this.inFlight--;
        if (this.draining && this.inFlight === 0) this.idle?.();
      });
    });
  }

  /** From now on new requests are answered 503; resolves when the requests in flight are done. */
  drain(): Promise<void> {
    this.draining = true;
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => (this.idle = resolve));
  }

  get requestsInFlight(): number {
    return this.inFlight;
  }
}
