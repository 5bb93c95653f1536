import { createHash, randomUUID } from 'node:crypto';
import {
  applyDecorators,
  CallHandler,
  ExecutionContext,
  Inject,
  Injectable,
  Logger,
  NestInterceptor,
  SetMetadata,
  UseInterceptors,
} from '@nestjs/common';
import { HttpAdapterHost, Reflector } from '@nestjs/core';
import { ApiHeader } from '@nestjs/swagger';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { from, lastValueFrom, type Observable } from 'rxjs';
import { Database } from '@kipam/persistence';
import type { AuthenticatedRequest } from './auth.guard';
import { BadRequestError, ConflictError, DomainError } from './errors';
import { IdempotencyRepository, type IdempotencyRecordRow } from './idempotency.repository';
import { applyMeta } from './response-meta';
import { MetricsService } from '../metrics/metrics.service';

/**
 * `Idempotency-Key` on allocating POSTs (IETF httpapi idempotency-key draft).
 *
 * 1. Claim: one row per (token, method, path, key) is inserted before the
 *    handler runs (`INSERT … ON CONFLICT DO NOTHING`): the primary key makes
 *    one request the owner, across every API replica.
 * 2. Run the handler. On success the response (status, body, Location, ETag,
 *    Content-Type) is stored on the row; on an error the claim is dropped (the
 *    handler's transaction rolled back, so nothing was allocated and a retry may
 *    run it again).
 * 3. A later request with the key replays the stored response; with another
 *    body it is 422 `idempotency-key-reused`; while the owner still runs it is
 *    409 `idempotency-key-in-use`.
 * 4. Crash between the handler's commit and step 2: the row stays claimed and
 *    never completes. A retry takes the claim over once its owner is gone (this
 *    process no longer runs it, or another replica's claim is older than
 *    STALE_CLAIM_MS) and runs the handler again. Every create is idempotent on
 *    its natural key, so the re-run cannot allocate twice: it meets 409
 *    `already-exists` with the holder's Location, and when that holder was
 *    created after the first claim, the holder is read and answered as the
 *    replay (201, its body, Location, ETag).
 *
 * Records are kept RETENTION_HOURS; older ones are purged opportunistically.
 */
export const IDEMPOTENCY_HEADER = 'idempotency-key';
export const RETENTION_HOURS = 24;
/** A claim of another replica younger than this is taken to be running. */
export const STALE_CLAIM_MS = 10_000;
const PURGE_EVERY_MS = 10 * 60_000;
const MAX_KEY_LENGTH = 255;
const REPLAYED_HEADERS = ['location', 'etag', 'content-type'] as const;
const IDEMPOTENT = Symbol('kipam.idempotent');

/**
 * Marks an allocating POST: it takes an `Idempotency-Key` (documented on the
 * operation; openapi.ts adds its problem types). Opt-in, because a stored
 * response is kept in the database: never put it on a route whose response
 * carries a secret (token issuance). The interceptor runs on these routes
 * only: the others do not pay for a Nest interceptor pipeline.
 */
export function Idempotent() {
  return applyDecorators(
    SetMetadata(IDEMPOTENT, true),
    UseInterceptors(IdempotencyInterceptor),
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description: `Makes the POST safe to retry: the same key and body within ${RETENTION_HOURS} hours replay the first response (status, body, Location, ETag, Content-Type; with \`Idempotent-Replayed: true\`) instead of allocating again. A structured-field string ("…") or a bare value of 1-255 printable ASCII characters, scoped to the token, method and path.`,
      schema: { type: 'string', minLength: 1, maxLength: MAX_KEY_LENGTH, example: '"8e03978e-40d5-43e8-bc93-6894a57f9324"' },
    }),
  );
}

export class IdempotencyKeyReusedError extends DomainError {
  constructor() {
    super(
      422,
      'idempotency-key-reused',
      'Idempotency-Key reused',
      'this Idempotency-Key was already used for a different request body; use a new key for a new request',
    );
  }
}

export class IdempotencyKeyInUseError extends ConflictError {
  constructor(retryAfterSeconds: number) {
    super(
      'a request with this Idempotency-Key is still being processed; retry after Retry-After seconds',
      {},
      'idempotency-key-in-use',
      'Idempotency-Key in use',
      { 'Retry-After': String(retryAfterSeconds) },
    );
  }
}

/**
 * The key of the header: a structured-field string (`"…"`, as the draft says)
 * or, as most clients send it, the bare value. Undefined when absent.
 */
export function parseIdempotencyKey(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  if (Array.isArray(header)) throw new BadRequestError('send one Idempotency-Key header');
  const raw = header.trim();
  const quoted = /^"((?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\["\\])*)"$/.exec(raw);
  const key = quoted ? quoted[1].replace(/\\(["\\])/g, '$1') : raw;
  if (!quoted && (raw.startsWith('"') || !/^[\x21-\x7e]+$/.test(key))) {
    throw new BadRequestError('Idempotency-Key must be printable ASCII without spaces, or a quoted string');
  }
  if (key.length === 0 || key.length > MAX_KEY_LENGTH) {
    throw new BadRequestError(`Idempotency-Key must be 1-${MAX_KEY_LENGTH} characters`);
  }
  return key;
}

/** The record's primary key: a key is scoped to its token, method and path. */
export function idempotencyRecordKey(tokenId: string, method: string, path: string, key: string): string {
  return sha256(JSON.stringify([tokenId, method.toUpperCase(), path, key]));
}

/** What makes two requests "the same": media type, query string and the body (key order ignored). */
export function requestFingerprint(contentType: string | undefined, query: string, body: unknown): string {
  const media = (contentType ?? '').split(';')[0].trim().toLowerCase();
  return sha256(`${media}\n${query}\n${canonicalJson(body)}`);
}

function canonicalJson(value: unknown): string {
  if (value === undefined) return '';
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

export interface Claim {
  nonce: string;
  /** When the key was first claimed: a holder adopted on recovery must be younger. */
  createdAt: Date;
  recovering: boolean;
}

/**
 * Applies to the POSTs marked `@Idempotent()`; see the file comment. Its
 * claim, complete and release steps also serve GraphQL mutations
 * (graphql/graphql-idempotency.ts).
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  private readonly logger = new Logger('Idempotency');
  /** Identifies this process's claims. */
  private readonly instance = randomUUID();
  /** Keys whose handler runs in this process now. */
  readonly running = new Set<string>();
  private lastPurge = 0;

  constructor(
    @Inject(Database) private readonly db: Database,
    @Inject(IdempotencyRepository) private readonly records: IdempotencyRepository,
    @Inject(HttpAdapterHost) private readonly adapterHost: HttpAdapterHost,
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(MetricsService) private readonly metrics: MetricsService,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http' || !this.reflector.get<boolean>(IDEMPOTENT, context.getHandler())) return next.handle();
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const path = request.url.split('?')[0];
    if (request.method !== 'POST' || !request.principal) return next.handle();
    const key = parseIdempotencyKey(request.headers[IDEMPOTENCY_HEADER]);
    if (key === undefined) return next.handle();
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    // A promise, not a cold stream: it runs to the end (and stores the response)
    // even when the client goes away and Nest unsubscribes.
    return from(this.handle(request, reply, path, key, next));
  }

  private async handle(request: AuthenticatedRequest, reply: FastifyReply, path: string, key: string, next: CallHandler): Promise<unknown> {
    const recordKey = idempotencyRecordKey(request.principal!.tokenId, request.method, path, key);
    const query = request.url.includes('?') ? request.url.slice(request.url.indexOf('?') + 1) : '';
    const fingerprint = requestFingerprint(request.headers['content-type'], query, request.body);
    await this.purgeIfDue();

    const claim = await this.acquire(recordKey, path, fingerprint, reply);
    if (!('nonce' in claim)) return claim.replay;

    this.running.add(recordKey);
    try {
      let body: unknown;
      try {
        body = await lastValueFrom(next.handle(), { defaultValue: undefined });
      } catch (error) {
        const adopted = claim.recovering ? await this.adopt(error, claim, request, reply).catch(() => undefined) : undefined;
        if (adopted === undefined) {
          await this.release(recordKey, claim.nonce);
          throw error;
        }
        body = adopted;
      }
      await this.complete(recordKey, claim.nonce, reply, body);
      return body;
    } finally {
      this.running.delete(recordKey);
    }
  }

  /** Claims the key, or answers from the record: a replay, 422 or 409. */
  async acquire(recordKey: string, path: string, fingerprint: string, reply: FastifyReply): Promise<Claim | { replay: unknown }> {
    for (let attempt = 0; ; attempt++) {
      const nonce = randomUUID();
      const owner = { instance: this.instance, nonce };
      const claimed = await this.records.claim(this.db.reader, owner, {
        key: recordKey,
        path,
        fingerprint,
        retentionHours: RETENTION_HOURS,
      });
      if (claimed) return { nonce, createdAt: claimed, recovering: false };

      const row = await this.records.find(this.db.reader, recordKey);
      if (!row) {
        if (attempt < 2) continue; // released between the two statements
        throw new IdempotencyKeyInUseError(1);
      }
      if (row.fingerprint !== fingerprint) throw new IdempotencyKeyReusedError();
      if (row.status !== null) {
        this.metrics.countIdempotentReplay(path === '/graphql' ? 'graphql' : 'rest');
        return { replay: replay(reply, row) };
      }

      const ours = row.claim_instance === this.instance;
      const alive = ours ? this.running.has(recordKey) : row.claim_age_ms < STALE_CLAIM_MS;
      if (alive) {
        throw new IdempotencyKeyInUseError(ours ? 1 : Math.max(1, Math.ceil((STALE_CLAIM_MS - row.claim_age_ms) / 1000)));
      }
      // Its owner is gone: the handler may or may not have committed. Take over.
      const taken = await this.records.takeOver(this.db.reader, owner, recordKey, row.claim_nonce);
      if (!taken) throw new IdempotencyKeyInUseError(1); // another retry took it first
      this.logger.warn({ path }, 'taking over an interrupted Idempotency-Key claim');
      return { nonce, createdAt: taken, recovering: true };
    }
  }

  /**
   * Recovery of an interrupted claim: the re-run met the holder the first run
   * created (409 already-exists with its Location, created after the claim).
   * That holder is the answer. Undefined when the error is anything else.
   */
  private async adopt(error: unknown, claim: Claim, request: AuthenticatedRequest, reply: FastifyReply): Promise<unknown> {
    if (!(error instanceof DomainError) || error.slug !== 'already-exists') return undefined;
    const location = error.headers.Location;
    if (!location?.startsWith('/v1/')) return undefined;
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    const read = await fastify.inject({
      method: 'GET',
      url: location,
      headers: { authorization: request.headers.authorization ?? '', accept: 'application/json' },
    });
    if (read.statusCode !== 200) return undefined;
    const body = read.json<Record<string, unknown>>();
    const createdAt = typeof body.createdAt === 'string' ? Date.parse(body.createdAt) : NaN;
    // Older than the first claim: someone else's holder, not ours to adopt.
    if (!(createdAt >= claim.createdAt.getTime() - 1)) return undefined;
    void reply.status(201).header('location', location).header('content-type', 'application/json; charset=utf-8');
    const etag = read.headers.etag;
    if (typeof etag === 'string') void reply.header('etag', etag);
    return body;
  }

  async complete(recordKey: string, nonce: string, reply: FastifyReply, body: unknown): Promise<void> {
    applyMeta(reply, body); // the headers the response will have (set again, the same, before it is sent)
    const headers: Record<string, string> = {};
    for (const name of REPLAYED_HEADERS) {
      const value = reply.getHeader(name);
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : String(value);
    }
    if (!headers['content-type'] && body !== undefined) headers['content-type'] = 'application/json; charset=utf-8';
    try {
      await this.records.complete(this.db.reader, recordKey, nonce, { status: reply.statusCode, headers, body });
    } catch (error) {
      // The change is committed: answer it. A retry finds the claim interrupted and recovers.
      this.logger.warn({ err: error }, 'could not store the response of an Idempotency-Key request');
    }
  }

  async release(recordKey: string, nonce: string): Promise<void> {
    await this.records
      .release(this.db.reader, recordKey, nonce)
      .catch((error: unknown) => this.logger.warn({ err: error }, 'could not release an Idempotency-Key claim'));
  }

  /** Drops records past retention, a bounded batch at most every PURGE_EVERY_MS per process. */
  async purgeIfDue(): Promise<void> {
    const now = Date.now();
    if (now - this.lastPurge < PURGE_EVERY_MS) return;
    this.lastPurge = now;
    await this.records
      .purge(this.db.reader, RETENTION_HOURS)
      .catch((error: unknown) => this.logger.warn({ err: error }, 'purging old Idempotency-Key records failed'));
  }
}

function replay(reply: FastifyReply, row: IdempotencyRecordRow): unknown {
  void reply.status(row.status!);
  for (const [name, value] of Object.entries(row.headers ?? {})) void reply.header(name, value);
  void reply.header('idempotent-replayed', 'true');
  return row.body ?? undefined;
}
