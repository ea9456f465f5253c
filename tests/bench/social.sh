# The social benchmark, sourced by tests/bench/run.sh (--service=social|all):
# functions only. It uses service.sh's start_service, service_load, ... and
# run.sh's log, wait_replica and its $bin, $results and $largest.
#
# At each scale: reset social_db, migrate it (the server does on start),
# seed it with //social:seed, then the six RPCs of issue 9 at 20 calls in
# flight (group main) and at a steady 500 calls/s (group latency). At the
# largest scale, the plans of the statements each RPC runs (service_explain).

social_reads=list_friends,list_mutual_friends,suggest_friends,list_messages,list_channels
social_scenarios=$social_reads,send_message

seed_social() {  # seed_social USERS
  local users=$1 started seconds
  log "social: seeding $users users (50 friends each, $((users / 10)) guilds, $((users * 100)) messages)"
  fresh_database social
  started=$(date +%s%N)
  "$bin/social/seed" --users="$users" --database-url="$(service_url social)" >&2
  seconds=$(( ($(date +%s%N) - started) / 1000000 ))
  settle_after_seed social
  psql_service social -At -c "SELECT json_build_object('kind', 'seed', 'service', 'social',
      'users', $users, 'seconds', round($seconds / 1000.0, 1),
      'friendships', (SELECT count(*) FROM friendships),
      'guilds', (SELECT count(*) FROM guilds),
      'guild_members', (SELECT count(*) FROM guild_members WHERE state = 'member'),
      'channels', (SELECT count(*) FROM chat_channels),
      'messages', (SELECT count(*) FROM chat_messages),
      'read_marks', (SELECT count(*) FROM channel_read_marks),
      'database_mb', round(pg_database_size('social_db') / 1048576.0))" >>"$results"
}

social_scale() {  # social_scale USERS
  local users=$1
  seed_social "$users"
  start_service social
  log "social at $users users: $social_scenarios, 20 in flight"
  service_load social "group=main,users=$users" "$social_scenarios" --concurrency=20
  log "social at $users users: the same at a steady 500 calls/s"
  service_load social "group=latency,users=$users" "$social_scenarios" --mode=open --rate=500
  stop_service social
  if [[ $users == "$largest" ]]; then
    service_explain social "$users" "$social_scenarios" -- FRIEND_EXPIRY_SWEEP_MS=86400000
  fi
}
