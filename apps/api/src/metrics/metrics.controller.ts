import { Controller, Get, Header, Inject, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Public } from '../common/public.decorator';
import { MetricsService } from './metrics.service';

/**
 * Prometheus exposition. Public like /healthz: scrapers rarely carry tokens,
 * and it holds counts and range/cluster names, never addresses or secrets.
 * Keep the port off the internet (or scrape through a proxy) if names matter.
 */
@ApiExcludeController()
@Public()
@Controller()
export class MetricsController {
  constructor(@Inject(MetricsService) private readonly metrics: MetricsService) {}

  @Get('metrics')
  @Header('cache-control', 'no-store')
  async scrape(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    // ?name[]=a&name[]=b: only those families (as Prometheus client libraries accept)
    const asked = (request.query as Record<string, unknown> | undefined)?.['name[]'];
    const names = (Array.isArray(asked) ? asked : asked === undefined ? [] : [asked]).filter((n): n is string => typeof n === 'string');
    const body = await this.metrics.scrape(names);
    void reply.type(this.metrics.contentType);
    return body;
  }
}
