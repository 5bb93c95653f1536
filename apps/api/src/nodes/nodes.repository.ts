import { Injectable } from '@nestjs/common';
import type { Address } from '@kipam/cidr';
import type { Tx } from '@kipam/persistence';
import { labelSql, type LabelRequirement } from '../common/labels';
import { isUuid } from '../common/validation';
import type { NodeAddressType } from './dto/node.dto';

export interface NodeAddress {
  type: NodeAddressType;
  /** Canonical text (Address.toString()). */
  address: string;
}

export interface NodeRow {
  id: string;
  cluster_id: string;
  name: string;
  labels: Record<string, string>;
  addresses: NodeAddress[];
  version: number;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = 'n.id, n.cluster_id, n.name, n.labels, n.addresses, n.version, n.created_at, n.updated_at';

@Injectable()
export class NodesRepository {
  async insert(
    tx: Tx,
    n: { id: string; clusterId: string; name: string; labels: Record<string, string>; addresses: NodeAddress[] },
  ): Promise<void> {
    await tx.query('INSERT INTO node (id, cluster_id, name, labels, addresses) VALUES ($1, $2, $3, $4::jsonb, $5::jsonb)', [
      n.id,
      n.clusterId,
      n.name,
      JSON.stringify(n.labels),
      JSON.stringify(n.addresses),
    ]);
  }

  /** Many nodes of one cluster in one statement (a reconciliation's adoptions). */
  async insertMany(
    tx: Tx,
    clusterId: string,
    nodes: { id: string; name: string; labels: Record<string, string>; addresses: NodeAddress[] }[],
  ): Promise<void> {
    if (!nodes.length) return;
    await tx.query(
      `INSERT INTO node (id, cluster_id, name, labels, addresses)
       SELECT r.id, $1, r.name, r.labels, r.addresses FROM unnest($2::uuid[], $3::text[], $4::jsonb[], $5::jsonb[]) AS r(id, name, labels, addresses)`,
      [
        clusterId,
        nodes.map((n) => n.id),
        nodes.map((n) => n.name),
        nodes.map((n) => JSON.stringify(n.labels)),
        nodes.map((n) => JSON.stringify(n.addresses)),
      ],
    );
  }

  /** Every node of a cluster, by name (reconciliation compares them all). */
  async allOfCluster(tx: Tx, clusterId: string): Promise<NodeRow[]> {
    return tx.query<NodeRow>(`SELECT ${COLUMNS} FROM node n WHERE n.cluster_id = $1 ORDER BY n.name`, [clusterId]);
  }

  async deleteMany(tx: Tx, ids: string[]): Promise<void> {
    if (ids.length) await tx.query('DELETE FROM node WHERE id = ANY($1::uuid[])', [ids]);
  }

  /** A new version (ETag) for these nodes: their pod CIDRs changed. */
  async touch(tx: Tx, ids: string[]): Promise<void> {
    if (ids.length) await tx.query('UPDATE node SET version = version + 1, updated_at = now() WHERE id = ANY($1::uuid[])', [ids]);
  }

  async findById(tx: Tx, clusterId: string, id: string, lock = false): Promise<NodeRow | undefined> {
    if (!isUuid(id)) return undefined;
    const [row] = await tx.query<NodeRow>(
      `SELECT ${COLUMNS} FROM node n WHERE n.id = $1 AND n.cluster_id = $2 ${lock ? 'FOR UPDATE' : ''}`,
      [id, clusterId],
    );
    return row;
  }

  async findByName(tx: Tx, clusterId: string, name: string): Promise<NodeRow | undefined> {
    const [row] = await tx.query<NodeRow>(`SELECT ${COLUMNS} FROM node n WHERE n.cluster_id = $1 AND n.name = $2`, [clusterId, name]);
    return row;
  }

  /** Nodes (of any cluster) one of whose addresses is `address`: the who-owns lookup. */
  async findByAddress(tx: Tx, address: Address): Promise<NodeRow[]> {
    return tx.query<NodeRow>(`SELECT ${COLUMNS} FROM node n WHERE n.addresses @> $1::jsonb ORDER BY n.cluster_id, n.name, n.id`, [
      JSON.stringify([{ address: address.toString() }]),
    ]);
  }

  /** A page of a cluster's nodes in (name, id) order: `limit + 1` rows to tell whether more follow. */
  async list(
    tx: Tx,
    f: { clusterId: string; name?: string; labels: LabelRequirement[]; after?: [string, string]; limit: number },
  ): Promise<NodeRow[]> {
    const params: unknown[] = [f.clusterId];
    const where = ['n.cluster_id = $1'];
    if (f.name !== undefined) {
      params.push(f.name);
      where.push(`n.name = $${params.length}`);
    }
    where.push(...labelSql('n.labels', f.labels, params));
    if (f.after) {
      params.push(f.after[0], f.after[1]);
      where.push(`(n.name, n.id) > ($${params.length - 1}, $${params.length}::uuid)`);
    }
    params.push(f.limit + 1);
    return tx.query<NodeRow>(
      `SELECT ${COLUMNS} FROM node n WHERE ${where.join(' AND ')} ORDER BY n.name, n.id LIMIT $${params.length}`,
      params,
    );
  }

  async update(tx: Tx, id: string, patch: { labels?: Record<string, string>; addresses?: NodeAddress[] }): Promise<NodeRow> {
    const [row] = await tx.query<NodeRow>(
      `UPDATE node n SET labels = coalesce($2::jsonb, labels), addresses = coalesce($3::jsonb, addresses),
              version = version + 1, updated_at = now()
        WHERE n.id = $1 RETURNING ${COLUMNS}`,
      [id, patch.labels ? JSON.stringify(patch.labels) : null, patch.addresses ? JSON.stringify(patch.addresses) : null],
    );
    return row;
  }

  async delete(tx: Tx, id: string): Promise<void> {
    await tx.query('DELETE FROM node WHERE id = $1', [id]);
  }

  /** The ids of a cluster's nodes, oldest first. */
  async idsOfCluster(tx: Tx, clusterId: string): Promise<string[]> {
    const rows = await tx.query<{ id: string }>('SELECT id FROM node WHERE cluster_id = $1 ORDER BY created_at, id', [clusterId]);
    return rows.map((r) => r.id);
  }

  /** A new version (ETag) for every node of the cluster: something each of them shows has changed. */
  async touchAll(tx: Tx, clusterId: string): Promise<void> {
    await tx.query('UPDATE node SET version = version + 1, updated_at = now() WHERE cluster_id = $1', [clusterId]);
  }

  /** The first `limit + 1` nodes of each cluster after a (name, id) cursor: one statement for many clusters. */
  async firstOfClusters(tx: Tx, clusterIds: readonly string[], after: [string, string] | undefined, limit: number): Promise<NodeRow[]> {
    return tx.query<NodeRow>(
      `SELECT n.* FROM unnest($1::uuid[]) AS c(id)
       CROSS JOIN LATERAL (
         SELECT ${COLUMNS} FROM node n
          WHERE n.cluster_id = c.id AND ($2::text IS NULL OR (n.name, n.id) > ($2, $3::uuid))
          ORDER BY n.name, n.id LIMIT $4
       ) n`,
      [clusterIds, after?.[0] ?? null, after?.[1] ?? null, limit + 1],
    );
  }
}
