-- AlterEnum
ALTER TYPE "cidr_kind" ADD VALUE 'pod_pool';

-- DropIndex (one pod and one service CIDR per family and ServiceCIDR, 20261203020001)
DROP INDEX "cluster_cidr_cluster_id_kind_family_service_cidr_name_key";

-- CreateTable
CREATE TABLE "pod_pool" (
    "id" UUID NOT NULL,
    "cluster_id" UUID NOT NULL,
    "cidr_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "family" SMALLINT NOT NULL,
    "pool_order" INTEGER NOT NULL,
    "node_mask_size" SMALLINT NOT NULL,
    "node_selector" JSONB,
    "version" INTEGER NOT NULL DEFAULT 1,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "pod_pool_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "pod_pool_cidr_id_key" ON "pod_pool"("cidr_id");

-- CreateIndex
CREATE UNIQUE INDEX "pod_pool_cluster_id_name_key" ON "pod_pool"("cluster_id", "name");

-- CreateIndex
CREATE INDEX "cluster_cidr_cluster_id_kind_family_idx" ON "cluster_cidr"("cluster_id", "kind", "family");

-- AddForeignKey
ALTER TABLE "pod_pool" ADD CONSTRAINT "pod_pool_cluster_id_fkey" FOREIGN KEY ("cluster_id") REFERENCES "cluster"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "pod_pool" ADD CONSTRAINT "pod_pool_cidr_id_fkey" FOREIGN KEY ("cidr_id") REFERENCES "cluster_cidr"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- One pod and one service CIDR per family (and per ServiceCIDR), as the unique index dropped above held it;
-- pod_pool rows (extra pod pools, any number per family) are left out.
ALTER TABLE "cluster_cidr" ADD CONSTRAINT "cluster_cidr_one_per_family"
  EXCLUDE USING btree ("cluster_id" WITH =, "kind" WITH =, "family" WITH =, "service_cidr_name" WITH =) WHERE ("kind" IN ('pod', 'service'));
