"""WAL the primary wrote per call between a window's two edges
(tests/bench/wal_snapshot.sh's pg_stat_wal fields; write_window.py,
pgbench_log.py).

A snapshot is (records, full-page images, bytes). A full-page image is the
whole 8 kB page, written the first time a page changes after a checkpoint:
a write that touches many pages that nothing else touched since (random keys
in big indexes) pays it far more often than one that keeps hitting the same
pages.
"""

FIELDS = ("records", "fpi", "bytes")


def per_call(start, end, calls):
    """{records, fpi, bytes} per call, or None when a snapshot is missing."""
    if start is None or end is None:
        return None
    return {field: round((b - a) / max(calls, 1), 2)
            for field, a, b in zip(FIELDS, start, end)}


def parse(fields):
    """Three snapshot fields as a tuple, or None ("-" fields, or too few)."""
    if len(fields) != len(FIELDS) or "-" in fields:
        return None
    return tuple(float(value) for value in fields)
