import { Field, ID, ObjectType } from '@nestjs/graphql';
import { ConflictType } from '../../clusters/models/cluster.type';
import { RangeType } from '../../ranges/models/range.type';
import { CidrRelation, Connection, IPFamily } from '../../graphql/types';

@ObjectType('Collision', { description: 'Something a checked CIDR overlaps.' })
export class CollisionType {
  @Field({ description: 'pod, service, pod_pool (an extra pod pool of the cluster), node or reservation' }) kind!: string;
  @Field() cidr!: string;
  @Field(() => CidrRelation, { description: 'How the checked CIDR relates to this one.' }) relation!: CidrRelation;
  @Field(() => ID, { nullable: true }) clusterId!: string | null;
  @Field(() => String, { nullable: true }) clusterName!: string | null;
  @Field(() => ID, { nullable: true }) rangeId!: string | null;
  @Field(() => String, { nullable: true }) rangeName!: string | null;
  @Field(() => ID, { nullable: true }) reservationId!: string | null;
  @Field(() => ID, { nullable: true }) nodeId!: string | null;
  @Field(() => String, { nullable: true }) nodeName!: string | null;
}

@ObjectType('CidrCheck')
export class CidrCheckType {
  @Field() cidr!: string;
  @Field(() => IPFamily) family!: IPFamily;
  @Field() domain!: string;
  @Field({ description: 'Nothing collides and the block is free in its range (if inside one).' }) available!: boolean;
  @Field(() => RangeType, { nullable: true, description: 'The range it would be leased from.' }) range!: RangeType | null;
  @Field(() => Boolean, { nullable: true }) freeInRange!: boolean | null;
  @Field(() => [CollisionType]) collisions!: CollisionType[];
}

export const ConflictConnection = Connection(ConflictType, 'Conflict');
