DROP FUNCTION idempotency_claim(text, text, bytea);
