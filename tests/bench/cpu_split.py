"""Where a call's CPU goes: tests/bench/cpu_snapshot.sh's tick counts at a
window's two edges, per call (write_window.py, pgbench_log.py).

A snapshot is (primary, replica, client, service or None, machine busy,
machine total) in clock ticks. Per call, in milliseconds: each part's delta,
"other" for the machine's busy ticks that no part accounts for (the wait
sampler, the OS, the bench's own scripts), and the machine's busy share of
the window in percent (100 = both cores never idle).
"""
import os

PARTS = ("primary", "replica", "client", "service")


def ticks_per_second():
    return os.sysconf("SC_CLK_TCK")


def per_call(start, end, calls, hz):
    """{part: ms per call, "other": ..., "machine_busy_percent": ...}, or
    None when a snapshot is missing."""
    if start is None or end is None:
        return None
    deltas = [None if a is None or b is None else b - a for a, b in zip(start, end)]
    ms = 1000.0 / hz / max(calls, 1)
    split = {part: None if d is None else round(d * ms, 3) for part, d in zip(PARTS, deltas)}
    accounted = sum(d for d in deltas[:4] if d is not None)
    busy, total = deltas[4], deltas[5]
    split["other"] = round(max(busy - accounted, 0) * ms, 3)
    split["total"] = round(busy * ms, 3)
    split["machine_busy_percent"] = round(100.0 * busy / total, 1) if total else None
    return split


def parse(fields):
    """Six snapshot fields ("-" for a missing service) as a tuple, or None."""
    if len(fields) != 6:
        return None
    return tuple(None if value == "-" else float(value) for value in fields)
