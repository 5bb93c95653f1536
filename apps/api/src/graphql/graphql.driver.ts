import { Injectable, Logger } from '@nestjs/common';
import { AbstractGraphQLDriver, type GqlModuleOptions } from '@nestjs/graphql';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { GraphQLError, OperationTypeNode, getOperationAST, validate, type ExecutionResult } from 'graphql';
import { createHandler, type OperationArgs, type Request, type RequestParams, type Response } from 'graphql-http';
import { BodyTooDeepError, jsonNestsDeeperThan } from '../common/body-depth';
import { DomainError } from '../common/errors';
import { sendProblem } from '../common/problem.filter';
import { formatGraphQLError, graphqlRequestErrorHandler } from './errors';
import { GraphqlDocuments } from './documents';
import { complexityRule } from './limits';

export interface KipamGraphQLOptions extends GqlModuleOptions {
  /** The context of one request's resolvers. */
  context: (request: FastifyRequest) => Record<PropertyKey, unknown>;
  /** Parsed documents kept, in bytes (0: none). */
  documentCacheBytes: number;
  /** Called once with the document cache (metrics read its size). */
  onDocuments?: (documents: GraphqlDocuments) => void;
}

interface Exchange {
  request: FastifyRequest;
  /** The document or its variables were refused before execution: a GraphQL request error. */
  requestError: boolean;
}

const LOGGER = new Logger('GraphQL');
const BAD_REQUEST = { code: 'BAD_REQUEST', type: '/problems/bad-request', title: 'Bad request', status: 400 };
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * GraphQL over HTTP at /graphql, per the GraphQL-over-HTTP specification
 * (graphql-http, its reference implementation): GET for queries, POST for
 * everything, `application/graphql-response+json` when the client accepts it,
 * `application/json` otherwise.
 *
 * Status codes: a document or variables refused before execution (syntax,
 * validation, limits) is 400 under both media types (application/json allows
 * it for compatibility; Kipam has always answered so). Once execution starts
 * the answer is 200, with whatever `data` resolved and an `errors` entry per
 * failed field, each carrying the problem in `extensions`.
 */
@Injectable()
export class KipamGraphQLDriver extends AbstractGraphQLDriver<KipamGraphQLOptions> {
  async start(options: KipamGraphQLOptions): Promise<void> {
    const fastify = this.httpAdapterHost.httpAdapter.getInstance<FastifyInstance>();
    const schema = options.schema!;
    const documents = new GraphqlDocuments(schema, options.documentCacheBytes);
    options.onDocuments?.(documents);

    const handle = createHandler<FastifyRequest, Exchange, Record<PropertyKey, unknown>>({
      schema,
      parseRequestParams: (req) => requestParams(req.raw),
      formatError: (error) =>
        formatGraphQLError(error instanceof GraphQLError ? error : new GraphQLError(error.message, { originalError: error })),
      onSubscribe: (req, params): OperationArgs<Record<PropertyKey, unknown>> | readonly GraphQLError[] | Response => {
        const refuse = (errors: readonly GraphQLError[]) => {
          req.context.requestError = true;
          return errors;
        };
        const document = documents.get(params.query);
        if (!('kind' in document)) return refuse(document);
        const operation = getOperationAST(document, params.operationName);
        if (operation && operation.operation !== OperationTypeNode.QUERY && req.method === 'GET') {
          return errorResponse(405, { allow: 'POST' }, [
            {
              message: `a ${operation.operation} needs POST; GET is for queries`,
              extensions: { code: 'METHOD_NOT_ALLOWED', type: '/problems/method-not-allowed', title: 'Method not allowed', status: 405 },
            },
          ]);
        }
        const tooComplex = validate(schema, document, [complexityRule(params.variables ?? {})]);
        if (tooComplex.length) return refuse(tooComplex);
        return {
          schema,
          document,
          operationName: params.operationName,
          variableValues: params.variables,
          contextValue: options.context(req.raw),
        };
      },
      onOperation: (req, _args, result: ExecutionResult) => {
        // no `data`: the variables did not fit the document, or no operation was chosen
        if (!('data' in result)) req.context.requestError = true;
      },
    });

    const route = async (request: FastifyRequest, reply: FastifyReply) => {
      const exchange: Exchange = { request, requestError: false };
      const req: Request<FastifyRequest, Exchange> = {
        method: request.method,
        url: request.url,
        headers: request.headers,
        body: null,
        raw: request,
        context: exchange,
      };
      const [body, init] = await handle(req);
      if (init.status === 406) {
        return notAcceptable(reply);
      }
      const status = exchange.requestError && init.status === 200 ? 400 : init.status;
      return reply
        .code(status)
        .headers(init.headers ?? {})
        .send(body ?? undefined);
    };
    const path = options.path ?? '/graphql';
    for (const method of ['GET', 'POST'] as const) {
      fastify.route({ method, url: path, handler: route, errorHandler: graphqlRequestErrorHandler });
    }
  }

  async stop(): Promise<void> {}
}

/** The request's query, variables, operationName and extensions: from the query string (GET) or the JSON body (POST). */
function requestParams(request: FastifyRequest): RequestParams | Response {
  const input = request.method === 'GET' ? request.query : request.body;
  const refuse = (message: string) => errorResponse(400, {}, [{ message, extensions: BAD_REQUEST }]);
  if (!isObject(input)) return refuse('the body must be a JSON object with query, and optionally variables and operationName');
  const { query, operationName } = input;
  let { variables, extensions } = input;
  if (typeof query !== 'string' || query.trim() === '') return refuse('query must be a GraphQL document as a string');
  if (operationName !== undefined && operationName !== null && typeof operationName !== 'string') {
    return refuse('operationName must be a string');
  }
  if (request.method === 'GET') {
    // GET carries variables and extensions as JSON text
    try {
      variables = parseJsonParameter(variables, 'variables');
      extensions = parseJsonParameter(extensions, 'extensions');
    } catch (error) {
      return refuse((error as Error).message);
    }
  }
  if (variables !== undefined && variables !== null && !isObject(variables)) return refuse('variables must be an object');
  if (extensions !== undefined && extensions !== null && !isObject(extensions)) return refuse('extensions must be an object');
  return {
    query,
    operationName: operationName ?? undefined,
    variables: variables ?? undefined,
    extensions: extensions ?? undefined,
  };
}

function parseJsonParameter(value: unknown, name: string): unknown {
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') throw new Error(`${name} must be given once, as JSON`);
  if (jsonNestsDeeperThan(value)) throw new BodyTooDeepError(name);
  try {
    return JSON.parse(value) as unknown;
  } catch {
    throw new Error(`${name} must be JSON`);
  }
}

function errorResponse(status: number, headers: Record<string, string>, errors: { message: string; extensions: object }[]): Response {
  return [
    JSON.stringify({ errors }),
    { status, statusText: '', headers: { 'content-type': 'application/json; charset=utf-8', ...headers } },
  ];
}

function notAcceptable(reply: FastifyReply): FastifyReply {
  const error = new DomainError(
    406,
    'not-acceptable',
    'Not acceptable',
    'GraphQL answers application/graphql-response+json or application/json',
  );
  sendProblem(reply.request, reply, error, LOGGER);
  return reply;
}
