-- Extra ServiceCIDRs (networking.k8s.io/v1, Kubernetes >= 1.33): a service_cidr row per ServiceCIDR, its CIDRs
-- cluster_cidr rows of kind service carrying its name ('' for the cluster's own CIDRs).
-- DropIndex
DROP INDEX "cluster_cidr_cluster_id_kind_family_key";

-- AlterTable
ALTER TABLE "cluster_cidr" ADD COLUMN     "service_cidr_name" TEXT NOT NULL DEFAULT '';

-- CreateTable
CREATE TABLE "service_cidr" (
    "id" UUID NOT NULL,
    "cluster_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "service_cidr_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "service_cidr_cluster_id_name_key" ON "service_cidr"("cluster_id", "name");

-- CreateIndex
CREATE UNIQUE INDEX "cluster_cidr_cluster_id_kind_family_service_cidr_name_key" ON "cluster_cidr"("cluster_id", "kind", "family", "service_cidr_name");

-- AddForeignKey
ALTER TABLE "service_cidr" ADD CONSTRAINT "service_cidr_cluster_id_fkey" FOREIGN KEY ("cluster_id") REFERENCES "cluster"("id") ON DELETE CASCADE ON UPDATE CASCADE;
