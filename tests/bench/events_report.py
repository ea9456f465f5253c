#!/usr/bin/env python3
"""Renders the event-stream benchmark (tests/bench/events.sh) as Markdown.

  events_report.py --results .state/bench/results-events.jsonl --out docs/benchmarks-events.md

Reads the events_latency, events_relay and events_drain lines that
//tests/bench:events_bench appended; other lines are ignored.
"""
import argparse
import json
import os
import platform
import subprocess

LATENCY_TARGET_MS = 50.0  # p99 at 1,000 events/s (issue 11)
DRAIN_TARGET = 5000  # events/s


def machine():
    cpus = os.cpu_count()
    model = ""
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    nats = subprocess.run(["nats-server", "--version"], capture_output=True, text=True).stdout.strip()
    return f"{cpus} cores ({model}), {platform.system()} {platform.release()}, {nats}"


def render(lines):
    latency = [l for l in lines if l.get("kind") == "events_latency"]
    relay = [l for l in lines if l.get("kind") == "events_relay"]
    drain = [l for l in lines if l.get("kind") == "events_drain"]
    out = [
        "# Event stream benchmark",
        "",
        "Written by `./tests/bench/run.sh --service=events` (tests/bench/events.sh, "
        "//tests/bench:events_bench): the real OutboxRelay and EventConsumers of common/events "
        "in one process, quest_db's outbox relayed to a real nats-server (JetStream, file "
        "storage) and consumed into notification_db's processed_events, PostgreSQL primary + "
        "replica of the benchmark's own.",
        "",
        f"Machine: {machine()}.",
        "",
        "## End-to-end latency (source commit → consumer commit)",
        "",
        "Events spread over 10,000 aggregates. One transaction per event (8 writers, open loop); the latency runs from the source's "
        "commit returning to the consumer's transaction committing (pg_xact_commit_timestamp of "
        "its processed_events row).",
        "",
        "| rate (events/s) | achieved | events | p50 ms | p90 ms | p99 ms | max ms | target |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for l in latency:
        target = ""
        if l["rate"] >= 1000:
            target = ("met" if l["p99_ms"] < LATENCY_TARGET_MS else "MISSED") + \
                f" (p99 < {LATENCY_TARGET_MS:.0f} ms)"
        out.append(f"| {l['rate']} | {l['achieved_rate']:.0f} | {l['events']} | "
                   f"{l['p50_ms']:.2f} | {l['p90_ms']:.2f} | {l['p99_ms']:.2f} | "
                   f"{l['max_ms']:.2f} | {target} |")
    out += [
        "",
        "## Relay throughput",
        "",
        "A backlog written while no relay runs, then published by 1 or 2 relays (each with its "
        "own NATS and LISTEN connections, as service instances have).",
        "",
        "| relays | events | seconds | events/s |",
        "|---|---|---|---|",
    ]
    for l in relay:
        out.append(f"| {l['relays']} | {l['events']} | {l['seconds']:.2f} | "
                   f"{l['events_per_second']:.0f} |")
    out += [
        "",
        "## Drain after a NATS outage",
        "",
        "Relay and consumer running, nats-server stopped, the backlog written (the writes "
        "succeed: the outbox is in the service's own database), nats-server started again; "
        "times from the restart.",
        "",
        "| events | written during outage (s) | relay degraded | published (s) | published/s "
        "| applied (s) | applied/s | target |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for l in drain:
        target = ("met" if l["published_per_second"] >= DRAIN_TARGET else "MISSED") + \
            f" (≥ {DRAIN_TARGET} events/s published)"
        out.append(f"| {l['events']} | {l['written_during_outage_s']:.1f} | "
                   f"{'yes' if l['degraded_during_outage'] else 'no'} | {l['published_s']:.2f} | "
                   f"{l['published_per_second']:.0f} | {l['applied_s']:.2f} | "
                   f"{l['applied_per_second']:.0f} | {target} |")
    return "\n".join(out) + "\n"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--results", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    with open(args.results) as results:
        lines = [json.loads(line) for line in results if line.strip()]
    with open(args.out, "w") as out:
        out.write(render(lines))


if __name__ == "__main__":
    main()
