/** Shapes of the API answers the console reads (the public REST and GraphQL schemas). */

export type Family = 'IPv4' | 'IPv6';
export type Role = 'reader' | 'writer' | 'admin';
export type HolderKind = 'range' | 'cluster' | 'node' | 'service' | 'reservation' | 'system';

export interface Viewer {
  id: string;
  name: string;
  role: Role;
  clusters: string[];
}

export interface Usage {
  total: string;
  leased: string;
  reserved: string;
  free: string;
  utilization: number;
  leaseCount: number;
  largestFreePrefix: string | null;
}

export interface RangeSummary {
  id: string;
  name: string;
  cidr: string;
  family: Family;
  purpose: 'pod' | 'service' | 'any';
  parentId: string | null;
  domainId: string;
  defaultPrefixLength: number | null;
  usage: Usage;
}

export interface CidrAssignment {
  family: Family;
  cidr: string;
}

export interface ClusterSummary {
  id: string;
  name: string;
  domainId: string;
  stack: 'IPv4' | 'IPv6' | 'DualStack';
  ipFamilies: Family[];
  kubernetesVersion: string | null;
  podCidrs: CidrAssignment[];
  serviceCidrs: CidrAssignment[];
}

export interface ConflictSide {
  kind: string;
  cidr: string;
  clusterId: string | null;
  clusterName: string | null;
  rangeId: string | null;
}

export interface Conflict {
  domain: string;
  relation: 'identical' | 'contains' | 'within';
  a: ConflictSide;
  b: ConflictSide;
}

export interface Domain {
  id: string;
  name: string;
  description: string;
}

export interface LeaseHolder {
  kind: HolderKind;
  id: string;
  name: string;
  clusterId: string | null;
  clusterName: string | null;
  namespace: string | null;
}

export interface InnerPool {
  kind: 'range' | 'cluster_pod' | 'cluster_service';
  rangeId: string | null;
  clusterId: string | null;
  family: Family | null;
}

export interface MapLease {
  id: string;
  cidr: string;
  slot: string;
  holder: LeaseHolder;
  overlapAllowed: boolean;
  innerPool: InnerPool | null;
}

export interface MapCell {
  index: number;
  prefix: string;
  leased: string;
  reserved: string;
  free: string;
  leaseCount: number;
  leases: MapLease[];
}

export interface AddressMap {
  pool: {
    kind: 'range' | 'cluster_pod' | 'cluster_service';
    cidr: string;
    family: Family;
    rangeId: string | null;
    rangeName: string | null;
    clusterId: string | null;
    clusterName: string | null;
    leaseLength: number | null;
  };
  prefix: string;
  depth: number;
  cellPrefixLength: number;
  total: string;
  leased: string;
  reserved: string;
  free: string;
  leaseCount: number;
  coveredBy: MapLease | null;
  cells: MapCell[];
}

export interface Lease {
  id: string;
  cidr: string;
  family: Family;
  slot: string;
  holder: LeaseHolder;
  pool: { kind: string; cidr: string; rangeId: string | null; rangeName: string | null; clusterId: string | null };
  overlapAllowed: boolean;
  createdAt: string;
}

export interface WhoIs {
  address: string;
  family: Family;
  leases: Lease[];
  nodeAddresses: { nodeId: string; nodeName: string; clusterId: string; clusterName: string; type: string; address: string }[];
  clusterCidrs: ClusterCidrOwner[];
  nodeLocal: NodeLocalOwner[];
  nodeLocalMore: boolean;
}

/** A cluster pod or service CIDR containing an address; rangeId null when declared outside every range. */
export interface ClusterCidrOwner {
  clusterId: string;
  clusterName: string;
  domainName: string;
  kind: string;
  family: Family;
  cidr: string;
  rangeId: string | null;
  rangeName: string | null;
}

/** A cluster whose node-local egress range holds an address. */
export interface NodeLocalOwner {
  clusterId: string;
  clusterName: string;
  domain: string;
  cidr: string;
  description: string;
}

export interface LabelSelector {
  matchLabels: Record<string, string> | null;
  matchExpressions: { key: string; operator: string; values: string[] | null }[] | null;
}

export interface PodPoolDetail {
  name: string;
  family: Family;
  cidr: string;
  nodeMaskSize: number;
  order: number;
  isDefault: boolean;
  nodeBlocksTotal: string;
  nodeSelector: LabelSelector | null;
}

export interface ServiceCidrResource {
  name: string;
  default: boolean;
  cidrs: CidrAssignment[];
}

export interface FamilyCapacity {
  family: string;
  podCidr: string;
  nodeMaskSize: number;
  nodeBlocksTotal: string;
  nodeBlocksUsed: string;
  nodeBlocksFree: string;
  podAddressesPerNode: string;
}

export interface ClusterNode {
  id: string;
  name: string;
  podCidrs: CidrAssignment[];
  addresses: { type: string; address: string }[];
  labels: Record<string, string>;
  createdAt: string;
}

export interface ClusterService {
  id: string;
  namespace: string;
  name: string;
  type: string;
  headless: boolean;
  ipFamilyPolicy: string | null;
  ipFamilies: Family[];
  clusterIP: string | null;
  clusterIPs: { family: Family; address: string }[];
}

export interface AuditRecord {
  id: string;
  at: string;
  actor: string;
  action: string;
  resource: string;
  resourceId: string;
  requestId: string | null;
}

export interface ClusterDetail extends ClusterSummary {
  domain: { id: string; name: string };
  labels: Record<string, string>;
  nodeMaskSizeIPv4: number;
  nodeMaskSizeIPv6: number;
  profile: string | null;
  nodeLocalCidrs: string[];
  ulaPrefix: string | null;
  podPools: PodPoolDetail[];
  serviceCidrResources: ServiceCidrResource[];
  allowConflicts: boolean;
  createdAt: string;
  capacity: { maxNodes: string; families: FamilyCapacity[]; pools: { name: string; nodeBlocksFree: string; nodeBlocksTotal: string }[] };
  config: { text: string; kubeadmNetworking: { podSubnet: string; serviceSubnet: string } };
  nodes: { nodes: ClusterNode[]; pageInfo: { hasNextPage: boolean } };
  services: { nodes: ClusterService[]; pageInfo: { hasNextPage: boolean } };
}
