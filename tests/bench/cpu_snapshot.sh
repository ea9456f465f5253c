#!/usr/bin/env bash
# CPU used so far by each part of the bench's stack, for the write path's
# "where a call's CPU goes" figures (tests/bench/write_window.sh at a
# window's edges; tests/bench/write_path.sh around pgbench):
#   tests/bench/cpu_snapshot.sh CLIENT_NAME [SERVICE_PID]
# prints one line of clock ticks (getconf CLK_TCK a second):
#   <primary> <replica> <client> <service|-> <machine busy> <machine total>
# primary and replica: each PostgreSQL cluster's postmaster with its
# children's (the backends, WAL writer, walsender / startup process...),
# plus what the postmaster's exited children used (its cutime/cstime: a
# backend that ended between two snapshots still counts). client: every
# process named CLIENT_NAME (quest_bench, pgbench). service: SERVICE_PID's
# process. machine: /proc/stat's busy (user, nice, system, irq, softirq,
# steal) and total ticks, so the rest (the sampler, the OS) is what remains.
# Needs STATE_DIR (the bench cluster's, deploy/infra.sh's layout).
set -euo pipefail
client=$1 service_pid=${2:-}

# ticks PID [with_children]: utime+stime, plus cutime+cstime if asked.
ticks() {
  # The command name (field 2) may hold spaces: count fields after its ')'.
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || { echo 0; return; }
  awk -v with_children="${2:-}" '{
    n = split($0, after_name, ") ")
    split(after_name[n], f, " ")
    # f[1] is field 3 (state): utime is field 14, so f[12].
    total = f[12] + f[13]
    if (with_children) total += f[14] + f[15]
    print total
  }' <<<"$stat"
}

cluster_ticks() {  # cluster_ticks DATA_DIR
  local postmaster total child
  postmaster=$(head -n 1 "$1/postmaster.pid" 2>/dev/null) || { echo 0; return; }
  total=$(ticks "$postmaster" with_children)
  for child in $(pgrep -P "$postmaster" || true); do
    total=$((total + $(ticks "$child")))
  done
  echo "$total"
}

client_ticks=0
for pid in $(pgrep -x "$client" || true); do
  client_ticks=$((client_ticks + $(ticks "$pid")))
done
service_ticks=-
[[ -n $service_pid ]] && service_ticks=$(ticks "$service_pid")
read -r busy total < <(awk '$1 == "cpu" {
  print $2 + $3 + $4 + $7 + $8 + $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat)
echo "$(cluster_ticks "$STATE_DIR/pg/primary") $(cluster_ticks "$STATE_DIR/pg/replica")" \
  "$client_ticks $service_ticks $busy $total"
