import { ApiProperty } from '@nestjs/swagger';
import { Field, Float, ObjectType } from '@nestjs/graphql';

@ObjectType('ForecastWindow', { description: 'The net allocation rate over a window and where it leads.' })
export class ForecastWindowModel {
  @ApiProperty({ example: 7, description: 'The window: the last 7 or 30 days.' })
  @Field(() => Float)
  days!: number;

  @ApiProperty({ example: 512, description: 'Addresses allocated per day over the window, net of releases (from the audit trail).' })
  @Field(() => Float)
  netAddressesPerDay!: number;

  @ApiProperty({
    type: Number,
    nullable: true,
    example: 93.5,
    description: 'Days until the free space is gone at that rate; null: not at this rate.',
  })
  @Field(() => Float, { nullable: true })
  daysLeft!: number | null;

  @ApiProperty({
    type: String,
    nullable: true,
    example: '2027-03-06',
    description: 'The day (UTC) the space runs out at that rate; null: not at this rate.',
  })
  @Field(() => String, { nullable: true })
  exhaustionDate!: string | null;

  @ApiProperty({ enum: ['exhausts', 'not at this rate'], description: '`not at this rate` when the space did not grow over the window.' })
  @Field()
  projection!: string;
}

@ObjectType('SpaceForecast', { description: 'Use and exhaustion forecast of a range, or of a cluster pod or service CIDR.' })
export class SpaceForecastModel {
  @ApiProperty({ enum: ['range', 'pod', 'service'] })
  @Field()
  kind!: string;

  @ApiProperty({ enum: ['IPv4', 'IPv6'] })
  @Field()
  family!: string;

  @ApiProperty({ example: '10.0.0.0/16' })
  @Field()
  cidr!: string;

  @ApiProperty({ example: '65536', description: 'Addresses (a decimal string: IPv6 counts exceed 2^53).' })
  @Field()
  total!: string;

  @ApiProperty({ example: '61440' })
  @Field()
  free!: string;

  @ApiProperty({ example: 0.0625, format: 'double' })
  @Field(() => Float)
  utilization!: number;

  @ApiProperty({ type: [ForecastWindowModel], description: 'The last 7 days, then the last 30.' })
  @Field(() => [ForecastWindowModel])
  windows!: ForecastWindowModel[];
}

export class RangeForecastModel {
  @ApiProperty({ format: 'uuid' }) rangeId!: string;
  @ApiProperty({ type: SpaceForecastModel }) forecast!: SpaceForecastModel;
}

export class ClusterForecastModel {
  @ApiProperty({ format: 'uuid' }) clusterId!: string;
  @ApiProperty({ type: [SpaceForecastModel], description: 'One per pod and service CIDR (node blocks and ClusterIPs).' })
  spaces!: SpaceForecastModel[];
}
