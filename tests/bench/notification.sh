# The notification benchmark, sourced by tests/bench/run.sh
# (--service=notification|all): functions only. It uses service.sh's
# start_service, service_load, ... and run.sh's log, wait_replica and its
# $bin, $results and $largest.
#
# A scale is a number of notification logs (1M in issue 10's target), over
# logs / 20 users (at least 1,200) with 1-2 push tokens each. At each scale:
# reset notification_db, migrate it, seed it with //notification:seed, then
# the inbox RPCs at 20 calls in flight (group main) and at a steady 500
# calls/s (group latency), then SendNotification to 1,000 recipients at a
# few calls in flight (group main). The delivery worker is off: these
# measure the API (a send writes its deliveries QUEUED), not pushing. At the
# largest scale, the plans of the statements each RPC runs (service_explain).

notification_reads=list_notifications,list_unread,unread_count
notification_inbox=$notification_reads,mark_read
notification_scenarios=$notification_inbox,send_notification
notification_send_in_flight=4
# The API alone: no worker claiming the deliveries the sends queue.
notification_env=(DELIVERY_WORKER_ENABLED=false)

seed_notification() {  # seed_notification LOGS
  local logs=$1 started seconds
  log "notification: seeding $logs notification logs"
  fresh_database notification
  started=$(date +%s%N)
  "$bin/notification/seed" --logs="$logs" --database-url="$(service_url notification)" >&2
  seconds=$(( ($(date +%s%N) - started) / 1000000 ))
  vacuum_until_all_visible notification
  wait_replica
  psql_service notification -At -c "SELECT json_build_object('kind', 'seed',
      'service', 'notification', 'log_rows', $logs, 'seconds', round($seconds / 1000.0, 1),
      'users', (SELECT count(DISTINCT user_id) FROM push_tokens),
      'push_tokens', (SELECT count(*) FROM push_tokens),
      'unread', (SELECT count(*) FROM notification_logs WHERE read_at IS NULL
                 AND archived_at IS NULL AND deleted_at IS NULL AND in_inbox),
      'deliveries', (SELECT count(*) FROM deliveries),
      'database_mb', round(pg_database_size('notification_db') / 1048576.0))" >>"$results"
}

notification_scale() {  # notification_scale LOGS
  local logs=$1 users labels
  seed_notification "$logs"
  users=$(psql_service notification -At -c "SELECT count(DISTINCT user_id) FROM push_tokens")
  labels="users=$users,log_rows=$logs"
  start_service notification "${notification_env[@]}"
  log "notification at $logs log rows: $notification_inbox, 20 in flight"
  service_load notification "group=main,$labels" "$notification_inbox" --concurrency=20
  log "notification at $logs log rows: the same at a steady 500 calls/s"
  service_load notification "group=latency,$labels" "$notification_inbox" --mode=open --rate=500
  # Last: each call adds 1,000 logs to the inboxes the reads above sampled.
  log "notification at $logs log rows: SendNotification to 1,000, $notification_send_in_flight in flight"
  service_load notification "group=main,$labels" send_notification \
    --concurrency="$notification_send_in_flight"
  stop_service notification
  if [[ $logs == "$largest" ]]; then
    service_explain notification "$users" "$notification_scenarios" --field=log_rows="$logs" \
      -- "${notification_env[@]}"
  fi
  # --- Delivery throughput goes here, once the delivery worker lands
  # (notification/delivery_worker.*): deliveries/s through the engine to a
  # local fake FCM (tests/notification/delivery/fake_fcm.py) answering at
  # once, and with 5% 503s, with 1 and 2 service instances (issue 10).
}
