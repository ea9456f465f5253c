-- The consumers' side of the event bus (common/events/consumer.h).

-- One row per event a consumer applied (id = the event id): inserted in the
-- same transaction as the handler's effect, so a redelivered or replayed
-- event finds its id and is not applied again. Kept for
-- EVENTS_PROCESSED_RETENTION_DAYS, longer than any redelivery or replay
-- window (the outbox, the replay source, keeps rows for less).
CREATE TABLE processed_events (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    source text NOT NULL,
    type text NOT NULL,
    processed_at timestamptz NOT NULL DEFAULT clock_timestamp()
);

-- Pruning deletes by age.
CREATE INDEX processed_events_processed_at_idx ON processed_events (processed_at);

-- Poison events, parked so later ones flow: undecodable, refused by their
-- handler, or failing EVENTS_MAX_DELIVER times. `events dead-letters retry`
-- sets retry_requested_at; a consumer of the source applies the stored
-- envelope and sets retried_at, or records last_retry_error and clears the
-- request. event_id is NULL when the message carried no usable event id.
CREATE TABLE dead_letter_events (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    event_id uuid,
    source text NOT NULL,
    type text,
    subject text NOT NULL,
    envelope bytea NOT NULL,
    reason text NOT NULL,
    deliveries integer NOT NULL,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    retry_requested_at timestamptz,
    retried_at timestamptz,
    last_retry_error text,
    CONSTRAINT dead_letter_events_deliveries_check CHECK (deliveries >= 1)
);

-- An event parked again (a replay of it) updates its open dead letter
-- instead of adding a second one.
CREATE UNIQUE INDEX dead_letter_events_open_event_id_idx ON dead_letter_events (event_id)
    WHERE retried_at IS NULL;

-- The open dead letters, newest first (list, count).
CREATE INDEX dead_letter_events_open_created_at_idx ON dead_letter_events (created_at)
    WHERE retried_at IS NULL;

-- What the consumers look for on every poll: retries requested, not done.
CREATE INDEX dead_letter_events_retry_requested_idx ON dead_letter_events (source)
    WHERE retry_requested_at IS NOT NULL AND retried_at IS NULL;
