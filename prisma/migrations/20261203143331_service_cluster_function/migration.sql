-- prisma/sql/services/kipam_service_cluster.sql
-- The cluster a Service change works in, held FOR SHARE (a cluster change or
-- deletion waits for the Service changes under way, and they for it): its
-- name and families, its own service CIDRs (the default ServiceCIDR) and
-- their pools in family order, and the CIDRs of its extra ServiceCIDRs
-- (oldest first), their rows held FOR SHARE too, so that a ServiceCIDR
-- deletion (FOR UPDATE) waits for the changes that may allocate from it, and
-- they for it (a deleted one is then not seen). A function so that the
-- statement is planned once per connection, though it travels with BEGIN.
CREATE OR REPLACE FUNCTION kipam_service_cluster(p_cluster uuid)
RETURNS TABLE (id uuid, name text, ip_families text[], service_cidrs text[], service_pools text[], extra_cidrs jsonb)
LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan
AS $$
#variable_conflict use_column
BEGIN
  RETURN QUERY
  SELECT c.id, c.name, c.ip_families,
         ARRAY(SELECT cc.cidr::text FROM cluster_cidr cc WHERE cc.cluster_id = c.id AND cc.kind = 'service' AND cc.service_cidr_name = ''
                ORDER BY cc.position),
         ARRAY(SELECT cc.pool_id::text FROM cluster_cidr cc WHERE cc.cluster_id = c.id AND cc.kind = 'service' AND cc.service_cidr_name = ''
                ORDER BY cc.position),
         (SELECT coalesce(jsonb_agg(jsonb_build_object('name', x.name, 'cidr', x.cidr, 'pool', x.pool) ORDER BY x.created_at, x.name, x.family), '[]')
            FROM (SELECT sc.name, sc.created_at, cc.family, cc.cidr::text AS cidr, cc.pool_id::text AS pool
                    FROM service_cidr sc JOIN cluster_cidr cc
                      ON cc.cluster_id = sc.cluster_id AND cc.kind = 'service' AND cc.service_cidr_name = sc.name
                   WHERE sc.cluster_id = c.id FOR SHARE OF sc) x)
    FROM cluster c WHERE c.id = p_cluster FOR SHARE OF c;
END $$;
