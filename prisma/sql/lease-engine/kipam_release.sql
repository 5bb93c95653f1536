-- Releases leases and returns their space to their pools. Returns how many were released.
CREATE OR REPLACE FUNCTION kipam_release(p_leases uuid[]) RETURNS int
LANGUAGE plpgsql AS $$
DECLARE
  r record;
  n int := 0;
BEGIN
  FOR r IN DELETE FROM lease WHERE id = ANY (p_leases) RETURNING pool_id, cidr LOOP
    PERFORM kipam_free_uncovered(r.pool_id, r.cidr);
    n := n + 1;
  END LOOP;
  RETURN n;
END $$;
