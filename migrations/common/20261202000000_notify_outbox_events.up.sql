-- The outbox relay (common/events/relay.h) LISTENs on channel outbox_events:
-- a NOTIFY is delivered when the inserting transaction commits (never for a
-- rolled-back one), and identical notifications of one transaction fold
-- into one, so a batch insert wakes the relay once.
CREATE FUNCTION notify_outbox_events() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('outbox_events', '');
    RETURN NULL;
END;
$$;

CREATE TRIGGER outbox_events_notify AFTER INSERT ON outbox_events
    FOR EACH STATEMENT EXECUTE FUNCTION notify_outbox_events();

-- The relay's claim holds a row back while its aggregate has an older
-- unpublished row outside the batch (per-aggregate order).
CREATE INDEX outbox_events_unpublished_aggregate_idx ON outbox_events (aggregate_id, created_at)
    WHERE published_at IS NULL;

-- Replay (common/events/events_replay.cc) pages every row by the keyset
-- (created_at, id), published or not.
CREATE INDEX outbox_events_created_at_id_idx ON outbox_events (created_at, id);

-- Retention pruning deletes published rows by age.
CREATE INDEX outbox_events_published_at_idx ON outbox_events (published_at)
    WHERE published_at IS NOT NULL;
