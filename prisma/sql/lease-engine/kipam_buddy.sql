-- The buddy of an aligned block (same length, differing in its last prefix bit).
CREATE OR REPLACE FUNCTION kipam_buddy(block inet) RETURNS inet
LANGUAGE plpgsql IMMUTABLE STRICT AS $$
DECLARE
  w int := CASE family(block) WHEN 4 THEN 32 ELSE 128 END;
  zero inet := CASE family(block) WHEN 4 THEN '0.0.0.0/32'::inet ELSE '::/128'::inet END;
  host inet := set_masklen(block, w);
  b inet := kipam_level_bit(zero, masklen(block));
BEGIN
  IF (host & b) = zero THEN
    RETURN set_masklen(host | b, masklen(block));
  END IF;
  RETURN set_masklen(host & ~b, masklen(block));
END $$;
