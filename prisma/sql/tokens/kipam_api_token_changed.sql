-- Every change to tokens (revoked, expired early, secret replaced, deleted)
-- is announced on the channel `kipam_api_token` when its transaction commits.
-- Each API process keeps the principals of recently seen tokens for a few
-- seconds and forgets them all on this notification, so a revocation takes
-- effect on every replica at once. One notification per statement: identical
-- notifications of one transaction are delivered once.
CREATE OR REPLACE FUNCTION kipam_api_token_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('kipam_api_token', 'changed');
  RETURN NULL;
END $$;

CREATE OR REPLACE TRIGGER api_token_changed AFTER UPDATE OR DELETE OR TRUNCATE ON api_token
  FOR EACH STATEMENT EXECUTE FUNCTION kipam_api_token_changed();
