-- Every event queues one delivery per enabled webhook whose filter takes its
-- type (an empty filter takes every type), in the event's transaction.
CREATE OR REPLACE FUNCTION kipam_webhook_fanout() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO webhook_delivery (webhook_id, event_id, subject)
    SELECT w.id, NEW.id, NEW.subject FROM webhook w
     WHERE w.enabled AND (cardinality(w.event_types) = 0 OR NEW.type = ANY (w.event_types));
  RETURN NULL;
END $$;

CREATE OR REPLACE TRIGGER event_outbox_fanout AFTER INSERT ON event_outbox
  FOR EACH ROW EXECUTE FUNCTION kipam_webhook_fanout();
