DROP INDEX outbox_events_published_at_idx;
DROP INDEX outbox_events_created_at_id_idx;
DROP INDEX outbox_events_unpublished_aggregate_idx;
DROP TRIGGER outbox_events_notify ON outbox_events;
DROP FUNCTION notify_outbox_events();
