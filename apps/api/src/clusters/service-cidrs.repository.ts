import { Injectable } from '@nestjs/common';
import type { Tx } from '@kipam/persistence';
import { isUuid } from '../common/validation';

export interface ServiceCidrRow {
  id: string;
  cluster_id: string;
  name: string;
  created_at: Date;
}

/** The few cluster columns a ServiceCIDR change needs. */
export interface ServiceCidrClusterRow {
  id: string;
  name: string;
  domain_id: string;
  ip_families: ('IPv4' | 'IPv6')[];
  kubernetes_version: string | null;
  profile: 'eks-ipv6' | null;
  created_at: Date;
}

/** Extra ServiceCIDRs of clusters (rows; their CIDRs are cluster_cidr rows of kind service carrying the name). */
@Injectable()
export class ServiceCidrsRepository {
  /**
   * The cluster, held FOR SHARE (as Service changes hold it): ServiceCIDR
   * changes go together with Service changes, and a cluster deletion or
   * family addition waits for them.
   */
  async lockCluster(tx: Tx, clusterId: string): Promise<ServiceCidrClusterRow | undefined> {
    if (!isUuid(clusterId)) return undefined;
    const [row] = await tx.query<ServiceCidrClusterRow>(
      'SELECT id, name, domain_id, ip_families, kubernetes_version, profile, created_at FROM cluster WHERE id = $1 FOR SHARE',
      [clusterId],
    );
    return row;
  }

  async findCluster(tx: Tx, clusterId: string): Promise<ServiceCidrClusterRow | undefined> {
    if (!isUuid(clusterId)) return undefined;
    const [row] = await tx.query<ServiceCidrClusterRow>(
      'SELECT id, name, domain_id, ip_families, kubernetes_version, profile, created_at FROM cluster WHERE id = $1',
      [clusterId],
    );
    return row;
  }

  /** The new row, or undefined when the name is taken (a concurrent insert of it is waited for). */
  async insert(tx: Tx, s: { id: string; clusterId: string; name: string }): Promise<ServiceCidrRow | undefined> {
    const [row] = await tx.query<ServiceCidrRow>(
      `INSERT INTO service_cidr (id, cluster_id, name) VALUES ($1, $2, $3)
       ON CONFLICT (cluster_id, name) DO NOTHING RETURNING id, cluster_id, name, created_at`,
      [s.id, s.clusterId, s.name],
    );
    return row;
  }

  /** With `lock`, FOR UPDATE: waits for the Service changes holding it (FOR SHARE) and keeps new ones out. */
  async findByName(tx: Tx, clusterId: string, name: string, lock = false): Promise<ServiceCidrRow | undefined> {
    const [row] = await tx.query<ServiceCidrRow>(
      `SELECT id, cluster_id, name, created_at FROM service_cidr WHERE cluster_id = $1 AND name = $2 ${lock ? 'FOR UPDATE' : ''}`,
      [clusterId, name],
    );
    return row;
  }

  async list(tx: Tx, clusterIds: string[]): Promise<ServiceCidrRow[]> {
    if (!clusterIds.length) return [];
    return tx.query<ServiceCidrRow>(
      'SELECT id, cluster_id, name, created_at FROM service_cidr WHERE cluster_id = ANY($1::uuid[]) ORDER BY cluster_id, created_at, name',
      [clusterIds],
    );
  }

  /** Deletes the ServiceCIDR and its cluster_cidr rows (the caller released their leases; their pools go next). */
  async delete(tx: Tx, id: string, clusterId: string, name: string): Promise<void> {
    await tx.query(`DELETE FROM cluster_cidr WHERE cluster_id = $1 AND kind = 'service' AND service_cidr_name = $2`, [clusterId, name]);
    await tx.query('DELETE FROM service_cidr WHERE id = $1', [id]);
  }
}
