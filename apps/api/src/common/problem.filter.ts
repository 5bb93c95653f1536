import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { toProblem } from './problem';
import { requestIdOf } from './request-id';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** Renders every error of an HTTP request as RFC 9457 problem+json. */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('Problem');

  catch(error: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw error; // GraphQL errors are formatted by the GraphQL module
    const http = host.switchToHttp();
    sendProblem(http.getRequest<FastifyRequest>(), http.getResponse<FastifyReply>(), error, this.logger);
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
