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
CREATE OR REPLACE FUNCTION kipam_capacity_check(p_pool bigint) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
  p record;
  s capacity_scope;
  v_total numeric;
  v_free numeric;
  v_util float8;
  v_level text;
  v_owner uuid;
  v_kind text;
  v_subject text;
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
  SELECT coalesce(sum(power(2::numeric, CASE p.family WHEN 4 THEN 32 ELSE 128 END - f.prefix_len)), 0)
    INTO v_free FROM free_block f WHERE f.pool_id = p_pool;
  v_util := greatest(0, least(1, (v_total - v_free) / v_total))::float8;
  v_level := CASE WHEN v_util >= s.critical_at THEN 'critical' WHEN v_util >= s.warn_at THEN 'warning' ELSE 'ok' END;
  IF v_level = s.level THEN RETURN v_level; END IF;
  UPDATE capacity_scope SET level = v_level WHERE pool_id = p_pool;
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

CREATE OR REPLACE FUNCTION kipam_capacity_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM kipam_capacity_check(CASE TG_OP WHEN 'INSERT' THEN NEW.pool_id ELSE OLD.pool_id END);
  RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS lease_capacity ON lease;
CREATE CONSTRAINT TRIGGER lease_capacity AFTER INSERT OR DELETE ON lease
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION kipam_capacity_changed();

-- pod pools' scopes made before: their own kind
UPDATE capacity_scope cs SET kind = 'pod_pool'
  FROM cluster_cidr cc WHERE cc.pool_id = cs.pool_id AND cc.kind = 'pod_pool' AND cs.kind <> 'pod_pool';
