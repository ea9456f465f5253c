DROP FUNCTION idempotency_record(text, text, bytea, bytea);
DROP FUNCTION idempotency_lock_key(text, text);
