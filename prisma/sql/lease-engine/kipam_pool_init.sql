-- Makes a whole pool free (a new pool).
CREATE OR REPLACE FUNCTION kipam_pool_init(p_pool bigint) RETURNS void
LANGUAGE sql AS $$
  INSERT INTO free_block (pool_id, cidr, prefix_len) SELECT id, cidr, masklen(cidr) FROM pool WHERE id = p_pool
$$;
