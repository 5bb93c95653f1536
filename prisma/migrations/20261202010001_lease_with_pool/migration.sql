-- prisma/sql/lease-engine/lease_with_pool.sql
-- Leases with their pool: the lease engine's read interface for statements
-- that join leases with their holders (who-owns, lease lists, collision
-- checks) in one round trip. Outside libs/allocation, code reads leases
-- through this view or through LeaseEngine, never from the lease table; the
-- planner inlines the view, so a query over it plans as over the tables.
CREATE OR REPLACE VIEW lease_with_pool AS
SELECT l.id, l.pool_id, l.cidr, l.family, l.holder_kind, l.holder_id, l.slot, l.overlap_allowed, l.created_at,
       p.kind AS pool_kind, p.cidr AS pool_cidr
  FROM lease l JOIN pool p ON p.id = l.pool_id;
