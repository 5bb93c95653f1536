-- Returns a free block to the pool, merging it with its free buddy level by
-- level, under an advisory lock per parent block so that two buddies released
-- at the same time still merge.
CREATE OR REPLACE FUNCTION kipam_free_insert(p_pool bigint, p_block inet) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  pool_len int;
  block inet := p_block;
  parent inet;
  merged int;
BEGIN
  SELECT masklen(cidr) INTO pool_len FROM pool WHERE id = p_pool;
  WHILE masklen(block) > pool_len LOOP
    parent := network(set_masklen(block, masklen(block) - 1))::inet;
    PERFORM pg_advisory_xact_lock(hashtext('kipam.free'), hashtext(p_pool::text || '|' || parent::text));
    DELETE FROM free_block WHERE pool_id = p_pool AND cidr = kipam_buddy(block);
    GET DIAGNOSTICS merged = ROW_COUNT;
    EXIT WHEN merged = 0;
    block := parent;
  END LOOP;
  INSERT INTO free_block (pool_id, cidr, prefix_len) VALUES (p_pool, block, masklen(block));
END $$;
