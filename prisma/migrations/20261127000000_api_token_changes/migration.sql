-- Every change to a token (revoked, expired early, secret replaced, deleted)
-- is announced on the channel `kipam_api_token` when its transaction commits.
-- Each API process keeps the principals of recently seen tokens for a few
-- seconds and forgets them all on this notification, so a revocation takes
-- effect on every replica at once.
CREATE FUNCTION kipam_api_token_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('kipam_api_token', CASE WHEN TG_LEVEL = 'ROW' THEN OLD.id::text ELSE '*' END);
  RETURN NULL;
END $$;

CREATE TRIGGER api_token_changed AFTER UPDATE OR DELETE ON api_token
  FOR EACH ROW EXECUTE FUNCTION kipam_api_token_changed();

CREATE TRIGGER api_token_truncated AFTER TRUNCATE ON api_token
  FOR EACH STATEMENT EXECUTE FUNCTION kipam_api_token_changed();
