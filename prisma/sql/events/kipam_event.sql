-- Appends one CloudEvents 1.0 event to the outbox, in the caller's transaction:
-- the event commits (and is delivered) if and only if the change does. The
-- webhook_fanout trigger (kipam_webhook_fanout.sql) queues its deliveries.
CREATE OR REPLACE FUNCTION kipam_event(p_type text, p_subject text, p_data jsonb) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  -- PL/pgSQL, not SQL: the INSERT's plan is cached for the session instead of made on every event
  INSERT INTO event_outbox (type, source, subject, data) VALUES (p_type, '/kipam', p_subject, p_data);
END $$;
