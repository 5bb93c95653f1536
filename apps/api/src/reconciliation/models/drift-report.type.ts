import { Field, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { JSONScalar } from '../../audit/models/audit.type';

export enum ObservationApply {
  adopt = 'adopt',
  release = 'release',
}
registerEnumType(ObservationApply, {
  name: 'ObservationApply',
  description: 'adopt: record what the cluster runs (unmanaged, mismatched); release: free the leases of leaked records.',
});

@ObjectType('DriftCounts')
export class DriftCountsType {
  @Field(() => Int) inSync!: number;
  @Field(() => Int) unmanaged!: number;
  @Field(() => Int) leaked!: number;
  @Field(() => Int) mismatched!: number;
  @Field(() => Int) conflicting!: number;
}

@ObjectType('DriftItem', { description: 'One object of the cluster or record of Kipam, and how they compare.' })
export class DriftItemType {
  @Field({ description: 'Node, Service, ServiceCIDR or ClusterConfiguration.' }) kind!: string;
  @Field(() => String, { nullable: true }) namespace!: string | null;
  @Field() name!: string;
  @Field({ description: 'in-sync, unmanaged, leaked, mismatched or conflicting.' }) status!: string;
  @Field(() => JSONScalar, { nullable: true, description: "Kipam's record." }) kipam!: unknown;
  @Field(() => JSONScalar, { nullable: true, description: 'What the cluster runs.' }) observed!: unknown;
  @Field(() => [String]) differences!: string[];
  @Field({ description: 'Whether adopt (unmanaged, mismatched) or release (leaked) acts on it.' }) actionable!: boolean;
  @Field(() => String, { nullable: true, description: 'adopted or released: what this request did.' }) action!: string | null;
  @Field(() => String, { nullable: true }) note!: string | null;
  @Field(() => String, { nullable: true, description: 'Where the object is in the observation (items[3]).' }) at!: string | null;
}

@ObjectType('IgnoredObject', { description: 'An object of a kind Kipam does not compare.' })
export class IgnoredObjectType {
  @Field() at!: string;
  @Field(() => String, { nullable: true }) apiVersion!: string | null;
  @Field(() => String, { nullable: true }) kind!: string | null;
  @Field(() => String, { nullable: true }) namespace!: string | null;
  @Field(() => String, { nullable: true }) name!: string | null;
}

@ObjectType('DriftReport', { description: "A cluster's live state against Kipam's records (POST /v1/clusters/{id}/observations)." })
export class DriftReportType {
  @Field() clusterId!: string;
  @Field({ description: "The observation's digest, the reason in the audit records of what it changed." }) observation!: string;
  @Field(() => ObservationApply, { nullable: true, description: 'null for a dry run, which changes nothing.' })
  applied!: ObservationApply | null;
  @Field(() => DriftCountsType) counts!: DriftCountsType;
  @Field(() => Int) adopted!: number;
  @Field(() => Int) released!: number;
  @Field(() => [DriftItemType]) items!: DriftItemType[];
  @Field(() => [IgnoredObjectType]) ignored!: IgnoredObjectType[];
}
