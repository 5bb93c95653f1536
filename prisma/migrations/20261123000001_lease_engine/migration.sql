-- The lease engine's rules that PostgreSQL enforces whatever the application does,
-- and the allocation functions (one round trip per allocation).
--
-- Free space of each pool is kept as buddy-aligned free blocks (free_block):
--   * next-free takes the lowest free block whose prefix is <= the wanted length
--     (FOR UPDATE SKIP LOCKED, so concurrent allocators take different blocks)
--     and splits it: cost depends on prefix lengths only, never on fill or size;
--   * release merges a block with its free buddy, level by level, under an
--     advisory lock per parent so concurrent releases of two buddies still merge.
-- Error codes raised here (class KP) are mapped to problem types by the API:
--   KP001 range exhausted, KP002 block taken, KP003 outside the pool.

CREATE EXTENSION IF NOT EXISTS btree_gist;

-- No two leases of one pool overlap, except brownfield imports accepted on purpose.
ALTER TABLE "lease" ADD CONSTRAINT "lease_no_overlap"
  EXCLUDE USING gist ("pool_id" WITH =, "cidr" inet_ops WITH &&) WHERE (NOT "overlap_allowed");

-- No two clusters' CIDRs (nor a cluster's own pod and service CIDRs) overlap in a domain,
-- except brownfield imports accepted on purpose.
ALTER TABLE "cluster_cidr" ADD CONSTRAINT "cluster_cidr_no_overlap"
  EXCLUDE USING gist ("domain_id" WITH =, "cidr" inet_ops WITH &&) WHERE (NOT "overlap_allowed");

-- Addresses are stored as networks: no host bits, and a lease lies inside its pool.
ALTER TABLE "lease" ADD CONSTRAINT "lease_is_network" CHECK ("cidr" = network("cidr"));
ALTER TABLE "free_block" ADD CONSTRAINT "free_block_is_network" CHECK ("cidr" = network("cidr") AND masklen("cidr") = "prefix_len");
ALTER TABLE "pool" ADD CONSTRAINT "pool_is_network" CHECK ("cidr" = network("cidr"));
ALTER TABLE "range" ADD CONSTRAINT "range_is_network" CHECK ("cidr" = network("cidr"));
ALTER TABLE "cluster_cidr" ADD CONSTRAINT "cluster_cidr_is_network" CHECK ("cidr" = network("cidr"));
ALTER TABLE "reservation" ADD CONSTRAINT "reservation_is_network" CHECK ("cidr" = network("cidr"));

-- The address with only the bit of prefix level k set (k >= 1), in the family of `zero`.
CREATE FUNCTION kipam_level_bit(zero inet, k int) RETURNS inet
LANGUAGE sql IMMUTABLE STRICT AS $$
  SELECT set_masklen(hostmask(set_masklen(zero, k - 1)) & ~hostmask(set_masklen(zero, k)), CASE family(zero) WHEN 4 THEN 32 ELSE 128 END)
$$;

-- The buddy of an aligned block (same length, differing in its last prefix bit).
CREATE FUNCTION kipam_buddy(block inet) RETURNS inet
LANGUAGE plpgsql IMMUTABLE STRICT AS $$
DECLARE
  w int := CASE family(block) WHEN 4 THEN 32 ELSE 128 END;
  zero inet := CASE family(block) WHEN 4 THEN '0.0.0.0/32'::inet ELSE '::/128'::inet END;
  host inet := set_masklen(block, w);
  b inet := kipam_level_bit(zero, masklen(block));
BEGIN
  IF (host & b) = zero THEN
    RETURN set_masklen(host | b, masklen(block));
  END IF;
  RETURN set_masklen(host & ~b, masklen(block));
END $$;

-- Takes `target` out of the free block `block` (already deleted by the caller):
-- inserts the buddies left along the path from block down to target.
CREATE FUNCTION kipam_split(p_pool bigint, block inet, target inet) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  k int;
BEGIN
  FOR k IN masklen(block) + 1 .. masklen(target) LOOP
    INSERT INTO free_block (pool_id, cidr, prefix_len)
    VALUES (p_pool, kipam_buddy(network(set_masklen(target, k))::inet), k);
  END LOOP;
END $$;

-- Returns a free block to the pool, merging it with its free buddy level by level.
CREATE FUNCTION kipam_free_insert(p_pool bigint, p_block inet) RETURNS void
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

-- Frees the part of `block` that no remaining lease of the pool covers
-- (leases accepted with overlap may still cover some of it).
CREATE FUNCTION kipam_free_uncovered(p_pool bigint, block inet) RETURNS void
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

-- Makes a whole pool free (a new pool).
CREATE FUNCTION kipam_pool_init(p_pool bigint) RETURNS void
LANGUAGE sql AS $$
  INSERT INTO free_block (pool_id, cidr, prefix_len) SELECT id, cidr, masklen(cidr) FROM pool WHERE id = p_pool
$$;

-- Leases the lowest free aligned block of length p_len in the pool (at or after
-- p_from when given, falling back to the whole pool), for the holder's slot.
-- Leasing again for the same holder and slot returns the existing lease.
CREATE FUNCTION kipam_lease_next(
  p_pool bigint, p_len int, p_from inet,
  p_holder_kind holder_kind, p_holder_id uuid, p_slot text
) RETURNS TABLE (lease_id uuid, lease_cidr inet, existed boolean)
LANGUAGE plpgsql AS $$
DECLARE
  fam int;
  blk inet;
  target inet;
  attempt int := 0;
BEGIN
  RETURN QUERY SELECT l.id, l.cidr, true FROM lease l
    WHERE l.holder_kind = p_holder_kind AND l.holder_id = p_holder_id AND l.slot = p_slot;
  IF FOUND THEN RETURN; END IF;

  SELECT family(cidr) INTO fam FROM pool WHERE id = p_pool;
  IF fam IS NULL THEN
    RAISE EXCEPTION 'pool % does not exist', p_pool USING ERRCODE = 'KP003';
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
        SELECT f.cidr INTO blk FROM free_block f
          WHERE f.pool_id = p_pool AND f.cidr > p_from AND f.prefix_len <= p_len
          ORDER BY f.cidr LIMIT 1 FOR UPDATE SKIP LOCKED;
        IF blk IS NOT NULL THEN target := set_masklen(blk, p_len); END IF;
      END IF;
    END IF;

    IF target IS NULL THEN
      SELECT f.cidr INTO blk FROM free_block f
        WHERE f.pool_id = p_pool AND f.prefix_len <= p_len
        ORDER BY f.cidr LIMIT 1 FOR UPDATE SKIP LOCKED;
      IF blk IS NOT NULL THEN target := set_masklen(blk, p_len); END IF;
    END IF;

    IF target IS NOT NULL THEN
      DELETE FROM free_block WHERE pool_id = p_pool AND cidr = blk;
      PERFORM kipam_split(p_pool, blk, target);
      RETURN QUERY INSERT INTO lease (id, pool_id, cidr, family, holder_kind, holder_id, slot)
        VALUES (gen_random_uuid(), p_pool, target, fam, p_holder_kind, p_holder_id, p_slot)
        RETURNING id, cidr, false;
      RETURN;
    END IF;

    -- Nothing unlocked: either the pool is full, or every fitting block is being
    -- split by a concurrent allocator. Wait for one of those, then look again.
    PERFORM 1 FROM free_block f WHERE f.pool_id = p_pool AND f.prefix_len <= p_len LIMIT 1;
    IF NOT FOUND OR attempt >= 50 THEN
      RAISE EXCEPTION 'no free /% block left in pool %', p_len, p_pool USING ERRCODE = 'KP001';
    END IF;
    PERFORM 1 FROM free_block f WHERE f.pool_id = p_pool AND f.prefix_len <= p_len
      ORDER BY f.cidr LIMIT 1 FOR UPDATE;
  END LOOP;
END $$;

-- Leases exactly p_target in the pool for the holder's slot. Raises KP002 when
-- any part of it is leased (unless p_allow_overlap, for brownfield imports),
-- KP003 when it is not inside the pool.
CREATE FUNCTION kipam_lease_exact(
  p_pool bigint, p_target inet, p_allow_overlap boolean,
  p_holder_kind holder_kind, p_holder_id uuid, p_slot text
) RETURNS TABLE (lease_id uuid, lease_cidr inet, existed boolean)
LANGUAGE plpgsql AS $$
DECLARE
  pool_cidr inet;
  w int;
  container inet;
  inside_size numeric;
  taken text;
  attempt int;
BEGIN
  RETURN QUERY SELECT l.id, l.cidr, true FROM lease l
    WHERE l.holder_kind = p_holder_kind AND l.holder_id = p_holder_id AND l.slot = p_slot AND l.cidr = p_target;
  IF FOUND THEN RETURN; END IF;

  SELECT cidr INTO pool_cidr FROM pool WHERE id = p_pool;
  IF pool_cidr IS NULL OR NOT (pool_cidr >>= p_target) OR family(pool_cidr) <> family(p_target) THEN
    RAISE EXCEPTION '% is not inside pool %', p_target, p_pool USING ERRCODE = 'KP003';
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
      SELECT l.cidr::text || ' (' || l.holder_kind || ' ' || l.holder_id || ')' INTO taken
        FROM lease l WHERE l.pool_id = p_pool AND l.cidr && p_target LIMIT 1;
      RAISE EXCEPTION '% is already leased: %', p_target, coalesce(taken, 'being allocated concurrently')
        USING ERRCODE = 'KP002';
    END IF;
  END IF;

  RETURN QUERY INSERT INTO lease (id, pool_id, cidr, family, holder_kind, holder_id, slot, overlap_allowed)
    VALUES (gen_random_uuid(), p_pool, p_target, family(p_target), p_holder_kind, p_holder_id, p_slot,
            p_allow_overlap AND EXISTS (SELECT 1 FROM lease l WHERE l.pool_id = p_pool AND l.cidr && p_target))
    RETURNING id, cidr, false;
END $$;

-- Releases leases and returns their space to their pools. Returns how many were released.
CREATE FUNCTION kipam_release(p_leases uuid[]) RETURNS int
LANGUAGE plpgsql AS $$
DECLARE
  r record;
  n int := 0;
BEGIN
  FOR r IN DELETE FROM lease WHERE id = ANY (p_leases) RETURNING pool_id, cidr LOOP
    PERFORM kipam_free_uncovered(r.pool_id, r.cidr);
    n := n + 1;
  END LOOP;
  RETURN n;
END $$;
