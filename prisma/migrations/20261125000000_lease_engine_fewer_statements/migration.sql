-- The lease engine with fewer statements per allocation:
--   * the buddies left by a split are written by one INSERT with a cached plan
--     (no per-level function calls);
--   * the lowest free block is locked and deleted by one statement, and the
--     pool is only looked up when no free block fits (to tell "exhausted" from
--     "no such pool").

-- Takes `target` out of the free block `block` (already deleted by the caller):
-- inserts the buddies left along the path from block down to target. The
-- buddy of target's ancestor h at level k differs from h in bit k only.
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

CREATE OR REPLACE FUNCTION kipam_lease_next(
  p_pool bigint, p_len int, p_from inet,
  p_holder_kind holder_kind, p_holder_id uuid, p_slot text
) RETURNS TABLE (lease_id uuid, lease_cidr inet, existed boolean)
LANGUAGE plpgsql AS $$
DECLARE
  blk inet;
  target inet;
  attempt int := 0;
BEGIN
  -- Concurrent calls for the same holder and slot queue here, so the second one
  -- finds the first one's lease instead of failing on the holder key.
  PERFORM pg_advisory_xact_lock(hashtext('kipam.holder'), hashtext(p_holder_kind::text || '|' || p_holder_id::text || '|' || p_slot));
  RETURN QUERY SELECT l.id, l.cidr, true FROM lease l
    WHERE l.holder_kind = p_holder_kind AND l.holder_id = p_holder_id AND l.slot = p_slot;
  IF FOUND THEN RETURN; END IF;

  LOOP
    attempt := attempt + 1;
    blk := NULL;
    target := NULL;

    IF p_from IS NOT NULL THEN
      -- the free block holding p_from, if any (at most one: free blocks are disjoint)
      SELECT f.cidr INTO blk FROM free_block f
        WHERE f.pool_id = p_pool AND f.cidr <= p_from
        ORDER BY f.cidr DESC LIMIT 1 FOR UPDATE SKIP LOCKED;
      IF blk IS NOT NULL AND blk >>= p_from AND masklen(blk) <= p_len THEN
        target := network(set_masklen(p_from, p_len))::inet;
        IF target < blk THEN target := NULL; END IF;
      END IF;
      IF target IS NULL THEN
        DELETE FROM free_block WHERE pool_id = p_pool AND cidr =
          (SELECT f.cidr FROM free_block f
            WHERE f.pool_id = p_pool AND f.cidr > p_from AND f.prefix_len <= p_len
            ORDER BY f.cidr LIMIT 1 FOR UPDATE SKIP LOCKED)
          RETURNING cidr INTO blk;
        IF blk IS NOT NULL THEN target := set_masklen(blk, p_len); END IF;
      ELSE
        DELETE FROM free_block WHERE pool_id = p_pool AND cidr = blk;
      END IF;
    END IF;

    IF target IS NULL THEN
      DELETE FROM free_block WHERE pool_id = p_pool AND cidr =
        (SELECT f.cidr FROM free_block f
          WHERE f.pool_id = p_pool AND f.prefix_len <= p_len
          ORDER BY f.cidr LIMIT 1 FOR UPDATE SKIP LOCKED)
        RETURNING cidr INTO blk;
      IF blk IS NOT NULL THEN target := set_masklen(blk, p_len); END IF;
    END IF;

    IF target IS NOT NULL THEN
      IF masklen(target) > masklen(blk) THEN
        PERFORM kipam_split(p_pool, blk, target);
      END IF;
      RETURN QUERY INSERT INTO lease (id, pool_id, cidr, family, holder_kind, holder_id, slot)
        VALUES (gen_random_uuid(), p_pool, target, family(target), p_holder_kind, p_holder_id, p_slot)
        RETURNING id, cidr, false;
      RETURN;
    END IF;

    -- Nothing unlocked: either the pool is full, or every fitting block is being
    -- split by a concurrent allocator. Wait for one of those, then look again.
    PERFORM 1 FROM free_block f WHERE f.pool_id = p_pool AND f.prefix_len <= p_len LIMIT 1;
    IF NOT FOUND OR attempt >= 50 THEN
      PERFORM 1 FROM pool WHERE id = p_pool;
      IF NOT FOUND THEN
        RAISE EXCEPTION 'pool % does not exist', p_pool USING ERRCODE = 'KP003';
      END IF;
      RAISE EXCEPTION 'no free /% block left in pool %', p_len, p_pool USING ERRCODE = 'KP001';
    END IF;
    PERFORM 1 FROM free_block f WHERE f.pool_id = p_pool AND f.prefix_len <= p_len
      ORDER BY f.cidr LIMIT 1 FOR UPDATE;
  END LOOP;
END $$;

-- The lowest free block is found by an ordered walk of the (pool_id, cidr)
-- index, whatever statistics the planner has (a new database has none).
ALTER FUNCTION kipam_lease_next(bigint, int, inet, holder_kind, uuid, text) SET enable_seqscan = off;
ALTER FUNCTION kipam_lease_next(bigint, int, inet, holder_kind, uuid, text) SET enable_bitmapscan = off;

-- One lease, next free (p_exact NULL) or exactly p_exact: lets a request lease
-- several blocks (a dual-stack Service's two ClusterIPs) in one statement.
CREATE FUNCTION kipam_lease(
  p_pool bigint, p_len int, p_from inet, p_exact inet,
  p_holder_kind holder_kind, p_holder_id uuid, p_slot text
) RETURNS TABLE (lease_id uuid, lease_cidr inet, existed boolean)
LANGUAGE plpgsql AS $$
BEGIN
  IF p_exact IS NULL THEN
    RETURN QUERY SELECT * FROM kipam_lease_next(p_pool, p_len, p_from, p_holder_kind, p_holder_id, p_slot);
  ELSE
    RETURN QUERY SELECT * FROM kipam_lease_exact(p_pool, p_exact, false, p_holder_kind, p_holder_id, p_slot);
  END IF;
END $$;
