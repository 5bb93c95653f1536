import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Logger } from '@nestjs/common';
import { DomainError } from './errors';
import { sendProblem } from './problem.filter';

const logger = new Logger('Http');

/** The order Allow lists them in. */
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

export class MethodNotAllowedError extends DomainError {
  constructor(method: string, path: string, allow: string) {
    super(405, 'method-not-allowed', 'Method not allowed', `${path} does not take ${method}; it takes ${allow}`, {}, { Allow: allow });
  }
}

/** The methods some route serves at this path (empty when no route matches it). */
export function allowedMethods(fastify: FastifyInstance, url: string): string[] {
  const path = url.split('?')[0];
  try {
    decodeURIComponent(path);
  } catch {
    return []; // not a path any route can match
  }
  const found: string[] = METHODS.filter((method) => fastify.findRoute({ method, url: path }) !== null);
  return found.length ? [...found, 'OPTIONS'] : [];
}

/**
 * Before the 404 of an unmatched request: a path that exists under other
 * methods answers 405 with `Allow` (RFC 9110 §15.5.6), and OPTIONS answers
 * 204 with `Allow`. True when it answered.
 */
export function answerOtherMethods(fastify: FastifyInstance, request: FastifyRequest, reply: FastifyReply): boolean {
  const allow = allowedMethods(fastify, request.url);
  if (!allow.length) return false;
  if (request.method === 'OPTIONS') {
    void reply.code(204).header('allow', allow.join(', ')).send();
    return true;
  }
  sendProblem(request, reply, new MethodNotAllowedError(request.method, request.url.split('?')[0], allow.join(', ')), logger);
  return true;
}
