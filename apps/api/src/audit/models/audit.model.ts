import { ApiProperty } from '@nestjs/swagger';

export class AuditRecordModel {
  @ApiProperty({ example: '42', description: 'Increasing with insertion.' }) id!: string;
  @ApiProperty({ description: 'When the change was made (its transaction).' }) at!: Date;
  @ApiProperty({ example: 'ci-writer', description: 'Name of the token that made the change; `system` outside requests.' })
  actor!: string;
  @ApiProperty({ enum: ['create', 'update', 'delete', 'issue', 'revoke'] }) action!: string;
  @ApiProperty({ enum: ['domain', 'range', 'reservation', 'cluster', 'pod-pool', 'node', 'service', 'service-cidr', 'token', 'webhook'] })
  resource!: string;
  @ApiProperty() resourceId!: string;
  @ApiProperty({ type: String, nullable: true, format: 'uuid' }) clusterId!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'The X-Request-Id of the change.' }) requestId!: string | null;
  @ApiProperty({ type: Object, nullable: true, description: 'The resource before the change (as the API returned it).' })
  before!: unknown;
  @ApiProperty({ type: Object, nullable: true, description: 'The resource after the change.' }) after!: unknown;
  @ApiProperty({
    type: String,
    nullable: true,
    example: 'adopted from observation sha256:3f1c2a9b0d4e5f60',
    description: 'Why, beyond the request itself: the observation a reconciliation adopted or released from; null otherwise.',
  })
  reason!: string | null;
}

export class AuditPage {
  @ApiProperty({ type: [AuditRecordModel] }) items!: AuditRecordModel[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}
