-- Frees the part of `block` that no remaining lease of the pool covers
-- (leases accepted with overlap may still cover some of it).
CREATE OR REPLACE FUNCTION kipam_free_uncovered(p_pool bigint, block inet) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  w int := CASE family(block) WHEN 4 THEN 32 ELSE 128 END;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM lease WHERE pool_id = p_pool AND cidr && block) THEN
    PERFORM kipam_free_insert(p_pool, block);
  ELSIF NOT EXISTS (SELECT 1 FROM lease WHERE pool_id = p_pool AND cidr >>= block) AND masklen(block) < w THEN
    PERFORM kipam_free_uncovered(p_pool, network(set_masklen(block, masklen(block) + 1))::inet);
    PERFORM kipam_free_uncovered(p_pool, kipam_buddy(network(set_masklen(block, masklen(block) + 1))::inet));
  END IF;
END $$;
