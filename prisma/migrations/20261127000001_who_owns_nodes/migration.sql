-- A GIN index with fastupdate keeps new entries in a pending list that every
-- search reads in full until VACUUM merges it. After a few thousand node
-- registrations, looking an address up in node_addresses_idx read that list
-- on every who-owns request (0.35 ms of a 0.6 ms statement). Nodes are written
-- far less often than addresses are looked up: entries now go straight into
-- the index, and the list left from before is merged here.
ALTER INDEX "node_addresses_idx" SET (fastupdate = off);
SELECT gin_clean_pending_list('node_addresses_idx'::regclass);

-- The nodes reporting an address (who-owns), a function for the same reason as
-- kipam_leases_containing: who-owns is one statement, and with `addresses @> $1`
-- in it PostgreSQL's estimate for each known address beat the generic plan's,
-- so the whole statement (some twenty relations) was planned anew on every
-- request, which took longer than running it.
CREATE FUNCTION kipam_nodes_reporting(p_address text) RETURNS SETOF uuid
LANGUAGE plpgsql STABLE ROWS 2 AS $$
BEGIN
  RETURN QUERY SELECT n.id FROM node n
    WHERE n.addresses @> jsonb_build_array(jsonb_build_object('address', p_address));
END $$;
ALTER FUNCTION kipam_nodes_reporting(text) SET plan_cache_mode = force_generic_plan;
