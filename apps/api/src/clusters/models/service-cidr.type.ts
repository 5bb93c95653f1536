import { Field, ID, InputType, ObjectType } from '@nestjs/graphql';
import { CidrAssignment } from '../../graphql/types';
import { CidrEntryInput } from './cluster.type';

@ObjectType('ServiceCidr', {
  description:
    'A ServiceCIDR (networking.k8s.io/v1, Kubernetes 1.33+): ClusterIP space of a cluster. `kubernetes` is the default one, the cluster’s serviceCidrs.',
})
export class ServiceCidrType {
  @Field({ description: 'Object name (a DNS-1123 subdomain).' }) name!: string;
  @Field(() => ID) clusterId!: string;
  @Field({ description: 'True for `kubernetes`, made by kube-apiserver from --service-cluster-ip-range; it cannot be deleted here.' })
  default!: boolean;
  @Field(() => [CidrAssignment], { description: '`spec.cidrs`, at most one per family.' }) cidrs!: CidrAssignment[];
  @Field() createdAt!: Date;
}

@InputType({ description: 'A new ServiceCIDR: its name and one or two CIDRs (one per family), declared or carved from a range.' })
export class CreateServiceCidrInput {
  @Field() name!: string;
  @Field(() => [CidrEntryInput]) cidrs!: CidrEntryInput[];
}
