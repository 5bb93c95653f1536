-- EKS IPv6 profile (seed 004): a cluster's profile, its node-local ranges
-- (reused on every node, so neither leases nor part of the overlap
-- constraint), and the RFC 4193 global IDs of generated ULA service ranges,
-- unique across the fleet and never handed out twice.
-- AlterTable
ALTER TABLE "cluster" ADD COLUMN     "profile" TEXT;

-- AlterTable
ALTER TABLE "cluster_cidr" ADD COLUMN     "ula_global_id" BIGINT;

-- CreateTable
CREATE TABLE "cluster_node_local_cidr" (
    "cluster_id" UUID NOT NULL,
    "position" SMALLINT NOT NULL,
    "cidr" INET NOT NULL,
    "family" SMALLINT NOT NULL,
    "cluster_name" TEXT NOT NULL,

    CONSTRAINT "cluster_node_local_cidr_pkey" PRIMARY KEY ("cluster_id","position")
);

-- CreateTable
CREATE TABLE "ula_global_id" (
    "global_id" BIGINT NOT NULL,
    "prefix" INET NOT NULL,
    "cluster_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ula_global_id_pkey" PRIMARY KEY ("global_id")
);

-- CreateIndex
CREATE INDEX "cluster_node_local_cidr_cidr_cluster_name_cluster_id_idx" ON "cluster_node_local_cidr"("cidr", "cluster_name", "cluster_id");

-- CreateIndex
CREATE UNIQUE INDEX "ula_global_id_prefix_key" ON "ula_global_id"("prefix");

-- CreateIndex
CREATE UNIQUE INDEX "cluster_cidr_ula_global_id_key" ON "cluster_cidr"("ula_global_id");

-- AddForeignKey
ALTER TABLE "cluster_cidr" ADD CONSTRAINT "cluster_cidr_ula_global_id_fkey" FOREIGN KEY ("ula_global_id") REFERENCES "ula_global_id"("global_id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "cluster_node_local_cidr" ADD CONSTRAINT "cluster_node_local_cidr_cluster_id_fkey" FOREIGN KEY ("cluster_id") REFERENCES "cluster"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- The profiles Kipam knows; null is the generic cluster.
ALTER TABLE "cluster" ADD CONSTRAINT "cluster_profile_check" CHECK ("profile" IS NULL OR "profile" = 'eks-ipv6');

-- 40 bits, and the /48 is fd00::/8 followed by them (RFC 4193 §3.2.1: L = 1, then the global ID).
ALTER TABLE "ula_global_id" ADD CONSTRAINT "ula_global_id_range_check" CHECK ("global_id" >= 0 AND "global_id" < 1099511627776);
ALTER TABLE "ula_global_id" ADD CONSTRAINT "ula_global_id_prefix_check" CHECK (masklen("prefix") = 48 AND family("prefix") = 6 AND "prefix" << 'fd00::/8'::inet);
