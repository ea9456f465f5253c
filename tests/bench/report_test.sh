#!/usr/bin/env bash
# Runs report_test.py (unittest) under Bazel with the system python3.
exec python3 "$(dirname "$0")/report_test.py"
