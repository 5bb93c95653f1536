import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsBoolean, IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { PageQuery } from '../../common/pagination';
import { EVENT_TYPES } from '../../events/cloud-event';

const URL_DOC =
  'Where events are POSTed: an http:// or https:// URL. Its host must resolve to public addresses only, unless the server allows private ones (KIPAM_WEBHOOK_ALLOW_PRIVATE, KIPAM_WEBHOOK_ALLOW_CIDRS; see docs/security.md).';
const TYPES_DOC = 'Event types delivered; empty or absent: every type.';
const SECRET_DOC =
  'The signing secret, in the Standard Webhooks format: `whsec_` and the base64 of 24 to 64 random bytes (`echo whsec_$(openssl rand -base64 32)`). Write-only: never returned.';

export class CreateWebhookDto {
  @ApiProperty({ example: 'https://hooks.example.com/kipam', description: URL_DOC, maxLength: 2048 })
  @IsString()
  @MaxLength(2048)
  url!: string;

  @ApiPropertyOptional({ enum: EVENT_TYPES, isArray: true, description: TYPES_DOC })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(EVENT_TYPES.length)
  @IsIn(EVENT_TYPES, { each: true })
  eventTypes?: string[];

  @ApiProperty({ example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', description: SECRET_DOC, writeOnly: true })
  @IsString()
  @MaxLength(100)
  secret!: string;

  @ApiPropertyOptional({ maxLength: 1024 })
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  description?: string;

  @ApiPropertyOptional({ description: 'false pauses deliveries (they are still queued). Default true.' })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;
}

export class UpdateWebhookDto {
  @ApiPropertyOptional({ description: URL_DOC, maxLength: 2048 })
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  url?: string;

  @ApiPropertyOptional({ enum: EVENT_TYPES, isArray: true, description: TYPES_DOC })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(EVENT_TYPES.length)
  @IsIn(EVENT_TYPES, { each: true })
  eventTypes?: string[];

  @ApiPropertyOptional({ description: `A new secret (rotation). ${SECRET_DOC}`, writeOnly: true })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  secret?: string;

  @ApiPropertyOptional({ maxLength: 1024 })
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  description?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;
}

export class ListWebhooksQuery extends PageQuery {}

export class ListDeliveriesQuery extends PageQuery {
  @ApiPropertyOptional({ enum: ['pending', 'succeeded', 'failed'] })
  @IsOptional()
  @IsIn(['pending', 'succeeded', 'failed'])
  state?: 'pending' | 'succeeded' | 'failed';
}
