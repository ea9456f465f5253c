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
