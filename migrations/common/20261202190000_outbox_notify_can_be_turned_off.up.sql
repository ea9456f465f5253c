-- A service whose own outbox relay runs wakes it in-process at commit and
-- turns this NOTIFY off for its transaction (SET LOCAL
-- qs.outbox_notify = off, common/events/outbox_doorbell.h): notifying
-- transactions serialise their commits on a cluster-wide lock. Inserts from
-- anywhere else still notify the relays' LISTEN.
CREATE OR REPLACE FUNCTION notify_outbox_events() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF coalesce(current_setting('qs.outbox_notify', true), '') <> 'off' THEN
        PERFORM pg_notify('outbox_events', '');
    END IF;
    RETURN NULL;
END;
$$;
