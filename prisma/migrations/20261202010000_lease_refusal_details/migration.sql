-- prisma/sql/lease-engine/kipam_lease_exact.sql
-- Leases exactly p_target in the pool for the holder's slot. Raises KP002 when
-- any part of it is leased (unless p_allow_overlap, for brownfield imports:
-- the lease is then flagged overlap_allowed), KP003 when it is not inside the
-- pool, KP004 when a fixed-length pool leases another length. The DETAIL of
-- each is a JSON object naming the pool and the block (and, for KP002, the
-- lease in the way: its CIDR and holder, null while it is being allocated).
CREATE OR REPLACE FUNCTION kipam_lease_exact(
  p_pool bigint, p_target inet, p_allow_overlap boolean,
  p_holder_kind holder_kind, p_holder_id uuid, p_slot text
) RETURNS TABLE (lease_id uuid, lease_cidr inet, existed boolean)
LANGUAGE plpgsql AS $$
DECLARE
  pool_cidr inet;
  fixed smallint;
  w int;
  container inet;
  inside_size numeric;
  taken_cidr text;
  taken_kind text;
  taken_id text;
  attempt int;
BEGIN
  -- Concurrent calls for the same holder and slot queue here, so the second one
  -- finds the first one's lease instead of failing on the holder key.
  PERFORM pg_advisory_xact_lock(hashtext('kipam.holder'), hashtext(p_holder_kind::text || '|' || p_holder_id::text || '|' || p_slot));
  RETURN QUERY SELECT l.id, l.cidr, true FROM lease l
    WHERE l.holder_kind = p_holder_kind AND l.holder_id = p_holder_id AND l.slot = p_slot AND l.cidr = p_target;
  IF FOUND THEN RETURN; END IF;

  SELECT cidr, lease_length INTO pool_cidr, fixed FROM pool WHERE id = p_pool;
  IF pool_cidr IS NULL OR NOT (pool_cidr >>= p_target) OR family(pool_cidr) <> family(p_target) THEN
    RAISE EXCEPTION '% is not inside pool %', p_target, p_pool
      USING ERRCODE = 'KP003', DETAIL = json_build_object('pool', p_pool::text, 'block', p_target::text)::text;
  END IF;
  IF fixed <> 0 AND (fixed <> masklen(p_target) OR p_allow_overlap) THEN
    RAISE EXCEPTION 'pool % leases /% blocks only, not %', p_pool, fixed, p_target
      USING ERRCODE = 'KP004', DETAIL = json_build_object('pool', p_pool::text, 'block', p_target::text, 'leaseLength', fixed)::text;
  END IF;
  w := CASE family(p_target) WHEN 4 THEN 32 ELSE 128 END;

  -- The free block containing the target is one of its ancestors. Each try is a
  -- new snapshot: a block a concurrent allocator was splitting is gone after the
  -- wait, and the buddies it left are seen on the next try.
  FOR attempt IN 1..3 LOOP
    SELECT f.cidr INTO container FROM free_block f
      WHERE f.pool_id = p_pool
        AND f.cidr IN (SELECT network(set_masklen(p_target, k))::inet FROM generate_series(masklen(pool_cidr), masklen(p_target)) k)
      FOR UPDATE;
    EXIT WHEN container IS NOT NULL;
  END LOOP;

  IF container IS NOT NULL THEN
    DELETE FROM free_block WHERE pool_id = p_pool AND cidr = container;
    PERFORM kipam_split(p_pool, container, p_target);
  ELSE
    -- free blocks inside the target: all of it is free only if they fill it
    WITH inside AS (
      DELETE FROM free_block f WHERE f.pool_id = p_pool AND f.cidr << p_target RETURNING f.prefix_len
    )
    SELECT coalesce(sum(power(2::numeric, w - prefix_len)), 0) INTO inside_size FROM inside;
    IF inside_size < power(2::numeric, w - masklen(p_target)) AND NOT p_allow_overlap THEN
      SELECT l.cidr::text, l.holder_kind::text, l.holder_id::text INTO taken_cidr, taken_kind, taken_id
        FROM lease l WHERE l.pool_id = p_pool AND l.cidr && p_target LIMIT 1;
      RAISE EXCEPTION '% is already leased: %', p_target,
          coalesce(taken_cidr || ' (' || taken_kind || ' ' || taken_id || ')', 'being allocated concurrently')
        USING ERRCODE = 'KP002',
              DETAIL = json_build_object('pool', p_pool::text, 'block', p_target::text, 'holder',
                CASE WHEN taken_id IS NOT NULL THEN json_build_object('kind', taken_kind, 'id', taken_id, 'cidr', taken_cidr) END)::text;
    END IF;
  END IF;

  RETURN QUERY INSERT INTO lease (id, pool_id, cidr, family, holder_kind, holder_id, slot, overlap_allowed, lease_length)
    VALUES (gen_random_uuid(), p_pool, p_target, family(p_target), p_holder_kind, p_holder_id, p_slot,
            p_allow_overlap AND EXISTS (SELECT 1 FROM lease l WHERE l.pool_id = p_pool AND l.cidr && p_target), fixed)
    RETURNING id, cidr, false;
END $$;

-- prisma/sql/lease-engine/kipam_lease_next.sql
-- Leases the lowest free aligned block of length p_len in the pool (at or after
-- p_from when given, falling back to the whole pool), for the holder's slot.
-- Leasing again for the same holder and slot returns the existing lease.
--
-- The lowest free block is taken with FOR UPDATE SKIP LOCKED (concurrent
-- allocators take different blocks), locked and deleted by one statement;
-- when every fitting block is locked, it waits on one and looks again. The
-- pool row is read once, for its lease length (fixed-length pools, KP004).
-- Raises KP001 (no free block of the length), KP003 (no such pool), KP004;
-- the DETAIL of each is a JSON object naming the pool and the length.
-- The settings make the lowest-free-block lookups walk the (pool_id, cidr)
-- index whatever statistics the planner has (a new database has none).
CREATE OR REPLACE FUNCTION kipam_lease_next(
  p_pool bigint, p_len int, p_from inet,
  p_holder_kind holder_kind, p_holder_id uuid, p_slot text
) RETURNS TABLE (lease_id uuid, lease_cidr inet, existed boolean)
LANGUAGE plpgsql
SET enable_seqscan = off
SET enable_bitmapscan = off
AS $$
DECLARE
  blk inet;
  target inet;
  attempt int := 0;
  fixed smallint;
  held_id uuid;
  held_cidr inet;
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
