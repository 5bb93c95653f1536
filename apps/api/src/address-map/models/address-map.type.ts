import { Field, ID, Int, ObjectType } from '@nestjs/graphql';
import { IPFamily } from '../../graphql/types';
import { LeaseHolderType } from '../../leases/models/lease.type';

@ObjectType('AddressMapPool', { description: 'The pool a map draws: a range, or a cluster pod or service CIDR.' })
export class AddressMapPoolType {
  @Field({ description: 'range, cluster_pod or cluster_service' }) kind!: string;
  @Field() cidr!: string;
  @Field(() => IPFamily) family!: IPFamily;
  @Field(() => ID, { nullable: true }) rangeId!: string | null;
  @Field(() => String, { nullable: true }) rangeName!: string | null;
  @Field(() => ID, { nullable: true }) clusterId!: string | null;
  @Field(() => String, { nullable: true }) clusterName!: string | null;
  @Field(() => Int, { nullable: true, description: 'The one prefix length every lease of the pool has; null for a range.' })
  leaseLength!: number | null;
}

@ObjectType('AddressMapInnerPool', { description: "The pool a lease is carved into (a child range, a cluster's CIDR): zoom into it." })
export class AddressMapInnerPoolType {
  @Field({ description: 'range, cluster_pod or cluster_service' }) kind!: string;
  @Field(() => ID, { nullable: true }) rangeId!: string | null;
  @Field(() => ID, { nullable: true }) clusterId!: string | null;
  @Field(() => IPFamily, { nullable: true }) family!: IPFamily | null;
}

@ObjectType('AddressMapLease')
export class AddressMapLeaseType {
  @Field(() => ID) id!: string;
  @Field() cidr!: string;
  @Field() slot!: string;
  @Field(() => LeaseHolderType) holder!: LeaseHolderType;
  @Field({ description: 'A brownfield import accepted despite an overlap (not counted in the cell).' }) overlapAllowed!: boolean;
  @Field(() => AddressMapInnerPoolType, { nullable: true }) innerPool!: AddressMapInnerPoolType | null;
}

@ObjectType('AddressMapCell', { description: 'One cell of a map; counts are decimal strings (IPv6 counts exceed 2^53).' })
export class AddressMapCellType {
  @Field(() => Int, { description: 'Position in the view, 0 to 2^depth - 1, in address order.' }) index!: number;
  @Field() prefix!: string;
  @Field({ description: 'Leased addresses, reservations excepted.' }) leased!: string;
  @Field({ description: 'Reservations and addresses never handed out.' }) reserved!: string;
  @Field() free!: string;
  @Field(() => Int) leaseCount!: number;
  @Field(() => [AddressMapLeaseType], {
    description: 'The first leases of the cell in address order (at most 3), with the pool each became.',
  })
  leases!: AddressMapLeaseType[];
}

@ObjectType('AddressMap', {
  description:
    'A prefix of a pool cut into 2^depth cells, with leased, reserved and free counts and holders per cell. Built from the leases inside the prefix: no address is enumerated.',
})
export class AddressMapType {
  @Field(() => AddressMapPoolType) pool!: AddressMapPoolType;
  @Field() prefix!: string;
  @Field(() => Int) depth!: number;
  @Field(() => Int) cellPrefixLength!: number;
  @Field() total!: string;
  @Field() leased!: string;
  @Field() reserved!: string;
  @Field() free!: string;
  @Field(() => Int) leaseCount!: number;
  @Field(() => AddressMapLeaseType, { nullable: true, description: 'A lease containing the whole prefix.' })
  coveredBy!: AddressMapLeaseType | null;
  @Field(() => [AddressMapCellType], { description: 'The cells holding any lease, in address order; every other cell is free.' })
  cells!: AddressMapCellType[];
}
