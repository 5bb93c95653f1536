import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** The W3C Trace Context of a request (https://www.w3.org/TR/trace-context/): the caller's, or a new trace. */
export interface TraceContext {
  traceId: string;
  /** The caller's span (`parent-id` of its traceparent); absent when the trace starts here. */
  parentId?: string;
}

const TRACE = Symbol('kipam.trace');
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/**
 * The request's trace: from a valid `traceparent` header (version 00, or a
 * later one read as 00; all-zero ids and version ff are invalid), else a new
 * random trace id. Stable per request, so every log line of it agrees.
 */
export function traceOf(raw: IncomingMessage): TraceContext {
  const holder = raw as IncomingMessage & { [TRACE]?: TraceContext };
  if (holder[TRACE]) return holder[TRACE];
  const header = raw.headers.traceparent;
  const match = typeof header === 'string' ? TRACEPARENT.exec(header.trim()) : null;
  const valid =
    match !== null &&
    match[1] !== 'ff' &&
    (match[1] !== '00' || match[5] === undefined) &&
    !/^0+$/.test(match[2]) &&
    !/^0+$/.test(match[3]);
  const trace: TraceContext = valid ? { traceId: match[2], parentId: match[3] } : { traceId: randomBytes(16).toString('hex') };
  holder[TRACE] = trace;
  return trace;
}
