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
