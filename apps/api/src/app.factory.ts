import type { IncomingMessage } from 'node:http';
import { Logger as NestLogger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest, FastifyServerOptions } from 'fastify';
import type { DestinationStream } from 'pino';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { sendProblem } from './common/problem.filter';
import type { KipamConfig } from './config/config';
import { installMergePatchParser } from './common/merge-patch';
import { answerOtherMethods } from './common/method-not-allowed';
import { requestIdOf } from './common/request-id';
import { installConditionalGet } from './common/response-meta';
import { createValidationPipe } from './common/validation.pipe';
import { recordRoutes, serveOpenApi } from './common/openapi';
import { registerProblemPages } from './common/problem-types';
import { installGraphqlHttp } from './graphql/graphql-http';
import { installGraphqlIdempotency } from './graphql/graphql-idempotency';
import { TokenService } from './tokens/token.service';
import { installRequestContext } from './common/request-context';
import { ShutdownDrain } from './common/shutdown';
import { installRateLimit } from './common/rate-limit';
import { MetricsService } from './metrics/metrics.service';
import { registerConsole } from './console/console';
import { BodyTooDeepError, jsonNestsDeeperThan } from './common/body-depth';
import { installObservationBodyLimit } from './reconciliation/observation-routes';
import { HeavyRequestGate, installHeavyRequestGate } from './common/heavy-requests';
import { installResponseMeta } from './common/response-meta';
import { createLogger, installAccessLog } from './common/logging';

export const BODY_LIMIT_BYTES = 1024 * 1024;

/**
 * Errors raised before a route handler runs (body parsing, content type, body
 * size) get the same problem+json as everything else: one Fastify error
 * handler, set once in place of Nest's.
 */
class ProblemFastifyAdapter extends FastifyAdapter {
  constructor(options: FastifyServerOptions) {
    super(options);
    // Set before any route exists: Fastify routes keep the handler current when they are added.
    const logger = new NestLogger('Http');
    this.getInstance().setErrorHandler((error, request, reply) => sendProblem(request, reply, error, logger));
  }

  /** Nest's own handler would replace the one above; its filters end in the same problem+json anyway. */
  override setErrorHandler(): FastifyInstance {
    return this.getInstance();
  }

  /** Wrong method on a known path: 405 (OPTIONS: 204) with Allow, before Nest's 404. */
  override setNotFoundHandler(handler: (request: FastifyRequest, reply: FastifyReply) => unknown): FastifyInstance {
    const fastify = this.getInstance();
    return super.setNotFoundHandler((request: FastifyRequest, reply: FastifyReply) =>
      answerOtherMethods(fastify, request, reply) ? undefined : handler(request, reply),
    );
  }
}

/** Builds the Kipam HTTP application (used by main and by the end-to-end tests). */
export async function createApp(
  config: KipamConfig & { databaseUrl: string },
  opts: {
    logger?: boolean;
    /** where the logs go instead of stdout (tests read them) */
    logStream?: DestinationStream;
    /** false in a worker: its primary made sure of the bootstrap admin token */
    bootstrapAdmin?: boolean;
  } = {},
): Promise<{ app: NestFastifyApplication; generatedAdminToken?: string; drain: () => Promise<void> }> {
  const adapter = new ProblemFastifyAdapter({
    bodyLimit: BODY_LIMIT_BYTES,
    genReqId: (req: IncomingMessage) => requestIdOf(req),
    routerOptions: { maxParamLength: 256 },
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    // URLs the router cannot take (bad percent-encoding, a parameter over maxParamLength) are problems too
    frameworkErrors: (error, request, reply) => sendProblem(request, reply, error, new NestLogger('Http')),
  });
  recordRoutes(adapter.getInstance()); // before any route exists: the OpenAPI test checks that each one is documented
  installObservationBodyLimit(adapter.getInstance()); // before any route exists: observations of whole clusters are large
  const logger = createLogger(config.logLevel, opts.logStream);
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config, logger), adapter, {
    bufferLogs: true,
    bodyParser: false, // the JSON parser is set up below
    logger: opts.logger === false ? false : undefined,
  });
  if (opts.logger !== false) {
    app.useLogger(app.get(Logger));
    app.flushLogs(); // from here on nothing is held back (otherwise only listen() would release the buffer)
  }
  app.useGlobalPipes(createValidationPipe());
  const fastify = app.getHttpAdapter().getInstance();
  installAccessLog(fastify, logger);
  fastify.addHook('onClose', (_instance, done) => logger.flush(() => done()));
  // first: every later hook, guard and service of the request sees its context
  installRequestContext(fastify);
  // second: during a shutdown every new request is answered 503 before any other work
  const shutdown = new ShutdownDrain();
  shutdown.install(fastify);
  app.get(MetricsService).install(fastify, config.metricsToken);
  installResponseMeta(fastify);
  installHeavyRequestGate(fastify, new HeavyRequestGate(config.largePageConcurrency, HeavyRequestGate.MAX_WAITING));
  // before authentication (GraphQL's is a hook too): a flood is cut off before any database lookup
  await installRateLimit(app, config.rateLimitPerMinute, config.workers);
  fastify.addHook('onRequest', async (request, reply) => {
    void reply.header('x-request-id', requestIdOf(request.raw));
  });
  // JSON only (YAML where a route says so): other bodies are 415, not strings to validate.
  // Nesting is bounded before parsing (MAX_BODY_DEPTH): nothing after it has to survive a 100,000-deep body.
  fastify.removeContentTypeParser(['text/plain']);
  // An empty body with a JSON content type (curl -X DELETE -H 'Content-Type: application/json') is no body,
  // not a 400; anything else goes through Fastify's own (prototype-poisoning-safe) JSON parser.
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body === '' && request.method !== 'POST' && request.method !== 'PUT' && request.method !== 'PATCH') return done(null, undefined);
    if (jsonNestsDeeperThan(body as string)) return done(new BodyTooDeepError());
    void parseJson(request, body as string, done);
  });
  installMergePatchParser(fastify);
  installConditionalGet(fastify);
  serveOpenApi(app);
  registerProblemPages(fastify);
  installGraphqlHttp(app);
  installGraphqlIdempotency(app);
  registerConsole(fastify);
  await app.init();
  const generatedAdminToken =
    opts.bootstrapAdmin === false ? undefined : await app.get(TokenService).ensureBootstrapAdmin(config.adminToken);
  return { app, generatedAdminToken, drain: () => shutdown.drain() };
}
