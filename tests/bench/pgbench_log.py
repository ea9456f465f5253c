#!/usr/bin/env python3
"""Turns pgbench per-transaction logs (-l) into one results.jsonl record.

    pgbench_log.py --logs=DIR --warmup=2 --duration=10 --labels=users=1000000,...

Each log line is "client transaction latency_us script epoch_s epoch_us" (the
epoch is when the transaction ended). Transactions ending in the window
[first end + warmup, + duration) are measured, like the load generator's
window, and their latencies give the same percentiles (nearest rank).
--cpu-start and --cpu-end, "<unix time> <tests/bench/cpu_snapshot.sh's
line>" taken while pgbench ran, give cpu_ms_per_call over the transactions
that ended between them (cpu_split.py; the client is pgbench, there is no
service). --wal-start and --wal-end, tests/bench/wal_snapshot.sh's line at
the same two moments, give wal_per_call likewise (wal_split.py).
"""
import argparse
import glob
import json
import math
import os
import sys

import cpu_split
import wal_split


def read_transactions(log_dir):
    """(end time in seconds, latency in ms) of every logged transaction."""
    transactions = []
    for path in glob.glob(os.path.join(log_dir, "pgbench_log.*")):
        with open(path) as log:
            for line in log:
                fields = line.split()
                if len(fields) < 6:
                    continue
                latency_us = int(fields[2])
                end = int(fields[4]) + int(fields[5]) / 1e6
                transactions.append((end, latency_us / 1000.0))
    return transactions


def percentile(sorted_values, q):
    if not sorted_values:
        return 0.0
    rank = max(1, math.ceil(q * len(sorted_values)))
    return sorted_values[rank - 1]


def parse_labels(text):
    labels = {}
    for item in filter(None, text.split(",")):
        key, value = item.split("=", 1)
        labels[key] = int(value) if value.isdigit() else value
    return labels


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--logs", required=True)
    parser.add_argument("--warmup", type=float, required=True)
    parser.add_argument("--duration", type=float, required=True)
    parser.add_argument("--labels", default="")
    parser.add_argument("--cpu-start", default="")
    parser.add_argument("--cpu-end", default="")
    parser.add_argument("--wal-start", default="")
    parser.add_argument("--wal-end", default="")
    args = parser.parse_args()

    transactions = read_transactions(args.logs)
    if not transactions:
        sys.exit(f"pgbench_log: no transactions logged in {args.logs}")
    start = min(end for end, _ in transactions) + args.warmup
    stop = start + args.duration
    latencies = sorted(ms for end, ms in transactions if start <= end < stop)
    record = {"kind": "pgbench", **parse_labels(args.labels), "duration_s": args.duration,
              "calls": len(latencies), "ok": len(latencies),
              "calls_per_s": round(len(latencies) / args.duration, 1),
              "latency_ms": {"p50": percentile(latencies, 0.5),
                             "p90": percentile(latencies, 0.9),
                             "p99": percentile(latencies, 0.99),
                             "p999": percentile(latencies, 0.999),
                             "max": latencies[-1] if latencies else 0.0,
                             "mean": round(sum(latencies) / max(1, len(latencies)), 3)},
              "errors": {}}
    if args.cpu_start and args.cpu_end:
        since, *start_ticks = args.cpu_start.split()
        until, *end_ticks = args.cpu_end.split()
        between = sum(1 for end, _ in transactions if float(since) <= end < float(until))
        record["cpu_ms_per_call"] = cpu_split.per_call(
            cpu_split.parse(start_ticks), cpu_split.parse(end_ticks), between,
            cpu_split.ticks_per_second())
        if args.wal_start and args.wal_end:
            record["wal_per_call"] = wal_split.per_call(
                wal_split.parse(args.wal_start.split()), wal_split.parse(args.wal_end.split()),
                between)
    print(json.dumps(record))


if __name__ == "__main__":
    main()
