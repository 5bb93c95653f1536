import { Address, type IPFamily } from '@kipam/cidr';
import type { Lease } from '@kipam/allocation';
import { withEtag } from '../common/response-meta';
import type { ServiceModel } from './models/service.model';
import { HEADLESS, type ServiceState, type ServiceType } from './service-ip-rules';
import type { ServiceRow } from './services.repository';

/** A Service as the API shows it and as its rules see it, from its row and its ClusterIP leases. */

const SLOT_PREFIX = 'cluster-ip/';
/** The lease slot of a Service's ClusterIP of one family. */
export const slotOf = (family: IPFamily) => `${SLOT_PREFIX}${family}`;
/** default/kubernetes, the API server's Service: kube-apiserver's, not the API's to change. */
export const isKubernetesService = (row: Pick<ServiceRow, 'namespace' | 'name'>) =>
  row.namespace === 'default' && row.name === 'kubernetes';

/** What a Service is now, from its row and its leases (the input of planUpdate). */
export function stateOf(row: ServiceRow, leases: Lease[]): ServiceState {
  const addresses: Partial<Record<IPFamily, string>> = {};
  for (const l of leases) {
    if (l.slot.startsWith(SLOT_PREFIX)) addresses[l.family] = Address.fromBigInt(l.family, l.cidr.network).toString();
  }
  return {
    type: row.type as ServiceType,
    selector: row.selector,
    policy: row.ip_family_policy === '' ? null : row.ip_family_policy,
    families: row.ip_families ?? [],
    headless: row.headless,
    addresses,
  };
}

/** The API's Service: its row and the ClusterIPs its leases hold, in family order. */
export function toServiceModel(row: ServiceRow, leases: Lease[]): ServiceModel {
  const s = stateOf(row, leases);
  const clusterIPs =
    s.type === 'ExternalName' ? [] : s.headless ? [HEADLESS] : s.families.map((f) => s.addresses[f]).filter((a): a is string => !!a);
  return withEtag(
    {
      id: row.id,
      clusterId: row.cluster_id,
      namespace: row.namespace,
      name: row.name,
      type: s.type,
      selector: s.selector,
      clusterIP: clusterIPs[0] ?? null,
      clusterIPs,
      ipFamilies: s.families,
      ipFamilyPolicy: s.policy,
      headless: s.headless,
      labels: row.labels,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    },
    row.version,
  );
}
