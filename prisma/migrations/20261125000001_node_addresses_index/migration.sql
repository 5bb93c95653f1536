-- who-owns answers look nodes up by address (addresses @> [{address}])
-- CreateIndex
CREATE INDEX "node_addresses_idx" ON "node" USING GIN ("addresses" jsonb_path_ops);
