-- The nodes reporting an address (who-owns), a function for the same reason as
-- kipam_leases_containing: who-owns is one statement, and with `addresses @> $1`
-- in it PostgreSQL's estimate for each known address beat the generic plan's,
-- so the whole statement (some twenty relations) was planned anew on every
-- request, which took longer than running it.
CREATE OR REPLACE FUNCTION kipam_nodes_reporting(p_address text) RETURNS SETOF uuid
LANGUAGE plpgsql STABLE ROWS 2
SET plan_cache_mode = force_generic_plan
AS $$
BEGIN
  RETURN QUERY SELECT n.id FROM node n
    WHERE n.addresses @> jsonb_build_array(jsonb_build_object('address', p_address));
END $$;
