-- prisma/sql/events/kipam_capacity_check.sql
-- Utilisation thresholds: compares a pool's utilisation with its scope's
-- warnAt/criticalAt (capacity_scope; no row = 0.8 / 0.95, level ok) and, when
-- the level changed since the last announcement, stores the new level and
-- emits capacity.threshold-crossed. Called at COMMIT (the deferred trigger
-- below), so it sees the transaction's final state: a transaction that
-- allocates 50 blocks announces one crossing, not 50, and one that allocates
-- and releases the same block announces none. Also called when thresholds
-- change. Returns the level.
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
  v_subject text;
BEGIN
  SELECT id, kind, family, masklen(cidr) AS len INTO p FROM pool WHERE id = p_pool;
  IF NOT FOUND THEN RETURN NULL; END IF; -- deleted in this transaction (with its range or cluster)
  SELECT * INTO s FROM capacity_scope WHERE pool_id = p_pool FOR UPDATE;
  IF NOT FOUND THEN
    IF p.kind = 'range' THEN
      SELECT id INTO v_owner FROM range WHERE pool_id = p_pool;
    ELSE
      SELECT cluster_id INTO v_owner FROM cluster_cidr WHERE pool_id = p_pool;
    END IF;
    IF v_owner IS NULL THEN RETURN NULL; END IF; -- a pool being created: its owner row comes next
    s.pool_id := p_pool; s.kind := p.kind::text; s.owner_id := v_owner; s.family := p.family;
    s.warn_at := 0.8; s.critical_at := 0.95; s.level := 'ok';
  END IF;
  v_total := power(2::numeric, CASE p.family WHEN 4 THEN 32 ELSE 128 END - p.len);
  SELECT coalesce(sum(power(2::numeric, CASE p.family WHEN 4 THEN 32 ELSE 128 END - f.prefix_len)), 0)
    INTO v_free FROM free_block f WHERE f.pool_id = p_pool;
  v_util := greatest(0, least(1, (v_total - v_free) / v_total))::float8;
  v_level := CASE WHEN v_util >= s.critical_at THEN 'critical' WHEN v_util >= s.warn_at THEN 'warning' ELSE 'ok' END;
  IF v_level = s.level THEN RETURN v_level; END IF;
  INSERT INTO capacity_scope (pool_id, kind, owner_id, family, warn_at, critical_at, level)
    VALUES (s.pool_id, s.kind, s.owner_id, s.family, s.warn_at, s.critical_at, v_level)
    ON CONFLICT (pool_id) DO UPDATE SET level = EXCLUDED.level;
  v_subject := CASE s.kind WHEN 'range' THEN 'ranges/' ELSE 'clusters/' END || s.owner_id::text;
  PERFORM kipam_event('capacity.threshold-crossed', v_subject, jsonb_build_object(
    'scope', jsonb_build_object(
      'kind', CASE s.kind WHEN 'range' THEN 'range' WHEN 'cluster_pod' THEN 'pod' WHEN 'cluster_service' THEN 'service' ELSE s.kind END,
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

-- prisma/sql/events/kipam_conflict_event.sql
-- conflict.detected when a cluster CIDR is recorded that overlaps another
-- cluster CIDR of its domain (accepted with allowConflicts, or declared
-- explicitly), conflict.resolved when such a CIDR goes (its overlaps with the
-- others named go with it). The subject is the domain (`domains/<id>`).
CREATE OR REPLACE FUNCTION kipam_conflict_event() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  c cluster_cidr;
  others jsonb;
BEGIN
  IF TG_OP = 'INSERT' THEN c := NEW; ELSE c := OLD; END IF;
  SELECT jsonb_agg(jsonb_build_object('clusterId', o.cluster_id, 'kind', o.kind::text, 'cidr', o.cidr::text) ORDER BY o.cidr)
    INTO others
    FROM cluster_cidr o
   WHERE o.domain_id = c.domain_id AND o.cidr && c.cidr AND o.id <> c.id AND o.cluster_id <> c.cluster_id;
  IF others IS NULL THEN RETURN NULL; END IF;
  PERFORM kipam_event(
    CASE TG_OP WHEN 'INSERT' THEN 'conflict.detected' ELSE 'conflict.resolved' END,
    'domains/' || c.domain_id::text,
    jsonb_build_object('domainId', c.domain_id, 'clusterId', c.cluster_id, 'kind', c.kind::text,
                       'cidr', c.cidr::text, 'overlaps', others));
  RETURN NULL;
END $$;

CREATE OR REPLACE TRIGGER cluster_cidr_conflict_event AFTER INSERT OR DELETE ON cluster_cidr
  FOR EACH ROW EXECUTE FUNCTION kipam_conflict_event();

-- prisma/sql/events/kipam_event.sql
-- Appends one CloudEvents 1.0 event to the outbox, in the caller's transaction:
-- the event commits (and is delivered) if and only if the change does. The
-- webhook_fanout trigger (kipam_webhook_fanout.sql) queues its deliveries.
CREATE OR REPLACE FUNCTION kipam_event(p_type text, p_subject text, p_data jsonb) RETURNS void
LANGUAGE sql AS $$
  INSERT INTO event_outbox (type, source, subject, data) VALUES (p_type, '/kipam', p_subject, p_data);
$$;

-- prisma/sql/events/kipam_lease_event.sql
-- lease.created and lease.released, from the lease table itself: every path
-- that allocates or releases (the engine's functions, a pool deleted with its
-- cluster) is covered once. The subject is the holder (`nodes/<id>`), so a
-- holder's lifecycle and lease events are delivered in order.
CREATE OR REPLACE FUNCTION kipam_lease_event() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  l lease;
BEGIN
  IF TG_OP = 'INSERT' THEN l := NEW; ELSE l := OLD; END IF;
  PERFORM kipam_event(
    CASE TG_OP WHEN 'INSERT' THEN 'lease.created' ELSE 'lease.released' END,
    CASE l.holder_kind WHEN 'system' THEN 'system/' ELSE l.holder_kind::text || 's/' END || l.holder_id::text,
    jsonb_build_object(
      'leaseId', l.id, 'cidr', l.cidr::text, 'family', CASE l.family WHEN 4 THEN 'IPv4' ELSE 'IPv6' END,
      'poolId', l.pool_id::text, 'holderKind', l.holder_kind::text, 'holderId', l.holder_id, 'slot', l.slot,
      'overlapAllowed', l.overlap_allowed));
  RETURN NULL;
END $$;

CREATE OR REPLACE TRIGGER lease_event AFTER INSERT OR DELETE ON lease
  FOR EACH ROW EXECUTE FUNCTION kipam_lease_event();

-- prisma/sql/events/kipam_webhook_fanout.sql
-- Every event queues one delivery per enabled webhook whose filter takes its
-- type (an empty filter takes every type), in the event's transaction.
CREATE OR REPLACE FUNCTION kipam_webhook_fanout() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO webhook_delivery (webhook_id, event_id, subject)
    SELECT w.id, NEW.id, NEW.subject FROM webhook w
     WHERE w.enabled AND (cardinality(w.event_types) = 0 OR NEW.type = ANY (w.event_types));
  RETURN NULL;
END $$;

CREATE OR REPLACE TRIGGER event_outbox_fanout AFTER INSERT ON event_outbox
  FOR EACH ROW EXECUTE FUNCTION kipam_webhook_fanout();
