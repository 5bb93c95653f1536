import { Controller, Get, Header, Inject, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
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
  async scrape(@Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    const body = await this.metrics.scrape();
    void reply.type(this.metrics.contentType);
    return body;
  }
}
