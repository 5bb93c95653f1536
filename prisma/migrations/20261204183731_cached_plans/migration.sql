-- prisma/sql/conflicts/kipam_overlap_refresh.sql
-- Keeps cidr_overlap: every pair of overlapping CIDRs of a domain (cluster
-- CIDRs of any kind, reservations), so that GET /v1/conflicts reads a page of
-- pairs instead of sweeping every CIDR of the domain (400,000 at 100,000
-- dual-stack clusters).
--
-- A CIDR that comes (or changes) has its pairs found at COMMIT, one GiST probe
-- per table (the deferred trigger), under a per-domain advisory lock held to
-- the end of the transaction; one that goes has its pairs dropped at once,
-- under the same lock. Two transactions that add overlapping CIDRs at the same
-- time therefore meet: the second to take the lock runs its probe after the
-- first committed, and sees it. Likewise a CIDR added while an overlapping one
-- is being removed is paired with it only if the removal rolled back.
CREATE OR REPLACE FUNCTION kipam_overlap_lock(p_domain uuid) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('kipam.overlap'), hashtext(p_domain::text));
END $$;

-- The pairs of one CIDR (a cluster_cidr or reservation id), found afresh from
-- what is committed and what this transaction wrote.
CREATE OR REPLACE FUNCTION kipam_overlap_refresh(p_id uuid, p_domain uuid) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  me inet;
BEGIN
  PERFORM kipam_overlap_lock(p_domain);
  DELETE FROM cidr_overlap WHERE a_id = p_id OR b_id = p_id;
  SELECT cc.cidr INTO me FROM cluster_cidr cc WHERE cc.id = p_id AND cc.domain_id = p_domain;
  IF me IS NULL THEN
    SELECT rs.cidr INTO me FROM reservation rs JOIN range r ON r.id = rs.range_id WHERE rs.id = p_id AND r.domain_id = p_domain;
  END IF;
  IF me IS NULL THEN RETURN; END IF; -- gone again before COMMIT
  INSERT INTO cidr_overlap (domain_id, a_id, b_id)
  SELECT p_domain, least(p_id, o.id), greatest(p_id, o.id)
    FROM (SELECT cc.id FROM cluster_cidr cc WHERE cc.cidr && me AND cc.domain_id = p_domain AND cc.id <> p_id
          UNION ALL
          SELECT rs.id FROM reservation rs JOIN range r ON r.id = rs.range_id
           WHERE rs.cidr && me AND r.domain_id = p_domain AND rs.id <> p_id) o
  ON CONFLICT DO NOTHING;
END $$;

CREATE OR REPLACE FUNCTION kipam_overlap_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  v_domain uuid;
BEGIN
  IF TG_TABLE_NAME = 'cluster_cidr' THEN
    v_domain := CASE TG_OP WHEN 'DELETE' THEN OLD.domain_id ELSE NEW.domain_id END;
  ELSE
    SELECT r.domain_id INTO v_domain FROM range r
     WHERE r.id = CASE TG_OP WHEN 'DELETE' THEN OLD.range_id ELSE NEW.range_id END;
  END IF;
  IF TG_OP = 'DELETE' THEN
    -- a range goes after its reservations, so its domain is still there to lock
    IF v_domain IS NOT NULL THEN PERFORM kipam_overlap_lock(v_domain); END IF;
    DELETE FROM cidr_overlap WHERE a_id = OLD.id OR b_id = OLD.id;
  ELSIF v_domain IS NOT NULL THEN
    PERFORM kipam_overlap_refresh(NEW.id, v_domain);
  END IF;
  RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS cluster_cidr_overlap ON cluster_cidr;
CREATE CONSTRAINT TRIGGER cluster_cidr_overlap AFTER INSERT OR UPDATE OF cidr, domain_id ON cluster_cidr
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION kipam_overlap_changed();
CREATE OR REPLACE TRIGGER cluster_cidr_overlap_gone AFTER DELETE ON cluster_cidr
  FOR EACH ROW EXECUTE FUNCTION kipam_overlap_changed();
DROP TRIGGER IF EXISTS reservation_overlap ON reservation;
CREATE CONSTRAINT TRIGGER reservation_overlap AFTER INSERT OR UPDATE OF cidr, range_id ON reservation
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION kipam_overlap_changed();
CREATE OR REPLACE TRIGGER reservation_overlap_gone AFTER DELETE ON reservation
  FOR EACH ROW EXECUTE FUNCTION kipam_overlap_changed();

-- prisma/sql/events/kipam_event.sql
-- Appends one CloudEvents 1.0 event to the outbox, in the caller's transaction:
-- the event commits (and is delivered) if and only if the change does. The
-- webhook_fanout trigger (kipam_webhook_fanout.sql) queues its deliveries.
CREATE OR REPLACE FUNCTION kipam_event(p_type text, p_subject text, p_data jsonb) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  -- PL/pgSQL, not SQL: the INSERT's plan is cached for the session instead of made on every event
  INSERT INTO event_outbox (type, source, subject, data) VALUES (p_type, '/kipam', p_subject, p_data);
END $$;

-- prisma/sql/lease-engine/kipam_lease_all.sql
-- Several leases in one call, in order (a dual-stack Service's two ClusterIPs):
-- one kipam_lease per request, from parallel arrays (p_from: each request's
-- starts as an inet[] literal, since an array of arrays cannot be unnested
-- row by row). A refusal raises as kipam_lease does, naming its pool.
CREATE OR REPLACE FUNCTION kipam_lease_all(
  p_pools bigint[], p_lens int[], p_from text[], p_exact inet[],
  p_holder_kinds holder_kind[], p_holder_ids uuid[], p_slots text[]
) RETURNS TABLE (lease_id uuid, lease_cidr inet, existed boolean)
LANGUAGE plpgsql AS $$
BEGIN
  -- PL/pgSQL, not SQL: the plan is cached for the session instead of made on every call
  RETURN QUERY
  SELECT l.lease_id, l.lease_cidr, l.existed
    FROM unnest(p_pools, p_lens, p_from, p_exact, p_holder_kinds, p_holder_ids, p_slots)
         WITH ORDINALITY AS r(pool, len, starts, exact, kind, holder, slot, position),
         LATERAL kipam_lease(r.pool, r.len, r.starts::inet[], r.exact, r.kind, r.holder, r.slot) l
   ORDER BY r.position;
END $$;
