# The event-stream benchmark, sourced by tests/bench/run.sh
# (--service=events|all): functions only. Uses service.sh's start_service /
# stop_service / service_url, run.sh's log, psql_on and its $bin, $results,
# $duration.
#
# The real OutboxRelay and EventConsumers (common/events) run inside
# //tests/bench:events_bench, quest_db's outbox relayed to JetStream and
# consumed into notification_db's processed_events (a handler with no
# effect of its own: the cost measured is the stream's):
# - end-to-end latency, source commit → consumer commit, at 100 and 1,000
#   events/s (one transaction per event, 8 writers, open loop);
# - relay throughput: a backlog of $events_backlog published by 1 and by 2
#   relays (each with its own connections, like two service instances);
# - drain after an outage: NATS stopped, $events_backlog events written,
#   NATS started; time until published and until applied.
# The drain phase stops and starts a nats-server of its own (port
# $events_nats_port), never the shared one.

events_backlog=${BENCH_EVENTS_BACKLOG:-100000}
events_nats_port=${BENCH_EVENTS_NATS_PORT:-$((NATS_PORT + 1))}
events_nats() { "$repo/tests/bench/events_nats.sh" "$1" "$events_nats_port" "$STATE_DIR"; }

events_bench() {  # events_bench PHASE NATS_URL [flags]
  local phase=$1 nats_url=$2
  shift 2
  "$bin/tests/bench/events_bench" "$phase" \
    --source-url="$(service_url quest)" --consumer-url="$(service_url notification)" \
    --nats-url="$nats_url" --namespace="bench_${phase}_$RANDOM" --out="$results" "$@" >&2
}

events_measure() {
  log "events: fresh quest_db and notification_db, track_commit_timestamp on"
  deploy/infra.sh reset-databases --state "$STATE_DIR" >/dev/null
  local service
  for service in quest notification; do
    start_service "$service" EVENTS_ENABLED=false  # migrates, relays nothing
    stop_service "$service"
  done
  # The consumer's commit time comes from pg_xact_commit_timestamp.
  psql_on "$PG_PRIMARY_PORT" -c "ALTER SYSTEM SET track_commit_timestamp = on"
  deploy/infra.sh restart-primary --state "$STATE_DIR" >/dev/null

  local rate
  for rate in 100 1000; do
    log "events: latency at $rate events/s for ${duration}s"
    events_bench latency "$NATS_URL" --rate="$rate" --duration="$duration"
  done
  local relays
  for relays in 1 2; do
    log "events: relay throughput, $events_backlog events, $relays relay(s)"
    events_bench relay "$NATS_URL" --events="$events_backlog" --relays="$relays"
  done
  log "events: drain of $events_backlog events after a NATS outage"
  events_nats start
  events_bench drain "nats://127.0.0.1:$events_nats_port" --events="$events_backlog" \
    --stop-nats="$repo/tests/bench/events_nats.sh stop $events_nats_port $STATE_DIR" \
    --start-nats="$repo/tests/bench/events_nats.sh start $events_nats_port $STATE_DIR"
  events_nats stop
  psql_on "$PG_PRIMARY_PORT" -c "ALTER SYSTEM RESET track_commit_timestamp"
  deploy/infra.sh restart-primary --state "$STATE_DIR" >/dev/null
}
