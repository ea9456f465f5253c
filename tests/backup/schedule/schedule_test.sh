#!/usr/bin/env bash
# The three shipped schedules fire at 00:00 UTC, and the job they run backs
# up then prunes, failing the day when either step failed; the base backup
# schedules fire at 01:00 UTC, full on Sunday, differential on the others.
set -uo pipefail
dir=deploy/backup/schedule
# The Kubernetes CronJobs are part of the kustomization in deploy/k8s.
cronjobs=deploy/k8s/backup
failures=0
check() {  # check <description> <command...>
  local what=$1
  shift
  if "$@" >/dev/null 2>&1; then
    echo "PASS: $what"
  else
    echo "FAIL: $what"
    failures=$((failures + 1))
  fi
}

# systemd: the timer's calendar expression, as systemd itself reads it, next
# elapses at a midnight UTC.
calendar=$(sed -n 's/^OnCalendar=//p' "$dir/quest-backup.timer")
next=$(TZ=Asia/Tokyo systemd-analyze calendar "$calendar" 2>&1 | sed -n 's/^ *(in UTC): //p')
check "timer: '$calendar' next elapses at 00:00:00 UTC (got '$next')" \
  grep -Eq '^[A-Z][a-z]{2} [0-9]{4}-[0-9]{2}-[0-9]{2} 00:00:00 UTC$' <<<"$next"
check "timer: a missed run starts at the next boot" grep -qx 'Persistent=true' "$dir/quest-backup.timer"
check "service: runs the daily job once per start" grep -qx 'Type=oneshot' "$dir/quest-backup.service"

# cron: minute 0, hour 0, every day, in UTC.
check "cron: CRON_TZ=UTC" grep -qx 'CRON_TZ=UTC' "$dir/quest-backup.cron"
check "cron: '0 0 * * *' runs daily.sh" grep -Eq '^0 0 \* \* \* [a-z-]+ .*daily\.sh' "$dir/quest-backup.cron"

# Kubernetes: the CronJob's schedule and zone.
check "CronJob: schedule 0 0 * * *" grep -Eq '^  schedule: "0 0 \* \* \*"$' "$cronjobs/backup-cronjob.yaml"
check "CronJob: timeZone Etc/UTC" grep -Eq '^  timeZone: Etc/UTC$' "$cronjobs/backup-cronjob.yaml"
check "CronJob: one run at a time" grep -Eq '^  concurrencyPolicy: Forbid$' "$cronjobs/backup-cronjob.yaml"

# pgBackRest base backups: full on Sunday, diff Monday-Saturday, 01:00 UTC.
# The next 7 elapses of each timer, in UTC, as systemd reads them in a
# foreign zone: the weekdays each covers and the time of day.
elapses() {  # elapses TIMER -> "Sun 01:00:00 UTC" lines
  local expr
  expr=$(sed -n 's/^OnCalendar=//p' "$dir/$1")
  TZ=Asia/Tokyo systemd-analyze calendar --iterations=7 "$expr" 2>&1 |
    sed -n 's/^ *(in UTC): \([A-Z][a-z]\{2\}\) [0-9-]* \(.*\)$/\1 \2/p'
}
full=$(elapses quest-pitr-backup-full.timer | sort -u | tr '\n' ' ')
diff_days=$(elapses quest-pitr-backup-diff.timer | sort -u | tr '\n' ',')
check "full timer: only Sunday 01:00 UTC (got '$full')" test "$full" = "Sun 01:00:00 UTC "
check "diff timer: Mon-Sat 01:00 UTC, never Sunday (got '$diff_days')" test "$diff_days" = \
  "Fri 01:00:00 UTC,Mon 01:00:00 UTC,Sat 01:00:00 UTC,Thu 01:00:00 UTC,Tue 01:00:00 UTC,Wed 01:00:00 UTC,"
check "full timer starts the full backup" grep -qx 'Unit=quest-pitr-backup@full.service' "$dir/quest-pitr-backup-full.timer"
check "diff timer starts the diff backup" grep -qx 'Unit=quest-pitr-backup@diff.service' "$dir/quest-pitr-backup-diff.timer"
check "base backup timers: missed runs start at boot" grep -qx 'Persistent=true' "$dir/quest-pitr-backup-diff.timer"
check "base backup service: oneshot pgbackrest --type=%i as postgres" grep -Eq '^ExecStart=.*pgbackrest .*--type=%i backup$' "$dir/quest-pitr-backup@.service"
check "base backup service: runs as postgres" grep -qx 'User=postgres' "$dir/quest-pitr-backup@.service"
check "base cron: CRON_TZ=UTC" grep -qx 'CRON_TZ=UTC' "$dir/quest-pitr-backup.cron"
check "base cron: Sunday 01:00 full" grep -Eq '^0 1 \* \* 0 postgres .*--type=full backup' "$dir/quest-pitr-backup.cron"
check "base cron: Mon-Sat 01:00 diff" grep -Eq '^0 1 \* \* 1-6 postgres .*--type=diff backup' "$dir/quest-pitr-backup.cron"
check "base CronJobs: schedules 0 1 * * 0 and 0 1 * * 1-6 in Etc/UTC" test \
  "$(grep -E '^  (schedule|timeZone):' "$cronjobs/pitr-backup-cronjob.yaml" | tr -d '\n')" = \
  '  schedule: "0 1 * * 0"  timeZone: Etc/UTC  schedule: "0 1 * * 1-6"  timeZone: Etc/UTC'
check "base CronJobs: full and diff" test "$(grep -oE -- '--type=(full|diff)' "$cronjobs/pitr-backup-cronjob.yaml" | tr '\n' ' ')" = "--type=full --type=diff "
check "base CronJobs: one run at a time" test "$(grep -c '^  concurrencyPolicy: Forbid$' "$cronjobs/pitr-backup-cronjob.yaml")" = 2

# daily.sh, with a stand-in for the backup tool that records its calls and
# fails the steps named in FAIL_STEPS.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat >"$work/backup" <<'TOOL'
#!/usr/bin/env bash
echo "$1" >>"$CALLS"
[[ " $FAIL_STEPS " == *" $1 "* ]] && exit 1
exit 0
TOOL
chmod +x "$work/backup"
daily() {  # daily <failing steps> -> prints "<exit status> <calls>"
  : >"$work/calls"
  CALLS="$work/calls" FAIL_STEPS="$1" BACKUP_BIN="$work/backup" "$dir/daily.sh"
  echo "$? $(tr '\n' ' ' <"$work/calls")"
}
check "daily: both succeed -> 0, run then prune" test "$(daily '')" = "0 run prune "
check "daily: run fails -> prune still runs, exit 1" test "$(daily 'run')" = "1 run prune "
check "daily: prune fails -> exit 1" test "$(daily 'prune')" = "1 run prune "

total=$(grep -c '^check ' "$0")
echo "$((total - failures)) passed, $failures failed"
[[ $failures -eq 0 ]]
