-- Takes `target` out of the free block `block` (already deleted by the caller):
-- inserts the buddies left along the path from block down to target, in one
-- INSERT with a cached plan. The buddy of target's ancestor h at level k
-- differs from h in bit k only.
CREATE OR REPLACE FUNCTION kipam_split(p_pool bigint, block inet, target inet) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  -- PL/pgSQL, not SQL: its plan is cached for the session instead of made on every call
  INSERT INTO free_block (pool_id, cidr, prefix_len)
  SELECT p_pool, set_masklen(CASE WHEN (h | b) = h THEN h & ~b ELSE h | b END, k), k
    FROM generate_series(masklen(block) + 1, masklen(target)) k,
         LATERAL (SELECT set_masklen(network(set_masklen(target, k))::inet, CASE family(target) WHEN 4 THEN 32 ELSE 128 END) AS h,
                         hostmask(set_masklen(target, k - 1)) & ~hostmask(set_masklen(target, k)) AS b) level;
END $$;
