-- prisma/sql/lease-engine/kipam_lease_all.sql
-- Several leases in one call, in order (a dual-stack Service's two ClusterIPs):
-- one kipam_lease per request, from parallel arrays (p_from: each request's
-- starts as an inet[] literal, since an array of arrays cannot be unnested
-- row by row). A refusal raises as kipam_lease does, naming its pool.
CREATE OR REPLACE FUNCTION kipam_lease_all(
  p_pools bigint[], p_lens int[], p_from text[], p_exact inet[],
  p_holder_kinds holder_kind[], p_holder_ids uuid[], p_slots text[]
) RETURNS TABLE (lease_id uuid, lease_cidr inet, existed boolean)
LANGUAGE sql AS $$
  SELECT l.lease_id, l.lease_cidr, l.existed
    FROM unnest(p_pools, p_lens, p_from, p_exact, p_holder_kinds, p_holder_ids, p_slots)
         WITH ORDINALITY AS r(pool, len, starts, exact, kind, holder, slot, position),
         LATERAL kipam_lease(r.pool, r.len, r.starts::inet[], r.exact, r.kind, r.holder, r.slot) l
   ORDER BY r.position;
$$;

-- prisma/sql/services/kipam_service_create.sql
-- A Service's creation in one call (one round trip, with COMMIT in the same
-- message): the lock of its name (as NameLocksRepository takes it) and the
-- lookup after it, the row, its ClusterIPs (kipam_lease_all: the lease
-- engine's requests as parallel arrays), its audit record and its
-- service.created event. `after` of both is p_model, the Service as the API
-- shows it, with its ClusterIPs (when it has leases: in the order of its
-- families) and its times filled in. When the name is taken, nothing is
-- written and the one row returned names the Service that has it. A refused
-- ClusterIP raises as kipam_lease does (KP001, KP002: the caller translates
-- it), and a name taken by a writer that skipped the lock as the unique index
-- does (23505).
CREATE OR REPLACE FUNCTION kipam_service_create(
  p_id uuid, p_cluster uuid, p_namespace text, p_name text, p_type text, p_selector jsonb,
  p_policy text, p_families text[], p_headless boolean, p_labels jsonb,
  p_pools bigint[], p_lens int[], p_from text[], p_exact inet[],
  p_holder_kinds holder_kind[], p_holder_ids uuid[], p_slots text[],
  p_actor text, p_request_id text, p_event text, p_subject text, p_model jsonb
) RETURNS TABLE (
  existing_id uuid, created_at timestamptz, updated_at timestamptz, version int,
  lease_ids uuid[], lease_cidrs text[], lease_existed boolean[]
)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  s record;
  v_ips jsonb;
  v_after jsonb;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('service'), hashtext(p_cluster::text || '/' || p_namespace || '/' || p_name));
  -- a statement of its own: its snapshot is taken after the lock, so it sees a creator that held it
  SELECT sv.id INTO existing_id FROM service sv
   WHERE sv.cluster_id = p_cluster AND sv.namespace = p_namespace AND sv.name = p_name;
  IF FOUND THEN
    RETURN NEXT;
    RETURN;
  END IF;
  INSERT INTO service AS sv (id, cluster_id, namespace, name, type, selector, ip_family_policy, ip_families, headless, labels)
    VALUES (p_id, p_cluster, p_namespace, p_name, p_type, p_selector, p_policy, p_families, p_headless, p_labels)
    RETURNING sv.created_at, sv.updated_at, sv.version INTO s;
  SELECT array_agg(l.lease_id), array_agg(l.lease_cidr::text), array_agg(l.existed)
    INTO lease_ids, lease_cidrs, lease_existed
    FROM kipam_lease_all(p_pools, p_lens, p_from, p_exact, p_holder_kinds, p_holder_ids, p_slots) l;
  IF lease_cidrs IS NOT NULL THEN
    SELECT jsonb_agg(host(c::inet) ORDER BY array_position(p_families, CASE family(c::inet) WHEN 4 THEN 'IPv4' ELSE 'IPv6' END))
      INTO v_ips FROM unnest(lease_cidrs) c;
    p_model := p_model || jsonb_build_object('clusterIP', v_ips -> 0, 'clusterIPs', v_ips);
  END IF;
  v_after := p_model || jsonb_build_object(
    'createdAt', to_char(s.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
    'updatedAt', to_char(s.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'));
  INSERT INTO audit_record (actor, action, resource, resource_id, cluster_id, request_id, before, after, reason)
    VALUES (p_actor, 'create', 'service', p_id::text, p_cluster, p_request_id, NULL, v_after, NULL);
  IF p_event IS NOT NULL THEN
    PERFORM kipam_event(p_event, p_subject, jsonb_build_object(
      'id', p_id, 'clusterId', p_cluster, 'actor', p_actor, 'requestId', p_request_id, 'before', NULL, 'after', v_after));
  END IF;
  existing_id := NULL;
  created_at := s.created_at;
  updated_at := s.updated_at;
  version := s.version;
  RETURN NEXT;
END $$;
