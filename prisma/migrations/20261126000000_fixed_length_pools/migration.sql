-- Pools whose leases all have one length: a cluster's ClusterIP pools (/32 or
-- /128) and its pod CIDR pools (the node mask size). Two aligned blocks of one
-- length overlap only when they are the same block, so in such a pool a
-- uniqueness check on (pool, CIDR) is the overlap guard. It is a B-tree probe;
-- the GiST exclusion constraint it replaces there was most of the cost of an
-- allocation, and grew with the number of leases in the pool.
--
-- pool.lease_length is that length, 0 for pools of mixed lengths (ranges).
-- Every lease carries its pool's value, held to it by the foreign key on
-- (pool_id, lease_length), and its own length is held to it by a CHECK: a
-- lease cannot leave the uniqueness check by claiming another pool kind.
-- KP004 is raised for a lease of the wrong length in a fixed-length pool.

ALTER TABLE "pool" ADD COLUMN "lease_length" SMALLINT NOT NULL DEFAULT 0;
ALTER TABLE "pool" ADD CONSTRAINT "pool_lease_length_valid"
  CHECK ("lease_length" = 0 OR "lease_length" BETWEEN masklen("cidr") AND CASE "family" WHEN 4 THEN 32 ELSE 128 END);
CREATE UNIQUE INDEX "pool_id_lease_length_key" ON "pool"("id", "lease_length");

ALTER TABLE "lease" ADD COLUMN "lease_length" SMALLINT NOT NULL DEFAULT 0;

-- Existing cluster pools become fixed-length pools when every lease they hold already fits.
UPDATE "pool" p SET "lease_length" = x.len
  FROM (SELECT cc.pool_id,
               CASE WHEN cc.kind = 'service' THEN CASE cc.family WHEN 4 THEN 32 ELSE 128 END
                    WHEN cc.family = 4 THEN c.node_mask_size_ipv4 ELSE c.node_mask_size_ipv6 END AS len
          FROM "cluster_cidr" cc JOIN "cluster" c ON c.id = cc.cluster_id) x
 WHERE p.id = x.pool_id
   AND x.len BETWEEN masklen(p.cidr) AND CASE p.family WHEN 4 THEN 32 ELSE 128 END
   AND NOT EXISTS (SELECT 1 FROM "lease" l WHERE l.pool_id = p.id AND (masklen(l.cidr) <> x.len OR l.overlap_allowed));
UPDATE "lease" l SET "lease_length" = p.lease_length FROM "pool" p WHERE p.id = l.pool_id AND p.lease_length <> 0;

ALTER TABLE "lease" ADD CONSTRAINT "lease_length_matches"
  CHECK ("lease_length" = 0 OR (masklen("cidr") = "lease_length" AND NOT "overlap_allowed"));
ALTER TABLE "lease" DROP CONSTRAINT "lease_pool_id_fkey";
ALTER TABLE "lease" ADD CONSTRAINT "lease_pool_id_lease_length_fkey" FOREIGN KEY ("pool_id", "lease_length")
  REFERENCES "pool"("id", "lease_length") ON DELETE CASCADE ON UPDATE CASCADE;

-- No two leases of one pool overlap, except brownfield imports accepted on purpose:
-- a GiST exclusion in pools of mixed lengths, a B-tree one in fixed-length pools.
ALTER TABLE "lease" DROP CONSTRAINT "lease_no_overlap";
ALTER TABLE "lease" ADD CONSTRAINT "lease_no_overlap"
  EXCLUDE USING gist ("pool_id" WITH =, "cidr" inet_ops WITH &&) WHERE (NOT "overlap_allowed" AND "lease_length" = 0);
ALTER TABLE "lease" ADD CONSTRAINT "lease_no_duplicate"
  EXCLUDE USING btree ("pool_id" WITH =, "cidr" WITH =) WHERE ("lease_length" <> 0);

CREATE OR REPLACE FUNCTION kipam_lease_next(
  p_pool bigint, p_len int, p_from inet,
  p_holder_kind holder_kind, p_holder_id uuid, p_slot text
) RETURNS TABLE (lease_id uuid, lease_cidr inet, existed boolean)
LANGUAGE plpgsql AS $$
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
    RAISE EXCEPTION 'pool % does not exist', p_pool USING ERRCODE = 'KP003';
  END IF;
  IF held_id IS NOT NULL THEN
    RETURN QUERY SELECT held_id, held_cidr, true;
    RETURN;
  END IF;
  IF fixed <> 0 AND fixed <> p_len THEN
    RAISE EXCEPTION 'pool % leases /% blocks only, not /%', p_pool, fixed, p_len USING ERRCODE = 'KP004';
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
      RAISE EXCEPTION 'no free /% block left in pool %', p_len, p_pool USING ERRCODE = 'KP001';
    END IF;
    PERFORM 1 FROM free_block f WHERE f.pool_id = p_pool AND f.prefix_len <= p_len
      ORDER BY f.cidr LIMIT 1 FOR UPDATE;
  END LOOP;
END $$;

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
  taken text;
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
    RAISE EXCEPTION '% is not inside pool %', p_target, p_pool USING ERRCODE = 'KP003';
  END IF;
  IF fixed <> 0 AND (fixed <> masklen(p_target) OR p_allow_overlap) THEN
    RAISE EXCEPTION 'pool % leases /% blocks only, not %', p_pool, fixed, p_target USING ERRCODE = 'KP004';
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

  RETURN QUERY INSERT INTO lease (id, pool_id, cidr, family, holder_kind, holder_id, slot, overlap_allowed, lease_length)
    VALUES (gen_random_uuid(), p_pool, p_target, family(p_target), p_holder_kind, p_holder_id, p_slot,
            p_allow_overlap AND EXISTS (SELECT 1 FROM lease l WHERE l.pool_id = p_pool AND l.cidr && p_target), fixed)
    RETURNING id, cidr, false;
END $$;

-- CREATE OR REPLACE resets a function's settings: the lowest-free-block lookups
-- still walk the (pool_id, cidr) index whatever the planner's statistics.
ALTER FUNCTION kipam_lease_next(bigint, int, inet, holder_kind, uuid, text) SET enable_seqscan = off;
ALTER FUNCTION kipam_lease_next(bigint, int, inet, holder_kind, uuid, text) SET enable_bitmapscan = off;
