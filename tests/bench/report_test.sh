#!/usr/bin/env bash
# Runs report_test.py (unittest: report.py, write_report.py, write_window.py, cpu_split.py,
# wal_split.py, explain_log.py and callgrind_profile.py) under Bazel with the system python3.
exec python3 "$(dirname "$0")/report_test.py"
