import { Field, Float, ID, InputType, Int, ObjectType } from '@nestjs/graphql';
import { Connection, IPFamily, LabelsScalar, RangePurpose } from '../../graphql/types';

@ObjectType('RangeUsage', { description: 'Counts are decimal strings: IPv6 counts exceed 2^53.' })
export class RangeUsageType {
  @Field() total!: string;
  @Field({ description: 'Leased addresses: clusters, child ranges and reservations.' }) leased!: string;
  @Field() reserved!: string;
  @Field() free!: string;
  @Field(() => Float) utilization!: number;
  @Field(() => String, { nullable: true }) largestFreePrefix!: string | null;
  @Field(() => Int, { nullable: true }) largestFreePrefixLength!: number | null;
  @Field(() => Int) leaseCount!: number;
}

@ObjectType('Reservation')
export class ReservationType {
  @Field(() => ID) id!: string;
  @Field(() => ID) rangeId!: string;
  @Field() cidr!: string;
  @Field(() => IPFamily) family!: IPFamily;
  @Field() reason!: string;
  @Field() createdAt!: Date;
}

@ObjectType('Range', { description: 'A parent block owned by the authority, carved into cluster CIDRs.' })
export class RangeType {
  @Field(() => ID) id!: string;
  @Field() name!: string;
  @Field() cidr!: string;
  @Field(() => IPFamily) family!: IPFamily;
  @Field(() => ID) domainId!: string;
  @Field(() => ID, { nullable: true }) parentId!: string | null;
  @Field(() => RangePurpose) purpose!: RangePurpose;
  @Field(() => Int, { nullable: true }) minPrefixLength!: number | null;
  @Field(() => Int, { nullable: true }) maxPrefixLength!: number | null;
  @Field(() => Int, { nullable: true }) defaultPrefixLength!: number | null;
  @Field(() => LabelsScalar) labels!: Record<string, string>;
  @Field() description!: string;
  @Field(() => Float, { description: 'Utilisation (0–1) of level `warning` (default 0.8).' }) warnAt!: number;
  @Field(() => Float, { description: 'Utilisation (0–1) of level `critical` (default 0.95).' }) criticalAt!: number;
  @Field({ description: '`ok`, `warning` or `critical`: the level last announced by capacity.threshold-crossed.' }) capacityLevel!: string;
  @Field() createdAt!: Date;
  @Field() updatedAt!: Date;
}

export const RangeConnection = Connection(RangeType, 'Range');

@InputType()
export class RangeFilter {
  @Field({ nullable: true }) name?: string;
  @Field({ nullable: true, description: 'Domain id or name.' }) domain?: string;
  @Field(() => [String], { nullable: true, description: 'Label selector requirements (key=value, key!=value, key, !key), all must hold.' })
  labels?: string[];
  @Field(() => IPFamily, { nullable: true }) family?: IPFamily;
  @Field(() => RangePurpose, { nullable: true }) purpose?: RangePurpose;
  @Field(() => ID, { nullable: true }) parent?: string;
}

@InputType()
export class CreateRangeInput {
  @Field() name!: string;
  @Field() cidr!: string;
  @Field({ nullable: true }) domain?: string;
  @Field({ nullable: true }) parent?: string;
  @Field(() => RangePurpose, { nullable: true }) purpose?: RangePurpose;
  @Field(() => Int, { nullable: true }) minPrefixLength?: number;
  @Field(() => Int, { nullable: true }) maxPrefixLength?: number;
  @Field(() => Int, { nullable: true }) defaultPrefixLength?: number;
  @Field(() => LabelsScalar, { nullable: true }) labels?: Record<string, string>;
  @Field({ nullable: true }) description?: string;
  @Field(() => Float, { nullable: true, description: 'Utilisation (0–1) of level `warning`; default 0.8.' }) warnAt?: number;
  @Field(() => Float, { nullable: true, description: 'Utilisation (0–1) of level `critical`; default 0.95.' }) criticalAt?: number;
}

@InputType()
export class CreateReservationInput {
  @Field(() => ID) rangeId!: string;
  @Field() cidr!: string;
  @Field({ nullable: true }) reason?: string;
}

@InputType({ description: 'The mutable fields of a range (name, CIDR, domain, parent, purpose and prefix lengths are immutable).' })
export class UpdateRangeInput {
  @Field(() => LabelsScalar, { nullable: true, description: 'Replaces the labels; null clears them.' }) labels?: Record<string, string>;
  @Field({ nullable: true, description: 'null clears it.' }) description?: string;
  @Field(() => Float, { nullable: true, description: 'Utilisation (0–1) of level `warning`; null restores the default 0.8.' })
  warnAt?: number;
  @Field(() => Float, { nullable: true, description: 'Utilisation (0–1) of level `critical`; null restores the default 0.95.' })
  criticalAt?: number;
}

@InputType({ description: 'The mutable fields of a reservation (its CIDR is immutable).' })
export class UpdateReservationInput {
  @Field({ nullable: true, description: 'null clears it.' }) reason?: string;
}
