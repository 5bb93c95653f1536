import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { HttpAdapterHost, Reflector } from '@nestjs/core';
import { Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Kind, OperationTypeNode, parse, type OperationDefinitionNode } from 'graphql';
import { Database } from '@kipam/persistence';
import type { AuthenticatedRequest } from '../common/auth.guard';
import { DomainError } from '../common/errors';
import {
  IDEMPOTENCY_HEADER,
  IdempotencyInterceptor,
  idempotencyRecordKey,
  parseIdempotencyKey,
  requestFingerprint,
} from '../common/idempotency';
import { IdempotencyRepository } from '../common/idempotency.repository';
import { toProblem } from '../common/problem';
import { MetricsService } from '../metrics/metrics.service';

const PATH = '/graphql';
const CLAIM = Symbol('kipam.graphqlIdempotencyClaim');

type ClaimedRequest = FastifyRequest & { [CLAIM]?: { recordKey: string; nonce: string } };

/**
 * `Idempotency-Key` on a GraphQL mutation, with REST's contract (see
 * common/idempotency.ts): scoped to the token, `POST /graphql` and the key;
 * the same key and document (query, variables, operation name) replay the
 * first response with `Idempotent-Replayed: true`; another document is 422
 * `idempotency-key-reused`; a retry while the first runs is 409
 * `idempotency-key-in-use`. A response is kept when a mutation committed
 * (some field of `data` is not null); one where every mutation failed keeps
 * nothing, so a retry runs again. Queries ignore the key.
 */
export function installGraphqlIdempotency(app: NestFastifyApplication): void {
  const fastify = app.getHttpAdapter().getInstance();
  const records = new IdempotencyInterceptor(
    app.get(Database),
    app.get(IdempotencyRepository),
    app.get(HttpAdapterHost),
    app.get(Reflector),
    app.get(MetricsService),
  );
  const logger = new Logger('GraphQLIdempotency');

  fastify.addHook('preHandler', async (request: ClaimedRequest, reply) => {
    const path = request.url.split('?')[0];
    if ((path !== PATH && path !== `${PATH}/`) || request.method !== 'POST' || request.headers[IDEMPOTENCY_HEADER] === undefined) return;
    const principal = (request as AuthenticatedRequest).principal;
    if (!principal || !isMutation(request.body)) return;
    try {
      const key = parseIdempotencyKey(request.headers[IDEMPOTENCY_HEADER])!;
      const recordKey = idempotencyRecordKey(principal.tokenId, 'POST', PATH, key);
      const fingerprint = requestFingerprint(request.headers['content-type'], '', request.body);
      await records.purgeIfDue();
      const claim = await records.acquire(recordKey, PATH, fingerprint, reply);
      if ('replay' in claim) return reply.send(claim.replay);
      request[CLAIM] = { recordKey, nonce: claim.nonce };
      records.running.add(recordKey);
    } catch (error) {
      return sendGraphqlProblem(reply, error);
    }
  });

  fastify.addHook('onSend', async (request: ClaimedRequest, reply, payload) => {
    const claim = request[CLAIM];
    if (!claim) return payload;
    request[CLAIM] = undefined;
    const body = typeof payload === 'string' ? parseJson(payload) : undefined;
    if (reply.statusCode !== 200 || !committed(body)) {
      // Nothing committed: the claim goes before the answer does, so a retry with the key runs again.
      try {
        await records.release(claim.recordKey, claim.nonce);
      } finally {
        records.running.delete(claim.recordKey);
      }
      return payload;
    }
    try {
      await records.complete(claim.recordKey, claim.nonce, reply, body);
    } catch (error) {
      logger.warn({ err: error }, 'could not store the response of a GraphQL Idempotency-Key request');
    } finally {
      records.running.delete(claim.recordKey);
    }
    return payload;
  });
}

/** The operation the request runs is a mutation (a document that does not parse is left to the GraphQL handler, which refuses it). */
function isMutation(body: unknown): boolean {
  const { query, operationName } = (body ?? {}) as { query?: unknown; operationName?: unknown };
  if (typeof query !== 'string') return false;
  try {
    const operations = parse(query).definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
    const chosen = typeof operationName === 'string' ? operations.find((o) => o.name?.value === operationName) : operations[0];
    return chosen?.operation === OperationTypeNode.MUTATION;
  } catch {
    return false;
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Some mutation of the document committed: a top-level field of `data` is not null. */
function committed(body: unknown): boolean {
  const data = (body as { data?: unknown } | undefined)?.data;
  return data !== null && typeof data === 'object' && Object.values(data).some((v) => v !== null);
}

function sendGraphqlProblem(reply: FastifyReply, error: unknown): FastifyReply {
  if (!(error instanceof DomainError)) throw error;
  const { problem, headers } = toProblem(error);
  const { type, title, status, detail, ...rest } = problem;
  return reply
    .code(status)
    .headers(headers)
    .send({
      data: null,
      errors: [
        {
          message: detail ?? title,
          extensions: { code: String(type).split('/').pop()?.toUpperCase().replace(/-/g, '_'), type, title, status, ...rest },
        },
      ],
    });
}
