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
