-- The address with only the bit of prefix level k set (k >= 1), in the family of `zero`.
CREATE OR REPLACE FUNCTION kipam_level_bit(zero inet, k int) RETURNS inet
LANGUAGE sql IMMUTABLE STRICT AS $$
  SELECT set_masklen(hostmask(set_masklen(zero, k - 1)) & ~hostmask(set_masklen(zero, k)), CASE family(zero) WHEN 4 THEN 32 ELSE 128 END)
$$;
