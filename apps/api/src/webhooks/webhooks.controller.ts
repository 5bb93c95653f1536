import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Patch, Post, Query } from '@nestjs/common';
import { NotFoundError } from '../common/errors';
import {
  ApiAcceptedResponse,
  ApiParam,
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiHeader,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { ApiProblems, CREATED_HEADERS, ETAG_HEADERS, IF_MATCH_HEADER } from '../common/api-docs';
import { Idempotent } from '../common/idempotency';
import { MergePatchable } from '../common/merge-patch';
import { IfMatch } from '../common/response-meta';
import { CreateWebhookDto, ListDeliveriesQuery, ListWebhooksQuery, UpdateWebhookDto } from './dto/webhook.dto';
import { DeliveryModel, DeliveryPage, WebhookModel, WebhookPage } from './models/webhook.model';
import { WebhooksService } from './webhooks.service';

/**
 * `POST …/deliveries/{deliveryId}:redeliver` (a custom method, AIP-136). The
 * router cannot end a parameter at a colon, so the segment is one parameter,
 * split here.
 */
export const REDELIVER_ROUTE = ':webhookId/deliveries/:deliveryAction';

/** Webhooks: admin tokens only (the auth guard enforces it). */
@ApiTags('webhooks')
@ApiBearerAuth()
@Controller('v1/webhooks')
export class WebhooksController {
  constructor(@Inject(WebhooksService) private readonly service: WebhooksService) {}

  @Post()
  @Idempotent()
  @ApiOperation({
    summary: 'Subscribe a URL to events',
    description:
      'Events (CloudEvents 1.0 JSON, `application/cloudevents+json`) are POSTed to the URL, signed as Standard Webhooks specify (`webhook-id`, `webhook-timestamp`, `webhook-signature`: HMAC-SHA256 with the secret), at least once and in order per subject. A delivery not answered with a 2xx is retried with exponential backoff and jitter for at least 24 hours, then marked failed. The URL is refused (422) when its host resolves to a loopback, link-local or private address, unless the server allows them.',
  })
  @ApiCreatedResponse({ type: WebhookModel, headers: CREATED_HEADERS })
  @ApiProblems({ 403: ['forbidden'] })
  create(@Body() dto: CreateWebhookDto): Promise<WebhookModel> {
    return this.service.create(dto);
  }

  @Get()
  @ApiOperation({ summary: 'List webhooks' })
  @ApiOkResponse({ type: WebhookPage })
  @ApiProblems({ 403: ['forbidden'] })
  list(@Query() query: ListWebhooksQuery) {
    return this.service.list(query);
  }

  @Get(':webhookId')
  @ApiOperation({ summary: 'Read a webhook (never its secret)' })
  @ApiOkResponse({ type: WebhookModel, headers: ETAG_HEADERS })
  @ApiProblems({ 403: ['forbidden'], 404: ['not-found'] })
  get(@Param('webhookId') id: string): Promise<WebhookModel> {
    return this.service.get(id);
  }

  @MergePatchable()
  @Patch(':webhookId')
  @ApiHeader(IF_MATCH_HEADER)
  @ApiOperation({ summary: 'Change a webhook', description: 'A new `secret` rotates it: deliveries from then on are signed with it.' })
  @ApiOkResponse({ type: WebhookModel, headers: ETAG_HEADERS })
  @ApiProblems({ 403: ['forbidden'], 404: ['not-found'], 412: ['precondition-failed'] })
  update(@Param('webhookId') id: string, @Body() dto: UpdateWebhookDto, @IfMatch() ifMatch?: string): Promise<WebhookModel> {
    return this.service.update(id, dto, ifMatch);
  }

  @Delete(':webhookId')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a webhook' })
  @ApiHeader(IF_MATCH_HEADER)
  @ApiNoContentResponse({ description: 'Deleted, with its deliveries (pending ones are not sent).' })
  @ApiProblems({ 403: ['forbidden'], 404: ['not-found'], 412: ['precondition-failed'] })
  delete(@Param('webhookId') id: string, @IfMatch() ifMatch?: string): Promise<void> {
    return this.service.delete(id, ifMatch);
  }

  @Get(':webhookId/deliveries')
  @ApiOperation({
    summary: 'Deliveries of a webhook, newest event first',
    description: 'Filter with `state=failed` to find what needs a redelivery.',
  })
  @ApiOkResponse({ type: DeliveryPage })
  @ApiProblems({ 403: ['forbidden'], 404: ['not-found'] })
  deliveries(@Param('webhookId') id: string, @Query() query: ListDeliveriesQuery) {
    return this.service.deliveries(id, query);
  }

  @Post(REDELIVER_ROUTE)
  @HttpCode(202)
  @ApiOperation({
    summary: 'Send a delivery again',
    description: 'Queues the delivery at once with a fresh retry window, whatever its state (a failed one, or one to send once more).',
  })
  @ApiAcceptedResponse({ type: DeliveryModel })
  @ApiProblems({ 403: ['forbidden'], 404: ['not-found'] })
  @ApiParam({
    name: 'deliveryAction',
    description: 'The delivery id and `:redeliver`.',
    example: '1b4e28ba-2fa1-4d3b-a3f5-ef19b5a7633b:redeliver',
  })
  redeliver(@Param('webhookId') id: string, @Param('deliveryAction') deliveryAction: string): Promise<DeliveryModel> {
    const [deliveryId, action] = deliveryAction.split(':');
    if (action !== 'redeliver') throw new NotFoundError('route', `POST /v1/webhooks/${id}/deliveries/${deliveryAction}`);
    return this.service.redeliver(id, deliveryId);
  }
}
