-- The audit trail is append-only: no API route changes it, and the database
-- refuses UPDATE, DELETE and TRUNCATE whatever the code does. Pruning old
-- records is an operator's decision: as the table owner,
-- ALTER TABLE audit_record DISABLE TRIGGER USER, delete, then ENABLE it again.
CREATE OR REPLACE FUNCTION kipam_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_record is append-only: % is not allowed', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE OR REPLACE TRIGGER audit_record_append_only
  BEFORE UPDATE OR DELETE ON audit_record
  FOR EACH ROW EXECUTE FUNCTION kipam_audit_append_only();

CREATE OR REPLACE TRIGGER audit_record_no_truncate
  BEFORE TRUNCATE ON audit_record
  FOR EACH STATEMENT EXECUTE FUNCTION kipam_audit_append_only();
