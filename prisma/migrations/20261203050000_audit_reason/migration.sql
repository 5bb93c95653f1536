-- Why a change was made, when the request gives a reason beyond itself: the
-- observation a reconciliation adopted or released from ("observation
-- sha256:…"). NULL for ordinary changes.
ALTER TABLE "audit_record" ADD COLUMN "reason" TEXT;
