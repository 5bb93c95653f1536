import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { PreconditionFailedError } from './errors';

/**
 * Response headers that belong to a returned object (its ETag, and for a
 * create its Location). Services attach them; one Fastify hook writes them.
 */
interface Meta {
  etag?: string;
  location?: string;
}

const META = new WeakMap<object, Meta>();

export function etagOf(version: number | string): string {
  return `"${version}"`;
}

export function withMeta<T extends object>(body: T, meta: Meta): T {
  META.set(body, { ...META.get(body), ...meta });
  return body;
}

export function withEtag<T extends object>(body: T, version: number | string): T {
  return withMeta(body, { etag: etagOf(version) });
}

/** The ETag attached to `body` (withEtag), if any. */
export function etagAttached(body: object): string | undefined {
  return META.get(body)?.etag;
}

/**
 * `If-Match` on a change: a stale ETag is 412, `*` or none passes. The
 * comparison is strong (RFC 9110 §13.1.1): a weak tag (`W/"2"`) never matches.
 */
export function checkIfMatch(ifMatch: string | undefined, version: number | string, what: string): void {
  if (ifMatch === undefined || ifMatch.trim() === '*') return;
  const current = etagOf(version);
  const tags = ifMatch.split(',').map((t) => t.trim());
  if (!tags.includes(current)) {
    throw new PreconditionFailedError(`${what} has changed: its current ETag is ${current}, If-Match was ${ifMatch}`);
  }
}

/** Writes the headers attached to `body` (withMeta) on the reply. */
export function applyMeta(reply: FastifyReply, body: unknown): void {
  if (!body || typeof body !== 'object') return;
  const meta = META.get(body);
  if (meta?.etag) void reply.header('etag', meta.etag);
  if (meta?.location) void reply.header('location', meta.location);
}

/**
 * Every REST reply whose body carries meta gets its headers, in a Fastify
 * hook: a Nest interceptor would cost every request an RxJS pipeline.
 */
export function installResponseMeta(fastify: FastifyInstance): void {
  fastify.addHook('preSerialization', (_request, reply, payload, done) => {
    applyMeta(reply, payload);
    done(null, payload);
  });
}

/** The request's `If-Match` header (documented with ApiHeader; optional). */
export const IfMatch = createParamDecorator((_: unknown, ctx: ExecutionContext): string | undefined => {
  const value = ctx.switchToHttp().getRequest<{ headers: Record<string, string | string[] | undefined> }>().headers['if-match'];
  return Array.isArray(value) ? value.join(',') : value;
});

/** `If-None-Match` holds `etag` (a weak comparison, RFC 9110 §13.1.2; `*` matches any). */
export function noneMatchHolds(ifNoneMatch: string, etag: string): boolean {
  const opaque = (tag: string) => tag.trim().replace(/^W\//, '');
  return ifNoneMatch.split(',').some((tag) => tag.trim() === '*' || opaque(tag) === opaque(etag));
}

/**
 * Conditional reads: a GET or HEAD whose `If-None-Match` names the current
 * ETag is answered 304 Not Modified, with the ETag and no body.
 */
export function installConditionalGet(fastify: FastifyInstance): void {
  fastify.addHook('onSend', async (request, reply, payload) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return payload;
    const ifNoneMatch = request.headers['if-none-match'];
    const etag = reply.getHeader('etag');
    if (reply.statusCode !== 200 || typeof ifNoneMatch !== 'string' || typeof etag !== 'string' || !noneMatchHolds(ifNoneMatch, etag)) {
      return payload;
    }
    void reply.code(304).removeHeader('content-type').removeHeader('content-length');
    return ''; // an empty string, not null: Fastify's HEAD handler measures the payload
  });
}
