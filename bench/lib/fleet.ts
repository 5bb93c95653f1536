/**
 * Fleets of clusters written in SQL, for the read benchmarks.
 */
import { Client } from 'pg';
import { connectionConfig } from '@kipam/persistence';

/** A fleet of dual-stack clusters with declared, mostly disjoint CIDRs (1% imported duplicates), written in SQL. */
export async function generateFleet(url: string, n: number): Promise<void> {
  const c = new Client(connectionConfig(url));
  await c.connect();
  try {
    await c.query(`INSERT INTO domain (id, name) VALUES ('00000000-0000-4000-8000-0000000000f1', 'fleet') ON CONFLICT DO NOTHING`);
    await c.query(
      `CREATE OR REPLACE FUNCTION pg_temp.fleet(n int) RETURNS void LANGUAGE plpgsql AS $$
       DECLARE
         i int; slot int; cid uuid; pid bigint; k record;
       BEGIN
         FOR i IN 1..n LOOP
           slot := CASE WHEN i % 100 = 0 THEN i - 1 ELSE i END; -- every 100th cluster is an imported duplicate
           cid := gen_random_uuid();
           INSERT INTO cluster (id, domain_id, name, ip_families, allow_conflicts)
             VALUES (cid, '00000000-0000-4000-8000-0000000000f1', 'fleet-' || i, ARRAY['IPv4','IPv6'], i % 100 = 0);
           FOR k IN SELECT * FROM (VALUES
               ('pod', 4, 0, set_masklen('10.0.0.0/32'::inet + (slot::bigint << 12), 20)),
               ('pod', 6, 1, ('fd00:' || to_hex(slot) || '::/48')::inet),
               ('service', 4, 0, set_masklen('100.64.0.0/32'::inet + (i::bigint << 8), 24)),
               ('service', 6, 1, ('fd01:' || to_hex(i) || '::/112')::inet)) AS v(kind, fam, pos, cidr) LOOP
             INSERT INTO pool (kind, cidr, family, lease_length)
               VALUES ((CASE k.kind WHEN 'pod' THEN 'cluster_pod' ELSE 'cluster_service' END)::pool_kind, k.cidr, k.fam,
                       CASE WHEN k.kind = 'service' THEN CASE k.fam WHEN 4 THEN 32 ELSE 128 END WHEN k.fam = 4 THEN 24 ELSE 64 END)
               RETURNING id INTO pid;
             PERFORM kipam_pool_init(pid);
             INSERT INTO cluster_cidr (id, cluster_id, domain_id, kind, family, position, cidr, pool_id, overlap_allowed)
               VALUES (gen_random_uuid(), cid, '00000000-0000-4000-8000-0000000000f1', k.kind::cidr_kind, k.fam, k.pos, k.cidr, pid, i % 100 = 0);
           END LOOP;
         END LOOP;
       END $$`,
    );
    await c.query('SELECT pg_temp.fleet($1)', [n]);
    await c.query('ANALYZE');
  } finally {
    await c.end();
  }
}

/** Grows the scale fleet from `from` to `to` clusters. */
export async function scaleFleet(url: string, from: number, to: number): Promise<void> {
  void url;
  void from;
  void to;
  throw new Error('not yet');
}
