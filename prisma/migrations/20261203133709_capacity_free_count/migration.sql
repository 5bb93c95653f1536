-- AlterTable
ALTER TABLE "capacity_scope" ADD COLUMN     "free_addresses" DECIMAL(39,0),
ADD COLUMN     "free_counted_by" BIGINT;

-- no longer in prisma/sql
DROP FUNCTION IF EXISTS kipam_capacity_check(bigint) CASCADE;

-- prisma/sql/events/kipam_capacity_check.sql
-- Utilisation thresholds: compares a pool's utilisation with its scope's
-- warnAt/criticalAt (capacity_scope; no row = 0.8 / 0.95, level ok) and, when
-- the level changed since the last announcement, stores the new level and
-- emits capacity.threshold-crossed. Called at COMMIT (the deferred trigger
-- below), so it sees the transaction's final state: a transaction that
-- allocates 50 blocks announces one crossing, not 50, and one that allocates
-- and releases the same block announces none. Also called when thresholds
-- change. A pod pool's CIDR (cluster_cidr kind pod_pool) is a scope of kind
-- pod_pool, owned by its cluster, apart from the cluster's own pod CIDRs.
-- Returns the level.
--
-- The pool's free addresses are kept in its scope row (free_addresses), so a
-- commit costs the same in a pool of ten leases and of a million: the trigger
-- passes each lease's change (p_delta: minus its size when allocated, plus its
-- size when released), applied under the row lock every committer of the pool
-- takes here. A change whose effect on the free space the lease alone does not
-- tell (a brownfield lease flagged overlap_allowed, or a release beside one)
-- passes NULL: the free blocks are counted afresh, and free_counted_by records
-- that this transaction's changes are all in that count (the trigger runs at
-- COMMIT, after every statement), so its other leases add nothing more. A call
-- outside the trigger (thresholds changed, p_at_commit false) counts the free
-- blocks for its level and leaves the stored count alone: the transaction's
-- own lease changes reach it at COMMIT.
CREATE OR REPLACE FUNCTION kipam_capacity_check(p_pool bigint, p_delta numeric DEFAULT NULL, p_at_commit boolean DEFAULT false)
RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
  p record;
  s capacity_scope;
  v_total numeric;
  v_free numeric;
  v_counted_by bigint;
  v_util float8;
  v_level text;
  v_owner uuid;
  v_kind text;
  v_subject text;
  v_xact bigint;
BEGIN
  SELECT id, kind, family, masklen(cidr) AS len INTO p FROM pool WHERE id = p_pool;
  IF NOT FOUND THEN RETURN NULL; END IF; -- deleted in this transaction (with its range or cluster)
  SELECT * INTO s FROM capacity_scope WHERE pool_id = p_pool FOR UPDATE;
  IF NOT FOUND THEN
    IF p.kind = 'range' THEN
      SELECT id, 'range' INTO v_owner, v_kind FROM range WHERE pool_id = p_pool;
    ELSE
      SELECT cluster_id, CASE kind WHEN 'pod_pool' THEN 'pod_pool' ELSE p.kind::text END INTO v_owner, v_kind
        FROM cluster_cidr WHERE pool_id = p_pool;
    END IF;
    IF v_owner IS NULL THEN RETURN NULL; END IF; -- a pool being created: its owner row comes next
    -- The scope row is made before it is read, so that two transactions that
    -- commit in one pool at once take turns on it (a concurrent insertion of
    -- the same key waits): neither announces a crossing the other announced.
    INSERT INTO capacity_scope (pool_id, kind, owner_id, family) VALUES (p_pool, v_kind, v_owner, p.family)
      ON CONFLICT (pool_id) DO NOTHING;
    SELECT * INTO s FROM capacity_scope WHERE pool_id = p_pool FOR UPDATE;
  END IF;
  v_total := power(2::numeric, CASE p.family WHEN 4 THEN 32 ELSE 128 END - p.len);
  v_free := s.free_addresses;
  v_counted_by := s.free_counted_by;
  IF p_at_commit THEN
    v_xact := pg_current_xact_id()::text::bigint;
    IF v_counted_by IS DISTINCT FROM v_xact THEN
      IF p_delta IS NOT NULL AND v_free IS NOT NULL THEN
        v_free := v_free + p_delta;
      ELSE
        v_free := NULL;
        v_counted_by := v_xact;
      END IF;
    END IF;
  ELSE
    v_free := NULL;
  END IF;
  IF v_free IS NULL THEN
    SELECT coalesce(sum(trunc(power(2::numeric, CASE p.family WHEN 4 THEN 32 ELSE 128 END - f.prefix_len)) * f.n), 0)
      INTO v_free FROM (SELECT prefix_len, count(*) AS n FROM free_block WHERE pool_id = p_pool GROUP BY prefix_len) f;
  END IF;
  v_util := greatest(0, least(1, (v_total - v_free) / v_total))::float8;
  v_level := CASE WHEN v_util >= s.critical_at THEN 'critical' WHEN v_util >= s.warn_at THEN 'warning' ELSE 'ok' END;
  IF p_at_commit THEN
    UPDATE capacity_scope SET level = v_level, free_addresses = v_free, free_counted_by = v_counted_by WHERE pool_id = p_pool;
  ELSIF v_level <> s.level THEN
    UPDATE capacity_scope SET level = v_level WHERE pool_id = p_pool;
  END IF;
  IF v_level = s.level THEN RETURN v_level; END IF;
  v_subject := CASE s.kind WHEN 'range' THEN 'ranges/' ELSE 'clusters/' END || s.owner_id::text;
  PERFORM kipam_event('capacity.threshold-crossed', v_subject, jsonb_build_object(
    'scope', jsonb_build_object(
      'kind', CASE s.kind WHEN 'range' THEN 'range' WHEN 'cluster_pod' THEN 'pod' WHEN 'cluster_service' THEN 'service'
                WHEN 'pod_pool' THEN 'pod-pool' ELSE s.kind END,
      'id', s.owner_id, 'family', CASE s.family WHEN 4 THEN 'IPv4' ELSE 'IPv6' END, 'poolId', p_pool::text),
    'previousLevel', s.level, 'level', v_level,
    'direction', CASE WHEN (CASE v_level WHEN 'ok' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END)
                         > (CASE s.level WHEN 'ok' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END) THEN 'up' ELSE 'down' END,
    'utilization', v_util, 'warnAt', s.warn_at, 'criticalAt', s.critical_at,
    'addresses', v_total::text, 'freeAddresses', v_free::text));
  RETURN v_level;
END $$;

-- Each lease's change of its pool's free space: its size, taken or given back,
-- unless it overlaps on purpose (brownfield) or is released beside such a
-- lease: then the space it changed is not its size, and NULL has it counted.
CREATE OR REPLACE FUNCTION kipam_capacity_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  l lease;
  v_delta numeric;
BEGIN
  IF TG_OP = 'INSERT' THEN l := NEW; ELSE l := OLD; END IF;
  v_delta := trunc(power(2::numeric, CASE l.family WHEN 4 THEN 32 ELSE 128 END - masklen(l.cidr)));
  IF l.overlap_allowed THEN
    v_delta := NULL;
  ELSIF TG_OP = 'INSERT' THEN
    v_delta := -v_delta;
  ELSIF EXISTS (SELECT 1 FROM lease o WHERE o.cidr && l.cidr AND o.overlap_allowed AND o.pool_id = l.pool_id) THEN
    v_delta := NULL;
  END IF;
  PERFORM kipam_capacity_check(l.pool_id, v_delta, true);
  RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS lease_capacity ON lease;
CREATE CONSTRAINT TRIGGER lease_capacity AFTER INSERT OR DELETE ON lease
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION kipam_capacity_changed();
