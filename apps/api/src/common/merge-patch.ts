import { CallHandler, ExecutionContext, Inject, Injectable, NestInterceptor, UseInterceptors } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { BodyTooDeepError, jsonNestsDeeperThan } from './body-depth';
import { catchError, from, switchMap, throwError, type Observable } from 'rxjs';
import { PreconditionFailedError } from './errors';

export const MERGE_PATCH = 'application/merge-patch+json';
const MAX_ATTEMPTS = 3;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

/** RFC 7396 MergePatch(target, patch): objects merge key by key, null removes, anything else replaces. */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch;
  const result: Json = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = applyMergePatch(result[key], value);
  }
  return result;
}

/**
 * `Content-Type: application/merge-patch+json` on PATCH: parsed as JSON (any other method is 415).
 * Set before the routes, next to the JSON parser.
 */
export function installMergePatchParser(fastify: FastifyInstance): void {
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  fastify.addContentTypeParser(MERGE_PATCH, { parseAs: 'string' }, (request, body, done) => {
    if (request.method !== 'PATCH') {
      return done(Object.assign(new Error(`${MERGE_PATCH} is accepted by PATCH only`), { statusCode: 415 }), undefined);
    }
    if (jsonNestsDeeperThan(body as string)) return done(new BodyTooDeepError(), undefined);
    void parseJson(request, body as string, done);
  });
}

/**
 * RFC 7396 semantics for a merge-patch PATCH. The top level of every PATCH is
 * already a merge patch (absent: unchanged; null: reset); what a merge patch
 * adds is that a map-valued field (`labels`, `selector`) is merged key by key
 * (`{"labels":{"b":null}}` removes label b, keeps the others) instead of
 * replaced whole. The current object is read, the maps are merged, and the
 * handler runs on the result under `If-Match` with the ETag that read
 * returned, so a concurrent change is never lost: the merge is redone (up to
 * three times). A client's own If-Match is kept and answered 412 as usual.
 */
/** Binds merge-patch semantics to a PATCH route (a per-route interceptor: a global one would cost every request). */
export const MergePatchable = () => UseInterceptors(MergePatchInterceptor);

@Injectable()
export class MergePatchInterceptor implements NestInterceptor {
  constructor(@Inject(HttpAdapterHost) private readonly adapterHost: HttpAdapterHost) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const media = (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (request.method !== 'PATCH' || media !== MERGE_PATCH || !isObject(request.body)) return next.handle();
    const patch = request.body;
    const ownIfMatch = request.headers['if-match'] !== undefined;
    const attempt = (n: number): Observable<unknown> =>
      from(this.prepare(request, patch, ownIfMatch)).pipe(
        switchMap(() => next.handle()),
        catchError((error: unknown) =>
          error instanceof PreconditionFailedError && !ownIfMatch && n < MAX_ATTEMPTS ? attempt(n + 1) : throwError(() => error),
        ),
      );
    return attempt(1);
  }

  /** Reads the object and puts the merged patch (and the ETag it was merged with) on the request. */
  private async prepare(request: FastifyRequest, patch: Json, ownIfMatch: boolean): Promise<void> {
    const current = await this.read(request);
    if (!current) return; // the handler answers (404, 403, …)
    request.body = merged(current.body, patch);
    if (!ownIfMatch && current.etag) request.headers['if-match'] = current.etag;
  }

  /** The object as a GET with the same credentials answers it (null when that is not a 200). */
  private async read(request: FastifyRequest): Promise<{ body: Json; etag?: string } | null> {
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    const res = await fastify.inject({
      method: 'GET',
      url: request.url,
      headers: { authorization: request.headers.authorization ?? '', accept: 'application/json' },
    });
    if (res.statusCode !== 200) return null;
    const body = res.json<unknown>();
    const etag = res.headers.etag;
    return isObject(body) ? { body, etag: typeof etag === 'string' ? etag : undefined } : null;
  }
}

/** The patch with each object-valued field merged into the current value of that field. */
function merged(current: Json, patch: Json): Json {
  const out: Json = {};
  for (const [key, value] of Object.entries(patch)) {
    out[key] =
      isObject(value) && (isObject(current[key]) || current[key] === null || current[key] === undefined)
        ? applyMergePatch(current[key] ?? {}, value)
        : value;
  }
  return out;
}
