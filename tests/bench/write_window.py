#!/usr/bin/env python3
"""Turns one write-path window into a results.jsonl "write" record.

    write_window.py --load=RUN.jsonl --marks=MARKS --samples=SAMPLES --labels=binary=after,...

--load is the load generator's record of the run (its last line), whose
window write_window.sh marked at both edges with nothing in flight; every
call counted in the record ran between the marks. Per call (all calls,
failed ones included):
  round_trips_per_call      db_write_round_trips_total's delta (null when the
                            server has no such counter: a baseline binary)
  write_transactions_per_call  db_write_transactions_total's delta (ditto)
  statements_per_call       pg_stat_statements calls of quest_svc in quest_db
Both counters cover every write transaction of the server in the window, a
background job's too (the outbox relay's, per published event).
  cpu_ms_per_call           CPU milliseconds per call of the primary, the
                            replica, the load generator (client), the quest
                            server and the rest of the machine (other), and
                            the machine's busy share (cpu_split.py; the
                            marks' tests/bench/cpu_snapshot.sh fields)
  wal_per_call              WAL records, full-page images and bytes the
                            primary wrote per call (wal_split.py; the marks'
                            tests/bench/wal_snapshot.sh fields)
From write_sampler.sh's samples inside the window, milliseconds per call
that the write pool's backends spent waiting on a lock (also by wait_event:
lock_wait_ms_per_call_by_event), on WAL (commit), idle in a transaction
(waiting for the service) and active (any of these): the sum over samples
of such backends times the mean interval between samples (window length /
samples, about 10 ms; a loaded machine samples less often), over the calls.
"""
import argparse
import json
import sys

import cpu_split
import wal_split


def parse_labels(text):
    labels = {}
    for item in filter(None, text.split(",")):
        key, value = item.split("=", 1)
        labels[key] = int(value) if value.isdigit() else value
    return labels


def read_marks(path):
    """{edge: (time, round_trips, transactions, statements, cpu snapshot or
    None, wal snapshot or None)} of the last window."""
    marks = {}
    with open(path) as lines:
        for line in lines:
            fields = line.split()
            if len(fields) not in (5, 11, 14):
                continue
            edge, *values = fields[:5]
            marks[edge] = (*(None if value == "-" else float(value) for value in values),
                           cpu_split.parse(fields[5:11]), wal_split.parse(fields[11:]))
    if "start" not in marks or "end" not in marks:
        sys.exit(f"write_window: {path} has no start and end mark")
    return marks["start"], marks["end"]


def read_samples(path, start, end):
    """[(lock, wal, idle in transaction, active, [lock wait events])] of the
    samples in [start, end]."""
    samples = []
    with open(path) as lines:
        for line in lines:
            fields = line.rstrip("\n").split("|")
            if len(fields) != 6:
                continue
            time, *counts, events = fields
            if start <= float(time) <= end:
                samples.append((*(int(count) for count in counts),
                                [event for event in events.split(",") if event]))
    return samples


def per_call(delta, calls, digits=2):
    return None if delta is None else round(delta / max(calls, 1), digits)


def delta(start, end):
    return None if start is None or end is None else end - start


def by_event(samples, interval_ms, calls):
    """Lock wait ms per call by wait_event (transactionid, tuple, ...)."""
    counts = {}
    for sample in samples:
        for event in sample[4]:
            counts[event] = counts.get(event, 0) + 1
    return {event: round(n * interval_ms / max(calls, 1), 3)
            for event, n in sorted(counts.items(), key=lambda item: -item[1])}


def window_record(load, start, end, samples, labels, hz=100):
    calls = load["calls"]
    seconds = end[0] - start[0]
    interval_ms = seconds * 1000.0 / len(samples) if samples else 0.0
    def waited(column):
        if not samples:
            return None
        return round(sum(sample[column] for sample in samples) * interval_ms / max(calls, 1), 3)
    return {**load, "kind": "write", **labels,
            "round_trips_per_call": per_call(delta(start[1], end[1]), calls),
            "write_transactions_per_call": per_call(delta(start[2], end[2]), calls),
            "statements_per_call": per_call(delta(start[3], end[3]), calls),
            "lock_wait_ms_per_call": waited(0),
            "wal_wait_ms_per_call": waited(1),
            "idle_in_transaction_ms_per_call": waited(2),
            "active_ms_per_call": waited(3),
            "lock_wait_ms_per_call_by_event": by_event(samples, interval_ms, calls),
            "cpu_ms_per_call": cpu_split.per_call(start[4], end[4], calls, hz),
            "wal_per_call": wal_split.per_call(start[5], end[5], calls),
            "samples": len(samples), "sample_interval_ms": round(interval_ms, 2)}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--load", required=True)
    parser.add_argument("--marks", required=True)
    parser.add_argument("--samples", required=True)
    parser.add_argument("--labels", default="")
    args = parser.parse_args()
    with open(args.load) as lines:
        records = [json.loads(line) for line in lines if line.strip()]
    if not records:
        sys.exit(f"write_window: no load record in {args.load}")
    start, end = read_marks(args.marks)
    samples = read_samples(args.samples, start[0], end[0])
    print(json.dumps(window_record(records[-1], start, end, samples,
                                   parse_labels(args.labels), cpu_split.ticks_per_second())))


if __name__ == "__main__":
    main()
