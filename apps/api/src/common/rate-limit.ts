import { createHash } from 'node:crypto';
import { Logger } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import rateLimit from '@fastify/rate-limit';
import type { FastifyRequest } from 'fastify';
import { ask, isWorker } from '../workers/ipc';
import { sharedRateLimitStore } from '../workers/shared-rate-limit';
import { DomainError } from './errors';
import { sendProblem } from './problem.filter';

const WINDOW_MS = 60_000;

export class TooManyRequestsError extends DomainError {
  constructor(limit: number, retryAfterSeconds: number) {
    super(
      429,
      'too-many-requests',
      'Too many requests',
      `more than ${limit} requests per minute with this token; retry in ${retryAfterSeconds} s`,
      { limit, retryAfter: retryAfterSeconds },
      { 'Retry-After': String(retryAfterSeconds) },
    );
  }
}

/** The API surface that is limited; probes, metrics and docs never are. */
function isLimited(url: string): boolean {
  const path = url.split('?')[0];
  return path === '/v1' || path.startsWith('/v1/') || path === '/graphql' || path === '/graphql/';
}

/**
 * Per token: the key is a hash of the presented credential (so a flood of
 * requests is cut off before any database lookup), or the client address when
 * there is none.
 */
export function rateLimitKey(request: FastifyRequest): string {
  const header = request.headers.authorization;
  if (typeof header === 'string' && header.trim()) {
    return `token:${createHash('sha256').update(header.trim(), 'utf8').digest('base64url')}`;
  }
  return `ip:${request.ip}`;
}

/**
 * `KIPAM_RATE_LIMIT_PER_MINUTE` requests per minute per token (fixed window),
 * counted per server: the workers of one server share the counts through
 * their primary (workers/shared-rate-limit.ts); with N replicas behind a
 * balancer a token gets up to N times as many. 0 turns it off. Over the
 * limit: 429 problem+json with `Retry-After`.
 */
export async function installRateLimit(app: NestFastifyApplication, perMinute: number, workers = 1): Promise<void> {
  if (perMinute <= 0) return;
  const fastify = app.getHttpAdapter().getInstance();
  const store =
    isWorker() && workers > 1
      ? sharedRateLimitStore((key, want, max, windowMs) => ask('rate-limit', { key, want, max, windowMs }), workers)
      : undefined;
  await fastify.register(rateLimit, { global: false, max: perMinute, timeWindow: WINDOW_MS, keyGenerator: rateLimitKey, store });
  const check = fastify.createRateLimit();
  const logger = new Logger('RateLimit');
  fastify.addHook('onRequest', async (request, reply) => {
    if (!isLimited(request.url)) return;
    const limit = await check(request);
    if (limit.isAllowed) return;
    void reply.header('x-ratelimit-limit', String(limit.max));
    void reply.header('x-ratelimit-remaining', String(Math.max(0, limit.remaining)));
    if (!limit.isExceeded) return;
    sendProblem(request, reply, new TooManyRequestsError(limit.max, Math.max(1, limit.ttlInSeconds)), logger);
    return reply;
  });
}
