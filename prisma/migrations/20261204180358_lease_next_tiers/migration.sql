-- prisma/sql/lease-engine/kipam_lease_next.sql
-- Leases a free aligned block of length p_len in the pool for the holder's
-- slot: the first free one at or after p_from[1], else at or after p_from[2],
-- and so on, falling back to the lowest free block of the whole pool. A NULL or
-- empty p_from means the lowest free block. Several starts give a scan with
-- wrap-around from a random offset (ClusterIPs: a random start in the dynamic
-- band, then the band's start, as kube-apiserver's allocator walks it).
-- A NULL element ends a tier of starts: a later tier is looked at only when
-- nothing at or after the tier's starts is free. A fitting block there that a
-- concurrent allocator has locked is waited for, not passed over (ClusterIPs:
-- the lower band is used only once the upper one is full, KEP-3070).
-- Leasing again for the same holder and slot returns the existing lease.
--
-- Each candidate is taken with FOR UPDATE SKIP LOCKED (concurrent allocators
-- take different blocks), locked and deleted by one statement; when every
-- fitting block is locked, it waits on one and looks again. The pool row is
-- read once, for its lease length (fixed-length pools, KP004).
-- Raises KP001 (no free block of the length), KP003 (no such pool), KP004;
-- the DETAIL of each is a JSON object naming the pool and the length.
-- The settings make the lowest-free-block lookups walk the (pool_id, cidr)
-- index whatever statistics the planner has (a new database has none).
CREATE OR REPLACE FUNCTION kipam_lease_next(
  p_pool bigint, p_len int, p_from inet[],
  p_holder_kind holder_kind, p_holder_id uuid, p_slot text
) RETURNS TABLE (lease_id uuid, lease_cidr inet, existed boolean)
LANGUAGE plpgsql
SET enable_seqscan = off
SET enable_bitmapscan = off
AS $$
DECLARE
  blk inet;
  target inet;
  start inet;
  attempt int := 0;
  fixed smallint;
  held_id uuid;
  held_cidr inet;
  tier_start inet;
  wait_on inet;
BEGIN
  -- Concurrent calls for the same holder and slot queue here, so the second one
  -- finds the first one's lease instead of failing on the holder key.
  PERFORM pg_advisory_xact_lock(hashtext('kipam.holder'), hashtext(p_holder_kind::text || '|' || p_holder_id::text || '|' || p_slot));
  SELECT p.lease_length, l.id, l.cidr INTO fixed, held_id, held_cidr
    FROM pool p LEFT JOIN lease l ON l.holder_kind = p_holder_kind AND l.holder_id = p_holder_id AND l.slot = p_slot
    WHERE p.id = p_pool;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'pool % does not exist', p_pool
      USING ERRCODE = 'KP003', DETAIL = json_build_object('pool', p_pool::text, 'length', p_len)::text;
  END IF;
  IF held_id IS NOT NULL THEN
    RETURN QUERY SELECT held_id, held_cidr, true;
    RETURN;
  END IF;
  IF fixed <> 0 AND fixed <> p_len THEN
    RAISE EXCEPTION 'pool % leases /% blocks only, not /%', p_pool, fixed, p_len
      USING ERRCODE = 'KP004', DETAIL = json_build_object('pool', p_pool::text, 'length', p_len, 'leaseLength', fixed)::text;
  END IF;

  LOOP
    attempt := attempt + 1;
    blk := NULL;
    target := NULL;
    tier_start := NULL;
    wait_on := NULL;

    FOREACH start IN ARRAY coalesce(p_from, '{}') LOOP
      IF start IS NULL THEN
        -- the end of a tier: nothing unlocked was found at or after its lowest
        -- start; a fitting block there (the one holding it, or one after it) is
        -- a concurrent allocator's, to wait for (past 50 tries, passed over)
        IF tier_start IS NOT NULL AND attempt < 50 THEN
          SELECT f.cidr INTO wait_on FROM free_block f
            WHERE f.pool_id = p_pool AND f.cidr <= tier_start
            ORDER BY f.cidr DESC LIMIT 1;
          IF wait_on IS NOT NULL AND NOT (wait_on >>= tier_start AND masklen(wait_on) <= p_len) THEN
            wait_on := NULL;
          END IF;
          IF wait_on IS NULL THEN
            SELECT f.cidr INTO wait_on FROM free_block f
              WHERE f.pool_id = p_pool AND f.cidr > tier_start AND f.prefix_len <= p_len
              ORDER BY f.cidr LIMIT 1;
          END IF;
          EXIT WHEN wait_on IS NOT NULL;
        END IF;
        tier_start := NULL;
        CONTINUE;
      END IF;
      tier_start := least(tier_start, start);
      -- the free block holding start, if any (at most one: free blocks are disjoint)
      SELECT f.cidr INTO blk FROM free_block f
        WHERE f.pool_id = p_pool AND f.cidr <= start
        ORDER BY f.cidr DESC LIMIT 1 FOR UPDATE SKIP LOCKED;
      IF blk IS NOT NULL AND blk >>= start AND masklen(blk) <= p_len THEN
        target := network(set_masklen(start, p_len))::inet;
        IF target < blk THEN target := NULL; END IF;
      END IF;
      IF target IS NULL THEN
        blk := NULL;
        DELETE FROM free_block WHERE pool_id = p_pool AND cidr =
          (SELECT f.cidr FROM free_block f
            WHERE f.pool_id = p_pool AND f.cidr > start AND f.prefix_len <= p_len
            ORDER BY f.cidr LIMIT 1 FOR UPDATE SKIP LOCKED)
          RETURNING cidr INTO blk;
        IF blk IS NOT NULL THEN target := set_masklen(blk, p_len); END IF;
      ELSE
        DELETE FROM free_block WHERE pool_id = p_pool AND cidr = blk;
      END IF;
      EXIT WHEN target IS NOT NULL;
      blk := NULL;
    END LOOP;

    IF wait_on IS NOT NULL THEN
      PERFORM 1 FROM free_block f WHERE f.pool_id = p_pool AND f.cidr = wait_on FOR UPDATE;
      CONTINUE;
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
      RETURN QUERY INSERT INTO lease (id, pool_id, cidr, family, holder_kind, holder_id, slot, lease_length)
        VALUES (gen_random_uuid(), p_pool, target, family(target), p_holder_kind, p_holder_id, p_slot, fixed)
        RETURNING id, cidr, false;
      RETURN;
    END IF;

    -- Nothing unlocked: either the pool is full, or every fitting block is being
    -- split by a concurrent allocator. Wait for one of those, then look again.
    PERFORM 1 FROM free_block f WHERE f.pool_id = p_pool AND f.prefix_len <= p_len LIMIT 1;
    IF NOT FOUND OR attempt >= 50 THEN
      RAISE EXCEPTION 'no free /% block left in pool %', p_len, p_pool
        USING ERRCODE = 'KP001', DETAIL = json_build_object('pool', p_pool::text, 'length', p_len)::text;
    END IF;
    PERFORM 1 FROM free_block f WHERE f.pool_id = p_pool AND f.prefix_len <= p_len
      ORDER BY f.cidr LIMIT 1 FOR UPDATE;
  END LOOP;
END $$;
