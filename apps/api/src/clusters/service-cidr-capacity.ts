import { Prefix, serviceIpRange } from '@kipam/cidr';
import type { LeaseEngine } from '@kipam/allocation';
import type { Tx } from '@kipam/persistence';
import type { ClustersRepository } from './clusters.repository';
import type { ServiceCidrCapacity } from './models/service-cidr.model';
import { DEFAULT_SERVICE_CIDR } from './service-cidr-rules';

/**
 * ClusterIPs per CIDR of every ServiceCIDR of a cluster (the default one
 * first, then the others by name), counted from the leases of each pool:
 * part of the capacity report.
 */
export async function serviceCidrCapacity(
  tx: Tx,
  clusters: ClustersRepository,
  engine: LeaseEngine,
  clusterId: string,
): Promise<ServiceCidrCapacity[]> {
  const cidrs = (await clusters.cidrs(tx, [clusterId])).filter((c) => c.kind === 'service');
  cidrs.sort((a, b) =>
    a.service_cidr_name === b.service_cidr_name
      ? a.position - b.position
      : !a.service_cidr_name
        ? -1
        : !b.service_cidr_name
          ? 1
          : a.service_cidr_name.localeCompare(b.service_cidr_name),
  );
  const used = await engine.countLeasesByPool(
    tx,
    cidrs.map((c) => c.pool_id),
    'service',
  );
  return cidrs.map((c) => {
    const cidr = Prefix.parseAddressOrCidr(c.cidr);
    const total = serviceIpRange(cidr).count;
    const n = used.get(c.pool_id) ?? 0n;
    return {
      serviceCidr: c.service_cidr_name || DEFAULT_SERVICE_CIDR,
      family: cidr.family,
      cidr: cidr.toString(),
      clusterIPsTotal: total.toString(),
      clusterIPsUsed: n.toString(),
      clusterIPsFree: (total - n).toString(),
    };
  });
}
