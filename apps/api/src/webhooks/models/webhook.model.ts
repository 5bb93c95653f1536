import { ApiProperty } from '@nestjs/swagger';
import { EVENT_TYPES } from '../../events/cloud-event';

export class WebhookModel {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'https://hooks.example.com/kipam' }) url!: string;
  @ApiProperty({ enum: EVENT_TYPES, isArray: true, description: 'Event types delivered; empty: every type.' }) eventTypes!: string[];
  @ApiProperty() description!: string;
  @ApiProperty({ description: 'false: deliveries are queued but not sent.' }) enabled!: boolean;
  @ApiProperty() createdAt!: Date;
  @ApiProperty() updatedAt!: Date;
}

export class WebhookPage {
  @ApiProperty({ type: [WebhookModel] }) items!: WebhookModel[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}

export class DeliveryModel {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) webhookId!: string;
  @ApiProperty({ format: 'uuid', description: 'The CloudEvent `id` (also the `webhook-id` header).' }) eventId!: string;
  @ApiProperty({ enum: EVENT_TYPES }) eventType!: string;
  @ApiProperty({ example: 'nodes/8b0c…' }) subject!: string;
  @ApiProperty() eventTime!: Date;
  @ApiProperty({
    enum: ['pending', 'succeeded', 'failed'],
    description: '`failed`: retried for the whole retry window (KIPAM_WEBHOOK_RETRY_HOURS, at least 24 h) without a 2xx answer.',
  })
  state!: string;
  @ApiProperty({ description: 'Attempts made.' }) attempts!: number;
  @ApiProperty({ description: 'When a pending delivery is tried next.' }) nextAttemptAt!: Date;
  @ApiProperty({ type: Date, nullable: true }) lastAttemptAt!: Date | null;
  @ApiProperty({ type: Number, nullable: true, description: 'HTTP status of the last answer; null when there was none.' })
  lastStatus!: number | null;
  @ApiProperty({ type: String, nullable: true, description: 'Why the last attempt failed.' }) lastError!: string | null;
  @ApiProperty({ type: Date, nullable: true }) deliveredAt!: Date | null;
}

export class DeliveryPage {
  @ApiProperty({ type: [DeliveryModel] }) items!: DeliveryModel[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}
