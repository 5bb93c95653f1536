import { Injectable } from '@nestjs/common';
import { toLeaseResult, type LeaseResult } from '@kipam/allocation';
import type { Tx } from '@kipam/persistence';
import type { Attribution } from '../audit/audit.service';
import { labelSql, type LabelRequirement } from '../common/labels';
import { isUuid } from '../common/validation';

export interface ServiceRow {
  id: string;
  cluster_id: string;
  namespace: string;
  name: string;
  type: string;
  selector: Record<string, string> | null;
  /** '' for ExternalName Services, which have no policy (the column is NOT NULL). */
  ip_family_policy: 'SingleStack' | 'PreferDualStack' | 'RequireDualStack' | '';
  /** Empty (or NULL) for ExternalName Services. */
  ip_families: ('IPv4' | 'IPv6')[] | null;
  headless: boolean;
  labels: Record<string, string>;
  version: number;
  created_at: Date;
  updated_at: Date;
}

/** What kipam_service_create answers (existing_id set: the name is taken, the rest null). */
interface CreatedRow {
  existing_id: string | null;
  created_at: Date | null;
  updated_at: Date | null;
  version: number | null;
  lease_ids: string[] | null;
  lease_cidrs: string[] | null;
  lease_existed: boolean[] | null;
}

export interface NewService {
  id: string;
  clusterId: string;
  namespace: string;
  name: string;
  type: string;
  selector: Record<string, string> | null;
  ipFamilyPolicy: ServiceRow['ip_family_policy'];
  ipFamilies: ('IPv4' | 'IPv6')[];
  headless: boolean;
  labels?: Record<string, string>;
}

export interface ServiceChange {
  type: string;
  selector: Record<string, string> | null;
  ipFamilyPolicy: ServiceRow['ip_family_policy'];
  ipFamilies: ('IPv4' | 'IPv6')[];
  headless: boolean;
  labels: Record<string, string>;
}

export interface ServiceListFilter {
  clusterId: string;
  namespace?: string;
  name?: string;
  labels: LabelRequirement[];
  /** Sort key (namespace, name, id) of the last item of the previous page. */
  after?: [string, string, string];
  limit: number;
}

/** A new Service's columns as statement parameters ($1…$10: id, cluster, namespace, name, type, selector, policy, families, headless, labels). */
function serviceParams(s: NewService): unknown[] {
  return [
    s.id,
    s.clusterId,
    s.namespace,
    s.name,
    s.type,
    s.selector ? JSON.stringify(s.selector) : null,
    s.ipFamilyPolicy,
    s.ipFamilies,
    s.headless,
    JSON.stringify(s.labels ?? {}),
  ];
}

/** The row a new Service has once written, with what the database assigned. */
export function rowOf(s: NewService, assigned: Pick<ServiceRow, 'version' | 'created_at' | 'updated_at'>): ServiceRow {
  return {
    id: s.id,
    cluster_id: s.clusterId,
    namespace: s.namespace,
    name: s.name,
    type: s.type,
    selector: s.selector,
    ip_family_policy: s.ipFamilyPolicy,
    ip_families: s.ipFamilies,
    headless: s.headless,
    labels: s.labels ?? {},
    ...assigned,
  };
}

export const SERVICE_COLUMNS =
  'id, cluster_id, namespace, name, type, selector, ip_family_policy, ip_families, headless, labels, version, created_at, updated_at';

/** Kubernetes Services of clusters (rows; their ClusterIPs are leases). */
@Injectable()
export class ServicesRepository {
  async insert(tx: Tx, s: NewService): Promise<ServiceRow> {
    const [row] = await tx.query<ServiceRow>(
      `INSERT INTO service (id, cluster_id, namespace, name, type, selector, ip_family_policy, ip_families, headless, labels)
       VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8::text[], $9, $10::jsonb) RETURNING ${SERVICE_COLUMNS}`,
      serviceParams(s),
    );
    return row;
  }

  /**
   * A Service with its ClusterIPs, audit record and service.created event, in
   * one call (kipam_service_create) sent with COMMIT when the transaction can
   * (`finish`): the transaction is over when it returns. `leases` are the
   * lease engine's parameters for its ClusterIPs (leaseAllParams); `model`
   * is the Service as the API shows it, which the function completes with
   * its ClusterIPs and times for the audit record and the event. Returns the
   * row and its lease results, or the id of the Service that already has the
   * name (nothing written).
   */
  async create(
    tx: Tx,
    s: NewService,
    leases: unknown[],
    who: Attribution,
    model: unknown,
  ): Promise<{ existingId: string } | { row: ServiceRow; leases: LeaseResult[] }> {
    const sql = `SELECT existing_id, created_at, updated_at, version, lease_ids, lease_cidrs, lease_existed
       FROM kipam_service_create($1::uuid, $2::uuid, $3, $4, $5, $6::jsonb, $7, $8::text[], $9::boolean, $10::jsonb,
                                 $11::bigint[], $12::int[], $13::text[], $14::inet[], $15::holder_kind[], $16::uuid[], $17::text[],
                                 $18, $19, $20, $21, $22::jsonb)`;
    const params = [...serviceParams(s), ...leases, who.actor, who.requestId, who.eventType, who.subject, JSON.stringify(model)];
    const [r] = await (tx.finish ? tx.finish<CreatedRow>(sql, params) : tx.query<CreatedRow>(sql, params));
    if (r.existing_id) return { existingId: r.existing_id };
    const row = rowOf(s, { version: r.version!, created_at: r.created_at!, updated_at: r.updated_at! });
    const ids = r.lease_ids ?? [];
    return {
      row,
      leases: ids.map((id, i) => toLeaseResult({ lease_id: id, lease_cidr: r.lease_cidrs![i], existed: r.lease_existed![i] })),
    };
  }

  /** Many Services of one cluster in one statement (a reconciliation's adoptions). */
  async insertMany(tx: Tx, services: NewService[]): Promise<void> {
    if (!services.length) return;
    await tx.query(
      `INSERT INTO service (id, cluster_id, namespace, name, type, selector, ip_family_policy, ip_families, headless, labels)
       SELECT r.id, r.cluster_id, r.namespace, r.name, r.type, r.selector, r.policy,
              ARRAY(SELECT jsonb_array_elements_text(r.families)), r.headless, r.labels
         FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::jsonb[], $7::text[], $8::jsonb[], $9::boolean[], $10::jsonb[])
              AS r(id, cluster_id, namespace, name, type, selector, policy, families, headless, labels)`,
      [
        services.map((s) => s.id),
        services.map((s) => s.clusterId),
        services.map((s) => s.namespace),
        services.map((s) => s.name),
        services.map((s) => s.type),
        services.map((s) => (s.selector ? JSON.stringify(s.selector) : null)),
        services.map((s) => s.ipFamilyPolicy),
        services.map((s) => JSON.stringify(s.ipFamilies)),
        services.map((s) => s.headless),
        services.map((s) => JSON.stringify(s.labels ?? {})),
      ],
    );
  }

  /** Every Service of a cluster (reconciliation compares them all). */
  async allOfCluster(tx: Tx, clusterId: string): Promise<ServiceRow[]> {
    return tx.query<ServiceRow>(`SELECT ${SERVICE_COLUMNS} FROM service WHERE cluster_id = $1 ORDER BY namespace, name`, [clusterId]);
  }

  async deleteMany(tx: Tx, ids: string[]): Promise<void> {
    if (ids.length) await tx.query('DELETE FROM service WHERE id = ANY($1::uuid[])', [ids]);
  }

  async findById(tx: Tx, clusterId: string, id: string, lock = false): Promise<ServiceRow | undefined> {
    if (!isUuid(id)) return undefined;
    const [row] = await tx.query<ServiceRow>(
      `SELECT ${SERVICE_COLUMNS} FROM service WHERE cluster_id = $1 AND id = $2 ${lock ? 'FOR UPDATE' : ''}`,
      [clusterId, id],
    );
    return row;
  }

  async findByName(tx: Tx, clusterId: string, namespace: string, name: string, lock = false): Promise<ServiceRow | undefined> {
    const [row] = await tx.query<ServiceRow>(
      `SELECT ${SERVICE_COLUMNS} FROM service WHERE cluster_id = $1 AND namespace = $2 AND name = $3 ${lock ? 'FOR UPDATE' : ''}`,
      [clusterId, namespace, name],
    );
    return row;
  }

  /** All changeable columns at once; bumps the version (the ETag). */
  async update(tx: Tx, id: string, c: ServiceChange): Promise<ServiceRow> {
    const [row] = await tx.query<ServiceRow>(
      `UPDATE service SET type = $2, selector = $3::jsonb, ip_family_policy = $4, ip_families = $5::text[], headless = $6,
              labels = $7::jsonb, version = version + 1, updated_at = now()
        WHERE id = $1 RETURNING ${SERVICE_COLUMNS}`,
      [id, c.type, c.selector ? JSON.stringify(c.selector) : null, c.ipFamilyPolicy, c.ipFamilies, c.headless, JSON.stringify(c.labels)],
    );
    return row;
  }

  async delete(tx: Tx, id: string): Promise<void> {
    await tx.query('DELETE FROM service WHERE id = $1', [id]);
  }

  /** A savepoint before a ClusterIP lease that may find its ServiceCIDR full while another has room. */
  async savepoint(tx: Tx): Promise<void> {
    await tx.query('SAVEPOINT kipam_cluster_ip');
  }

  /** Undoes the refused lease (the transaction goes on). */
  async rollbackToSavepoint(tx: Tx): Promise<void> {
    await tx.query('ROLLBACK TO SAVEPOINT kipam_cluster_ip');
  }

  /** Services holding a ClusterIP in one of these pools (a ServiceCIDR's), with the address; at most `limit`. */
  async holdingIn(tx: Tx, poolIds: string[], limit: number): Promise<{ namespace: string; name: string; address: string }[]> {
    if (!poolIds.length) return [];
    return tx.query(
      `SELECT s.namespace, s.name, host(l.cidr) AS address FROM lease l JOIN service s ON s.id = l.holder_id
        WHERE l.pool_id = ANY($1::bigint[]) AND l.holder_kind = 'service' ORDER BY s.namespace, s.name LIMIT $2`,
      [poolIds, limit],
    );
  }

  /** One page (limit + 1 rows) in (namespace, name, id) order. */
  async list(tx: Tx, f: ServiceListFilter): Promise<ServiceRow[]> {
    const params: unknown[] = [f.clusterId];
    const where = ['cluster_id = $1'];
    if (f.namespace !== undefined) {
      params.push(f.namespace);
      where.push(`namespace = $${params.length}`);
    }
    if (f.name !== undefined) {
      params.push(f.name);
      where.push(`name = $${params.length}`);
    }
    where.push(...labelSql('labels', f.labels, params));
    if (f.after) {
      params.push(f.after[0], f.after[1], f.after[2]);
      where.push(`(namespace, name, id) > ($${params.length - 2}, $${params.length - 1}, $${params.length}::uuid)`);
    }
    params.push(f.limit + 1);
    return tx.query<ServiceRow>(
      `SELECT ${SERVICE_COLUMNS} FROM service WHERE ${where.join(' AND ')} ORDER BY namespace, name, id LIMIT $${params.length}`,
      params,
    );
  }

  /** The first `limit + 1` Services of each cluster (optionally one namespace) after a cursor: one statement for many clusters. */
  async firstOfClusters(
    tx: Tx,
    clusterIds: readonly string[],
    namespace: string | undefined,
    after: [string, string, string] | undefined,
    limit: number,
  ): Promise<ServiceRow[]> {
    return tx.query<ServiceRow>(
      `SELECT s.* FROM unnest($1::uuid[]) AS c(id)
       CROSS JOIN LATERAL (
         SELECT ${SERVICE_COLUMNS} FROM service
          WHERE cluster_id = c.id AND ($2::text IS NULL OR namespace = $2)
            AND ($3::text IS NULL OR (namespace, name, id) > ($3, $4, $5::uuid))
          ORDER BY namespace, name, id LIMIT $6
       ) s`,
      [clusterIds, namespace ?? null, after?.[0] ?? null, after?.[1] ?? null, after?.[2] ?? null, limit + 1],
    );
  }
}
