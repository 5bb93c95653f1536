/**
 * The GraphQL documents the console sends. Each stays well inside the API's
 * limits (depth 10, complexity 50,000: `first` multiplies the cost of what a
 * connection holds), so lists ask for what a page shows.
 */

export const OVERVIEW = `query Overview {
  domains(first: 100) { nodes { id name description } }
  ranges(first: 500) {
    nodes { id name cidr family purpose parentId domainId defaultPrefixLength
      usage { total leased reserved free utilization leaseCount largestFreePrefix } }
    pageInfo { hasNextPage }
  }
  clusters(first: 500) {
    nodes { id name domainId stack ipFamilies kubernetesVersion podCidrs { family cidr } serviceCidrs { family cidr } }
    pageInfo { hasNextPage }
  }
  conflicts(first: 200) {
    nodes {
      domain relation
      a { kind cidr clusterId clusterName rangeId }
      b { kind cidr clusterId clusterName rangeId }
    }
  }
}`;

export const CLUSTER = `query Cluster($id: ID!) {
  cluster(id: $id) {
    id name domainId stack ipFamilies kubernetesVersion labels allowConflicts createdAt
    nodeMaskSizeIPv4 nodeMaskSizeIPv6 profile nodeLocalCidrs ulaPrefix
    domain { id name }
    podPools {
      name family cidr nodeMaskSize order isDefault nodeBlocksTotal
      nodeSelector { matchLabels matchExpressions { key operator values } }
    }
    serviceCidrResources { name default cidrs { family cidr } }
    podCidrs { family cidr }
    serviceCidrs { family cidr }
    capacity {
      maxNodes
      families { family podCidr nodeMaskSize nodeBlocksTotal nodeBlocksUsed nodeBlocksFree podAddressesPerNode }
      pools { name nodeBlocksFree nodeBlocksTotal }
    }
    config { text kubeadmNetworking { podSubnet serviceSubnet } }
    nodes(first: 500) { nodes { id name labels createdAt podCidrs { family cidr } addresses { type address } } pageInfo { hasNextPage } }
    services(first: 500) {
      nodes { id namespace name type headless ipFamilyPolicy ipFamilies clusterIP clusterIPs { family address } }
      pageInfo { hasNextPage }
    }
  }
  conflicts(clusterId: $id, first: 200) {
    nodes { domain relation a { kind cidr clusterId clusterName rangeId } b { kind cidr clusterId clusterName rangeId } }
  }
}`;

export const CLUSTER_AUDIT = `query ClusterAudit($id: ID!) {
  audit(filter: { clusterId: $id }, first: 50) { nodes { id at actor action resource resourceId requestId } }
}`;

export const RANGE = `query Range($id: ID!) {
  range(id: $id) {
    id name cidr family purpose parentId domainId defaultPrefixLength minPrefixLength maxPrefixLength description
    domain { name }
    parent { id name cidr }
    children { id name cidr }
    usage { total leased reserved free utilization leaseCount largestFreePrefix }
    reservations { id cidr reason createdAt }
  }
}`;
