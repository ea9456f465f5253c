#!/usr/bin/env python3
"""Reads the plans PostgreSQL's auto_explain wrote into server logs.

    explain_log.py mark primary=LOG replica=LOG
        prints "primary=LOG@OFFSET replica=LOG@OFFSET": where each log ends now
    explain_log.py texts NODE=LOG@OFFSET...
        the query texts logged since the marks, one JSON string a line
    explain_log.py plans [--service=social] --scenario=NAME --users=N
                         [--field=NAME=NUMBER...] [--exclude=TEXTS] NODE=LOG@OFFSET...
        one "explain" record (tests/bench/report.py) of the service per
        distinct statement logged since the marks and not in TEXTS: its SQL,
        and the plan of its median-duration run with how many runs were seen
        (each --field added as a number, e.g. log_rows=1000000)

An auto_explain entry in a stderr log is a line ending in
"LOG:  duration: <ms> ms  plan:" followed by tab-indented lines: "Query Text:
<sql>", then the plan (EXPLAIN's text format, with ANALYZE and BUFFERS when
auto_explain.log_analyze / log_buffers are on).
"""

import argparse
import json
import os
import re
import sys

ENTRY = re.compile(r"LOG:  duration: (?P<ms>[0-9.]+) ms  plan:$")
QUERY_TEXT = "Query Text: "

# The RPC each scenario calls (tests/bench/<service>_scenarios.h).
RPCS = {
    "list_friends": "ListFriends",
    "list_mutual_friends": "ListMutualFriends",
    "suggest_friends": "SuggestFriends",
    "list_messages": "ListMessages",
    "list_channels": "ListChannels",
    "send_message": "SendMessage",
    "list_notifications": "ListNotifications(ALL)",
    "list_unread": "ListNotifications(UNREAD)",
    "unread_count": "GetUnreadCount",
    "mark_read": "MarkRead",
    "send_notification": "SendNotification",
}


def parse_entries(text):
    """[(duration ms, sql, plan)] of the auto_explain entries in `text`."""
    entries = []
    current = None
    for line in text.splitlines():
        if line.startswith("\t") and current is not None:
            current[1].append(line[1:])
            continue
        if current is not None:
            entries.append(finish(current))
            current = None
        match = ENTRY.search(line)
        if match:
            current = (float(match.group("ms")), [])
    if current is not None:
        entries.append(finish(current))
    return [entry for entry in entries if entry is not None]


def finish(current):
    duration, lines = current
    if not lines or not lines[0].startswith(QUERY_TEXT):
        return None
    return duration, lines[0][len(QUERY_TEXT):].strip(), "\n".join(lines[1:]).rstrip()


def read_since(mark):
    """(node, text logged since the mark) of "node=path@offset"."""
    node, _, rest = mark.partition("=")
    path, _, offset = rest.rpartition("@")
    with open(path, encoding="utf-8", errors="replace") as log:
        log.seek(int(offset))
        return node, log.read()


def logged(marks):
    """[(node, duration, sql, plan)] since the marks."""
    found = []
    for mark in marks:
        node, text = read_since(mark)
        found += [(node, *entry) for entry in parse_entries(text)]
    return found


def plan_records(entries, scenario, users, excluded, service="social", fields=None):
    by_statement = {}
    for node, duration, sql, plan in entries:
        if sql in excluded:
            continue
        by_statement.setdefault((node, sql), []).append((duration, plan))
    rpc = RPCS.get(scenario, scenario)
    records = []
    for (node, sql), runs in by_statement.items():
        runs.sort(key=lambda run: run[0])
        median_ms, plan = runs[len(runs) // 2]
        records.append({"kind": "explain", "service": service, "scenario": scenario,
                        "rpc": rpc, "label": f"{rpc}, on the {node}", "node": node,
                        "users": users, **(fields or {}), "sql": sql, "plan": plan,
                        "runs": len(runs), "median_ms": median_ms})
    return records


def number_field(text):
    """'log_rows=1000000' -> ('log_rows', 1000000)."""
    name, _, value = text.partition("=")
    try:
        return name, int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected NAME=INTEGER, got {text!r}") from None


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("mark", "texts", "plans"))
    parser.add_argument("logs", nargs="+")
    parser.add_argument("--scenario", default="")
    parser.add_argument("--users", type=int, default=0)
    parser.add_argument("--exclude", default="")
    parser.add_argument("--service", default="social")
    parser.add_argument("--field", action="append", default=[], type=number_field)
    arguments = parser.parse_args(argv)
    if arguments.command == "mark":
        print(" ".join(f"{log}@{os.path.getsize(log.partition('=')[2])}"
                       for log in arguments.logs))
        return 0
    entries = logged(arguments.logs)
    if arguments.command == "texts":
        for sql in sorted({sql for _, _, sql, _ in entries}):
            print(json.dumps(sql))
        return 0
    excluded = set()
    if arguments.exclude:
        with open(arguments.exclude, encoding="utf-8") as texts:
            excluded = {json.loads(line) for line in texts if line.strip()}
    records = plan_records(entries, arguments.scenario, arguments.users, excluded,
                           arguments.service, dict(arguments.field))
    if not records:
        print(f"explain_log.py: no plans logged for {arguments.scenario}", file=sys.stderr)
        return 1
    for record in records:
        print(json.dumps(record))
    return 0


if __name__ == "__main__":
    sys.exit(main())
