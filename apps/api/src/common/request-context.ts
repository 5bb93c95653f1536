import { AsyncLocalStorage } from 'node:async_hooks';
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Principal } from './principal';
import { requestIdOf } from './request-id';
import { traceOf } from './trace';

/**
 * Who is asking, for code deep inside a request (the audit trail, metrics)
 * without threading parameters through every method. Set once per HTTP
 * request; the auth guard fills in the principal.
 */
export interface RequestContext {
  requestId: string;
  /** The W3C trace of the request (trace.ts): the caller's traceparent, or a new trace. */
  traceId?: string;
  /** The caller's span, when it sent a traceparent. */
  parentId?: string;
  principal?: Principal;
  /** Counter increments held back until the request succeeded (its transactions committed). */
  pending: (() => void)[];
}

const storage = new AsyncLocalStorage<RequestContext>();
const CONTEXT = Symbol('kipam.requestContext');
/** The same contexts by Node's request object, for code that sees only that one (the access log). */
const BY_RAW = new WeakMap<IncomingMessage, RequestContext>();

type WithContext = FastifyRequest & { [CONTEXT]?: RequestContext };

export function currentContext(): RequestContext | undefined {
  return storage.getStore();
}

/** The context of a request (also outside its async scope, e.g. in onResponse). */
export function contextOf(request: FastifyRequest): RequestContext | undefined {
  return (request as WithContext)[CONTEXT];
}

/** The context of a request from Node's request object (undefined before onRequest ran). */
export function contextOfRaw(raw: IncomingMessage): RequestContext | undefined {
  return BY_RAW.get(raw);
}

/** Runs `fn` in a context of its own (jobs and tests outside HTTP requests). */
export function runInContext<T>(context: Omit<RequestContext, 'pending'>, fn: () => T): T {
  return storage.run({ ...context, pending: [] }, fn);
}

/**
 * Enters the context in onRequest, and again in preHandler: a request body is
 * parsed from stream events that run outside the onRequest async scope, so the
 * handler would otherwise lose it.
 */
export function installRequestContext(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (request, _reply, done) => {
    const { traceId, parentId } = traceOf(request.raw);
    const context: RequestContext = { requestId: requestIdOf(request.raw), traceId, parentId, pending: [] };
    (request as WithContext)[CONTEXT] = context;
    BY_RAW.set(request.raw, context);
    storage.run(context, done);
  });
  fastify.addHook('preHandler', (request, _reply, done) => {
    const context = (request as WithContext)[CONTEXT];
    if (!context) return done();
    storage.run(context, done);
  });
}
