import { ClusterAddressMapResolver, RangeAddressMapResolver } from '../address-map/address-map.resolver';
import { AuditResolver } from '../audit/audit.resolver';
import { ClusterForecastResolver, RangeForecastResolver } from '../capacity/forecast.resolver';
import { ClustersResolver } from '../clusters/clusters.resolver';
import { ServiceCidrsResolver } from '../clusters/service-cidrs.resolver';
import { ConflictSideResolver, ConflictsResolver } from '../conflicts/conflicts.resolver';
import { DomainsResolver } from '../domains/domains.resolver';
import { LeasesResolver } from '../leases/leases.resolver';
import { RangesResolver } from '../ranges/ranges.resolver';
import { ClusterNodesResolver, NodesResolver } from '../nodes/nodes.resolver';
import { PodPoolsResolver } from '../pod-pools/pod-pools.resolver';
import { ReconciliationResolver } from '../reconciliation/reconciliation.resolver';
import { ClusterServicesResolver, ServicesResolver } from '../services/services.resolver';
import { ViewerResolver } from '../tokens/viewer.resolver';

/** Every resolver class: the schema printer builds the committed schema from this list. */
export const RESOLVERS = [
  DomainsResolver,
  RangesResolver,
  ClustersResolver,
  ServiceCidrsResolver,
  ConflictsResolver,
  ConflictSideResolver,
  LeasesResolver,
  NodesResolver,
  ClusterNodesResolver,
  PodPoolsResolver,
  ServicesResolver,
  ClusterServicesResolver,
  AuditResolver,
  RangeAddressMapResolver,
  ClusterAddressMapResolver,
  RangeForecastResolver,
  ClusterForecastResolver,
  ViewerResolver,
  ReconciliationResolver,
];
