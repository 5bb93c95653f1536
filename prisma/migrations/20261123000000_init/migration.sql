-- CreateEnum
CREATE TYPE "range_purpose" AS ENUM ('pod', 'service', 'any');

-- CreateEnum
CREATE TYPE "pool_kind" AS ENUM ('range', 'cluster_pod', 'cluster_service');

-- CreateEnum
CREATE TYPE "holder_kind" AS ENUM ('range', 'cluster', 'node', 'service', 'reservation', 'system');

-- CreateEnum
CREATE TYPE "cidr_kind" AS ENUM ('pod', 'service');

-- CreateTable
CREATE TABLE "domain" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "version" INTEGER NOT NULL DEFAULT 1,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "domain_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "pool" (
    "id" BIGSERIAL NOT NULL,
    "kind" "pool_kind" NOT NULL,
    "cidr" INET NOT NULL,
    "family" SMALLINT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "pool_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "free_block" (
    "pool_id" BIGINT NOT NULL,
    "cidr" INET NOT NULL,
    "prefix_len" SMALLINT NOT NULL,

    CONSTRAINT "free_block_pkey" PRIMARY KEY ("pool_id","cidr")
);

-- CreateTable
CREATE TABLE "lease" (
    "id" UUID NOT NULL,
    "pool_id" BIGINT NOT NULL,
    "cidr" INET NOT NULL,
    "family" SMALLINT NOT NULL,
    "holder_kind" "holder_kind" NOT NULL,
    "holder_id" UUID NOT NULL,
    "slot" TEXT NOT NULL,
    "overlap_allowed" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "lease_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "range" (
    "id" UUID NOT NULL,
    "domain_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "cidr" INET NOT NULL,
    "family" SMALLINT NOT NULL,
    "parent_id" UUID,
    "purpose" "range_purpose" NOT NULL DEFAULT 'any',
    "min_prefix_length" SMALLINT,
    "max_prefix_length" SMALLINT,
    "default_prefix_length" SMALLINT,
    "labels" JSONB NOT NULL DEFAULT '{}',
    "description" TEXT NOT NULL DEFAULT '',
    "pool_id" BIGINT NOT NULL,
    "parent_lease_id" UUID,
    "version" INTEGER NOT NULL DEFAULT 1,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "range_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "reservation" (
    "id" UUID NOT NULL,
    "range_id" UUID NOT NULL,
    "cidr" INET NOT NULL,
    "reason" TEXT NOT NULL DEFAULT '',
    "version" INTEGER NOT NULL DEFAULT 1,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "reservation_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "cluster" (
    "id" UUID NOT NULL,
    "domain_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "ip_families" TEXT[],
    "node_mask_size_ipv4" SMALLINT NOT NULL DEFAULT 24,
    "node_mask_size_ipv6" SMALLINT NOT NULL DEFAULT 64,
    "kubernetes_version" TEXT,
    "labels" JSONB NOT NULL DEFAULT '{}',
    "allow_conflicts" BOOLEAN NOT NULL DEFAULT false,
    "version" INTEGER NOT NULL DEFAULT 1,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "cluster_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "cluster_cidr" (
    "id" UUID NOT NULL,
    "cluster_id" UUID NOT NULL,
    "domain_id" UUID NOT NULL,
    "kind" "cidr_kind" NOT NULL,
    "family" SMALLINT NOT NULL,
    "position" SMALLINT NOT NULL,
    "cidr" INET NOT NULL,
    "range_id" UUID,
    "lease_id" UUID,
    "pool_id" BIGINT NOT NULL,
    "overlap_allowed" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "cluster_cidr_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "node" (
    "id" UUID NOT NULL,
    "cluster_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "labels" JSONB NOT NULL DEFAULT '{}',
    "addresses" JSONB NOT NULL DEFAULT '[]',
    "version" INTEGER NOT NULL DEFAULT 1,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "node_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "service" (
    "id" UUID NOT NULL,
    "cluster_id" UUID NOT NULL,
    "namespace" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "type" TEXT NOT NULL DEFAULT 'ClusterIP',
    "selector" JSONB,
    "ip_family_policy" TEXT NOT NULL,
    "ip_families" TEXT[],
    "headless" BOOLEAN NOT NULL DEFAULT false,
    "labels" JSONB NOT NULL DEFAULT '{}',
    "version" INTEGER NOT NULL DEFAULT 1,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "service_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "api_token" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "clusters" UUID[],
    "secret_hash" TEXT NOT NULL,
    "expires_at" TIMESTAMPTZ(3),
    "revoked_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "api_token_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "idempotency_record" (
    "key" TEXT NOT NULL,
    "method" TEXT NOT NULL,
    "path" TEXT NOT NULL,
    "fingerprint" TEXT NOT NULL,
    "status" INTEGER,
    "headers" JSONB,
    "body" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "completed_at" TIMESTAMPTZ(3),

    CONSTRAINT "idempotency_record_pkey" PRIMARY KEY ("key")
);

-- CreateTable
CREATE TABLE "audit_record" (
    "id" BIGSERIAL NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actor" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "resource" TEXT NOT NULL,
    "resource_id" TEXT NOT NULL,
    "cluster_id" UUID,
    "request_id" TEXT,
    "before" JSONB,
    "after" JSONB,

    CONSTRAINT "audit_record_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "domain_name_key" ON "domain"("name");

-- CreateIndex
CREATE INDEX "free_block_pool_id_prefix_len_cidr_idx" ON "free_block"("pool_id", "prefix_len", "cidr");

-- CreateIndex
CREATE INDEX "lease_pool_id_cidr_idx" ON "lease"("pool_id", "cidr");

-- CreateIndex
CREATE INDEX "lease_cidr_idx" ON "lease" USING GIST ("cidr" inet_ops);

-- CreateIndex
CREATE UNIQUE INDEX "lease_holder_kind_holder_id_slot_key" ON "lease"("holder_kind", "holder_id", "slot");

-- CreateIndex
CREATE UNIQUE INDEX "range_pool_id_key" ON "range"("pool_id");

-- CreateIndex
CREATE UNIQUE INDEX "range_parent_lease_id_key" ON "range"("parent_lease_id");

-- CreateIndex
CREATE INDEX "range_domain_id_cidr_idx" ON "range"("domain_id", "cidr");

-- CreateIndex
CREATE UNIQUE INDEX "range_domain_id_name_key" ON "range"("domain_id", "name");

-- CreateIndex
CREATE INDEX "reservation_range_id_cidr_idx" ON "reservation"("range_id", "cidr");

-- CreateIndex
CREATE UNIQUE INDEX "cluster_domain_id_name_key" ON "cluster"("domain_id", "name");

-- CreateIndex
CREATE UNIQUE INDEX "cluster_cidr_lease_id_key" ON "cluster_cidr"("lease_id");

-- CreateIndex
CREATE UNIQUE INDEX "cluster_cidr_pool_id_key" ON "cluster_cidr"("pool_id");

-- CreateIndex
CREATE INDEX "cluster_cidr_domain_id_idx" ON "cluster_cidr"("domain_id");

-- CreateIndex
CREATE INDEX "cluster_cidr_cidr_idx" ON "cluster_cidr" USING GIST ("cidr" inet_ops);

-- CreateIndex
CREATE UNIQUE INDEX "cluster_cidr_cluster_id_kind_family_key" ON "cluster_cidr"("cluster_id", "kind", "family");

-- CreateIndex
CREATE UNIQUE INDEX "node_cluster_id_name_key" ON "node"("cluster_id", "name");

-- CreateIndex
CREATE UNIQUE INDEX "service_cluster_id_namespace_name_key" ON "service"("cluster_id", "namespace", "name");

-- CreateIndex
CREATE UNIQUE INDEX "api_token_name_key" ON "api_token"("name");

-- CreateIndex
CREATE UNIQUE INDEX "api_token_secret_hash_key" ON "api_token"("secret_hash");

-- CreateIndex
CREATE INDEX "idempotency_record_created_at_idx" ON "idempotency_record"("created_at");

-- CreateIndex
CREATE INDEX "audit_record_resource_at_idx" ON "audit_record"("resource", "at");

-- CreateIndex
CREATE INDEX "audit_record_cluster_id_at_idx" ON "audit_record"("cluster_id", "at");

-- CreateIndex
CREATE INDEX "audit_record_actor_at_idx" ON "audit_record"("actor", "at");

-- AddForeignKey
ALTER TABLE "free_block" ADD CONSTRAINT "free_block_pool_id_fkey" FOREIGN KEY ("pool_id") REFERENCES "pool"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "lease" ADD CONSTRAINT "lease_pool_id_fkey" FOREIGN KEY ("pool_id") REFERENCES "pool"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "range" ADD CONSTRAINT "range_domain_id_fkey" FOREIGN KEY ("domain_id") REFERENCES "domain"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "range" ADD CONSTRAINT "range_parent_id_fkey" FOREIGN KEY ("parent_id") REFERENCES "range"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "range" ADD CONSTRAINT "range_pool_id_fkey" FOREIGN KEY ("pool_id") REFERENCES "pool"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "reservation" ADD CONSTRAINT "reservation_range_id_fkey" FOREIGN KEY ("range_id") REFERENCES "range"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "cluster" ADD CONSTRAINT "cluster_domain_id_fkey" FOREIGN KEY ("domain_id") REFERENCES "domain"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "cluster_cidr" ADD CONSTRAINT "cluster_cidr_cluster_id_fkey" FOREIGN KEY ("cluster_id") REFERENCES "cluster"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "cluster_cidr" ADD CONSTRAINT "cluster_cidr_range_id_fkey" FOREIGN KEY ("range_id") REFERENCES "range"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "cluster_cidr" ADD CONSTRAINT "cluster_cidr_pool_id_fkey" FOREIGN KEY ("pool_id") REFERENCES "pool"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "node" ADD CONSTRAINT "node_cluster_id_fkey" FOREIGN KEY ("cluster_id") REFERENCES "cluster"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "service" ADD CONSTRAINT "service_cluster_id_fkey" FOREIGN KEY ("cluster_id") REFERENCES "cluster"("id") ON DELETE CASCADE ON UPDATE CASCADE;
