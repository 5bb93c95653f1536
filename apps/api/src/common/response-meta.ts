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

/** `If-Match` on a change: a stale ETag is 412, `*` or none passes. */
export function checkIfMatch(ifMatch: string | undefined, version: number | string, what: string): void {
  if (ifMatch === undefined || ifMatch.trim() === '*') return;
  const current = etagOf(version);
  const tags = ifMatch.split(',').map((t) => t.trim().replace(/^W\//, ''));
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
