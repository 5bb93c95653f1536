-- Several leases in one call, in order (a dual-stack Service's two ClusterIPs):
-- one kipam_lease per request, from parallel arrays (p_from: each request's
-- starts as an inet[] literal, since an array of arrays cannot be unnested
-- row by row). A refusal raises as kipam_lease does, naming its pool.
CREATE OR REPLACE FUNCTION kipam_lease_all(
  p_pools bigint[], p_lens int[], p_from text[], p_exact inet[],
  p_holder_kinds holder_kind[], p_holder_ids uuid[], p_slots text[]
) RETURNS TABLE (lease_id uuid, lease_cidr inet, existed boolean)
LANGUAGE plpgsql AS $$
BEGIN
  -- PL/pgSQL, not SQL: the plan is cached for the session instead of made on every call
  RETURN QUERY
  SELECT l.lease_id, l.lease_cidr, l.existed
    FROM unnest(p_pools, p_lens, p_from, p_exact, p_holder_kinds, p_holder_ids, p_slots)
         WITH ORDINALITY AS r(pool, len, starts, exact, kind, holder, slot, position),
         LATERAL kipam_lease(r.pool, r.len, r.starts::inet[], r.exact, r.kind, r.holder, r.slot) l
   ORDER BY r.position;
END $$;
