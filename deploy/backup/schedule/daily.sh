#!/usr/bin/env bash
# The daily job (00:00 UTC; systemd timer, cron line and Kubernetes CronJob
# beside this file): back up every database, then apply the retention.
# Prune runs even when a database's backup failed (it never removes a
# database's newest complete backup), and the exit status is non-zero when
# either step failed, so the scheduler reports the day as failed.
#
# Settings come from the environment (docs/operations/backup-and-restore.md);
# BACKUP_BIN names the tool when it is not `backup` on PATH.
set -uo pipefail
backup=${BACKUP_BIN:-backup}

status=0
"$backup" run || status=$?
"$backup" prune || status=$?
exit "$status"
