#!/usr/bin/env bash
# The events benchmark's own nats-server (tests/bench/events.sh), which its
# drain phase stops and starts (never the shared one):
#   events_nats.sh start|stop PORT STATE_DIR
# start: detached, pid in STATE_DIR/events-nats.pid, returns once it accepts
# connections; stop: SIGTERM and wait until it has exited.
set -euo pipefail
command=$1 port=$2 state=$3
pid_file=$state/events-nats.pid
case "$command" in
  start)
    mkdir -p "$state/events-nats" "$state/logs"
    setsid nats-server -a 127.0.0.1 -p "$port" -js -sd "$state/events-nats" \
      >>"$state/logs/events-nats.log" 2>&1 </dev/null &
    echo $! >"$pid_file"
    for _ in $(seq 200); do
      (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && exit 0
      sleep 0.05
    done
    echo "events_nats.sh: nats-server did not start on $port" >&2
    exit 1
    ;;
  stop)
    pid=$(cat "$pid_file" 2>/dev/null) || exit 0
    kill -TERM "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
    rm -f "$pid_file"
    ;;
  *) echo "usage: events_nats.sh start|stop PORT STATE_DIR" >&2; exit 2 ;;
esac
