import { Field, ID, InputType, ObjectType } from '@nestjs/graphql';
import { AddressAssignment, Connection, IPFamily, IPFamilyPolicy, LabelsScalar } from '../../graphql/types';

@ObjectType('Service', { description: 'A Kubernetes Service and its ClusterIPs, as kube-apiserver assigns them.' })
export class ServiceType {
  @Field(() => ID) id!: string;
  @Field(() => ID) clusterId!: string;
  @Field() namespace!: string;
  @Field() name!: string;
  @Field({ description: 'ClusterIP, NodePort, LoadBalancer or ExternalName' }) type!: string;
  @Field(() => LabelsScalar, { nullable: true }) selector!: Record<string, string> | null;
  @Field(() => String, { nullable: true, description: '`spec.clusterIP`: always clusterIPs[0]; "None" when headless.' }) clusterIP!:
    string | null;
  @Field(() => [AddressAssignment], { description: '`spec.clusterIPs` with their families, in ipFamilies order (empty when headless).' })
  clusterIPs!: AddressAssignment[];
  @Field(() => [IPFamily]) ipFamilies!: IPFamily[];
  @Field(() => IPFamilyPolicy, { nullable: true }) ipFamilyPolicy!: IPFamilyPolicy | null;
  @Field() headless!: boolean;
  @Field(() => LabelsScalar) labels!: Record<string, string>;
  @Field() createdAt!: Date;
  @Field() updatedAt!: Date;
}

export const ServiceConnection = Connection(ServiceType, 'Service');

@InputType()
export class CreateServiceInput {
  @Field() namespace!: string;
  @Field() name!: string;
  @Field({ nullable: true }) type?: string;
  @Field(() => LabelsScalar, { nullable: true }) selector?: Record<string, string>;
  @Field({ nullable: true, description: 'A specific address, or "None" for a headless Service.' }) clusterIP?: string;
  @Field(() => [String], { nullable: true }) clusterIPs?: string[];
  @Field(() => IPFamilyPolicy, { nullable: true }) ipFamilyPolicy?: IPFamilyPolicy;
  @Field(() => [IPFamily], { nullable: true }) ipFamilies?: IPFamily[];
  @Field(() => LabelsScalar, { nullable: true }) labels?: Record<string, string>;
}

@InputType({
  description:
    'The mutable fields of a Service, as PATCH takes them: single to dual adds the missing family, dual to SingleStack releases the secondary ClusterIP; namespace, name, ClusterIPs and the primary family are immutable.',
})
export class UpdateServiceInput {
  @Field(() => LabelsScalar, { nullable: true, description: 'Replaces the labels; null clears them.' }) labels?: Record<string, string>;
  @Field(() => LabelsScalar, { nullable: true, description: 'Replaces the selector; null or {} for none.' }) selector?: Record<
    string,
    string
  >;
  @Field({ nullable: true }) type?: string;
  @Field(() => IPFamilyPolicy, { nullable: true }) ipFamilyPolicy?: IPFamilyPolicy;
  @Field(() => [IPFamily], { nullable: true }) ipFamilies?: IPFamily[];
}
