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
  settle_after_seed notification
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
  if [[ $logs == "$largest" ]]; then
    local fail_rate instances
    for fail_rate in 0 0.05; do
      for instances in 1 2; do delivery_throughput "$instances" "$fail_rate"; done
    done
  fi
}

# ----- Deliveries per second through the push engine (issue 10)

# Deliveries queued per run (BENCH_NOTIFICATION_DELIVERIES).
notification_deliveries=${BENCH_NOTIFICATION_DELIVERIES:-20000}
fake_fcm_pid=

start_fake_fcm() {  # start_fake_fcm: the tests' fake FCM + OAuth (TLS), counters only
  stop_fake_fcm
  local dir="$STATE_DIR/fake_fcm"
  rm -rf "$dir" && mkdir -p "$dir"
  /usr/bin/python3 tests/notification/delivery/fake_fcm.py --state-dir "$dir" \
    >"$STATE_DIR/logs/fake_fcm.log" 2>&1 &
  fake_fcm_pid=$!
  for _ in $(seq 100); do [[ -f "$dir/ready.json" ]] && break; sleep 0.1; done
  [[ -f "$dir/ready.json" ]] || { cat "$STATE_DIR/logs/fake_fcm.log" >&2; exit 1; }
  fake_fcm_ready="$dir/ready.json"
}
stop_fake_fcm() {
  [[ -n "$fake_fcm_pid" ]] || return 0
  kill "$fake_fcm_pid" 2>/dev/null || true
  wait "$fake_fcm_pid" 2>/dev/null || true
  fake_fcm_pid=
}
fake_fcm() {  # fake_fcm FIELD: a field of ready.json
  python3 -c "import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" \
    "$fake_fcm_ready" "$1"
}
fake_fcm_control() {  # fake_fcm_control METHOD PATH [JSON]: its control server
  curl -sf -X "$1" "http://127.0.0.1:$(fake_fcm control_port)$2" ${3:+-d "$3"}
}

# delivery_throughput INSTANCES FAIL_RATE: $notification_deliveries queued
# deliveries to active FCM tokens (of notifications that do not expire), the
# worker on in INSTANCES servers, the fake answering 503 to FAIL_RATE of the
# sends; seconds from the workers' start until every delivery is final.
# FCM_SENDS_PER_SECOND is raised out of the way: the engine is measured,
# not the default quota guard (500/s per instance).
delivery_throughput() {
  local instances=$1 fail_rate=$2 started seconds i
  log "notification: $notification_deliveries deliveries, $instances instance(s), $fail_rate 503s"
  start_fake_fcm
  fake_fcm_control POST /config "{\"record_requests\": false, \"fail_rate\": $fail_rate}" >/dev/null
  local before
  before=$(psql_service notification -At -c "SELECT clock_timestamp()")
  psql_service notification -q -c "DELETE FROM deliveries WHERE state IN ('queued', 'sending');
    INSERT INTO deliveries (notification_log_id, push_token_id, user_id)
    SELECT l.id, t.id, t.user_id FROM push_tokens t
    CROSS JOIN LATERAL (SELECT id FROM notification_logs
      WHERE user_id = t.user_id AND expires_at IS NULL LIMIT 3) l
    WHERE t.platform = 'fcm' AND t.invalidated_at IS NULL
    LIMIT $notification_deliveries;"
  local queued
  queued=$(psql_service notification -At -c "SELECT count(*) FROM deliveries WHERE state = 'queued'")
  if (( queued == 0 )); then
    log "notification: WARNING: no active FCM token with a notification to queue; skipped"
    stop_fake_fcm
    return
  fi
  local worker_env=(DELIVERY_WORKER_ENABLED=true DELIVERY_POLL_MS=50
    PUSH_FCM_PROVIDER=fcm FCM_SERVICE_ACCOUNT_FILE="$(fake_fcm service_account_file)"
    FCM_ENDPOINT="https://127.0.0.1:$(fake_fcm port)" PUSH_CA_FILE="$(fake_fcm ca_file)"
    FCM_SENDS_PER_SECOND=100000 PUSH_RETRY_BASE_DELAY_MS=100)
  started=$(date +%s%N)
  for i in $(seq "$instances"); do
    start_instance notification "delivery$i" $((notification_port + 10 + i)) "${worker_env[@]}"
  done
  while [[ $(psql_service notification -At -c "SELECT count(*) FROM deliveries
             WHERE state IN ('queued', 'sending')") != 0 ]]; do
    sleep 0.1
    if (( ($(date +%s%N) - started) / 1000000000 > 600 )); then
      log "notification: WARNING: deliveries unfinished after 600 s"; break
    fi
  done
  seconds=$(( ($(date +%s%N) - started) / 1000000 ))
  for i in $(seq "$instances"); do stop_service "delivery$i"; done
  local sends
  sends=$(fake_fcm_control GET /counters | python3 -c \
    "import json, sys; print(json.load(sys.stdin)['counters'].get('sends', 0))")
  psql_service notification -At -c "SELECT json_build_object('kind', 'delivery',
      'service', 'notification', 'instances', $instances, 'fail_rate', $fail_rate,
      'deliveries', $queued, 'sends', $sends,
      'sent', count(*) FILTER (WHERE state = 'sent'),
      'failed', count(*) FILTER (WHERE state <> 'sent'),
      'seconds', round($seconds / 1000.0, 2),
      'per_second', round($queued / ($seconds / 1000.0), 1))
    FROM deliveries WHERE created_at > '$before'" >>"$results"
  stop_fake_fcm
}
