-- prisma/sql/leases/kipam_cluster_cidrs_containing.sql
-- The cluster CIDRs containing an address (who-owns): pod and service CIDRs,
-- carved from a range or declared, also those declared outside every range,
-- which hold no lease and so are not found by kipam_leases_containing. A
-- function for the same reason as that one: who-owns stays one statement with
-- one plan. One GiST probe of cluster_cidr_cidr_idx.
CREATE OR REPLACE FUNCTION kipam_cluster_cidrs_containing(p_address inet) RETURNS SETOF uuid
LANGUAGE plpgsql STABLE ROWS 2
SET plan_cache_mode = force_generic_plan
AS $$
BEGIN
  RETURN QUERY SELECT cc.id FROM cluster_cidr cc WHERE cc.cidr >>= p_address;
END $$;
