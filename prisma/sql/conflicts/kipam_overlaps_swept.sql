-- Every pair of overlapping CIDRs of every domain, computed from scratch: the
-- cluster CIDRs (of any kind) and the reservations, a_id < b_id. What
-- cidr_overlap keeps (kipam_overlap_refresh.sql); this fills it when the
-- table is first made, and checks it (the chaos run).
--
-- CIDR blocks never partly overlap, so a sorted sweep finds every block that
-- touches another in one pass, and the run of overlapping blocks it belongs
-- to; only blocks of one run are paired with `&&`. In (start, prefix length)
-- order every block of a run lies inside the run's first block, whose end is
-- the highest end so far: that end names the run, so one sort and one sweep
-- (the highest end before each block, and the next block's start) give both
-- whether a block touches another and its run.
CREATE OR REPLACE FUNCTION kipam_overlaps_swept() RETURNS TABLE (domain_id uuid, a_id uuid, b_id uuid)
LANGUAGE sql STABLE AS $$
  WITH items AS (
    SELECT cc.id AS item_id, cc.cidr, cc.family, cc.domain_id FROM cluster_cidr cc
    UNION ALL
    SELECT rs.id, rs.cidr, r.family, r.domain_id FROM reservation rs JOIN range r ON r.id = rs.range_id
  ),
  bounds AS (
    SELECT *, set_masklen(network(cidr), CASE family WHEN 4 THEN 32 ELSE 128 END) AS first_addr,
              set_masklen(broadcast(cidr), CASE family WHEN 4 THEN 32 ELSE 128 END) AS last_addr
      FROM items
  ),
  swept AS (
    SELECT *,
           max(last_addr) OVER (PARTITION BY domain_id, family ORDER BY first_addr, masklen(cidr), item_id
                                ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_last,
           lead(first_addr) OVER (PARTITION BY domain_id, family ORDER BY first_addr, masklen(cidr), item_id) AS next_first
      FROM bounds
  ),
  touching AS (
    SELECT *, CASE WHEN prev_last >= first_addr THEN prev_last ELSE last_addr END AS run
      FROM swept WHERE prev_last >= first_addr OR next_first <= last_addr
  )
  SELECT a.domain_id, a.item_id, b.item_id
    FROM touching a
    JOIN touching b ON b.domain_id = a.domain_id AND b.family = a.family AND b.run = a.run
                   AND a.cidr && b.cidr AND a.item_id < b.item_id;
$$;
