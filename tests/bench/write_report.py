"""The write-path section of the benchmark report (issue 16), for report.py.

    import write_report
    CHECKERS.update(write_report.CHECKERS)      # "write" and "write_pgbench" records
    WHY_MISSED.update(write_report.WHY_MISSED)
    write_report.section(results, common)       # common: report.py's module

Records (tests/bench/write_path.sh):

  write_pgbench  pgbench -b tpcb-like on the bench primary (pgbench_log.py):
                 scenario "tpcb_like", users (the quest scale it ran beside),
                 connections (clients), calls_per_s (tps), latency_ms {...}.
  write          one window of a quest write scenario (write_window.py):
                 the load generator's fields (scenario, users, concurrency,
                 calls, calls_per_s, latency_ms, errors), binary ("after" or
                 "before"), and per call: round_trips_per_call and
                 write_transactions_per_call (the server's counters; null for
                 a binary without them), statements_per_call
                 (pg_stat_statements), lock_wait_ms_per_call,
                 wal_wait_ms_per_call, idle_in_transaction_ms_per_call and
                 active_ms_per_call (pg_stat_activity samples; null when none
                 fell in the window); optional lock_wait_ms_per_call_by_event
                 {wait_event: ms}.
  Both may carry cpu_ms_per_call {primary, replica, client, service, other,
  total, machine_busy_percent} (cpu_split.py): where a call's (a pgbench
  transaction's) CPU went, and wal_per_call {records, fpi, bytes}
  (wal_split.py): the WAL the primary wrote per call.

report.py's helpers (formatting, tables, TargetResult, targets_parts) come in
as `common`, so the two modules share one look without importing each other.
"""

# The targets: the spec, not measurements.
SUBMIT_VS_TPCB_MIN_RATIO = 0.5
SUBMIT_P99_MAX_MS = 50.0
HOT_VS_SPREAD_MIN_RATIO = 0.8
TARGET_USERS = 1_000_000
TARGET_IN_FLIGHT = 20
HOT_IN_FLIGHT = (20, 100)
SCENARIOS = (("submit_attempt", "SubmitAttempt, spread over many puzzles"),
             ("submit_attempt_hot", "SubmitAttempt, all on one puzzle"),
             ("start_attempt", "StartAttempt"))

WHY_MISSED = {
    "write_vs_tpcb": (
        "a submit is one transaction of many statements; the table's round trips per call "
        "say how many times it waits for the network and the service between them, and its "
        "lock wait and WAL (commit) columns how long it waits on other writers and on the "
        "flush, each while holding its row locks"),
    "write_p99": (
        "the tail of a write is its queue: the calls before it on the same rows (lock wait "
        "per call) and the commits before it on the WAL (group commit), on top of the shared "
        "machine's stalls"),
    "hot_vs_spread": (
        "every submit on the hot puzzle waits for the one before it to commit when they "
        "share a locked row (the puzzle's rating and play count): the lock wait per call of "
        "the hot rows against the spread ones shows how much of the time that costs"),
}

OPTIONAL_PER_CALL = ("round_trips_per_call", "write_transactions_per_call",
                     "statements_per_call", "lock_wait_ms_per_call", "wal_wait_ms_per_call",
                     "idle_in_transaction_ms_per_call", "active_ms_per_call")


def check_write(checker):
    record = dict(checker.record)
    checker.string("scenario")
    record["users"] = checker.count("users")
    record["concurrency"] = checker.count("concurrency")
    record["calls"] = checker.count("calls")
    record["calls_per_s"] = checker.number("calls_per_s")
    record["latency_ms"] = checker.latency()
    record["errors"] = checker.errors()
    events = record.get("lock_wait_ms_per_call_by_event") or {}
    if not isinstance(events, dict) or not all(
            isinstance(ms, (int, float)) and ms >= 0 for ms in events.values()):
        checker.fail("field 'lock_wait_ms_per_call_by_event' must be an object of event: ms")
    record["binary"] = record.get("binary") or "after"
    if record["binary"] not in ("after", "before"):
        checker.fail(f"has unknown binary '{record['binary']}' (expected after or before)")
    for name in OPTIONAL_PER_CALL:
        record[name] = None if record.get(name) is None else checker.number(name)
    return record


# write_pgbench records are pgbench records: report.py checks them as such.
CHECKERS = {"write": check_write}


def find(records, scenario, in_flight, binary="after"):
    for record in records:
        if (record["scenario"] == scenario and record["concurrency"] == in_flight
                and record["binary"] == binary):
            return record
    return None


def tpcb(results, clients):
    return next((r for r in results.write_pgbench if r["connections"] == clients), None)


def scale_note(users, common):
    if users >= TARGET_USERS:
        return ""
    return f"at {common.format_users(users)} users, below the target's " \
           f"{common.format_users(TARGET_USERS)}"


def failed_calls(record):
    return sum(record["errors"].values())


def targets(results, common):
    writes = results.writes
    spread = find(writes, "submit_attempt", TARGET_IN_FLIGHT)
    reference = tpcb(results, TARGET_IN_FLIGHT)
    note = scale_note(spread["users"], common) if spread else ""
    outcomes = []
    target = (f"SubmitAttempt (spread, {TARGET_IN_FLIGHT} in flight) ≥ "
              f"{common.format_amount(SUBMIT_VS_TPCB_MIN_RATIO)}× pgbench tpcb-like's tps at "
              f"{TARGET_IN_FLIGHT} clients")
    if spread and reference:
        value = common.ratio(spread["calls_per_s"], reference["calls_per_s"])
        met = value >= SUBMIT_VS_TPCB_MIN_RATIO and not failed_calls(spread)
        shortfall = ("failed calls" if failed_calls(spread) else common.format_percent(
            (1 - value / SUBMIT_VS_TPCB_MIN_RATIO) * 100))
        outcomes.append(common.TargetResult(
            "write_vs_tpcb", target,
            f"{common.format_ratio(value)} ({common.format_rate(spread['calls_per_s'])} vs "
            f"{common.format_rate(reference['calls_per_s'])} tps)", met,
            "" if met else shortfall, note))
    else:
        outcomes.append(common.TargetResult("write_vs_tpcb", target, "—", None))
    target = (f"SubmitAttempt (spread, {TARGET_IN_FLIGHT} in flight) p99 < "
              f"{common.format_amount(SUBMIT_P99_MAX_MS)} ms")
    if spread:
        p99 = spread["latency_ms"]["p99"]
        outcome = common.upper_bound_result("write_p99", target, p99, SUBMIT_P99_MAX_MS,
                                            f"{common.format_ms(p99)} ms", strict=True)
        if failed_calls(spread):
            outcome.met, outcome.shortfall = False, "failed calls"
        outcome.note = note
        outcomes.append(outcome)
    else:
        outcomes.append(common.TargetResult("write_p99", target, "—", None))
    for in_flight in HOT_IN_FLIGHT:
        target = (f"SubmitAttempt all on one puzzle ≥ "
                  f"{common.format_amount(HOT_VS_SPREAD_MIN_RATIO)}× spread's calls/s, "
                  f"{in_flight} in flight")
        hot, spread_here = (find(writes, "submit_attempt_hot", in_flight),
                            find(writes, "submit_attempt", in_flight))
        if not hot or not spread_here:
            outcomes.append(common.TargetResult("hot_vs_spread", target, "—", None))
            continue
        value = common.ratio(hot["calls_per_s"], spread_here["calls_per_s"])
        met = value >= HOT_VS_SPREAD_MIN_RATIO and not failed_calls(hot)
        shortfall = ("failed calls" if failed_calls(hot) else common.format_percent(
            (1 - value / HOT_VS_SPREAD_MIN_RATIO) * 100))
        outcomes.append(common.TargetResult(
            "hot_vs_spread", target,
            f"{common.format_ratio(value)} ({common.format_rate(hot['calls_per_s'])} vs "
            f"{common.format_rate(spread_here['calls_per_s'])} calls/s)", met,
            "" if met else shortfall, note))
    return outcomes


def per_call_cell(value, digits=2):
    return "—" if value is None else f"{value:.{digits}f}"


def lock_events_cell(record):
    events = record.get("lock_wait_ms_per_call_by_event") or {}
    return ", ".join(f"{event} {ms:.3f}" for event, ms in events.items()) or "—"


def scenario_name(scenario):
    return dict(SCENARIOS).get(scenario, scenario)


def ordered(records):
    """Scenario order of SCENARIOS, then in flight, "after" before "before"."""
    order = {name: index for index, (name, _) in enumerate(SCENARIOS)}
    return sorted(records, key=lambda r: (order.get(r["scenario"], len(order)),
                                          r["concurrency"], r["binary"] != "after"))


CPU_PARTS = (("total", "all"), ("primary", "primary"), ("replica", "replica"),
             ("service", "quest server"), ("client", "client"), ("other", "other"))


def runs_with(results, common, figure):
    """(run, binary, record) of every record that has `figure`: pgbench's
    transactions by clients, then the write scenarios in their order."""
    rows = [(f"pgbench tpcb-like, {r['connections']} clients", "—", r)
            for r in sorted(results.write_pgbench, key=lambda r: r["connections"])]
    rows += [(f"{scenario_name(r['scenario'])}, {r['concurrency']} in flight",
              common.binary_name(results, r["binary"]), r) for r in ordered(results.writes)]
    return [row for row in rows if row[2].get(figure)]


def cpu_table(results, common):
    """CPU ms per call by part: pgbench's transaction beside each write
    scenario's call, or None when no record has the figures."""
    cells = []
    for name, binary, r in runs_with(results, common, "cpu_ms_per_call"):
        split = r["cpu_ms_per_call"]
        busy = split.get("machine_busy_percent")
        cells.append([name, binary, common.format_rate(r["calls_per_s"])]
                     + [per_call_cell(split.get(part), 3) for part, _ in CPU_PARTS]
                     + ["—" if busy is None else f"{busy:.0f}%"])
    if not cells:
        return None
    return common.markdown_table(
        ("run", "binary", "calls/s", *(f"{label} ms / call" for _, label in CPU_PARTS),
         "machine busy"), cells)


# (field, label, how a per-call figure is shown: show(common, value))
WAL_FIELDS = (("records", "WAL records", lambda common, value: per_call_cell(value, 1)),
              ("fpi", "full-page images", lambda common, value: per_call_cell(value)),
              ("bytes", "WAL bytes", lambda common, value: common.format_rate(value)))


def wal_table(results, common):
    """WAL per call: pgbench's transaction beside each write scenario's
    call, or None when no record has the figures."""
    cells = [[name, binary, common.format_rate(r["calls_per_s"])]
             + [show(common, r["wal_per_call"][field]) for field, _, show in WAL_FIELDS]
             for name, binary, r in runs_with(results, common, "wal_per_call")]
    if not cells:
        return None
    return common.markdown_table(
        ("run", "binary", "calls/s", *(f"{label} / call" for _, label, _ in WAL_FIELDS)), cells)


def pgbench_table(results, common):
    rows = [[common.format_rate(r["connections"]), common.format_rate(r["calls_per_s"]),
             common.format_ms(r["latency_ms"]["p50"]), common.format_ms(r["latency_ms"]["p99"])]
            for r in sorted(results.write_pgbench, key=lambda r: r["connections"])]
    return common.markdown_table(("clients", "tps", "p50 ms", "p99 ms"), rows)


def scenarios_table(results, common):
    rows = []
    for r in ordered(results.writes):
        rows.append([scenario_name(r["scenario"]), common.binary_name(results, r["binary"]),
                     common.format_rate(r["concurrency"]), common.format_rate(r["calls_per_s"]),
                     common.format_ms(r["latency_ms"]["p50"]),
                     common.format_ms(r["latency_ms"]["p99"]), common.format_errors(r["errors"]),
                     per_call_cell(r["round_trips_per_call"]),
                     per_call_cell(r["write_transactions_per_call"]),
                     per_call_cell(r["statements_per_call"]),
                     per_call_cell(r["lock_wait_ms_per_call"], 3),
                     per_call_cell(r["wal_wait_ms_per_call"], 3),
                     per_call_cell(r["idle_in_transaction_ms_per_call"], 3),
                     per_call_cell(r["active_ms_per_call"], 3), lock_events_cell(r)])
    return common.markdown_table(
        ("scenario", "binary", "in flight", "calls/s", "p50 ms", "p99 ms", "errors",
         "round trips / call", "write tx / call", "statements / call", "lock wait ms / call",
         "WAL wait ms / call", "idle in tx ms / call", "active ms / call",
         "lock wait by event (ms / call)"), rows)


def before_after_table(results, common):
    rows = []
    for after in ordered(results.writes):
        if after["binary"] != "after":
            continue
        before = find(results.writes, after["scenario"], after["concurrency"], "before")
        if not before:
            continue
        rows.append([scenario_name(after["scenario"]), common.format_rate(after["concurrency"]),
                     common.format_change(after["calls_per_s"], before["calls_per_s"]),
                     common.format_change(after["latency_ms"]["p99"],
                                          before["latency_ms"]["p99"]),
                     trips_change(after, before),
                     change_cell(after["lock_wait_ms_per_call"], before["lock_wait_ms_per_call"])])
    if not rows:
        return None
    return common.markdown_table(("scenario", "in flight", "calls/s (after ÷ before)",
                                  "p99 (after ÷ before)", "round trips / call (before → after)",
                                  "lock wait ms / call (before → after)"), rows)


def trips_change(after, before):
    """Round trips per call, before → after; a baseline without the counter
    shows its statements per call (one statement per round trip then)."""
    old = before["round_trips_per_call"]
    marker = ""
    if old is None:
        old, marker = before["statements_per_call"], " (statements)"
    new = after["round_trips_per_call"]
    if old is None or new is None:
        return "—"
    return f"{old:.2f}{marker} → {new:.2f}"


def change_cell(new, old):
    if new is None or old is None:
        return "—"
    return f"{old:.3f} → {new:.3f}"


def section(results, common):
    heading = "## Write path (issue 16)"
    if not results.writes and not results.write_pgbench:
        return f"{heading}\n\n{common.NOT_MEASURED}"
    users = max((r["users"] for r in results.writes + results.write_pgbench), default=0)
    parts = [heading,
             f"At {common.format_users(users)} users (`./tests/bench/run.sh --service=quest "
             "--only=write [--baseline=COMMIT]`), in one run: pgbench's TPC-B-like transaction "
             "(five statements, branch-row contention, its own database at scale 10) on the "
             "same PostgreSQL primary as the reference, then each quest write scenario as a "
             "closed loop, one server start per run, each run starting its own open attempts. "
             "Round trips and write transactions per call are the quest server's "
             "`db_write_round_trips_total` and `db_write_transactions_total` deltas over the "
             "window's calls, read with nothing in flight at its edges; statements per call "
             "are pg_stat_statements' (quest_svc in quest_db, BEGIN and COMMIT included). "
             "Both count every write transaction of the server in the window, the outbox "
             "relay's too. The wait columns come from pg_stat_activity sampled every 10 ms: "
             "the write pool's backends waiting on a lock, on WAL (the commit's flush, "
             "WALSync/WALWrite/WALInsert), idle in a transaction (waiting for the service's "
             "next statement) and active, times the sampling interval, per call."]
    parts += common.targets_parts(targets(results, common), "### Targets",
                                  "#### Why a target is missed")
    parts += ["### pgbench tpcb-like (the reference)",
              pgbench_table(results, common) if results.write_pgbench else common.NOT_MEASURED,
              "### Write scenarios", scenarios_table(results, common)]
    cpu = cpu_table(results, common)
    if cpu:
        parts += ["### Where a call's CPU goes",
                  "CPU milliseconds per call (per transaction for pgbench) of each part of "
                  "the stack, from /proc between the window's edges "
                  "(`tests/bench/cpu_snapshot.sh`): the primary's and the replica's "
                  "PostgreSQL processes, the quest server, the client (the load generator, "
                  "or pgbench) and the rest of the machine (the wait sampler, the OS). "
                  "On this 2-core box a run whose machine is busy near 100% is bound by "
                  "the sum: calls/s is about 2,000 ms ÷ all ms / call.", cpu]
    wal = wal_table(results, common)
    if wal:
        parts += ["### WAL per call",
                  "What the primary wrote to its WAL per call (per transaction for pgbench), "
                  "from pg_stat_wal between the window's edges "
                  "(`tests/bench/wal_snapshot.sh`; the whole cluster, so the outbox relay, "
                  "the period jobs and autovacuum count too). A full-page image is a whole "
                  "8 kB page, written the first time a page changes after a checkpoint: "
                  "writes whose rows and index entries land on pages nothing else touched "
                  "since pay it often. The replica replays all of it.", wal]
    before_after = before_after_table(results, common)
    if before_after:
        parts += ["### Before and after",
                  "The baseline commit's server beside this checkout's, run by run on the same "
                  "data. A baseline without the round-trip counter shows its statements per "
                  "call instead: it sent one statement per round trip, BEGIN and COMMIT "
                  "included, so the figures compare.", before_after]
    return "\n\n".join(parts)
