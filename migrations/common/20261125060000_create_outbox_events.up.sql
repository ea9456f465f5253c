-- The transactional outbox (common/events/outbox.h): events are written in
-- the same transaction as the change they describe, and relayed to NATS
-- JetStream afterwards (Nats-Msg-Id = id, so a re-sent event is dropped).
CREATE TABLE outbox_events (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    type text NOT NULL,
    aggregate_id uuid NOT NULL,
    envelope bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    published_at timestamptz
);

-- The relay reads what is not published yet, oldest first.
CREATE INDEX outbox_events_unpublished_idx ON outbox_events (created_at)
    WHERE published_at IS NULL;
