-- An idempotency key (common/api/idempotency.h) costs one row version: the
-- claim locks the key instead of inserting it, and the record inserts the
-- whole row with the commit. Before, the claim inserted the row without its
-- response and the commit updated it, which was never a HOT update (the
-- response does not fit on the full page): two heap tuples and six index
-- entries per call where one and three do.
--
-- idempotency_claim (20261203120000) stays for binaries of the claim-insert
-- protocol during a rolling deploy. The two exclude each other through the
-- unique key: a record that meets a row such a claim inserted waits for it,
-- then raises QI001 like a taken key. Drop it once no such binary runs.

-- The claim: waits while another transaction holds the key (a transaction
-- advisory lock, in the two-key space, class hashtext('idempotency_keys')),
-- then raises SQLSTATE QI001 if a committed first call recorded it. Its
-- SELECT takes its own snapshot, after the wait.
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

-- The record, deferred with the commit: the key with its response, or
-- QI001 when another protocol's claim holds the key.
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
