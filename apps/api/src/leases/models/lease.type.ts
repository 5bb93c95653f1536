import { Field, ID, ObjectType } from '@nestjs/graphql';
import { HolderKind, IPFamily } from '../../graphql/types';

@ObjectType('LeaseHolder')
export class LeaseHolderType {
  @Field(() => HolderKind) kind!: HolderKind;
  @Field(() => ID) id!: string;
  @Field() name!: string;
  @Field(() => ID, { nullable: true }) clusterId!: string | null;
  @Field(() => String, { nullable: true }) clusterName!: string | null;
  @Field(() => String, { nullable: true }) namespace!: string | null;
}

@ObjectType('LeasePool', { description: 'Where a lease was taken from: a range, or a cluster pod/service CIDR.' })
export class LeasePoolType {
  @Field() kind!: string;
  @Field() cidr!: string;
  @Field(() => ID, { nullable: true }) rangeId!: string | null;
  @Field(() => String, { nullable: true }) rangeName!: string | null;
  @Field(() => ID, { nullable: true }) clusterId!: string | null;
  @Field(() => String, { nullable: true, description: "For a node block: the cluster's pod pool (default-ipv4/-ipv6: its own pod CIDR)." })
  podPool!: string | null;
  @Field(() => ID, { nullable: true }) domainId!: string | null;
}

@ObjectType('Lease', { description: 'One allocated block or address.' })
export class LeaseType {
  @Field(() => ID) id!: string;
  @Field() cidr!: string;
  @Field(() => IPFamily) family!: IPFamily;
  @Field() slot!: string;
  @Field(() => LeaseHolderType) holder!: LeaseHolderType;
  @Field(() => LeasePoolType) pool!: LeasePoolType;
  @Field() overlapAllowed!: boolean;
  @Field() createdAt!: Date;
}

@ObjectType('NodeAddressOwner')
export class NodeAddressOwnerType {
  @Field(() => ID) nodeId!: string;
  @Field() nodeName!: string;
  @Field(() => ID) clusterId!: string;
  @Field() clusterName!: string;
  @Field() type!: string;
  @Field() address!: string;
}

@ObjectType('NodeLocalOwner', { description: 'A cluster whose node-local range holds the address, on every node of it.' })
export class NodeLocalOwnerType {
  @Field(() => ID) clusterId!: string;
  @Field() clusterName!: string;
  @Field(() => ID) domainId!: string;
  @Field() domain!: string;
  @Field() cidr!: string;
  @Field({ description: '"node-local egress range of cluster X, on every node".' }) description!: string;
}

@ObjectType('ClusterCidrOwner', {
  description: "A cluster's pod or service CIDR containing the address (carved from a range, or declared).",
})
export class ClusterCidrOwnerType {
  @Field(() => ID) clusterId!: string;
  @Field() clusterName!: string;
  @Field(() => ID) domainId!: string;
  @Field() domainName!: string;
  @Field({ description: 'pod, service or pod_pool' }) kind!: string;
  @Field(() => IPFamily) family!: IPFamily;
  @Field() cidr!: string;
  @Field(() => ID, { nullable: true, description: 'The range it was leased from; null when declared outside every range.' }) rangeId!:
    string | null;
  @Field(() => String, { nullable: true }) rangeName!: string | null;
  @Field(() => ID, { nullable: true, description: 'Its lease in that range (also in leases); null when declared outside every range.' })
  leaseId!: string | null;
}

@ObjectType('WhoIs')
export class WhoIsType {
  @Field() address!: string;
  @Field(() => IPFamily) family!: IPFamily;
  @Field(() => [LeaseType], { description: 'Every lease containing the address, largest block first, across all clusters and domains.' })
  leases!: LeaseType[];
  @Field(() => [NodeAddressOwnerType], { description: 'Nodes reporting the address.' }) nodeAddresses!: NodeAddressOwnerType[];
  @Field(() => [NodeLocalOwnerType], {
    description: 'Clusters whose node-local range holds the address (no lease, never a conflict); at most 100, in cluster name order.',
  })
  nodeLocal!: NodeLocalOwnerType[];
  @Field({ description: 'More clusters than those listed hold it in a node-local range.' }) nodeLocalMore!: boolean;
  @Field(() => [ClusterCidrOwnerType], {
    description:
      'Every cluster pod or service CIDR containing the address, largest first: also those declared outside every range, which hold no lease.',
  })
  clusterCidrs!: ClusterCidrOwnerType[];
}
