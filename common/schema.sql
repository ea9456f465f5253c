-- Tables every service database has, owned by common/ (declarative, like each
-- service's own schema.sql; their migrations live in migrations/common and
-- are applied to every service database together with its own).

-- Stored first results of idempotent mutations (common/api/idempotency.h).
CREATE TABLE idempotency_keys (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    scope text NOT NULL,
    request_id text NOT NULL,
    request_hash bytea NOT NULL,
    response bytea,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT idempotency_keys_scope_request_id_key UNIQUE (scope, request_id)
);

-- Expiry sweeps delete by age.
CREATE INDEX idempotency_keys_created_at_idx ON idempotency_keys (created_at);

-- The claim-insert protocol of older binaries (a claim inserting the key,
-- the commit updating its response); kept while they may run in a rolling
-- deploy. Raises SQLSTATE QI001 when the key is taken.
CREATE FUNCTION idempotency_claim(claim_scope text, claim_request_id text, claim_request_hash bytea)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO idempotency_keys (scope, request_id, request_hash)
    VALUES (claim_scope, claim_request_id, claim_request_hash)
    ON CONFLICT (scope, request_id) DO NOTHING;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'idempotency key % of % is taken', claim_request_id, claim_scope
            USING ERRCODE = 'QI001';
    END IF;
END;
$$;

-- Claims a key ahead of the mutation's first statement, in its round trip:
-- waits while another transaction holds it (an advisory lock), then raises
-- QI001 when a committed first call recorded it.
CREATE FUNCTION idempotency_lock_key(lock_scope text, lock_request_id text)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('idempotency_keys'),
                                  hashtext(lock_scope || E'\n' || lock_request_id));
    IF EXISTS (SELECT 1 FROM idempotency_keys
               WHERE scope = lock_scope AND request_id = lock_request_id) THEN
        RAISE EXCEPTION 'idempotency key % of % is taken', lock_request_id, lock_scope
            USING ERRCODE = 'QI001';
    END IF;
END;
$$;

-- Records the key with its response, deferred with the commit: one row
-- version. Raises QI001 when an older binary's claim holds the key.
CREATE FUNCTION idempotency_record(record_scope text, record_request_id text,
                                   record_request_hash bytea, record_response bytea)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO idempotency_keys (scope, request_id, request_hash, response)
    VALUES (record_scope, record_request_id, record_request_hash, record_response)
    ON CONFLICT (scope, request_id) DO NOTHING;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'idempotency key % of % is taken', record_request_id, record_scope
            USING ERRCODE = 'QI001';
    END IF;
END;
$$;

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

-- The right to erasure (common/privacy): one row per (erased user, service
-- that confirmed erasing him), in every service database, so that
-- GetErasureStatus on any service shows every confirmation. The user is
-- named by sha256 of his lower-case id only: the record of an erasure must
-- not itself keep the erased id.
CREATE TABLE user_erasures (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_hash bytea NOT NULL,
    service text NOT NULL,
    erased_at timestamptz NOT NULL,
    rows_erased bigint NOT NULL DEFAULT 0,
    recorded_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    CONSTRAINT user_erasures_user_hash_service_key UNIQUE (user_hash, service),
    CONSTRAINT user_erasures_user_hash_check CHECK (octet_length(user_hash) = 32),
    CONSTRAINT user_erasures_rows_erased_check CHECK (rows_erased >= 0)
);

-- The consumers of the event bus (common/events/consumer.h).

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

-- The outbox relay (common/events/relay.h) LISTENs on channel outbox_events:
-- the NOTIFY is delivered at commit, once per transaction. A service whose
-- own relay runs wakes it in-process instead and turns the NOTIFY off for
-- its transaction (qs.outbox_notify = off; common/events/outbox_doorbell.h).
CREATE FUNCTION notify_outbox_events() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF coalesce(current_setting('qs.outbox_notify', true), '') <> 'off' THEN
        PERFORM pg_notify('outbox_events', '');
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER outbox_events_notify AFTER INSERT ON outbox_events
    FOR EACH STATEMENT EXECUTE FUNCTION notify_outbox_events();

-- The relay's claim checks for older unpublished rows of an aggregate.
CREATE INDEX outbox_events_unpublished_aggregate_idx ON outbox_events (aggregate_id, created_at)
    WHERE published_at IS NULL;

-- Replay pages every row by the keyset (created_at, id).
CREATE INDEX outbox_events_created_at_id_idx ON outbox_events (created_at, id);

-- Retention pruning deletes published rows by age.
CREATE INDEX outbox_events_published_at_idx ON outbox_events (published_at)
    WHERE published_at IS NOT NULL;
