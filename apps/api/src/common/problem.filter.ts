import { ArgumentsHost, Catch, ExceptionFilter, Inject, Logger, Optional } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { toProblem } from './problem';
import { requestIdOf } from './request-id';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/**
 * Errors that need a database read before they can be told: who holds a
 * taken block (the failed transaction cannot be asked). A feature provides it
 * (the leases feature); the filter waits for it, then renders as usual.
 */
export abstract class ErrorDescriber {
  /** The error to render in place of `error`, or undefined when it needs no description. */
  abstract describe(error: unknown): Promise<unknown> | undefined;
}

/**
 * Renders every error of an HTTP request as RFC 9457 problem+json; GraphQL
 * errors go on to the GraphQL module's formatter (graphql/errors.ts), which
 * builds the same problem (toProblem).
 */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('Problem');

  constructor(@Optional() @Inject(ErrorDescriber) private readonly describer?: ErrorDescriber) {}

  catch(error: unknown, host: ArgumentsHost): Promise<never> | void {
    // a description that cannot be read (the database is away) leaves the error as it was
    const described = this.describer?.describe(error)?.catch(() => error);
    if (host.getType() !== 'http') {
      if (!described) throw error;
      return described.then((e) => {
        throw e;
      });
    }
    const http = host.switchToHttp();
    const send = (e: unknown) => sendProblem(http.getRequest<FastifyRequest>(), http.getResponse<FastifyReply>(), e, this.logger);
    if (described) void described.then(send);
    else send(error);
  }
}

export function sendProblem(request: FastifyRequest, reply: FastifyReply, error: unknown, logger: Pick<Logger, 'error'>): void {
  const { problem, headers, unexpected } = toProblem(error);
  const requestId = requestIdOf(request.raw);
  if (unexpected) logger.error({ err: error, requestId }, error instanceof Error ? error.stack : String(error));
  if (reply.sent) return;
  void reply
    .status(problem.status)
    .headers({ ...headers, 'content-type': PROBLEM_CONTENT_TYPE, 'x-request-id': requestId })
    .send({ ...problem, instance: request.url.split('?')[0], requestId });
}
