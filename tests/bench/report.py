#!/usr/bin/env python3
"""Turns a benchmark results file into docs/benchmarks.md and a scale-curve SVG.

    python3 tests/bench/report.py --results RESULTS.jsonl \\
        --out docs/benchmarks.md --svg docs/benchmarks-scale.svg

Every figure in the report comes from the results file; the only numbers
written here are the targets (the spec) and the layout of the plot.

The results file is JSON Lines, one object per line, its "kind" selecting the
record type (blank lines are skipped):

  machine   exactly one: cpu, cores, memory_gb, os, kernel, postgres, date,
            commit (further fields are shown too).
  load      a run of the C++ load generator: group ("main", "scale", "pool",
            "read_node", "resource", "engine" or "cpu"), scenario, users,
            mode ("closed" or "open"), concurrency, rate, calls_per_s,
            latency_ms {p50 p90 p99 p999 max mean}, errors {CODE: n};
            optional label, variant (e.g. "pool=20 read=replica"),
            duration_s, calls, ok, binary ("after", the default: this
            checkout's server; "before": the baseline commit's), transport.
              main       one per scenario at the largest scale (required)
              scale      list_puzzles, next_puzzle, leaderboard_top,
                         leaderboard_around at each measured number of users
              pool       get_puzzle with variant "pool=1" and "pool=20"
              read_node  get_puzzle with variant "read=replica" and
                         "read=primary"
              resource   the open-loop "mixed" run behind the resource records
              engine     get_puzzle at 20, 100 and 1,000 in flight (issue 12)
              cpu        a fixed number of calls of a read, with
                         cpu_us_per_call {load_generator service postgres}
            Records of binary "before" appear only in the before/after
            tables of the serving-engine section.
  pgbench   the same query through pgbench: scenario, users, connections,
            calls_per_s, latency_ms {...}; optional read_node, duration_s.
            Compared with the "main" load record of the same scenario.
  resource  one per service: service, rss_idle_mb, rss_load_mb,
            load_calls_per_s, cpu_ms_per_1000_calls, startup_ms.
  instructions  the service's user-space instructions per call under
            callgrind (callgrind_profile.py): binary, scenario, calls,
            per_call, per_call_by_part {part: n}, top_functions
            [{function part per_call}]; optional failed (calls not OK).
  explain   label, users, sql, plan (EXPLAIN (ANALYZE, BUFFERS) text);
            social's also rpc and node (from auto_explain, explain_log.py).
  seed      the data a service was measured on: service, users, and its
            row counts (social: friendships, guilds, guild_members,
            channels, messages, read_marks; notification: log_rows,
            push_tokens, unread, deliveries), seconds, database_mb.
  write, write_pgbench  the write path (issue 16): tests/bench/write_report.py
            describes them and renders their section.

Load and explain records carry a "service" ("quest" when absent). Social
load records use the groups "main" (20 in flight) and "latency" (open loop
at a steady rate), at each measured number of users; they get a section of
their own with issue 9's targets. Notification records do the same at
scales of notification log rows (each load, explain and seed record has a
log_rows field besides users): the inbox RPCs in groups "main" and
"latency" against issue 10's targets, and send_notification in "main" at a
few calls in flight, shown with what gorush users report as context.

The machine record and at least one "main" load record (of any service), or
the serving engine's figures alone (run.sh --only=cpu), or the write path's
alone (run.sh --only=write), are required; any
other group may be absent and is then reported as not measured. A missing
file or a malformed record ends the program with a one-line message on
stderr and exit status 1. Without --svg no plot is
written (a report with no quest scale curves needs none).
"""

import argparse
import json
import math
import os
import re
import sys
from dataclasses import dataclass
from xml.sax.saxutils import escape

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import write_report  # noqa: E402

NOT_MEASURED = "not measured in this run"

LOAD_GROUPS = ("main", "latency", "scale", "pool", "read_node", "resource", "engine", "cpu")
BINARIES = ("after", "before")
LATENCY_KEYS = ("p50", "p90", "p99", "p999", "max")

# The targets: the spec, not measurements.
THROUGHPUT_VS_PGBENCH_MIN_PERCENT = 70.0
P99_VS_PGBENCH_MAX_RATIO = 2.0
LEADERBOARD_TOP_P99_MAX_MS = 10.0
FEED_PAGE_P99_MAX_MS = 10.0
RSS_AT_LOAD_MAX_MB = 50.0
RSS_TARGET_CALLS_PER_S = 1000
# Issue 12: the serving engine.
ENGINE_IN_FLIGHT = (20, 100, 1000)
ENGINE_VERSUS_PGBENCH_IN_FLIGHT = (20, 100)
ENGINE_ZERO_ERRORS_IN_FLIGHT = (100, 1000)
SERVICE_CPU_PER_GET_PUZZLE_MAX_US = 30.0
INSTRUCTIONS_PER_GET_PUZZLE_MAX = 50_000
OTHER_READ_CPU_VS_BEFORE_MAX_RATIO = 2.0
# "No scenario gets slower": after's calls/s at least this share of
# before's; the rest is run-to-run noise of a closed loop on this machine.
NOT_SLOWER_MIN_RATIO = 0.95
CPU_PROCESSES = (("load_generator", "load generator"), ("service", "service"),
                 ("postgres", "PostgreSQL replica (read node)"),
                 ("postgres_primary", "PostgreSQL primary"))
# Issue 9: every social read p99 < 10 ms at a steady 500 calls/s, at 100k
# users (50 friends each, 10k guilds, 10M messages); each plan an index scan.
SOCIAL_READ_P99_MAX_MS = 10.0
SOCIAL_TARGET_USERS = 100_000
SOCIAL_READ_SCENARIOS = (("list_friends", "ListFriends"),
                         ("list_mutual_friends", "ListMutualFriends"),
                         ("suggest_friends", "SuggestFriends"),
                         ("list_messages", "ListMessages"),
                         ("list_channels", "ListChannels"))
# Issue 10: the inbox RPCs p99 < 10 ms at a steady 500 calls/s at 1M
# notification log rows; the reads' plans index scans.
NOTIFICATION_INBOX_P99_MAX_MS = 10.0
NOTIFICATION_TARGET_LOG_ROWS = 1_000_000
NOTIFICATION_INBOX_SCENARIOS = (("list_notifications", "ListNotifications(ALL)"),
                                ("list_unread", "ListNotifications(UNREAD)"),
                                ("unread_count", "GetUnreadCount"),
                                ("mark_read", "MarkRead"))
NOTIFICATION_SEND_SCENARIO = "send_notification"
NOTIFICATION_SEND_RECIPIENTS = 1000
# Context, not a measurement: what gorush users report (its issue #411).
GORUSH_REPORTED_TOKENS_PER_MINUTE = 15_000
SERVICES = ("quest", "social", "notification")

# Why a target can be missed; shown only for missed targets. No figures here.
WHY_MISSED = {
    "throughput_vs_pgbench": (
        "the service, not PostgreSQL, is the bottleneck: per call it spends more CPU than "
        "PostgreSQL does (see the serving-engine section's CPU table), in gRPC core's HTTP/2 "
        "work and allocations (its instructions table) and in the kernel, where each call "
        "crosses from a serving thread to the read path's loop thread and back; the load "
        "generator takes its share of the same two cores, which pgbench's C client does "
        "not pay"),
    "p99_vs_pgbench": (
        "a call waits in more queues than pgbench's query does: the completion queue, the "
        "read path's loop and its coalesced statement; when the load generator, the service "
        "and PostgreSQL compete for the same two cores, any of them being descheduled lands "
        "in the tail"),
    "leaderboard_top_p99": (
        "the top page reads the first entries of the board's index; when those pages are "
        "not in shared buffers, or the replica is replaying a burst of score updates, the "
        "slowest calls wait for it"),
    "feed_page_p99": (
        "a feed page is a keyset range scan of the (status, created_at) index; stalls in "
        "the tail come from the shared machine (checkpoints, autovacuum, the load "
        "generator) rather than from the query"),
    "social_read_p99": (
        "a read that misses its 10 ms at a steady rate waits on more than its own index "
        "range: the query plans below show how many buffers it touches, and a plan that "
        "scans a whole table or sorts many rows grows with the data, not with the page"),
    "social_index_scans": (
        "a statement read a whole table instead of an index range; its plan names the table, "
        "and the store's SQL or an index is what to change"),
    "notification_inbox_p99": (
        "an inbox call reads one user's range of an index (the partial unread index for "
        "UNREAD and the count, the (user_id, created_at) index for ALL) plus each listed "
        "row's delivery summary; a miss at a steady rate comes from index pages not in "
        "shared buffers, the replica replaying a burst of writes, or the shared machine. "
        "MarkRead writes the primary and waits for its commit"),
    "notification_index_scans": (
        "a statement read a whole table instead of an index range; its plan names the table, "
        "and the store's SQL or an index is what to change"),
    "engine_throughput": (
        "the table of CPU per call below shows which process spends the two cores' time per "
        "call, and the instructions table which part of the service does: a service that "
        "spends more CPU per call than PostgreSQL caps the throughput before the database "
        "does, with the load generator taking its share of the same cores"),
    "engine_p99": (
        "the tail comes from queueing in the service (its threads, the read pool) and from "
        "the three processes being descheduled on two shared cores; compare the p50s to see "
        "whether the whole distribution or only the tail is slower"),
    "engine_errors": (
        "calls beyond what the server accepts are refused (the codes are shown): the "
        "serving core's queue bound or, on a synchronous server, its thread pool"),
    "engine_service_cpu": (
        "the service's own CPU per call; the instructions table shows the user-space share "
        "by part, and the rest is kernel time (system calls, thread hand-offs)"),
    "engine_instructions": (
        "the instructions table's parts name where they go (gRPC core, malloc/free, libpq, "
        "protobuf, our code) and its top functions the hottest code"),
    "engine_other_reads_cpu": (
        "the read spends more of the service's CPU per call than before; its CPU row shows by "
        "how much, and a profile of that read (run.sh's cpu part for get_puzzle shows how) "
        "where"),
    "engine_not_slower": (
        "the scenario's calls/s fell against the baseline binary in the same run; its row in "
        "the before/after table shows the latencies beside it"),
    "rss_at_load": (
        "memory under load grows with the threads gRPC starts for concurrent calls, "
        "their per-thread arenas and stacks, the pool's connections and the buffers "
        "of calls in flight; a load the service cannot keep up with queues calls and "
        "so threads"),
    **write_report.WHY_MISSED,
}

# The callgrind parts the service links and does not write (its allocator is
# its choice, so it is not among them).
LIBRARY_PARTS = ("gRPC core", "gRPC C++", "protobuf", "libpq", "libpqxx", "libc",
                 "dynamic loader")

SCALE_PLOT_COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b",
                     "#e377c2", "#17becf")


class ReportError(Exception):
    """A problem with the input that makes a correct report impossible."""


# ---------------------------------------------------------------- reading

def read_records(path):
    """Returns the file's records as (line number, dict) pairs."""
    try:
        with open(path, encoding="utf-8") as results_file:
            lines = results_file.readlines()
    except FileNotFoundError:
        raise ReportError(f"results file not found: {path}") from None
    except OSError as error:
        raise ReportError(f"cannot read results file {path}: {error.strerror}") from None
    records = []
    for line_number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise ReportError(f"{path} line {line_number}: not valid JSON ({error.msg})") from None
        if not isinstance(record, dict):
            raise ReportError(f"{path} line {line_number}: not a JSON object")
        records.append((line_number, record))
    return records


def is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


class RecordChecker:
    """Checks and normalises the fields of one record, naming it in errors."""

    def __init__(self, path, line_number, record):
        self.where = f"{path} line {line_number}"
        self.record = record
        self.kind = record.get("kind")

    def fail(self, problem):
        raise ReportError(f"{self.where}: {self.kind} record {problem}")

    def field(self, name, container=None, prefix=""):
        container = self.record if container is None else container
        if name not in container:
            self.fail(f"is missing field '{prefix}{name}'")
        return container[name]

    def string(self, name):
        value = self.field(name)
        if not isinstance(value, str) or not value:
            self.fail(f"field '{name}' must be a non-empty string")
        return value

    def number(self, name, container=None, prefix=""):
        value = self.field(name, container, prefix)
        # The load generator writes its labels (users among them) as strings.
        if isinstance(value, str):
            try:
                value = float(value)
            except ValueError:
                pass
        if not is_number(value) or value < 0:
            self.fail(f"field '{prefix}{name}' must be a non-negative number")
        return value

    def count(self, name):
        return int(self.number(name))

    def latency(self):
        latency = self.field("latency_ms")
        if not isinstance(latency, dict):
            self.fail("field 'latency_ms' must be an object")
        return {key: self.number(key, latency, "latency_ms.") for key in LATENCY_KEYS}

    def errors(self):
        errors = self.record.get("errors", {})
        if not isinstance(errors, dict) or not all(is_number(n) for n in errors.values()):
            self.fail("field 'errors' must be an object of code: count")
        return {code: int(n) for code, n in errors.items()}


def check_machine(checker):
    record = dict(checker.record)
    for name in ("cpu", "os", "kernel", "postgres", "date", "commit"):
        checker.string(name)
    record["cores"] = checker.count("cores")
    record["memory_gb"] = checker.number("memory_gb")
    return record


def check_service(checker, record):
    record["service"] = record.get("service") or "quest"
    if record["service"] not in SERVICES:
        checker.fail(f"has unknown service '{record['service']}' "
                     f"(expected one of {', '.join(SERVICES)})")


def check_scale(checker, record):
    """A service measured at scales of something else than users counts them too."""
    spec = SERVICE_SPECS.get(record["service"])
    if spec and spec.scale_key != "users":
        record[spec.scale_key] = checker.count(spec.scale_key)


def check_load(checker):
    record = dict(checker.record)
    check_service(checker, record)
    check_scale(checker, record)
    group = checker.string("group")
    if group not in LOAD_GROUPS:
        checker.fail(f"has unknown group '{group}' (expected one of {', '.join(LOAD_GROUPS)})")
    checker.string("scenario")
    record["users"] = checker.count("users")
    mode = checker.string("mode")
    if mode not in ("closed", "open"):
        checker.fail(f"has unknown mode '{mode}' (expected closed or open)")
    record["concurrency"] = checker.count("concurrency")
    record["rate"] = checker.number("rate") if mode == "open" else record.get("rate", 0)
    record["calls_per_s"] = checker.number("calls_per_s")
    record["latency_ms"] = checker.latency()
    record["errors"] = checker.errors()
    record["variant"] = record.get("variant") or ""
    if group in ("pool", "read_node") and not record["variant"]:
        checker.fail("in group '%s' needs a 'variant'" % group)
    check_binary(checker, record)
    if group == "cpu":
        cpu = checker.field("cpu_us_per_call")
        if not isinstance(cpu, dict) or not cpu:
            checker.fail("field 'cpu_us_per_call' must be an object of process: µs")
        record["cpu_us_per_call"] = {process: checker.number(process, cpu, "cpu_us_per_call.")
                                     for process in cpu}
    return record


def check_binary(checker, record):
    record["binary"] = record.get("binary") or "after"
    if record["binary"] not in BINARIES:
        checker.fail(f"has unknown binary '{record['binary']}' (expected after or before)")


def check_instructions(checker):
    record = dict(checker.record)
    check_service(checker, record)
    check_binary(checker, record)
    checker.string("scenario")
    record["calls"] = checker.count("calls")
    record["per_call"] = checker.number("per_call")
    parts = checker.field("per_call_by_part")
    if not isinstance(parts, dict):
        checker.fail("field 'per_call_by_part' must be an object of part: instructions")
    record["per_call_by_part"] = {part: checker.number(part, parts, "per_call_by_part.")
                                  for part in parts}
    functions = record.get("top_functions", [])
    if not isinstance(functions, list) or not all(
            isinstance(f, dict) and isinstance(f.get("function"), str)
            and is_number(f.get("per_call")) for f in functions):
        checker.fail("field 'top_functions' must be a list of {function, part, per_call}")
    record["top_functions"] = functions
    record["failed"] = int(checker.number("failed")) if "failed" in record else 0
    return record


def check_pgbench(checker):
    record = dict(checker.record)
    checker.string("scenario")
    record["users"] = checker.count("users")
    record["connections"] = checker.count("connections")
    record["calls_per_s"] = checker.number("calls_per_s")
    record["latency_ms"] = checker.latency()
    return record


def check_resource(checker):
    record = dict(checker.record)
    checker.string("service")
    for name in ("rss_idle_mb", "rss_load_mb", "load_calls_per_s", "cpu_ms_per_1000_calls",
                 "startup_ms"):
        record[name] = checker.number(name)
    return record


def check_explain(checker):
    record = dict(checker.record)
    check_service(checker, record)
    check_scale(checker, record)
    for name in ("label", "sql", "plan"):
        checker.string(name)
    record["users"] = checker.count("users")
    return record


def check_seed(checker):
    record = dict(checker.record)
    check_service(checker, record)
    record["users"] = checker.count("users")
    for name, value in checker.record.items():
        if name not in ("kind", "service") and not is_number(value):
            checker.fail(f"field '{name}' must be a number")
    return record


def check_delivery(checker):
    """Deliveries through the push engine to a local fake FCM (notification.sh)."""
    record = dict(checker.record)
    check_service(checker, record)
    for name in ("instances", "deliveries", "sends", "sent", "failed"):
        record[name] = checker.count(name)
    for name in ("fail_rate", "seconds", "per_second"):
        record[name] = checker.number(name)
    return record


CHECKERS = {
    "machine": check_machine,
    "load": check_load,
    "pgbench": check_pgbench,
    "write_pgbench": check_pgbench,  # the write part's reference run
    "resource": check_resource,
    "explain": check_explain,
    "seed": check_seed,
    "delivery": check_delivery,
    "instructions": check_instructions,
    **write_report.CHECKERS,
}


@dataclass
class Results:
    machine: dict
    loads: list       # quest's load records, file order
    pgbench: list
    resources: list
    explains: list    # quest's
    service_loads: dict     # {service: its load records}, the other services
    service_explains: dict  # {service: its explain records}
    seeds: list
    deliveries: list  # the push engine's throughput runs
    baseline_loads: list = None  # quest's load records of the "before" binary
    instructions: list = None    # callgrind's per-call figures, both binaries
    writes: list = None          # the write path's windows (write_report.py), both binaries
    write_pgbench: list = None   # pgbench tpcb-like beside them

    def group(self, name):
        return [record for record in self.loads if record["group"] == name]

    def service_group(self, service, name):
        return [record for record in self.service_loads[service] if record["group"] == name]


def parse_results(path):
    """Reads and checks the results file; raises ReportError if unusable."""
    by_kind = {kind: [] for kind in CHECKERS}
    for line_number, raw in read_records(path):
        checker = RecordChecker(path, line_number, raw)
        if "kind" not in raw:
            raise ReportError(f"{checker.where}: record has no 'kind' field "
                              f"(expected one of {', '.join(CHECKERS)})")
        if checker.kind not in CHECKERS:
            raise ReportError(f"{checker.where}: unknown record kind {checker.kind!r} "
                              f"(expected one of {', '.join(CHECKERS)})")
        by_kind[checker.kind].append(CHECKERS[checker.kind](checker))
    if len(by_kind["machine"]) != 1:
        raise ReportError(f"{path}: expected exactly one machine record, "
                          f"found {len(by_kind['machine'])}")
    def of(kind, service):
        return [record for record in by_kind[kind] if record["service"] == service]

    others = SERVICES[1:]
    quest_loads = of("load", "quest")
    results = Results(by_kind["machine"][0],
                      [record for record in quest_loads if record["binary"] == "after"],
                      by_kind["pgbench"],
                      by_kind["resource"], of("explain", "quest"),
                      {service: of("load", service) for service in others},
                      {service: of("explain", service) for service in others}, by_kind["seed"],
                      by_kind["delivery"],
                      [record for record in quest_loads if record["binary"] == "before"],
                      by_kind["instructions"], by_kind["write"], by_kind["write_pgbench"])
    if (not results.group("main") and not has_engine_figures(results) and not results.writes
            and not any(results.service_group(service, "main") for service in others)):
        raise ReportError(f"{path}: no load record in group 'main' (nor of the serving engine "
                          "or the write path)")
    return results


# ---------------------------------------------------------------- formatting

def format_ms(value):
    return f"{value:.2f}"


def format_rate(value):
    return f"{round(value):,}"


def format_users(users):
    return f"{users:,}"


def format_users_short(users):
    """10000 -> "10k", 1000000 -> "1M", 2500 -> "2.5k"."""
    for size, suffix in ((1_000_000_000, "G"), (1_000_000, "M"), (1_000, "k")):
        if users >= size:
            return f"{users / size:g}{suffix}"
    return str(users)


def format_amount(value):
    """A plain figure: no decimals when whole, else one."""
    rounded = round(value, 1)
    return f"{rounded:.0f}" if rounded == int(rounded) else f"{rounded:.1f}"


def format_percent(value):
    return format_amount(value) + "%"


def format_ratio(value):
    return f"{value:.1f}×" if value >= 0.95 else f"{value:.2f}×"


def format_errors(errors):
    failed = [f"{code}: {n:,}" for code, n in errors.items() if n]
    return ", ".join(failed) if failed else "0"


def format_mode(record):
    if record.get("mode") == "open":
        return f"open ({format_rate(record.get('rate', 0))}/s)"
    return record.get("mode", "closed")


def ratio(numerator, denominator):
    return numerator / denominator if denominator else math.inf


def markdown_cell(value):
    return str(value).replace("|", "\\|").replace("\n", " ")


def markdown_table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(markdown_cell(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def code_block(text, language=""):
    """A fenced block whose fence is longer than any backtick run inside."""
    longest_run, run = 0, 0
    for character in text:
        run = run + 1 if character == "`" else 0
        longest_run = max(longest_run, run)
    fence = "`" * max(3, longest_run + 1)
    return f"{fence}{language}\n{text.rstrip()}\n{fence}"


# ---------------------------------------------------------------- finding records

def find_load(results, group, scenario):
    for record in results.group(group):
        if record["scenario"] == scenario:
            return record
    return None


def find_pgbench(results, scenario):
    for record in results.pgbench:
        if record["scenario"] == scenario:
            return record
    return None


def variant_settings(record):
    """'pool=20 read=replica' -> {'pool': '20', 'read': 'replica'}."""
    settings = {}
    for token in record["variant"].split():
        key, _, value = token.partition("=")
        settings[key] = value
    return settings


def find_variant(records, key, value):
    for record in records:
        if variant_settings(record).get(key) == value:
            return record
    return None


def main_users(results):
    return max(record["users"] for record in results.group("main"))


# ---------------------------------------------------------------- targets

@dataclass
class TargetResult:
    key: str          # into WHY_MISSED
    target: str
    measured: str
    met: bool | None  # None: not measured
    shortfall: str = ""
    note: str = ""    # appended to the verdict, e.g. a scale below the target's

    @property
    def verdict(self):
        if self.met is None:
            return NOT_MEASURED
        verdict = "met" if self.met else f"missed by {self.shortfall}"
        return f"{verdict} ({self.note})" if self.note else verdict


def excess_percent(value, limit):
    """How far value is over limit, as a percentage of limit."""
    return format_percent((value / limit - 1) * 100)


def upper_bound_result(key, target, value, limit, measured, strict):
    met = value < limit if strict else value <= limit
    return TargetResult(key, target, measured, met, "" if met else excess_percent(value, limit))


def throughput_target(results):
    target = (f"GetPuzzle throughput ≥ {format_percent(THROUGHPUT_VS_PGBENCH_MIN_PERCENT)} "
              "of pgbench's (same query, same connection count)")
    service, pgbench = find_load(results, "main", "get_puzzle"), find_pgbench(results, "get_puzzle")
    if not service or not pgbench:
        return TargetResult("throughput_vs_pgbench", target, "—", None)
    percent = ratio(service["calls_per_s"], pgbench["calls_per_s"]) * 100
    measured = (f"{format_percent(percent)} ({format_rate(service['calls_per_s'])} vs "
                f"{format_rate(pgbench['calls_per_s'])} calls/s)")
    met = percent >= THROUGHPUT_VS_PGBENCH_MIN_PERCENT
    shortfall = f"{format_amount(THROUGHPUT_VS_PGBENCH_MIN_PERCENT - percent)} points"
    return TargetResult("throughput_vs_pgbench", target, measured, met, "" if met else shortfall)


def p99_vs_pgbench_target(results):
    target = f"GetPuzzle p99 ≤ {format_amount(P99_VS_PGBENCH_MAX_RATIO)}× pgbench's"
    service, pgbench = find_load(results, "main", "get_puzzle"), find_pgbench(results, "get_puzzle")
    if not service or not pgbench:
        return TargetResult("p99_vs_pgbench", target, "—", None)
    service_p99, pgbench_p99 = service["latency_ms"]["p99"], pgbench["latency_ms"]["p99"]
    value = ratio(service_p99, pgbench_p99)
    measured = f"{format_ratio(value)} ({format_ms(service_p99)} vs {format_ms(pgbench_p99)} ms)"
    return upper_bound_result("p99_vs_pgbench", target, value, P99_VS_PGBENCH_MAX_RATIO,
                              measured, strict=False)


def p99_target(results, key, description, scenario, limit_ms):
    target = f"{description} p99 < {format_amount(limit_ms)} ms at the largest scale"
    # A latency target is read at a steady rate (group "latency", open loop)
    # when measured; at saturation (group "main") queueing dominates p99.
    record = find_load(results, "latency", scenario) or find_load(results, "main", scenario)
    if not record:
        return TargetResult(key, target, "—", None)
    p99 = record["latency_ms"]["p99"]
    load = (f"open loop at {format_rate(record['rate'])} calls/s" if record["mode"] == "open"
            else f"closed loop, {format_rate(record['concurrency'])} in flight")
    measured = f"{format_ms(p99)} ms at {format_users(record['users'])} users, {load}"
    return upper_bound_result(key, target, p99, limit_ms, measured, strict=True)


def rss_targets(results):
    target = (f"each service < {format_amount(RSS_AT_LOAD_MAX_MB)} MB RSS at "
              f"{format_rate(RSS_TARGET_CALLS_PER_S)} calls/s")
    if not results.resources:
        return [TargetResult("rss_at_load", target, "—", None)]
    outcomes = []
    for record in results.resources:
        measured = (f"{record['service']}: {format_amount(record['rss_load_mb'])} MB at "
                    f"{format_rate(record['load_calls_per_s'])} calls/s")
        outcomes.append(upper_bound_result("rss_at_load", target, record["rss_load_mb"],
                                           RSS_AT_LOAD_MAX_MB, measured, strict=True))
    return outcomes


def evaluate_targets(results):
    return [
        throughput_target(results),
        p99_vs_pgbench_target(results),
        p99_target(results, "leaderboard_top_p99", "Leaderboard top-100", "leaderboard_top",
                   LEADERBOARD_TOP_P99_MAX_MS),
        p99_target(results, "feed_page_p99", "Feed page", "list_puzzles", FEED_PAGE_P99_MAX_MS),
        *rss_targets(results),
    ]


# ---------------------------------------------------------------- sections

def intro_section(results):
    machine = results.machine
    labels = {"cpu": "CPU", "cores": "cores", "memory_gb": "memory (GB)", "os": "OS",
              "kernel": "kernel", "postgres": "PostgreSQL",
              "shared_buffers": "PostgreSQL shared_buffers",
              "wal_compression": "PostgreSQL wal_compression", "date": "date",
              "commit": "commit"}
    rows = [(labels.get(name, name), value) for name, value in machine.items() if name != "kind"]
    return "\n\n".join([
        "# Benchmarks",
        "This file is generated by `./tests/bench/run.sh` (the one command that runs the "
        "benchmarks and writes this report from their results) and must not be edited by "
        "hand: change the benchmarks or `tests/bench/report.py` and run it again. Every "
        "figure below comes from that run's results file.",
        "## Machine",
        markdown_table(("field", "value"), rows),
        "The load generator, the service and PostgreSQL (primary and replica) share this "
        "machine, so they compete for the same cores: the figures are those of the whole "
        "stack on one box, not of the service alone.",
    ])


def targets_parts(outcomes, heading, why_heading):
    """The targets table and, for missed ones, why such a target can be missed."""
    rows = [(o.target, o.measured, o.verdict) for o in outcomes]
    parts = [heading, markdown_table(("target", "measured", "verdict"), rows)]
    missed = []
    for outcome in outcomes:
        if outcome.met is False and outcome.key not in {key for key, _ in missed}:
            missed.append((outcome.key, outcome.target))
    if missed:
        reasons = [f"- **{target}**: {WHY_MISSED[key]}." for key, target in missed]
        parts += [why_heading, "\n".join(reasons)]
    return parts


def targets_section(results):
    return "\n\n".join(targets_parts(evaluate_targets(results), "## Targets",
                                      "### Why a target is missed"))


LOAD_COLUMNS = ("mode", "concurrency", "calls/s", "p50 ms", "p90 ms", "p99 ms", "p99.9 ms",
                "max ms", "errors")


def format_concurrency(record):
    """Calls in flight of a closed loop; an open loop has none fixed."""
    return "—" if record["mode"] == "open" else format_rate(record["concurrency"])


def load_row_cells(record):
    latency = record["latency_ms"]
    return [format_mode(record), format_concurrency(record),
            format_rate(record["calls_per_s"]),
            *(format_ms(latency[key]) for key in LATENCY_KEYS), format_errors(record["errors"])]


def pgbench_row_cells(record):
    latency = record["latency_ms"]
    return [format_mode(record), format_rate(record["connections"]),
            format_rate(record["calls_per_s"]),
            *(format_ms(latency[key]) for key in LATENCY_KEYS), "—"]


def scenarios_section(results):
    rows = [[record["scenario"], *load_row_cells(record)] for record in results.group("main")]
    parts = [
        f"## Scenarios at {format_users(main_users(results))} users",
        "Closed loop: throughput at saturation, the latencies include queueing behind "
        "the calls in flight.",
        markdown_table(("scenario", *LOAD_COLUMNS), rows),
    ]
    steady = [[record["scenario"], *load_row_cells(record)] for record in results.group("latency")]
    if steady:
        parts += ["### Latency at a steady rate",
                  "Open loop: each latency counts from the call's scheduled send time.",
                  markdown_table(("scenario", *LOAD_COLUMNS), steady)]
    return "\n\n".join(parts)


def describe_read_node(record):
    variant = variant_settings(record).get("read")
    return f", reads from the {variant}" if variant else ""


def comparison_mismatch(service, pgbench):
    """A warning when the service and pgbench runs are not like for like."""
    differences = []
    if service["concurrency"] != pgbench["connections"]:
        differences.append(f"the service ran {format_rate(service['concurrency'])} calls in "
                           f"flight, pgbench {format_rate(pgbench['connections'])} connections")
    if service["users"] != pgbench["users"]:
        differences.append(f"the service ran at {format_users(service['users'])} users, "
                           f"pgbench at {format_users(pgbench['users'])}")
    if not differences:
        return ""
    return "Not like for like: " + "; ".join(differences) + "."


def gateway_cost_section(results):
    heading = "## What the gateway costs: service vs pgbench"
    if not results.pgbench:
        return f"{heading}\n\n{NOT_MEASURED}"
    parts = [heading,
             "pgbench runs the RPC's SQL with the prepared protocol over as many connections as "
             "the service's pool, on the node the service reads from. It takes each puzzle id "
             "from a numbered copy of the ids inside the same statement (one more primary-key "
             "lookup than the service makes), so the ratios slightly favour the service."]
    for pgbench in results.pgbench:
        service = find_load(results, "main", pgbench["scenario"])
        if not service:
            parts.append(f"pgbench ran {pgbench['scenario']}, but the service's main run of it "
                         f"was {NOT_MEASURED}.")
            continue
        read_node = pgbench.get("read_node")
        rows = [[f"service {service['scenario']}{describe_read_node(service)}",
                 *load_row_cells(service)],
                [f"pgbench {pgbench['scenario']}" + (f", reads from the {read_node}"
                                                     if read_node else ""),
                 *pgbench_row_cells(pgbench)]]
        throughput = ratio(service["calls_per_s"], pgbench["calls_per_s"]) * 100
        p99 = ratio(service["latency_ms"]["p99"], pgbench["latency_ms"]["p99"])
        parts += [
            markdown_table(("client", *LOAD_COLUMNS), rows),
            f"Service throughput is {format_percent(throughput)} of pgbench's; its p99 is "
            f"{format_ratio(p99)} pgbench's.",
        ]
        mismatch = comparison_mismatch(service, pgbench)
        if mismatch:
            parts.append(mismatch)
    return "\n\n".join(parts)


def variant_comparison(records, setting, first_value, second_value):
    """Rows for two variants of one scenario and their ratios (first / second).

    Returns (rows, ratios sentence or None when one of the two is missing).
    """
    first = find_variant(records, setting, first_value)
    second = find_variant(records, setting, second_value)
    rows = [[record["variant"], record["scenario"], *load_row_cells(record)]
            for record in records]
    if not first or not second:
        return rows, None
    throughput = ratio(first["calls_per_s"], second["calls_per_s"])
    p99 = ratio(first["latency_ms"]["p99"], second["latency_ms"]["p99"])
    sentence = (f"{first['variant']} vs {second['variant']}: {format_ratio(throughput)} the "
                f"throughput, {format_ratio(p99)} the p99.")
    return rows, sentence


def variant_section(heading, records, setting, first_value, second_value, missing_note):
    if not records:
        return f"{heading}\n\n{NOT_MEASURED}"
    rows, sentence = variant_comparison(records, setting, first_value, second_value)
    parts = [heading, markdown_table(("variant", "scenario", *LOAD_COLUMNS), rows)]
    parts.append(sentence or f"{missing_note}: {NOT_MEASURED}.")
    return "\n\n".join(parts)


def pool_section(results):
    return variant_section("## The pool's worth", results.group("pool"), "pool", "20", "1",
                           "The comparison of pool=20 with pool=1")


def read_node_section(results):
    return variant_section("## Replica vs primary reads", results.group("read_node"), "read",
                           "replica", "primary", "The comparison of replica with primary")


def scale_series(results):
    """{scenario: [records ordered by users]}, scenarios in file order."""
    series = {}
    for record in results.group("scale"):
        series.setdefault(record["scenario"], []).append(record)
    return {scenario: sorted(records, key=lambda r: r["users"])
            for scenario, records in series.items()}


def scale_rows(results):
    rows = []
    for scenario, records in scale_series(results).items():
        for record in records:
            latency = record["latency_ms"]
            rows.append([scenario, format_users(record["users"]),
                         format_rate(record["calls_per_s"]), format_ms(latency["p50"]),
                         format_ms(latency["p99"])])
    return rows


def scale_section(results, svg_link):
    heading = "## Scale curves"
    if not results.group("scale"):
        return f"{heading}\n\n{NOT_MEASURED}"
    parts = [heading,
             markdown_table(("scenario", "users", "calls/s", "p50 ms", "p99 ms"),
                            scale_rows(results))]
    if svg_link:
        parts.append(f"![scale curves]({svg_link})")
    return "\n\n".join(parts)


def resources_section(results):
    heading = "## Resources"
    if not results.resources:
        return f"{heading}\n\n{NOT_MEASURED}"
    rows = [[r["service"], format_amount(r["rss_idle_mb"]), format_amount(r["rss_load_mb"]),
             format_rate(r["load_calls_per_s"]), format_amount(r["cpu_ms_per_1000_calls"]),
             format_amount(r["startup_ms"])] for r in results.resources]
    parts = [heading, markdown_table(
        ("service", "idle RSS MB", "RSS under load MB", "at calls/s", "CPU ms per 1,000 calls",
         "start-up to SERVING ms"), rows)]
    for run in results.group("resource"):
        latency = run["latency_ms"]
        parts.append(
            f"Load during the measurement: scenario {run['scenario']}, {format_mode(run)}, "
            f"{format_rate(run['calls_per_s'])} calls/s achieved, p50 {format_ms(latency['p50'])} "
            f"ms, p99 {format_ms(latency['p99'])} ms, errors {format_errors(run['errors'])}.")
    return "\n\n".join(parts)


def explain_section(results):
    heading = "## Query plans"
    if not results.explains:
        return f"{heading}\n\n{NOT_MEASURED}"
    parts = [heading,
             "The statements quest registers, as the service sends them, prepared on the replica "
             "and run under EXPLAIN (ANALYZE, BUFFERS) with the values of a median or top user "
             "(run.sh's explain_top_queries; GetNextPuzzle's unregistered SQL is mirrored there)."]
    for record in results.explains:
        parts += [f"### {record['label']} ({format_users(record['users'])} users)",
                  code_block(record["sql"], "sql"), code_block(record["plan"])]
    return "\n\n".join(parts)


# ---------------------------------------------------------------- serving engine (issue 12)

def engine_load(records, in_flight, scenario="get_puzzle"):
    for record in records:
        if (record["group"] == "engine" and record["scenario"] == scenario
                and record["concurrency"] == in_flight):
            return record
    return None


def binary_records(results, binary):
    return results.loads if binary == "after" else (results.baseline_loads or [])


def engine_binaries(results):
    """("after",) or ("after", "before") when the run measured a baseline."""
    if results.baseline_loads or any(r["binary"] == "before" for r in results.instructions or []):
        return ("after", "before")
    return ("after",)


def binary_name(results, binary):
    if binary == "after":
        return "after"
    baseline = results.machine.get("baseline")
    return f"before ({baseline})" if baseline else "before"


def format_change(new, old):
    """new / old as a ratio; a dash when old is 0 (nothing to compare with)."""
    return format_ratio(new / old) if old else "—"


def engine_targets(results):
    outcomes = []
    pgbench = find_pgbench(results, "get_puzzle")
    after = results.loads
    for in_flight in ENGINE_VERSUS_PGBENCH_IN_FLIGHT:
        target = (f"GetPuzzle throughput at {in_flight} in flight ≥ "
                  f"{format_amount(THROUGHPUT_VS_PGBENCH_MIN_PERCENT / 100)}× pgbench's")
        service = engine_load(after, in_flight)
        if not service or not pgbench:
            outcomes.append(TargetResult("engine_throughput", target, "—", None))
        else:
            value = ratio(service["calls_per_s"], pgbench["calls_per_s"])
            limit = THROUGHPUT_VS_PGBENCH_MIN_PERCENT / 100
            met = value >= limit
            outcomes.append(TargetResult(
                "engine_throughput", target,
                f"{format_ratio(value)} ({format_rate(service['calls_per_s'])} vs "
                f"{format_rate(pgbench['calls_per_s'])} calls/s)", met,
                "" if met else f"{format_amount((limit - value) * 100)} points"))
    for in_flight in ENGINE_VERSUS_PGBENCH_IN_FLIGHT:
        target = (f"GetPuzzle p99 at {in_flight} in flight ≤ "
                  f"{format_amount(P99_VS_PGBENCH_MAX_RATIO)}× pgbench's")
        service = engine_load(after, in_flight)
        if not service or not pgbench:
            outcomes.append(TargetResult("engine_p99", target, "—", None))
            continue
        value = ratio(service["latency_ms"]["p99"], pgbench["latency_ms"]["p99"])
        outcomes.append(upper_bound_result(
            "engine_p99", target, value, P99_VS_PGBENCH_MAX_RATIO,
            f"{format_ratio(value)} ({format_ms(service['latency_ms']['p99'])} vs "
            f"{format_ms(pgbench['latency_ms']['p99'])} ms)", strict=False))
    for in_flight in ENGINE_ZERO_ERRORS_IN_FLIGHT:
        target = f"0 errors at {format_rate(in_flight)} GetPuzzle calls in flight"
        service = engine_load(after, in_flight)
        if not service:
            outcomes.append(TargetResult("engine_errors", target, "—", None))
            continue
        failed = sum(service["errors"].values())
        outcomes.append(TargetResult(
            "engine_errors", target,
            f"{format_errors(service['errors'])} of {format_rate(service.get('calls', 0))} calls",
            failed == 0, f"{format_rate(failed)} failed calls"))
    cpu = find_cpu(after, "get_puzzle")
    target = f"service CPU per GetPuzzle ≤ {format_amount(SERVICE_CPU_PER_GET_PUZZLE_MAX_US)} µs"
    if not cpu or "service" not in cpu["cpu_us_per_call"]:
        outcomes.append(TargetResult("engine_service_cpu", target, "—", None))
    else:
        us = cpu["cpu_us_per_call"]["service"]
        outcomes.append(upper_bound_result(
            "engine_service_cpu", target, us, SERVICE_CPU_PER_GET_PUZZLE_MAX_US,
            f"{format_amount(us)} µs over {format_rate(cpu.get('calls', 0))} calls",
            strict=False))
    instructions = find_instructions(results, "after")
    target = (f"≤ {format_rate(INSTRUCTIONS_PER_GET_PUZZLE_MAX)} user-space instructions per "
              "GetPuzzle (callgrind)")
    if not instructions:
        outcomes.append(TargetResult("engine_instructions", target, "—", None))
    else:
        outcome = upper_bound_result(
            "engine_instructions", target, instructions["per_call"],
            INSTRUCTIONS_PER_GET_PUZZLE_MAX,
            f"{format_rate(instructions['per_call'])} over {format_rate(instructions['calls'])} "
            "calls", strict=False)
        if outcome.met is False:
            # What the call costs in code the service links but does not write:
            # a floor that no change of ours lowers.
            parts = instructions.get("per_call_by_part", {})
            floor = sum(parts.get(part, 0) for part in LIBRARY_PARTS)
            outcome.note = (f"{format_rate(floor)} of them in libraries we do not write: "
                            f"{', '.join(LIBRARY_PARTS)}")
        outcomes.append(outcome)
    before = results.baseline_loads or []
    for record in (r for r in after if r["group"] == "cpu" and r["scenario"] != "get_puzzle"):
        target = (f"{record['scenario']}: service CPU per call ≤ "
                  f"{format_amount(OTHER_READ_CPU_VS_BEFORE_MAX_RATIO)}× before's")
        old = find_cpu(before, record["scenario"])
        if not old or "service" not in old["cpu_us_per_call"]:
            outcomes.append(TargetResult("engine_other_reads_cpu", target, "—", None))
            continue
        new_us, old_us = record["cpu_us_per_call"]["service"], old["cpu_us_per_call"]["service"]
        outcomes.append(upper_bound_result(
            "engine_other_reads_cpu", target, ratio(new_us, old_us),
            OTHER_READ_CPU_VS_BEFORE_MAX_RATIO,
            f"{format_ratio(ratio(new_us, old_us))} ({format_amount(new_us)} vs "
            f"{format_amount(old_us)} µs)", strict=False))
    for record in (r for r in after if r["group"] == "main"):
        old = next((r for r in before if r["group"] == "main"
                    and r["scenario"] == record["scenario"]), None)
        if not old:
            continue
        target = (f"{record['scenario']} not slower (calls/s ≥ "
                  f"{NOT_SLOWER_MIN_RATIO:g}× before's)")
        value = ratio(record["calls_per_s"], old["calls_per_s"])
        met = value >= NOT_SLOWER_MIN_RATIO
        outcomes.append(TargetResult(
            "engine_not_slower", target,
            f"{format_ratio(value)} ({format_rate(record['calls_per_s'])} vs "
            f"{format_rate(old['calls_per_s'])} calls/s)", met,
            "" if met else f"{format_amount((NOT_SLOWER_MIN_RATIO - value) * 100)} points"))
    return outcomes


def find_cpu(records, scenario):
    for record in records:
        if record["group"] == "cpu" and record["scenario"] == scenario:
            return record
    return None


def find_instructions(results, binary, scenario="get_puzzle"):
    for record in results.instructions or []:
        if record["binary"] == binary and record["scenario"] == scenario:
            return record
    return None


def transports_sentence(results):
    pgbench = find_pgbench(results, "get_puzzle")
    service = {record.get("transport") for record in results.loads
               if record["group"] == "engine" and record.get("transport")}
    pgbench_transport = pgbench.get("transport") if pgbench else None
    if not pgbench_transport and not service:
        return "Transport: not recorded in this run."
    service_text = ", ".join(sorted(service)) or "not recorded"
    same = (pgbench_transport and len(service) == 1 and
            next(iter(service)).lower() == pgbench_transport.lower())
    return (f"Transport to the read node: pgbench {pgbench_transport or 'not recorded'}; the "
            f"service {service_text} (its connections as the replica's pg_stat_activity shows "
            "them). " + ("The same transport for both." if same
                         else "**Not the same transport**: the comparison is not like for like."))


def engine_versus_pgbench_part(results):
    pgbench = find_pgbench(results, "get_puzzle")
    rows = []
    if pgbench:
        latency = pgbench["latency_ms"]
        rows.append([f"pgbench, {format_rate(pgbench['connections'])} connections", "—",
                     format_rate(pgbench["calls_per_s"]), format_ms(latency["p50"]),
                     format_ms(latency["p99"]), "—", "1.0×", "1.0×"])
    for binary in engine_binaries(results):
        for in_flight in ENGINE_IN_FLIGHT:
            record = engine_load(binary_records(results, binary), in_flight)
            if not record:
                continue
            latency = record["latency_ms"]
            rows.append([f"service, {format_rate(in_flight)} in flight",
                         binary_name(results, binary), format_rate(record["calls_per_s"]),
                         format_ms(latency["p50"]), format_ms(latency["p99"]),
                         format_errors(record["errors"]),
                         format_ratio(ratio(record["calls_per_s"], pgbench["calls_per_s"]))
                         if pgbench else "—",
                         format_ratio(ratio(latency["p99"], pgbench["latency_ms"]["p99"]))
                         if pgbench else "—"])
    if not rows:
        return ["### GetPuzzle beside pgbench", NOT_MEASURED]
    return ["### GetPuzzle beside pgbench",
            "Closed loops of GetPuzzle through the service, and pgbench running the RPC's SQL "
            "over the service's read-pool size in connections on the node the service reads "
            "from, in the same run.",
            markdown_table(("client", "binary", "calls/s", "p50 ms", "p99 ms", "errors",
                            "calls/s × pgbench", "p99 × pgbench"), rows)]


def engine_cpu_part(results):
    heading = "### CPU per call of each process"
    binaries = engine_binaries(results)
    rows = []
    for binary in binaries:
        for record in (r for r in binary_records(results, binary) if r["group"] == "cpu"):
            cpu = record["cpu_us_per_call"]
            rows.append([record["scenario"], binary_name(results, binary),
                         format_rate(record.get("calls", 0)), format_rate(record["concurrency"]),
                         *(format_amount(cpu[key]) if key in cpu else "—"
                           for key, _ in CPU_PROCESSES),
                         format_amount(sum(cpu.values()))])
    if not rows:
        return [heading, NOT_MEASURED]
    parts = [heading,
             "User + system CPU time from /proc over a fixed number of calls after a warm-up "
             "(every warm-up call completed first), divided by the calls: the load generator, "
             "the quest server (all its threads) and each PostgreSQL node (its postmaster and "
             "all its children: backends, WAL sender or receiver, background workers). The "
             "replica serves the reads; the primary those that must see the caller's own "
             "writes, and it streams WAL to the replica.",
             markdown_table(("scenario", "binary", "calls", "in flight",
                             *(f"{label} µs" for _, label in CPU_PROCESSES), "sum µs"), rows)]
    if "before" in binaries:
        comparison = []
        for record in (r for r in results.loads if r["group"] == "cpu"):
            old = find_cpu(results.baseline_loads, record["scenario"])
            if not old:
                continue
            for key, label in CPU_PROCESSES:
                if key in record["cpu_us_per_call"] and key in old["cpu_us_per_call"]:
                    new_us, old_us = record["cpu_us_per_call"][key], old["cpu_us_per_call"][key]
                    comparison.append([record["scenario"], label, format_amount(old_us),
                                       format_amount(new_us), format_change(new_us, old_us)])
        if comparison:
            parts.append(markdown_table(("scenario", "process", "before µs", "after µs",
                                         "after / before"), comparison))
    return parts


def engine_instructions_part(results):
    heading = "### Instructions per GetPuzzle call (callgrind)"
    rerun = ("To rerun only this and the CPU table: `./tests/bench/run.sh --service=quest "
             "--scales=100000 --only=cpu" +
             (f" --baseline={results.machine['baseline']}`"
              if results.machine.get("baseline") else "`") +
             " (BENCH_CPU_CALLS and BENCH_CALLGRIND_CALLS set the call counts).")
    records = {binary: find_instructions(results, binary) for binary in engine_binaries(results)}
    records = {binary: record for binary, record in records.items() if record}
    if not records:
        return [heading, NOT_MEASURED, rerun]
    binaries = [binary for binary in ("before", "after") if binary in records]
    parts_seen = []
    for record in records.values():
        for part, count in record["per_call_by_part"].items():
            if count and part not in parts_seen:
                parts_seen.append(part)
    header = ["part", *(binary_name(results, binary) for binary in binaries)]
    if len(binaries) == 2:
        header.append("after / before")

    def row(label, values):
        cells = [label, *(format_rate(value) for value in values)]
        if len(values) == 2:
            cells.append(format_ratio(ratio(values[1], values[0])) if values[0] else "—")
        return cells

    rows = [row("**total**", [records[b]["per_call"] for b in binaries])]
    rows += [row(part, [records[b]["per_call_by_part"].get(part, 0) for b in binaries])
             for part in parts_seen]
    intro = ("The quest server under `valgrind --tool=callgrind` with instrumentation off "
             "through start-up and a warm-up, on for exactly the measured calls (20 in "
             "flight), then dumped: user-space instructions executed (Ir) by all its threads, "
             "per call, by the object or function that ran them (tests/bench/"
             "callgrind_profile.py; \"our code\" is everything linked into the binary).")
    calls = ", ".join(f"{binary_name(results, b)}: {format_rate(records[b]['calls'])} calls"
                      + (f", {format_rate(records[b]['failed'])} not OK"
                         if records[b]["failed"] else "") for b in binaries)
    parts = [heading, intro, markdown_table(header, rows), f"Measured over {calls}."]
    top = records.get("after", {}).get("top_functions") if "after" in records else None
    if top:
        parts += ["The after binary's hottest functions (self instructions per call):",
                  markdown_table(("function", "part", "instructions per call"),
                                 [[shorten(f["function"], 80), f.get("part", "—"),
                                   format_rate(f["per_call"])] for f in top])]
    parts.append(rerun)
    return parts


def before_after_rows(results, group):
    rows = []
    for record in (r for r in results.loads if r["group"] == group):
        old = next((r for r in results.baseline_loads or [] if r["group"] == group
                    and r["scenario"] == record["scenario"]
                    and r["variant"] == record["variant"]), None)
        if not old:
            continue
        label = record["scenario"] + (f" ({record['variant']})" if group != "main" else "")
        rows.append([label, format_rate(old["calls_per_s"]), format_rate(record["calls_per_s"]),
                     format_ratio(ratio(record["calls_per_s"], old["calls_per_s"])),
                     format_ms(old["latency_ms"]["p99"]), format_ms(record["latency_ms"]["p99"]),
                     format_ratio(ratio(record["latency_ms"]["p99"], old["latency_ms"]["p99"])),
                     format_errors(old["errors"]), format_errors(record["errors"])])
    return rows


def engine_before_after_part(results):
    heading = "### Before and after"
    header = ("scenario", "calls/s before", "calls/s after", "after / before", "p99 ms before",
              "p99 ms after", "after / before", "errors before", "errors after")
    tables = [(title, before_after_rows(results, group)) for title, group in (
        ("Every quest scenario, closed loop, 20 in flight", "main"),
        ("The pool's worth (GetPuzzle)", "pool"),
        ("Replica vs primary reads (GetPuzzle)", "read_node"))]
    if not any(rows for _, rows in tables):
        return [heading, NOT_MEASURED]
    parts = [heading, f"Both binaries in this run, on the same data: "
                      f"{binary_name(results, 'before')} is the baseline commit's quest server, "
                      "after this checkout's."]
    for title, rows in tables:
        if rows:
            parts += [f"{title}:", markdown_table(header, rows)]
    return parts


def has_engine_figures(results):
    return bool(any(r["group"] in ("engine", "cpu") for r in results.loads)
                or results.instructions or results.baseline_loads)


def engine_section(results):
    heading = "## Serving engine (issue 12)"
    if not has_engine_figures(results):
        return f"{heading}\n\n{NOT_MEASURED}"
    parts = [heading,
             "GetPuzzle beside pgbench at 20, 100 and 1,000 calls in flight, CPU and "
             "instructions per call, and the baseline commit's server beside this checkout's, "
             "all from one run (`./tests/bench/run.sh --service=quest --only=engine "
             "--baseline=COMMIT`). The load generator (one thread with asynchronous calls on "
             "one completion queue, so 1,000 in flight need no 1,000 threads) shares the "
             "machine's cores with the service and PostgreSQL.",
             transports_sentence(results)]
    parts += targets_parts(engine_targets(results), "### Targets", "#### Why a target is missed")
    parts += engine_versus_pgbench_part(results)
    parts += engine_cpu_part(results)
    parts += engine_instructions_part(results)
    parts += engine_before_after_part(results)
    return "\n\n".join(parts)


# ---------------------------------------------------------------- query plans

SCAN_NODE = re.compile(r"((?:Parallel )?Seq Scan|Index Only Scan|Index Scan|Bitmap Index Scan|"
                       r"Bitmap Heap Scan)(?: Backward)? (?:using (\S+) )?on (\S+)")


def plan_scans(plan):
    """The plan's scan nodes in order, once each: "Index Scan using i on t", ..."""
    scans = []
    for match in SCAN_NODE.finditer(plan):
        node, index, relation = match.groups()
        text = f"{node} using {index} on {relation}" if index else f"{node} on {relation}"
        if text not in scans:
            scans.append(text)
    return scans


def seq_scanned(plan):
    """The relations the plan reads with a sequential scan."""
    relations = []
    for node, _, relation in SCAN_NODE.findall(plan):
        if "Seq Scan" in node and relation not in relations:
            relations.append(relation)
    return relations


# ---------------------------------------------------------------- services

@dataclass(frozen=True)
class ServiceSpec:
    """How a service measured at scales (social, notification) is reported."""
    service: str
    heading: str
    intro: str
    scale_key: str        # the records' field a scale is counted in
    scale_noun: str       # and how the report names it
    target_scale: int
    read_scenarios: tuple  # ((scenario, RPC), ...) with the p99 target
    read_p99_max_ms: float
    plan_rpcs: tuple       # the RPCs whose plans must be index scans
    p99_key: str           # into WHY_MISSED
    plans_key: str
    seed_intro: str
    seed_columns: tuple    # ((field, label), ...), the scale first


SOCIAL = ServiceSpec(
    service="social", heading="## Social service",
    intro=("ListFriends, ListMutualFriends, SuggestFriends, ListMessages (the latest 50), "
           "ListChannels (with unread counts) and SendMessage, each alone, by "
           "`tests/bench/run.sh --service=social` (tests/bench/social_scenarios.h)."),
    scale_key="users", scale_noun="users", target_scale=SOCIAL_TARGET_USERS,
    read_scenarios=SOCIAL_READ_SCENARIOS, read_p99_max_ms=SOCIAL_READ_P99_MAX_MS,
    plan_rpcs=tuple(rpc for _, rpc in SOCIAL_READ_SCENARIOS),
    p99_key="social_read_p99", plans_key="social_index_scans",
    seed_intro=("Seeded with `//social:seed` (COPY; issue 9's proportions: 50 friends "
                "per user, a guild per 10 users, 100 messages per user), then `VACUUM ANALYZE`."),
    seed_columns=(("users", "users"), ("friendships", "friendship rows (2 per pair)"),
                  ("guilds", "guilds"), ("guild_members", "guild members"),
                  ("channels", "channels"), ("messages", "messages"),
                  ("read_marks", "read marks"), ("seconds", "seeded in s"),
                  ("database_mb", "database MB")))

NOTIFICATION = ServiceSpec(
    service="notification", heading="## Notification service",
    intro=("ListNotifications (ALL and UNREAD, a first page of 20), GetUnreadCount, MarkRead "
           "of one notification, and SendNotification from the system to "
           f"{format_rate(NOTIFICATION_SEND_RECIPIENTS)} recipients with a push token each, "
           "each alone, by `tests/bench/run.sh --service=notification` "
           "(tests/bench/notification_scenarios.h). The delivery worker is off: a send writes "
           "its notifications and QUEUED deliveries, nothing is pushed."),
    scale_key="log_rows", scale_noun="log rows", target_scale=NOTIFICATION_TARGET_LOG_ROWS,
    read_scenarios=NOTIFICATION_INBOX_SCENARIOS,
    read_p99_max_ms=NOTIFICATION_INBOX_P99_MAX_MS,
    plan_rpcs=("ListNotifications(ALL)", "ListNotifications(UNREAD)", "GetUnreadCount"),
    p99_key="notification_inbox_p99", plans_key="notification_index_scans",
    seed_intro=("Seeded with `//notification:seed` (COPY): the log rows over rows / 20 users "
                "(at least 1,200) with 1-2 push tokens each, over 30 days, a mix of "
                "categories and of read / unread / seen / archived / deleted, and each log's "
                "finished deliveries; then `VACUUM ANALYZE`."),
    seed_columns=(("log_rows", "log rows"), ("users", "users"), ("push_tokens", "push tokens"),
                  ("unread", "unread in inboxes"), ("deliveries", "deliveries"),
                  ("seconds", "seeded in s"), ("database_mb", "database MB")))

SERVICE_SPECS = {spec.service: spec for spec in (SOCIAL, NOTIFICATION)}


def format_scale(value, spec):
    return f"{format_users(value)} {spec.scale_noun}"


def largest_scale(results, spec):
    return max(record[spec.scale_key] for record in results.service_loads[spec.service])


def find_service_load(results, spec, group, scenario, scale):
    for record in results.service_group(spec.service, group):
        if record["scenario"] == scenario and record[spec.scale_key] == scale:
            return record
    return None


def scale_note(scale, spec):
    if scale >= spec.target_scale:
        return ""
    return f"at {format_scale(scale, spec)}, below the target's {format_users(spec.target_scale)}"


def read_targets(results, spec):
    scale = largest_scale(results, spec)
    outcomes = []
    for scenario, rpc in spec.read_scenarios:
        target = (f"{rpc} p99 < {format_amount(spec.read_p99_max_ms)} ms at a steady "
                  f"500 calls/s, {format_scale(spec.target_scale, spec)}")
        record = (find_service_load(results, spec, "latency", scenario, scale)
                  or find_service_load(results, spec, "main", scenario, scale))
        if not record:
            outcomes.append(TargetResult(spec.p99_key, target, "—", None))
            continue
        p99 = record["latency_ms"]["p99"]
        load = (f"open loop at {format_rate(record['rate'])} calls/s" if record["mode"] == "open"
                else f"closed loop, {format_rate(record['concurrency'])} in flight")
        measured = f"{format_ms(p99)} ms at {format_scale(scale, spec)}, {load}"
        if record["errors"]:
            measured += f", errors {format_errors(record['errors'])}"
        outcome = upper_bound_result(spec.p99_key, target, p99, spec.read_p99_max_ms,
                                     measured, strict=True)
        if sum(record["errors"].values()) > 0:
            outcome.met, outcome.shortfall = False, "failed calls"
        outcome.note = scale_note(scale, spec)
        outcomes.append(outcome)
    return outcomes


def plan_target(results, spec):
    target = "each read's plans are index scans (no sequential scan)"
    explains = [record for record in results.service_explains[spec.service]
                if record.get("rpc") in spec.plan_rpcs]
    if not explains:
        return TargetResult(spec.plans_key, target, "—", None)
    scale = max(record[spec.scale_key] for record in explains)
    offenders = []
    for record in explains:
        for relation in seq_scanned(record["plan"]):
            offender = f"{record['rpc']} ({relation})"
            if offender not in offenders:
                offenders.append(offender)
    rpcs = {record["rpc"] for record in explains}
    measured = (f"{len(explains)} statements of {len(rpcs)} reads at {format_scale(scale, spec)}"
                + (f"; sequential scans in {', '.join(offenders)}" if offenders
                   else ", all index scans"))
    return TargetResult(spec.plans_key, target, measured, not offenders,
                        "" if not offenders else
                        f"{len(offenders)} sequential scan{'s' if len(offenders) > 1 else ''}",
                        scale_note(scale, spec))


def seed_part(results, spec):
    seeds = sorted((record for record in results.seeds if record["service"] == spec.service),
                   key=lambda record: record.get(spec.scale_key, 0))
    if not seeds:
        return []
    rows = [[format_amount(record[name]) if name == "seconds" else
             format_rate(record[name]) if name in record else "—"
             for name, _ in spec.seed_columns] for record in seeds]
    return ["### Data", spec.seed_intro,
            markdown_table([label for _, label in spec.seed_columns], rows)]


def load_parts(results, spec, scale):
    parts = [f"### At {format_scale(scale, spec)}"]
    for group, description in (
            ("main", "Closed loop, calls in flight as shown: throughput at saturation, "
                     "latencies include queueing."),
            ("latency", "Open loop at a steady rate: each latency counts from the call's "
                        "scheduled send time.")):
        rows = [[record["scenario"], *load_row_cells(record)]
                for record in results.service_group(spec.service, group)
                if record[spec.scale_key] == scale]
        if rows:
            parts += [description, markdown_table(("scenario", *LOAD_COLUMNS), rows)]
    return parts


def shorten(text, limit=90):
    return text if len(text) <= limit else text[:limit - 1] + "…"


def plans_part(results, spec):
    heading = "### Query plans"
    explains = results.service_explains[spec.service]
    if not explains:
        return [heading, NOT_MEASURED]
    parts = [heading,
             "Every statement each RPC ran, logged by PostgreSQL's auto_explain (ANALYZE, "
             "BUFFERS) on the node that ran it while the service answered a few calls; the plan "
             "shown is that of the run with the median duration.",
             markdown_table(("RPC", "node", "statement", "scans", "sequential scan"),
                            [[record.get("rpc", record["label"]), record.get("node", "—"),
                              shorten(record["sql"]),
                              "; ".join(plan_scans(record["plan"])) or "none",
                              ", ".join(seq_scanned(record["plan"])) or "no"]
                             for record in explains])]
    for record in explains:
        runs = (f", {record['runs']} runs, median {format_ms(record['median_ms'])} ms"
                if is_number(record.get("runs")) and is_number(record.get("median_ms")) else "")
        parts += [f"#### {record['label']} ({format_scale(record[spec.scale_key], spec)}{runs})",
                  code_block(record["sql"], "sql"), code_block(record["plan"])]
    return parts


def send_part(results):
    """SendNotification's figures, and beside them what gorush users report (context only)."""
    heading = f"### SendNotification to {format_rate(NOTIFICATION_SEND_RECIPIENTS)} recipients"
    sends = sorted((record for record in results.service_group("notification", "main")
                    if record["scenario"] == NOTIFICATION_SEND_SCENARIO),
                   key=lambda record: record["log_rows"])
    context = (f"For context, not a measured peer: gorush users report about "
               f"{format_rate(GORUSH_REPORTED_TOKENS_PER_MINUTE)} tokens per minute when pushing "
               "one by one (gorush issue #411). That counts pushes handed to the providers; the "
               "figure here counts recipients whose notification and deliveries were written in "
               "one transaction, to be pushed by the delivery worker; the worker's own pushes "
               "per second are in the next table.")
    if not sends:
        return [heading, NOT_MEASURED, context]
    rows = []
    for record in sends:
        latency = record["latency_ms"]
        rows.append([format_scale(record["log_rows"], NOTIFICATION),
                     # A few calls a second: a decimal matters.
                     format_concurrency(record), format_amount(record["calls_per_s"]),
                     format_rate(record["calls_per_s"] * NOTIFICATION_SEND_RECIPIENTS * 60),
                     format_ms(latency["p50"]), format_ms(latency["p99"]),
                     format_errors(record["errors"])])
    return [heading, markdown_table(("at", "in flight", "calls/s", "recipients per minute",
                                     "p50 ms", "p99 ms", "errors"), rows), context]


def delivery_part(results):
    """The delivery worker's throughput to a local fake FCM."""
    heading = "### Deliveries per second through the push engine"
    intro = ("Queued deliveries to FCM tokens, pushed by the notification service's delivery "
             "worker (claims with FOR UPDATE SKIP LOCKED, one HTTPS request per delivery, the "
             "outcome written under its lease) to a local fake FCM "
             "(tests/notification/delivery/fake_fcm.py: TLS, OAuth, answering at once, or 503 "
             "UNAVAILABLE for the share shown, which the worker retries with back-off); seconds "
             "from the workers' start until every delivery is final. The fake is a Python "
             "server on the same two cores, so the figures bound the engine from below.")
    if not results.deliveries:
        return [heading, NOT_MEASURED]
    rows = []
    for record in sorted(results.deliveries,
                         key=lambda r: (r["fail_rate"], r["instances"])):
        rows.append([str(record["instances"]), f"{record['fail_rate'] * 100:.0f}%",
                     f"{record['deliveries']:,}", f"{record['sends']:,}", f"{record['sent']:,}",
                     f"{record['failed']:,}", f"{record['seconds']:.1f}",
                     f"{record['per_second']:,.0f}"])
    return [heading, intro,
            markdown_table(("instances", "503 share", "deliveries", "sends (with retries)",
                            "sent", "failed", "seconds", "deliveries/s"), rows)]


def service_section(results, spec):
    scales = sorted({record[spec.scale_key] for record in results.service_loads[spec.service]})
    outcomes = [*read_targets(results, spec), plan_target(results, spec)]
    parts = [spec.heading, spec.intro]
    parts += seed_part(results, spec)
    parts += targets_parts(outcomes, "### Targets", "#### Why a target is missed")
    if spec is NOTIFICATION:
        parts += send_part(results)
        parts += delivery_part(results)
    for scale in scales:
        parts += load_parts(results, spec, scale)
    parts += plans_part(results, spec)
    return "\n\n".join(parts)


def render_markdown(results, svg_link):
    sections = [intro_section(results)]
    if results.group("main"):
        sections += [targets_section(results), scenarios_section(results),
                     gateway_cost_section(results), engine_section(results),
                     pool_section(results),
                     read_node_section(results), scale_section(results, svg_link),
                     resources_section(results), explain_section(results)]
    elif has_engine_figures(results):
        # run.sh --only=cpu: the CPU and instruction figures alone.
        sections.append(engine_section(results))
    if results.group("main") or results.writes or results.write_pgbench:
        sections.append(write_report.section(results, sys.modules[__name__]))
    for spec in SERVICE_SPECS.values():
        if results.service_loads[spec.service]:
            sections.append(service_section(results, spec))
    return "\n\n".join(sections) + "\n"


# ---------------------------------------------------------------- SVG plot

SVG_WIDTH, SVG_HEIGHT = 720, 420
PLOT_LEFT, PLOT_RIGHT, PLOT_TOP, PLOT_BOTTOM = 70, 510, 50, 360
FONT = 'font-family="DejaVu Sans, Arial, Helvetica, sans-serif"'


def nice_ceiling(value):
    """The smallest of 1, 2, 2.5, 5 × 10^k that is ≥ value (1 for value ≤ 0)."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if step * power >= value * (1 - 1e-12):
            return step * power
    return 10 * power


def svg_text(x, y, text, size=12, anchor="middle", extra=""):
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
            f'{FONT} fill="#222"{extra}>{escape(text)}</text>')


class ScalePlot:
    """Maps users (log10) and p99 ms (linear) to SVG coordinates."""

    def __init__(self, users_values, max_p99):
        logs = [math.log10(users) for users in users_values]
        low, high = min(logs), max(logs)
        padding = (high - low) * 0.08 if high > low else 0.5
        self.log_low, self.log_high = low - padding, high + padding
        top = max_p99 * 1.05  # headroom above the highest point
        self.y_step = nice_ceiling(top / 5)  # about five gridlines
        self.y_max = self.y_step * math.ceil(top / self.y_step)

    def x(self, users):
        share = (math.log10(users) - self.log_low) / (self.log_high - self.log_low)
        return PLOT_LEFT + share * (PLOT_RIGHT - PLOT_LEFT)

    def y(self, p99):
        return PLOT_BOTTOM - p99 / self.y_max * (PLOT_BOTTOM - PLOT_TOP)


def svg_axes(plot, users_values):
    elements = [f'<rect x="{PLOT_LEFT}" y="{PLOT_TOP}" width="{PLOT_RIGHT - PLOT_LEFT}" '
                f'height="{PLOT_BOTTOM - PLOT_TOP}" fill="none" stroke="#888"/>']
    for users in users_values:
        x = plot.x(users)
        elements.append(f'<line x1="{x:.1f}" y1="{PLOT_TOP}" x2="{x:.1f}" y2="{PLOT_BOTTOM + 5}" '
                        'stroke="#ddd"/>')
        elements.append(svg_text(x, PLOT_BOTTOM + 20, format_users_short(users)))
    for index in range(round(plot.y_max / plot.y_step) + 1):
        value = round(plot.y_step * index, 9)
        y = plot.y(value)
        elements.append(f'<line x1="{PLOT_LEFT - 5}" y1="{y:.1f}" x2="{PLOT_RIGHT}" y2="{y:.1f}" '
                        'stroke="#ddd"/>')
        elements.append(svg_text(PLOT_LEFT - 8, y + 4, f"{value:g}", anchor="end"))
    middle_y = (PLOT_TOP + PLOT_BOTTOM) / 2
    elements.append(svg_text((PLOT_LEFT + PLOT_RIGHT) / 2, PLOT_BOTTOM + 45,
                             "users (log scale)", size=13))
    elements.append(svg_text(22, middle_y, "p99 latency (ms)", size=13,
                             extra=f' transform="rotate(-90 22 {middle_y:.1f})"'))
    return elements


def svg_series(plot, scenario, records, color):
    points = [(plot.x(r["users"]), plot.y(r["latency_ms"]["p99"])) for r in records]
    coordinates = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    elements = [f'<polyline points="{coordinates}" fill="none" stroke="{color}" '
                f'stroke-width="2"><title>{escape(scenario)}</title></polyline>']
    elements += [f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{color}"/>' for x, y in points]
    return elements


def svg_legend_entry(index, scenario, color):
    y = PLOT_TOP + 10 + index * 22
    x = PLOT_RIGHT + 20
    return [f'<line x1="{x}" y1="{y}" x2="{x + 24}" y2="{y}" stroke="{color}" stroke-width="2"/>',
            f'<circle cx="{x + 12}" cy="{y}" r="3.5" fill="{color}"/>',
            svg_text(x + 32, y + 4, scenario, anchor="start")]


def svg_document(elements):
    body = "\n  ".join(elements)
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{SVG_WIDTH}" height="{SVG_HEIGHT}" '
            f'viewBox="0 0 {SVG_WIDTH} {SVG_HEIGHT}">\n'
            f'  <rect width="{SVG_WIDTH}" height="{SVG_HEIGHT}" fill="#fff"/>\n  {body}\n</svg>\n')


def render_svg(results):
    title = svg_text(SVG_WIDTH / 2, 28, "p99 latency vs number of users", size=16,
                     extra=' font-weight="bold"')
    series = scale_series(results)
    if not series:
        return svg_document([title, svg_text(SVG_WIDTH / 2, SVG_HEIGHT / 2,
                                             f"Scale curves {NOT_MEASURED}")])
    records = [record for scenario_records in series.values() for record in scenario_records]
    users_values = sorted({record["users"] for record in records if record["users"] > 0})
    if not users_values:
        raise ReportError("scale records need users > 0 for a log scale")
    plot = ScalePlot(users_values, max(record["latency_ms"]["p99"] for record in records))
    elements = [title, *svg_axes(plot, users_values)]
    for index, (scenario, scenario_records) in enumerate(series.items()):
        color = SCALE_PLOT_COLORS[index % len(SCALE_PLOT_COLORS)]
        plotted = [record for record in scenario_records if record["users"] > 0]
        elements += svg_series(plot, scenario, plotted, color)
        elements += svg_legend_entry(index, scenario, color)
    return svg_document(elements)


# ---------------------------------------------------------------- main

def svg_link_from(markdown_path, svg_path):
    markdown_directory = os.path.dirname(os.path.abspath(markdown_path))
    return os.path.relpath(os.path.abspath(svg_path), markdown_directory).replace(os.sep, "/")


def write_file(path, text):
    directory = os.path.dirname(path)
    if directory:
        os.makedirs(directory, exist_ok=True)
    with open(path, "w", encoding="utf-8") as output:
        output.write(text)


def generate(results_path, markdown_path, svg_path=None):
    """Reads results_path and writes the report, and the plot when svg_path is given."""
    results = parse_results(results_path)
    markdown = render_markdown(results, svg_link_from(markdown_path, svg_path) if svg_path
                               else None)
    if svg_path:
        write_file(svg_path, render_svg(results))
    write_file(markdown_path, markdown)


def parse_arguments(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", required=True, help="results file (JSON Lines)")
    parser.add_argument("--out", required=True, help="Markdown report to write")
    parser.add_argument("--svg", help="scale-curve SVG to write (none without it)")
    return parser.parse_args(argv)


def main(argv=None):
    arguments = parse_arguments(argv)
    try:
        generate(arguments.results, arguments.out, arguments.svg)
    except ReportError as error:
        print(f"report.py: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
