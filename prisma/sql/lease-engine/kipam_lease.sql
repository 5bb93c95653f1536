-- One lease, next free (p_exact NULL) or exactly p_exact: lets a request lease
-- several blocks (a dual-stack Service's two ClusterIPs) in one statement.
-- p_from: the starts of kipam_lease_next.
CREATE OR REPLACE FUNCTION kipam_lease(
  p_pool bigint, p_len int, p_from inet[], p_exact inet,
  p_holder_kind holder_kind, p_holder_id uuid, p_slot text
) RETURNS TABLE (lease_id uuid, lease_cidr inet, existed boolean)
LANGUAGE plpgsql AS $$
BEGIN
  IF p_exact IS NULL THEN
    RETURN QUERY SELECT * FROM kipam_lease_next(p_pool, p_len, p_from, p_holder_kind, p_holder_id, p_slot);
  ELSE
    RETURN QUERY SELECT * FROM kipam_lease_exact(p_pool, p_exact, false, p_holder_kind, p_holder_id, p_slot);
  END IF;
END $$;
