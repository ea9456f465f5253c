#!/usr/bin/env bash
# Samples what can stall every thread of a process at once, every 100 ms,
# for matching a latency stall in a server's call log to its cause:
#   tests/bench/pressure_sampler.sh OUT_FILE   (run.sh starts it in the background)
# One line per sample:
#   <unix time> io_full_us=<total> cpu_some_us=<total> mem_full_us=<total>
#   steal_ticks=<n> blocked=<procs_blocked> majflt:<name>=<n> ...
# PSI totals (/proc/pressure) are microseconds since boot: a jump of 100,000
# between two samples is 100 ms in which every runnable task waited on I/O
# (io full). majflt is each *_server process's major page faults (code or
# data paged in from disk).
# Bash builtins only, but for one pgrep a second to find the servers: a
# sampler that forked a few processes per sample cost about 5% of the
# machine during the benchmark windows (perf, tests/bench/write_window.sh).
set -uo pipefail
out=$1

# total_of FILE some|full: the PSI line's total= into $total (a function's
# output read with $(...) would fork a subshell).
total_of() {
  local kind rest
  total=
  while read -r kind rest; do
    if [[ $kind == "$2" ]]; then
      rest=${rest##*total=}
      total=${rest%% *}
      return
    fi
  done <"$1"
}

# read -t on a pipe nothing writes to: a 100 ms sleep without a process.
exec {never}<> <(:)
servers=() names=()
sample=0
while true; do
  if ((sample % 10 == 0)); then
    servers=() names=()
    for pid in $(pgrep -f '_server$' 2>/dev/null); do
      read -r -d '' name <"/proc/$pid/cmdline" 2>/dev/null || true
      servers+=("$pid") names+=("${name##*/}")
    done
  fi
  ((sample++))
  line="${EPOCHREALTIME}"
  total_of /proc/pressure/io full && line+=" io_full_us=$total"
  total_of /proc/pressure/cpu some && line+=" cpu_some_us=$total"
  total_of /proc/pressure/memory full && line+=" mem_full_us=$total"
  while read -r key a b c d e f g h rest; do
    if [[ $key == cpu ]]; then
      line+=" steal_ticks=$h"
    elif [[ $key == procs_blocked ]]; then
      line+=" blocked=$a"
    fi
  done </proc/stat
  for i in "${!servers[@]}"; do
    # 2>/dev/null before the input redirection, which fails first when
    # the server has exited (the bench restarts servers between runs).
    read -r -a stat 2>/dev/null <"/proc/${servers[$i]}/stat" || continue
    line+=" majflt:${names[$i]:-${servers[$i]}}=${stat[11]}"
  done
  echo "$line" >>"$out"
  read -r -t 0.1 -u "$never" _ || true
done
