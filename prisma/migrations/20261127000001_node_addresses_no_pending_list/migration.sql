-- A GIN index with fastupdate keeps new entries in a pending list that every
-- search reads in full until VACUUM merges it. After a few thousand node
-- registrations, looking an address up in node_addresses_idx read that list
-- on every who-owns request (0.35 ms of a 0.6 ms statement). Nodes are written
-- far less often than addresses are looked up: entries now go straight into
-- the index, and the list left from before is merged here.
ALTER INDEX "node_addresses_idx" SET (fastupdate = off);
SELECT gin_clean_pending_list('node_addresses_idx'::regclass);
