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
--
-- Only a cluster CIDR flagged overlap_allowed takes the lock exclusively;
-- the others (unflagged cluster CIDRs, reservations) share it, so that the
-- commits of ordinary clusters do not queue on it. Two of those cannot
-- overlap each other: unflagged cluster CIDRs exclude each other (the
-- domain's exclusion constraint, which waits for a concurrent one and refuses
-- it), a reservation is leased in its range's pool, whose exclusion
-- constraint does the same against cluster CIDRs and reservations leased
-- there, and a cluster CIDR may overlap a reservation only when flagged.
CREATE OR REPLACE FUNCTION kipam_overlap_lock(p_domain uuid, p_exclusive boolean) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  IF p_exclusive THEN
    PERFORM pg_advisory_xact_lock(hashtext('kipam.overlap'), hashtext(p_domain::text));
  ELSE
    PERFORM pg_advisory_xact_lock_shared(hashtext('kipam.overlap'), hashtext(p_domain::text));
  END IF;
END $$;

-- The pairs of one CIDR (a cluster_cidr or reservation id), found afresh from
-- what is committed and what this transaction wrote.
CREATE OR REPLACE FUNCTION kipam_overlap_refresh(p_id uuid, p_domain uuid) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  me inet;
  flagged boolean := false;
BEGIN
  SELECT cc.cidr, cc.overlap_allowed INTO me, flagged FROM cluster_cidr cc WHERE cc.id = p_id AND cc.domain_id = p_domain;
  IF me IS NULL THEN
    SELECT rs.cidr, false INTO me, flagged FROM reservation rs JOIN range r ON r.id = rs.range_id WHERE rs.id = p_id AND r.domain_id = p_domain;
  END IF;
  PERFORM kipam_overlap_lock(p_domain, coalesce(flagged, false));
  DELETE FROM cidr_overlap WHERE a_id = p_id OR b_id = p_id;
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
  v_flagged boolean := false;
BEGIN
  IF TG_TABLE_NAME = 'cluster_cidr' THEN
    v_domain := CASE TG_OP WHEN 'DELETE' THEN OLD.domain_id ELSE NEW.domain_id END;
    IF TG_OP = 'DELETE' THEN v_flagged := OLD.overlap_allowed; END IF;
  ELSE
    SELECT r.domain_id INTO v_domain FROM range r
     WHERE r.id = CASE TG_OP WHEN 'DELETE' THEN OLD.range_id ELSE NEW.range_id END;
  END IF;
  IF TG_OP = 'DELETE' THEN
    -- a range goes after its reservations, so its domain is still there to lock
    IF v_domain IS NOT NULL THEN PERFORM kipam_overlap_lock(v_domain, v_flagged); END IF;
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
