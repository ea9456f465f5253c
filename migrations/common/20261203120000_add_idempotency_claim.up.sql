-- Claims an idempotency key (common/api/idempotency.h) as a statement whose
-- answer nobody reads: it travels in the same round trip as the mutation's
-- first statement, ahead of it. It waits while another transaction holds
-- the key; if that one committed (the key is taken), it raises SQLSTATE
-- QI001, which aborts the statements after it in the round trip, and the
-- caller replays the stored response instead.
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
