import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const REQUEST_ID = Symbol('kipam.requestId');
const ACCEPTABLE = /^[A-Za-z0-9._:-]{1,128}$/;

/** The request's id: the caller's `X-Request-Id` when sane, else a new UUID. Stable per request. */
export function requestIdOf(raw: IncomingMessage): string {
  const holder = raw as IncomingMessage & { [REQUEST_ID]?: string };
  if (holder[REQUEST_ID]) return holder[REQUEST_ID];
  const given = raw.headers['x-request-id'];
  const id = typeof given === 'string' && ACCEPTABLE.test(given) ? given : randomUUID();
  holder[REQUEST_ID] = id;
  return id;
}
