-- The leases containing an address (who-owns). A function, so that the queries
-- built around it plan the same way whatever the address: a prepared statement
-- with `cidr >>= $1` in it was planned anew on every execution (PostgreSQL's
-- estimate for a known address beat the generic plan's), and with the lease
-- view and holder lookups around it that planning cost more than the query.
-- Inside, the lookup is one GiST probe with a plan made once per session.
CREATE OR REPLACE FUNCTION kipam_leases_containing(p_address inet) RETURNS SETOF uuid
LANGUAGE plpgsql STABLE ROWS 4
SET plan_cache_mode = force_generic_plan
AS $$
BEGIN
  RETURN QUERY SELECT l.id FROM lease l WHERE l.cidr >>= p_address;
END $$;
