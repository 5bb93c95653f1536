import { CallHandler, createParamDecorator, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { map, type Observable } from 'rxjs';
import { PreconditionFailedError } from './errors';

/**
 * Response headers that belong to a returned object (its ETag, and for a
 * create its Location). Services attach them; one interceptor writes them.
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

@Injectable()
export class ResponseMetaInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    return next.handle().pipe(
      map((body: unknown) => {
        if (body && typeof body === 'object') {
          const meta = META.get(body);
          if (meta?.etag) void reply.header('etag', meta.etag);
          if (meta?.location) void reply.header('location', meta.location);
        }
        return body;
      }),
    );
  }
}

/** The request's `If-Match` header (documented with ApiHeader; optional). */
export const IfMatch = createParamDecorator((_: unknown, ctx: ExecutionContext): string | undefined => {
  const value = ctx.switchToHttp().getRequest<{ headers: Record<string, string | string[] | undefined> }>().headers['if-match'];
  return Array.isArray(value) ? value.join(',') : value;
});
