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

export const SCALE_DOMAIN = 'scale';
/** An address in scale cluster i's IPv4 pod CIDR (64.0.0.0 on, one /20 each): inside its first node's /24. */
export const scalePodAddress = (i: number) => dotted(64 * 2 ** 24 + i * 4096 + 7);

const dotted = (v: number) => [24, 16, 8, 0].map((s) => Math.floor(v / 2 ** s) % 256).join('.');

/**
 * Grows the scale fleet from `from` to `to` clusters, in SQL but as the API
 * writes them (rows, pools, free blocks and leases through the lease engine's
 * own functions): per cluster, dual-stack pod and service CIDRs (every 100th
 * cluster an imported duplicate of its neighbour's pod CIDRs, allowed to
 * conflict), the default/kubernetes Service with the first ClusterIP, four
 * nodes with a pod CIDR of each family and one dual-stack Service: 11 leases.
 * Audit records are not written (no measured read looks at them). Batches of
 * 500 clusters run on two connections at once.
 */
export async function scaleFleet(url: string, from: number, to: number): Promise<void> {
  const setup = new Client(connectionConfig(url));
  await setup.connect();
  try {
    await setup.query(`INSERT INTO domain (id, name) VALUES ('00000000-0000-4000-8000-0000000000f2', $1) ON CONFLICT DO NOTHING`, [
      SCALE_DOMAIN,
    ]);
  } finally {
    await setup.end();
  }
  const FN = `CREATE OR REPLACE FUNCTION pg_temp.scale(a int, b int) RETURNS void LANGUAGE plpgsql AS $$
    DECLARE
      i int; slot int; cid uuid; pid bigint; k record; pods bigint[]; svcs bigint[]; nid uuid; sid uuid; j int;
      dom constant uuid := '00000000-0000-4000-8000-0000000000f2';
    BEGIN
      FOR i IN a..b LOOP
        slot := CASE WHEN i % 100 = 0 THEN i - 1 ELSE i END;
        cid := gen_random_uuid();
        pods := '{}'; svcs := '{}';
        INSERT INTO cluster (id, domain_id, name, ip_families, kubernetes_version, allow_conflicts)
          VALUES (cid, dom, 'scale-' || i, ARRAY['IPv4','IPv6'], '1.34', i % 100 = 0);
        FOR k IN SELECT * FROM (VALUES
            ('pod', 4, 0, set_masklen('64.0.0.0/32'::inet + (slot::bigint << 12), 20), 24),
            ('pod', 6, 1, ('fd00:' || to_hex(slot >> 16) || ':' || to_hex(slot & 65535) || '::/48')::inet, 64),
            ('service', 4, 0, set_masklen('128.0.0.0/32'::inet + (i::bigint << 8), 24), 32),
            ('service', 6, 1, ('fd01:' || to_hex(i >> 16) || ':' || to_hex(i & 65535) || '::/112')::inet, 128)) AS v(kind, fam, pos, cidr, len) LOOP
          INSERT INTO pool (kind, cidr, family, lease_length)
            VALUES ((CASE k.kind WHEN 'pod' THEN 'cluster_pod' ELSE 'cluster_service' END)::pool_kind, k.cidr, k.fam, k.len)
            RETURNING id INTO pid;
          PERFORM kipam_pool_init(pid);
          INSERT INTO cluster_cidr (id, cluster_id, domain_id, kind, family, position, cidr, pool_id, overlap_allowed)
            VALUES (gen_random_uuid(), cid, dom, k.kind::cidr_kind, k.fam, k.pos, k.cidr, pid, i % 100 = 0);
          IF k.kind = 'pod' THEN pods := pods || pid; ELSE svcs := svcs || pid; END IF;
        END LOOP;
        -- default/kubernetes: the first address of the IPv4 service CIDR, as kube-apiserver takes it
        sid := gen_random_uuid();
        INSERT INTO service (id, cluster_id, namespace, name, type, selector, ip_family_policy, ip_families, headless, labels)
          VALUES (sid, cid, 'default', 'kubernetes', 'ClusterIP', NULL, 'SingleStack', ARRAY['IPv4'], false,
                  '{"provider": "kubernetes", "component": "apiserver"}');
        PERFORM kipam_lease(svcs[1], 32, NULL, host(set_masklen('128.0.0.0/32'::inet + (i::bigint << 8) + 1, 32))::inet, 'service', sid, 'cluster-ip/IPv4');
        FOR j IN 1..4 LOOP
          nid := gen_random_uuid();
          INSERT INTO node (id, cluster_id, name, labels, addresses)
            VALUES (nid, cid, 'node-' || j, '{}', jsonb_build_array(jsonb_build_object('type', 'InternalIP',
                    'address', host('192.168.0.0'::inet + ((i::bigint * 4 + j) % 65536)))));
          PERFORM kipam_lease(pods[1], 24, NULL, NULL, 'node', nid, 'pod/IPv4');
          PERFORM kipam_lease(pods[2], 64, NULL, NULL, 'node', nid, 'pod/IPv6');
        END LOOP;
        sid := gen_random_uuid();
        INSERT INTO service (id, cluster_id, namespace, name, type, selector, ip_family_policy, ip_families, headless, labels)
          VALUES (sid, cid, 'app', 'web', 'ClusterIP', '{"app": "web"}', 'RequireDualStack', ARRAY['IPv4','IPv6'], false, '{}');
        PERFORM kipam_lease(svcs[1], 32, NULL, NULL, 'service', sid, 'cluster-ip/IPv4');
        PERFORM kipam_lease(svcs[2], 128, NULL, NULL, 'service', sid, 'cluster-ip/IPv6');
      END LOOP;
    END $$`;
  const batches: [number, number][] = [];
  for (let a = from + 1; a <= to; a += 500) batches.push([a, Math.min(to, a + 499)]);
  const connection = async () => {
    const c = new Client(connectionConfig(url));
    await c.connect();
    try {
      await c.query(FN);
      for (let batch = batches.shift(); batch; batch = batches.shift()) await c.query('SELECT pg_temp.scale($1, $2)', batch);
    } finally {
      await c.end();
    }
  };
  await Promise.all([connection(), connection()]);
  const c = new Client(connectionConfig(url));
  await c.connect();
  try {
    await c.query('VACUUM ANALYZE');
  } finally {
    await c.end();
  }
}
