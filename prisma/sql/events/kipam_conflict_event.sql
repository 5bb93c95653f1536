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
