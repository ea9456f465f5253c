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
set -uo pipefail
out=$1
while true; do
  line="$(date +%s.%N)"
  line+=" io_full_us=$(awk '/^full/ {sub("total=", "", $5); print $5}' /proc/pressure/io)"
  line+=" cpu_some_us=$(awk '/^some/ {sub("total=", "", $5); print $5}' /proc/pressure/cpu)"
  line+=" mem_full_us=$(awk '/^full/ {sub("total=", "", $5); print $5}' /proc/pressure/memory)"
  line+=" steal_ticks=$(awk '/^cpu / {print $9}' /proc/stat)"
  line+=" blocked=$(awk '/^procs_blocked/ {print $2}' /proc/stat)"
  for pid in $(pgrep -f '_server$' 2>/dev/null); do
    name=$(basename "$(readlink "/proc/$pid/exe" 2>/dev/null)" 2>/dev/null)
    read -r -a stat <"/proc/$pid/stat" 2>/dev/null || continue
    line+=" majflt:${name:-$pid}=${stat[11]}"
  done
  echo "$line" >>"$out"
  sleep 0.1
done
