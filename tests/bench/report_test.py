#!/usr/bin/env python3
"""Tests for report.py: builds synthetic results files, generates the report
and checks the figures, verdicts, ordering, the SVG and the error exits.

    python3 tests/bench/report_test.py
"""

import json
import os
import subprocess
import sys
import tempfile
import unittest
import xml.etree.ElementTree as ElementTree

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import callgrind_profile  # noqa: E402
import cpu_split  # noqa: E402
import explain_log  # noqa: E402
import report  # noqa: E402
import write_report  # noqa: E402
import wal_split  # noqa: E402
import write_window  # noqa: E402

REPORT_SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "report.py")
CALLGRIND_SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "callgrind_profile.py")
SVG_NAMESPACE = "{http://www.w3.org/2000/svg}"
SCALE_SCENARIOS = ("list_puzzles", "next_puzzle", "leaderboard_top", "leaderboard_around")


def latency(p50, p99):
    return {"p50": p50, "p90": p50 * 2, "p99": p99, "p999": p99 * 2, "max": p99 * 4,
            "mean": p50}


def load(group, scenario, calls_per_s, p50, p99, users=1_000_000, variant="pool=20",
         mode="closed", rate=0, errors=None):
    return {"kind": "load", "group": group, "label": scenario, "scenario": scenario,
            "users": users, "variant": variant, "mode": mode, "concurrency": 20, "rate": rate,
            "duration_s": 10.0, "calls": int(calls_per_s * 10), "ok": int(calls_per_s * 10),
            "calls_per_s": calls_per_s, "latency_ms": latency(p50, p99),
            "errors": errors or {}}


MACHINE = {"kind": "machine", "cpu": "Test CPU 9000", "cores": 2, "memory_gb": 24.0,
           "os": "Debian GNU/Linux 12 (bookworm)", "kernel": "6.1.0-test",
           "postgres": "PostgreSQL 15.9", "date": "2026-11-25T23:10:00Z", "commit": "abc1234"}


def main_records(get_puzzle_p99=3.2, leaderboard_top_p99=13.5, list_puzzles_p99=4.0):
    return [
        load("main", "get_puzzle", 2500, 0.8, get_puzzle_p99),
        load("main", "list_puzzles", 1800, 1.1, list_puzzles_p99),
        load("main", "leaderboard_top", 1500, 1.4, leaderboard_top_p99),
        load("main", "mixed", 1600, 1.2, 9.0, errors={"UNAVAILABLE": 5, "OK_NOT_AN_ERROR": 0}),
    ]


def scale_records():
    """Deliberately out of order by users."""
    records = []
    for users, factor in ((1_000_000, 3), (10_000, 1), (100_000, 2)):
        for index, scenario in enumerate(SCALE_SCENARIOS):
            records.append(load("scale", scenario, 3000 / factor, 0.5 * factor,
                                (index + 1) * factor, users=users))
    return records


def pgbench_record(calls_per_s=5000.0, p99=2.0):
    return {"kind": "pgbench", "label": "get_puzzle", "scenario": "get_puzzle",
            "users": 1_000_000, "connections": 20, "duration_s": 10.0, "calls": 50000,
            "calls_per_s": calls_per_s, "latency_ms": latency(0.4, p99), "read_node": "replica"}


def resource_record(service="quest", rss_load_mb=30.0):
    return {"kind": "resource", "service": service, "rss_idle_mb": 12.3,
            "rss_load_mb": rss_load_mb, "load_calls_per_s": 998.0,
            "cpu_ms_per_1000_calls": 350.0, "startup_ms": 120.0}


def full_records():
    return [
        MACHINE,
        *main_records(),
        *scale_records(),
        load("pool", "get_puzzle", 500, 4.0, 20.0, variant="pool=1"),
        load("pool", "get_puzzle", 2000, 0.9, 4.0, variant="pool=20"),
        load("read_node", "get_puzzle", 2400, 0.8, 4.0, variant="read=replica"),
        load("read_node", "get_puzzle", 1600, 1.0, 5.0, variant="read=primary"),
        load("resource", "mixed", 998, 0.9, 3.0, mode="open", rate=1000),
        pgbench_record(),
        resource_record(),
        {"kind": "explain", "label": "feed page (ListPuzzles)", "users": 1_000_000,
         "sql": "SELECT id FROM puzzles ORDER BY id LIMIT 20",
         "plan": "Limit  (actual time=0.01..0.02 rows=20)\n  ->  Index Only Scan"},
    ]


class ReportTestCase(unittest.TestCase):
    def setUp(self):
        self.directory = tempfile.TemporaryDirectory()
        self.addCleanup(self.directory.cleanup)
        self.results_path = self.path("results.jsonl")
        self.markdown_path = self.path("docs", "benchmarks.md")
        self.svg_path = self.path("docs", "benchmarks-scale.svg")

    def path(self, *parts):
        return os.path.join(self.directory.name, *parts)

    def write_results(self, records):
        with open(self.results_path, "w", encoding="utf-8") as results_file:
            results_file.write("\n".join(json.dumps(record) for record in records) + "\n")

    def generate(self, records):
        self.write_results(records)
        report.generate(self.results_path, self.markdown_path, self.svg_path)
        with open(self.markdown_path, encoding="utf-8") as markdown_file:
            return markdown_file.read()

    def run_script(self, *arguments):
        return subprocess.run([sys.executable, REPORT_SCRIPT, *arguments],
                              capture_output=True, text=True, check=False)

    def table_row(self, markdown, first_cell):
        for line in markdown.splitlines():
            cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
            if line.startswith("|") and cells[0] == first_cell:
                return cells
        self.fail(f"no table row starting with {first_cell!r}")

    def section(self, markdown, heading):
        start = markdown.index(heading)
        end = markdown.find("\n## ", start + len(heading))
        return markdown[start:] if end < 0 else markdown[start:end]


class TargetsTest(ReportTestCase):
    def targets(self, records):
        self.write_results(records)
        results = report.parse_results(self.results_path)
        return {outcome.key: outcome for outcome in report.evaluate_targets(results)}

    def test_throughput_half_of_pgbench_is_50_percent_and_misses_by_20_points(self):
        outcome = self.targets(full_records())["throughput_vs_pgbench"]
        self.assertTrue(outcome.measured.startswith("50% "), outcome.measured)
        self.assertIn("2,500 vs 5,000 calls/s", outcome.measured)
        self.assertIs(outcome.met, False)
        self.assertEqual(outcome.verdict, "missed by 20 points")

    def test_throughput_at_80_percent_is_met(self):
        records = [r for r in full_records() if r["kind"] != "pgbench"]
        outcome = self.targets(records + [pgbench_record(calls_per_s=3125.0)])[
            "throughput_vs_pgbench"]
        self.assertTrue(outcome.measured.startswith("80% "), outcome.measured)
        self.assertEqual(outcome.verdict, "met")

    def test_p99_ratio_within_twice_pgbench_is_met(self):
        outcome = self.targets(full_records())["p99_vs_pgbench"]  # 3.2 / 2.0
        self.assertTrue(outcome.measured.startswith("1.6×"), outcome.measured)
        self.assertEqual(outcome.verdict, "met")

    def test_p99_ratio_three_times_pgbench_misses_by_50_percent(self):
        records = [MACHINE, *main_records(get_puzzle_p99=6.0), pgbench_record(p99=2.0)]
        outcome = self.targets(records)["p99_vs_pgbench"]
        self.assertTrue(outcome.measured.startswith("3.0×"), outcome.measured)
        self.assertEqual(outcome.verdict, "missed by 50%")

    def test_latency_targets(self):
        outcomes = self.targets(full_records())
        self.assertEqual(outcomes["leaderboard_top_p99"].verdict, "missed by 35%")  # 13.5 ms
        self.assertIn("13.50 ms at 1,000,000 users", outcomes["leaderboard_top_p99"].measured)
        self.assertEqual(outcomes["feed_page_p99"].verdict, "met")  # 4 ms

    def test_latency_targets_prefer_the_steady_rate_run(self):
        steady = load("latency", "leaderboard_top", 500, 1.0, 6.0, mode="open", rate=500)
        outcomes = self.targets(full_records() + [steady])
        self.assertEqual(outcomes["leaderboard_top_p99"].verdict, "met")  # 6 ms, not 13.5
        self.assertIn("open loop at 500 calls/s", outcomes["leaderboard_top_p99"].measured)
        markdown = self.generate(full_records() + [steady])
        self.assertIn("### Latency at a steady rate", markdown)

    def test_rss_verdict_per_service(self):
        self.write_results([MACHINE, *main_records(), resource_record("quest", 30.0),
                            resource_record("social", 60.0)])
        results = report.parse_results(self.results_path)
        rss = [o for o in report.evaluate_targets(results) if o.key == "rss_at_load"]
        self.assertEqual([o.verdict for o in rss], ["met", "missed by 20%"])
        self.assertIn("quest: 30 MB at 998 calls/s", rss[0].measured)

    def test_targets_table_and_why_list_only_for_missed_targets(self):
        markdown = self.generate(full_records())
        self.assertEqual(self.table_row(markdown, "GetPuzzle throughput ≥ 70% of pgbench's "
                                        "(same query, same connection count)")[2],
                         "missed by 20 points")
        why = self.section(markdown, "### Why a target is missed")
        self.assertIn(report.WHY_MISSED["throughput_vs_pgbench"], why)
        self.assertIn(report.WHY_MISSED["leaderboard_top_p99"], why)
        self.assertNotIn(report.WHY_MISSED["p99_vs_pgbench"], why)
        self.assertNotIn(report.WHY_MISSED["feed_page_p99"], why)
        self.assertNotIn(report.WHY_MISSED["rss_at_load"], why)

    def test_no_why_list_when_every_target_is_met(self):
        records = [MACHINE, *main_records(leaderboard_top_p99=5.0),
                   pgbench_record(calls_per_s=2500.0), resource_record()]
        markdown = self.generate(records)
        self.assertNotIn("Why a target is missed", markdown)
        self.assertNotIn("missed", self.section(markdown, "## Targets"))


class SectionsTest(ReportTestCase):
    def test_machine_and_intro(self):
        markdown = self.generate(full_records())
        self.assertIn("./tests/bench/run.sh", markdown)
        for value in ("Test CPU 9000", "6.1.0-test", "PostgreSQL 15.9", "abc1234",
                      "2026-11-25T23:10:00Z"):
            self.assertIn(value, markdown)

    def test_scenario_rows_in_file_order_with_errors(self):
        markdown = self.generate(full_records())
        section = self.section(markdown, "## Scenarios at 1,000,000 users")
        positions = [section.index(f"| {name} |") for name in
                     ("get_puzzle", "list_puzzles", "leaderboard_top", "mixed")]
        self.assertEqual(positions, sorted(positions))
        mixed = self.table_row(section, "mixed")
        self.assertEqual(mixed[3], "1,600")
        self.assertEqual(mixed[-1], "UNAVAILABLE: 5")
        self.assertEqual(self.table_row(section, "get_puzzle")[-1], "0")
        self.assertEqual(self.table_row(section, "get_puzzle")[6], "3.20")

    def test_pool_and_read_node_ratios(self):
        markdown = self.generate(full_records())
        self.assertIn("pool=20 vs pool=1: 4.0× the throughput",
                      self.section(markdown, "## The pool's worth"))
        self.assertIn("read=replica vs read=primary: 1.5× the throughput, 0.80× the p99",
                      self.section(markdown, "## Replica vs primary reads"))

    def test_service_vs_pgbench_rows(self):
        section = self.section(self.generate(full_records()), "## What the gateway costs")
        self.assertEqual(self.table_row(section, "pgbench get_puzzle, reads from the replica")[3],
                         "5,000")
        self.assertIn("Service throughput is 50% of pgbench's; its p99 is 1.6× pgbench's.",
                      section)

    def test_scale_rows_ordered_by_users_within_each_scenario(self):
        section = self.section(self.generate(full_records()), "## Scale curves")
        rows = [line for line in section.splitlines() if line.startswith("| list_puzzles |")]
        self.assertEqual([row.split("|")[2].strip() for row in rows],
                         ["10,000", "100,000", "1,000,000"])
        self.assertIn("![scale curves](benchmarks-scale.svg)", section)

    def test_resources_and_query_plans(self):
        markdown = self.generate(full_records())
        self.assertEqual(self.table_row(markdown, "quest"), ["quest", "12.3", "30", "998", "350",
                                                             "120"])
        plans = self.section(markdown, "## Query plans")
        self.assertIn("### feed page (ListPuzzles)", plans)
        self.assertIn("```sql\nSELECT id FROM puzzles ORDER BY id LIMIT 20\n```", plans)
        self.assertIn("```\nLimit  (actual time=0.01..0.02 rows=20)\n  ->  Index Only Scan\n```",
                      plans)

    def test_labels_written_as_strings_by_the_load_generator_are_accepted(self):
        record = load("main", "get_puzzle", 1234.5, 0.8, 2.5)
        record["users"] = "10000"  # quest_bench --labels=...,users=10000 writes a string
        markdown = self.generate([MACHINE, record])
        self.assertIn("## Scenarios at 10,000 users", markdown)
        self.assertEqual(self.table_row(markdown, "get_puzzle")[3], "1,234")

    def test_missing_optional_groups_are_reported_as_not_measured(self):
        markdown = self.generate([MACHINE, *main_records()])
        for heading in ("## What the gateway costs", "## The pool's worth",
                        "## Replica vs primary reads", "## Scale curves", "## Resources",
                        "## Query plans"):
            self.assertIn(report.NOT_MEASURED, self.section(markdown, heading), heading)
        self.assertNotIn("![scale curves]", markdown)
        self.assertEqual(self.table_row(self.section(markdown, "## Targets"),
                                        "each service < 50 MB RSS at 1,000 calls/s")[2],
                         report.NOT_MEASURED)
        ElementTree.parse(self.svg_path)  # still a valid (placeholder) SVG


class SvgTest(ReportTestCase):
    def test_svg_is_xml_with_one_polyline_per_scenario(self):
        self.generate(full_records())
        root = ElementTree.parse(self.svg_path).getroot()
        self.assertEqual(root.tag, SVG_NAMESPACE + "svg")
        polylines = root.findall(f".//{SVG_NAMESPACE}polyline")
        self.assertEqual(len(polylines), len(SCALE_SCENARIOS))
        for polyline in polylines:
            self.assertEqual(len(polyline.get("points").split()), 3)
        texts = {"".join(text.itertext()) for text in root.iter(SVG_NAMESPACE + "text")}
        self.assertTrue({"10k", "100k", "1M", *SCALE_SCENARIOS} <= texts, texts)
        with open(self.svg_path, encoding="utf-8") as svg_file:
            self.assertNotIn("href", svg_file.read())  # self-contained

    def test_points_rise_left_to_right_for_rising_latency(self):
        self.generate(full_records())
        root = ElementTree.parse(self.svg_path).getroot()
        points = [tuple(map(float, point.split(",")))
                  for point in root.find(f".//{SVG_NAMESPACE}polyline").get("points").split()]
        xs, ys = [x for x, _ in points], [y for _, y in points]
        self.assertEqual(xs, sorted(xs))
        self.assertEqual(ys, sorted(ys, reverse=True))  # SVG y grows downwards

    def test_nice_ceiling(self):
        self.assertEqual(report.nice_ceiling(7.3), 10)
        self.assertEqual(report.nice_ceiling(1.3), 2)
        self.assertEqual(report.nice_ceiling(2.1), 2.5)
        self.assertEqual(report.nice_ceiling(10), 10)
        self.assertEqual(report.nice_ceiling(0.42), 0.5)


SOCIAL_SCENARIOS = ("list_friends", "list_mutual_friends", "suggest_friends", "list_messages",
                    "list_channels", "send_message")


def social_load(group, scenario, p99, users=10_000, mode="closed", rate=0, errors=None):
    record = load(group, scenario, 800, p99 / 4, p99, users=users, variant="", mode=mode,
                  rate=rate, errors=errors)
    record["service"] = "social"
    return record


def social_explain(rpc, plan, node="replica", users=10_000):
    return {"kind": "explain", "service": "social", "rpc": rpc, "node": node,
            "label": f"{rpc}, on the {node}", "users": users, "runs": 40, "median_ms": 0.12,
            "sql": f"SELECT 1 FROM t -- {rpc}", "plan": plan}


FRIENDS_PLAN = ("Limit  (actual time=0.02..0.05 rows=20 loops=1)\n"
                "  ->  Index Scan using friendships_user_id_created_at_idx on friendships  "
                "(actual time=0.01..0.04 rows=20 loops=1)")
CHANNELS_PLAN = ("Sort\n  ->  Bitmap Heap Scan on chat_channels c\n"
                 "        ->  Bitmap Index Scan on chat_channels_user_low_id_last_message_at_idx\n"
                 "  ->  Seq Scan on guild_members g")


def social_records(users=10_000, slow_p99=12.0):
    records = [{"kind": "seed", "service": "social", "users": users, "seconds": 12.5,
                "friendships": users * 50, "guilds": users // 10, "guild_members": users * 2,
                "channels": users * 2, "messages": users * 100, "read_marks": users * 5,
                "database_mb": 900}]
    for scenario in SOCIAL_SCENARIOS:
        records.append(social_load("main", scenario, 8.0, users=users))
    for scenario in SOCIAL_SCENARIOS:
        p99 = slow_p99 if scenario == "suggest_friends" else 2.0
        records.append(social_load("latency", scenario, p99, users=users, mode="open",
                                   rate=500))
    records += [social_explain("ListFriends", FRIENDS_PLAN),
                social_explain("ListChannels", CHANNELS_PLAN),
                social_explain("SendMessage", "Seq Scan on outbox", node="primary")]
    return records


class SocialTest(ReportTestCase):
    def social_targets(self, records):
        self.write_results(records)
        results = report.parse_results(self.results_path)
        return (report.read_targets(results, report.SOCIAL)
                + [report.plan_target(results, report.SOCIAL)])

    def test_a_social_only_run_has_no_quest_sections(self):
        markdown = self.generate([MACHINE, *social_records()])
        self.assertIn("## Social service", markdown)
        self.assertIn("## Machine", markdown)
        headings = [line for line in markdown.splitlines() if line.startswith("## ")]
        self.assertEqual(headings, ["## Machine", "## Social service"])

    def test_read_targets_at_the_steady_rate_with_the_scale_noted(self):
        outcomes = {o.target.split()[0]: o for o in self.social_targets(
            [MACHINE, *social_records()]) if o.key == "social_read_p99"}
        self.assertEqual(set(outcomes), {"ListFriends", "ListMutualFriends", "SuggestFriends",
                                         "ListMessages", "ListChannels"})
        self.assertEqual(outcomes["SuggestFriends"].verdict,
                         "missed by 20% (at 10,000 users, below the target's 100,000)")
        self.assertTrue(outcomes["ListFriends"].verdict.startswith("met (at 10,000 users"))
        self.assertIn("2.00 ms at 10,000 users, open loop at 500 calls/s",
                      outcomes["ListFriends"].measured)

    def test_no_scale_note_at_the_target_scale(self):
        outcomes = self.social_targets([MACHINE, *social_records(users=100_000, slow_p99=5.0)])
        self.assertEqual([o.verdict for o in outcomes if o.key == "social_read_p99"],
                         ["met"] * 5)

    def test_failed_calls_miss_the_read_target(self):
        records = social_records(slow_p99=5.0)
        records[7]["errors"] = {"UNAVAILABLE": 3}  # list_friends at 500 calls/s
        outcome = self.social_targets([MACHINE, *records])[0]
        self.assertIs(outcome.met, False)
        self.assertIn("errors UNAVAILABLE: 3", outcome.measured)

    def test_plan_target_names_the_sequential_scans_of_reads_only(self):
        outcome = self.social_targets([MACHINE, *social_records()])[-1]
        self.assertIs(outcome.met, False)
        self.assertIn("ListChannels (guild_members)", outcome.measured)
        self.assertNotIn("outbox", outcome.measured)  # SendMessage is not a read
        self.assertIn("2 statements of 2 reads", outcome.measured)

    def test_plan_summary_lists_each_statements_scans(self):
        markdown = self.generate([MACHINE, *social_records()])
        section = self.section(markdown, "## Social service")
        row = self.table_row(section, "ListFriends")
        self.assertEqual(row[1], "replica")
        self.assertEqual(row[3], "Index Scan using friendships_user_id_created_at_idx on "
                                 "friendships")
        self.assertEqual(row[4], "no")
        channels = self.table_row(section, "ListChannels")
        self.assertIn("Bitmap Index Scan on chat_channels_user_low_id_last_message_at_idx",
                      channels[3])
        self.assertEqual(channels[4], "guild_members")
        self.assertIn("#### ListFriends, on the replica (10,000 users, 40 runs, median 0.12 ms)",
                      section)
        self.assertIn("#### Why a target is missed", section)

    def test_seed_and_load_tables(self):
        section = self.section(self.generate([MACHINE, *social_records()]), "## Social service")
        seed = self.table_row(section, "10,000")
        self.assertEqual(seed[1:7], ["500,000", "1,000", "20,000", "20,000", "1,000,000",
                                     "50,000"])
        self.assertEqual(seed[7], "12.5")
        self.assertIn("### At 10,000 users", section)
        rows = [line for line in section.splitlines() if line.startswith("| send_message |")]
        self.assertEqual([row.split("|")[2].strip() for row in rows], ["closed", "open (500/s)"])

    def test_quest_and_social_in_one_report_stay_apart(self):
        markdown = self.generate([*full_records(), *social_records()])
        quest = self.section(markdown, "## Scenarios at 1,000,000 users")
        self.assertNotIn("list_friends", quest)
        self.assertIn("## Social service", markdown)
        self.assertEqual(self.table_row(self.section(markdown, "## Targets"),
                                        "Feed page p99 < 10 ms at the largest scale")[2], "met")
        plans = self.section(markdown, "## Query plans")
        self.assertNotIn("ListFriends", plans)  # social plans are in the social section

    def test_without_svg_no_plot_is_written_or_linked(self):
        self.write_results(full_records())
        completed = self.run_script("--results", self.results_path, "--out", self.markdown_path)
        self.assertEqual(completed.returncode, 0, completed.stderr)
        self.assertFalse(os.path.exists(self.svg_path))
        with open(self.markdown_path, encoding="utf-8") as markdown_file:
            self.assertNotIn("![scale curves]", markdown_file.read())

    def test_unknown_service_is_refused(self):
        record = social_load("main", "list_friends", 2.0)
        record["service"] = "chat"
        self.write_results([MACHINE, record])
        with self.assertRaisesRegex(report.ReportError, "line 2: load record has unknown "
                                                        "service 'chat'"):
            report.parse_results(self.results_path)


NOTIFICATION_SCENARIOS = ("list_notifications", "list_unread", "unread_count", "mark_read")


def notification_load(group, scenario, p99, log_rows=20_000, mode="closed", rate=0,
                      calls_per_s=900, concurrency=20, errors=None):
    record = load(group, scenario, calls_per_s, p99 / 4, p99, users=1_200, variant="",
                  mode=mode, rate=rate, errors=errors)
    # As the load generator writes labels: strings.
    record.update({"service": "notification", "users": "1200", "log_rows": str(log_rows),
                   "concurrency": concurrency})
    return record


def notification_explain(rpc, plan, node="replica", log_rows=20_000):
    return {"kind": "explain", "service": "notification", "rpc": rpc, "node": node,
            "label": f"{rpc}, on the {node}", "users": 1_200, "log_rows": log_rows, "runs": 40,
            "median_ms": 0.2, "sql": f"SELECT 1 FROM notification_logs -- {rpc}", "plan": plan}


INBOX_PLAN = ("Limit\n  ->  Nested Loop\n        ->  Index Scan using notification_logs_unread_idx "
              "on notification_logs l\n        ->  Aggregate\n              ->  Index Only Scan "
              "using deliveries_notification_log_id_state_idx on deliveries d")


def notification_records(log_rows=20_000, slow_p99=14.0):
    records = [{"kind": "seed", "service": "notification", "users": 1_200,
                "log_rows": log_rows, "push_tokens": 1_700, "unread": 7_000,
                "deliveries": 27_000, "seconds": 1.5, "database_mb": 30}]
    for scenario in NOTIFICATION_SCENARIOS:
        records.append(notification_load("main", scenario, 6.0, log_rows=log_rows))
    for scenario in NOTIFICATION_SCENARIOS:
        p99 = slow_p99 if scenario == "mark_read" else 3.0
        records.append(notification_load("latency", scenario, p99, log_rows=log_rows,
                                         mode="open", rate=500))
    records.append(notification_load("main", "send_notification", 80.0, log_rows=log_rows,
                                     calls_per_s=12.5, concurrency=4))
    records += [notification_explain("ListNotifications(UNREAD)", INBOX_PLAN),
                notification_explain("GetUnreadCount", "HashAggregate\n  ->  Seq Scan on "
                                     "notification_logs l"),
                notification_explain("SendNotification", "Insert on deliveries\n  ->  Seq Scan "
                                     "on push_tokens", node="primary")]
    return records


class NotificationTest(ReportTestCase):
    def targets(self, records):
        self.write_results(records)
        results = report.parse_results(self.results_path)
        return (report.read_targets(results, report.NOTIFICATION)
                + [report.plan_target(results, report.NOTIFICATION)])

    def test_a_notification_only_run_has_its_section_alone(self):
        markdown = self.generate([MACHINE, *notification_records()])
        headings = [line for line in markdown.splitlines() if line.startswith("## ")]
        self.assertEqual(headings, ["## Machine", "## Notification service"])

    def test_inbox_targets_at_the_steady_rate_in_log_rows(self):
        outcomes = {o.target.split(" p99")[0]: o for o in self.targets(
            [MACHINE, *notification_records()]) if o.key == "notification_inbox_p99"}
        self.assertEqual(set(outcomes), {"ListNotifications(ALL)", "ListNotifications(UNREAD)",
                                         "GetUnreadCount", "MarkRead"})
        self.assertEqual(outcomes["MarkRead"].target,
                         "MarkRead p99 < 10 ms at a steady 500 calls/s, 1,000,000 log rows")
        self.assertEqual(outcomes["MarkRead"].verdict,
                         "missed by 40% (at 20,000 log rows, below the target's 1,000,000)")
        self.assertIn("3.00 ms at 20,000 log rows, open loop at 500 calls/s",
                      outcomes["GetUnreadCount"].measured)
        self.assertTrue(outcomes["GetUnreadCount"].verdict.startswith("met (at 20,000 log rows"))

    def test_at_the_target_scale_the_verdicts_have_no_note(self):
        outcomes = self.targets([MACHINE, *notification_records(log_rows=1_000_000,
                                                                slow_p99=9.9)])
        self.assertEqual([o.verdict for o in outcomes if o.key == "notification_inbox_p99"],
                         ["met"] * 4)

    def test_plan_target_counts_the_reads_only(self):
        outcome = self.targets([MACHINE, *notification_records()])[-1]
        self.assertIs(outcome.met, False)
        self.assertIn("GetUnreadCount (notification_logs)", outcome.measured)
        self.assertNotIn("push_tokens", outcome.measured)  # SendNotification is not a read
        self.assertIn("2 statements of 2 reads at 20,000 log rows", outcome.measured)

    def test_send_figures_with_gorush_as_context(self):
        section = self.section(self.generate([MACHINE, *notification_records()]),
                               "## Notification service")
        row = self.table_row(section, "20,000 log rows")
        # 12.5 calls/s x 1,000 recipients x 60 s.
        self.assertEqual(row[1:7], ["4", "12.5", "750,000", "20.00", "80.00", "0"])
        self.assertIn("gorush users report about 15,000 tokens per minute", section)
        self.assertIn("gorush issue #411", section)
        self.assertIn("not a measured peer", section)
        self.assertIn("### At 20,000 log rows", section)
        self.assertIn("#### ListNotifications(UNREAD), on the replica (20,000 log rows, 40 runs",
                      section)

    def test_without_a_send_run_the_context_still_stands(self):
        records = [r for r in notification_records() if r.get("scenario") != "send_notification"]
        section = self.section(self.generate([MACHINE, *records]), "## Notification service")
        send = section.split("### SendNotification to 1,000 recipients")[1]
        self.assertTrue(send.strip().startswith(report.NOT_MEASURED))
        self.assertIn("gorush issue #411", send)

    def test_delivery_throughput_table(self):
        runs = [{"kind": "delivery", "service": "notification", "instances": instances,
                 "fail_rate": fail_rate, "deliveries": 20_000, "sends": sends, "sent": sent,
                 "failed": 0, "seconds": seconds, "per_second": 20_000 / seconds}
                for instances, fail_rate, sends, sent, seconds in (
                    (2, 0.05, 21_050, 20_000, 12.5), (1, 0.0, 20_000, 20_000, 16.0))]
        section = self.section(self.generate([MACHINE, *notification_records(), *runs]),
                               "## Notification service")
        part = section.split("### Deliveries per second through the push engine")[1]
        rows = [line for line in part.splitlines() if line.startswith("| ")][1:]
        # Ordered by 503 share, then instances.
        self.assertEqual(rows[0], "| 1 | 0% | 20,000 | 20,000 | 20,000 | 0 | 16.0 | 1,250 |")
        self.assertEqual(rows[1], "| 2 | 5% | 20,000 | 21,050 | 20,000 | 0 | 12.5 | 1,600 |")

    def test_without_delivery_runs_the_engine_is_not_measured(self):
        section = self.section(self.generate([MACHINE, *notification_records()]),
                               "## Notification service")
        part = section.split("### Deliveries per second through the push engine")[1]
        self.assertTrue(part.strip().startswith(report.NOT_MEASURED))

    def test_seed_table_in_log_rows(self):
        section = self.section(self.generate([MACHINE, *notification_records()]),
                               "## Notification service")
        seed = self.table_row(section, "20,000")
        self.assertEqual(seed[1:7], ["1,200", "1,700", "7,000", "27,000", "1.5", "30"])

    def test_all_services_in_one_report_stay_apart(self):
        markdown = self.generate([*full_records(), *social_records(), *notification_records()])
        headings = [line for line in markdown.splitlines() if line.startswith("## ")]
        self.assertEqual(headings[-2:], ["## Social service", "## Notification service"])
        self.assertNotIn("ListNotifications", self.section(markdown, "## Social service"))

    def test_a_notification_record_without_log_rows_is_refused(self):
        record = notification_load("main", "list_unread", 2.0)
        del record["log_rows"]
        self.write_results([MACHINE, record])
        with self.assertRaisesRegex(report.ReportError,
                                    "line 2: load record is missing field 'log_rows'"):
            report.parse_results(self.results_path)


AUTO_EXPLAIN_LOG = """\
2026-12-01 11:50:35.700 UTC [2768] LOG:  connection authorized: user=social_svc
2026-12-01 11:50:35.751 UTC [2768] LOG:  duration: 0.084 ms  plan:
\tQuery Text: SELECT friend_id FROM friendships WHERE user_id = $1
\tLimit  (cost=0.42..8.44 rows=1 width=16) (actual time=0.070..0.080 rows=20 loops=1)
\t  Buffers: shared hit=4
\t  ->  Index Only Scan using friendships_user_id_created_at_idx on friendships
2026-12-01 11:50:35.752 UTC [2769] LOG:  duration: 0.500 ms  plan:
\tQuery Text: SELECT friend_id FROM friendships WHERE user_id = $1
\tLimit  (actual time=0.400..0.500 rows=20 loops=1)
2026-12-01 11:50:35.753 UTC [2769] LOG:  duration: 0.010 ms  plan:
\tQuery Text: SELECT 1
\tResult  (actual time=0.001..0.001 rows=1 loops=1)
2026-12-01 11:50:35.754 UTC [2770] LOG:  duration: 0.300 ms  plan:
\tQuery Text: SELECT friend_id FROM friendships WHERE user_id = $1
\tLimit  (actual time=0.200..0.300 rows=20 loops=1)
2026-12-01 11:50:35.755 UTC [2770] LOG:  checkpoint starting: time
"""


class ExplainLogTest(ReportTestCase):
    def write_log(self, text):
        path = self.path("replica.log")
        with open(path, "w", encoding="utf-8") as log:
            log.write(text)
        return path

    def test_entries_are_split_into_duration_sql_and_plan(self):
        entries = explain_log.parse_entries(AUTO_EXPLAIN_LOG)
        self.assertEqual([(ms, sql) for ms, sql, _ in entries],
                         [(0.084, "SELECT friend_id FROM friendships WHERE user_id = $1"),
                          (0.5, "SELECT friend_id FROM friendships WHERE user_id = $1"),
                          (0.01, "SELECT 1"),
                          (0.3, "SELECT friend_id FROM friendships WHERE user_id = $1")])
        self.assertTrue(entries[0][2].startswith("Limit  (cost=0.42"))
        self.assertIn("\n  ->  Index Only Scan using friendships_user_id_created_at_idx",
                      entries[0][2])
        self.assertNotIn("checkpoint", entries[-1][2])

    def test_one_record_per_statement_with_its_median_run_and_exclusions(self):
        path = self.write_log(AUTO_EXPLAIN_LOG)
        entries = explain_log.logged([f"replica={path}@0"])
        records = explain_log.plan_records(entries, "list_friends", 10_000, {"SELECT 1"})
        self.assertEqual(len(records), 1)
        record = records[0]
        self.assertEqual((record["rpc"], record["node"], record["runs"], record["median_ms"]),
                         ("ListFriends", "replica", 3, 0.3))
        self.assertEqual(record["plan"], "Limit  (actual time=0.200..0.300 rows=20 loops=1)")
        self.assertEqual(record["label"], "ListFriends, on the replica")

    def test_plans_name_their_service_and_carry_its_scale(self):
        path = self.write_log(AUTO_EXPLAIN_LOG)
        out = self.path("plans.jsonl")
        with open(out, "w", encoding="utf-8") as plans:
            completed = subprocess.run(
                [sys.executable, os.path.join(os.path.dirname(REPORT_SCRIPT), "explain_log.py"),
                 "plans", "--service=notification", "--scenario=list_unread", "--users=1200",
                 "--field=log_rows=20000", f"replica={path}@0"],
                stdout=plans, stderr=subprocess.PIPE, text=True, check=False)
        self.assertEqual(completed.returncode, 0, completed.stderr)
        with open(out, encoding="utf-8") as plans:
            records = [json.loads(line) for line in plans]
        self.assertEqual({(r["service"], r["rpc"], r["log_rows"]) for r in records},
                         {("notification", "ListNotifications(UNREAD)", 20000)})
        # And the report takes them as the notification service's.
        self.write_results([MACHINE, notification_load("main", "list_unread", 2.0), *records])
        results = report.parse_results(self.results_path)
        self.assertEqual(len(results.service_explains["notification"]), len(records))

    def test_marks_read_only_what_was_logged_after_them(self):
        path = self.write_log(AUTO_EXPLAIN_LOG)
        mark = os.path.getsize(path)
        with open(path, "a", encoding="utf-8") as log:
            log.write("2026-12-01 11:51:00.000 UTC [2771] LOG:  duration: 1.000 ms  plan:\n"
                      "\tQuery Text: SELECT 2\n\tResult\n")
        entries = explain_log.logged([f"primary={path}@{mark}"])
        self.assertEqual([(node, sql) for node, _, sql, _ in entries], [("primary", "SELECT 2")])

    def test_explain_records_are_accepted_by_the_report(self):
        path = self.write_log(AUTO_EXPLAIN_LOG)
        records = explain_log.plan_records(explain_log.logged([f"replica={path}@0"]),
                                           "list_friends", 10_000, set())
        markdown = self.generate([MACHINE, *social_records(), *records])
        self.assertIn("#### ListFriends, on the replica (10,000 users, 3 runs, median 0.30 ms)",
                      markdown)


# ---------------------------------------------------------------- serving engine (issue 12)

def engine_load(in_flight, calls_per_s, p50, p99, binary="after", errors=None,
                transport="TCP to 127.0.0.1"):
    record = load("engine", "get_puzzle", calls_per_s, p50, p99, variant="", errors=errors)
    record.update(concurrency=in_flight, binary=binary, transport=transport)
    return record


def cpu_load(scenario, service_us, binary="after", calls=20000):
    record = load("cpu", scenario, 4000, 1.0, 3.0, variant="")
    record.update(binary=binary, calls=calls,
                  cpu_us_per_call={"load_generator": 20.0, "service": service_us,
                                   "postgres": 40.0})
    return record


def instructions_record(binary, per_call, grpc_core, our_code, failed=0):
    return {"kind": "instructions", "service": "quest", "binary": binary,
            "scenario": "get_puzzle", "concurrency": 20, "calls": 2000, "failed": failed,
            "instructions": per_call * 2000, "per_call": per_call,
            "per_call_by_part": {"our code": our_code, "gRPC core": grpc_core,
                                 "malloc/free": per_call - grpc_core - our_code, "libpq": 0},
            "top_functions": [{"function": "grpc_core::Foo()", "part": "gRPC core",
                               "per_call": grpc_core // 2}]}


def before(record):
    return {**record, "binary": "before"}


def engine_records():
    """After meets the pgbench targets at 20 in flight, misses them at 100."""
    machine = {**MACHINE, "baseline": "49b522b", "baseline_binary": "/work/b/quest_server"}
    return [
        machine,
        *main_records(),
        *(before(record) for record in main_records() if record["scenario"] != "mixed"),
        before(load("main", "mixed", 2000, 1.2, 9.0)),  # after's mixed: 1,600 → slower
        {**pgbench_record(calls_per_s=5000.0, p99=2.0), "transport": "TCP to 127.0.0.1"},
        engine_load(20, 4000, 0.5, 3.0),
        engine_load(100, 3000, 3.0, 6.0),
        engine_load(1000, 2900, 30.0, 80.0, errors={"RESOURCE_EXHAUSTED": 12}),
        engine_load(20, 1000, 2.0, 8.0, binary="before"),
        engine_load(100, 900, 9.0, 30.0, binary="before"),
        engine_load(1000, 800, 90.0, 200.0, binary="before",
                    errors={"RESOURCE_EXHAUSTED": 500}),
        cpu_load("get_puzzle", 25.0),
        cpu_load("get_puzzle", 200.0, binary="before"),
        cpu_load("list_puzzles", 90.0, calls=5000),
        cpu_load("list_puzzles", 40.0, binary="before", calls=5000),
        instructions_record("after", 60000, 20000, 8000),
        instructions_record("before", 112000, 38500, 9600, failed=3),
    ]


class EngineTest(ReportTestCase):
    def targets(self, records):
        self.write_results(records)
        results = report.parse_results(self.results_path)
        return {outcome.target: outcome for outcome in report.engine_targets(results)}

    def engine(self, records=None):
        return self.section(self.generate(records or engine_records()),
                            "## Serving engine (issue 12)")

    def test_throughput_and_p99_beside_pgbench_at_20_and_100_in_flight(self):
        targets = self.targets(engine_records())
        at_20 = targets["GetPuzzle throughput at 20 in flight ≥ 0.7× pgbench's"]
        self.assertEqual((at_20.measured, at_20.met), ("0.80× (4,000 vs 5,000 calls/s)", True))
        at_100 = targets["GetPuzzle throughput at 100 in flight ≥ 0.7× pgbench's"]
        self.assertEqual(at_100.verdict, "missed by 10 points")
        self.assertEqual(at_100.measured, "0.60× (3,000 vs 5,000 calls/s)")
        p99_20 = targets["GetPuzzle p99 at 20 in flight ≤ 2× pgbench's"]
        self.assertEqual((p99_20.measured, p99_20.met), ("1.5× (3.00 vs 2.00 ms)", True))
        p99_100 = targets["GetPuzzle p99 at 100 in flight ≤ 2× pgbench's"]
        self.assertEqual(p99_100.verdict, "missed by 50%")

    def test_errors_in_flight_cpu_and_instructions_targets(self):
        targets = self.targets(engine_records())
        self.assertTrue(targets["0 errors at 100 GetPuzzle calls in flight"].met)
        at_1000 = targets["0 errors at 1,000 GetPuzzle calls in flight"]
        self.assertEqual(at_1000.verdict, "missed by 12 failed calls")
        self.assertIn("RESOURCE_EXHAUSTED: 12", at_1000.measured)
        cpu = targets["service CPU per GetPuzzle ≤ 30 µs"]
        self.assertEqual((cpu.measured, cpu.met), ("25 µs over 20,000 calls", True))
        instructions = targets["≤ 50,000 user-space instructions per GetPuzzle (callgrind)"]
        self.assertEqual(
            instructions.verdict,
            "missed by 20% (20,000 of them in libraries we do not write: gRPC core, gRPC C++, "
            "protobuf, libpq, libpqxx, libc, dynamic loader)")

    def test_other_reads_cpu_against_before_and_no_scenario_slower(self):
        targets = self.targets(engine_records())
        feed = targets["list_puzzles: service CPU per call ≤ 2× before's"]
        self.assertEqual(feed.measured, "2.2× (90 vs 40 µs)")
        self.assertEqual(feed.verdict, "missed by 12.5%")
        self.assertTrue(targets["get_puzzle not slower (calls/s ≥ 0.95× before's)"].met)
        mixed = targets["mixed not slower (calls/s ≥ 0.95× before's)"]
        self.assertEqual(mixed.measured, "0.80× (1,600 vs 2,000 calls/s)")
        self.assertEqual(mixed.verdict, "missed by 15 points")

    def test_without_engine_records_the_targets_are_not_measured(self):
        outcomes = self.targets([MACHINE, *main_records()]).values()
        self.assertTrue(outcomes)
        self.assertTrue(all(outcome.met is None for outcome in outcomes))
        self.assertIn(report.NOT_MEASURED,
                      self.section(self.generate([MACHINE, *main_records()]),
                                   "## Serving engine (issue 12)"))

    def test_side_by_side_table_with_ratios_to_pgbench(self):
        section = self.engine()
        pgbench = self.table_row(section, "pgbench, 20 connections")
        self.assertEqual(pgbench[2:5], ["5,000", "0.40", "2.00"])
        rows = [line for line in section.splitlines() if line.startswith("| service, 100 in")]
        self.assertEqual(len(rows), 2)
        after = [cell.strip() for cell in rows[0].strip("|").split("|")]
        self.assertEqual(after[1:], ["after", "3,000", "3.00", "6.00", "0", "0.60×", "3.0×"])
        old = [cell.strip() for cell in rows[1].strip("|").split("|")]
        self.assertEqual(old[1:3], ["before (49b522b)", "900"])
        self.assertIn("pgbench TCP to 127.0.0.1; the service TCP to 127.0.0.1", section)
        self.assertIn("The same transport for both.", section)

    def test_a_different_transport_is_called_out(self):
        records = [record if record.get("group") != "engine" else
                   {**record, "transport": "Unix socket"} for record in engine_records()]
        self.assertIn("**Not the same transport**", self.engine(records))

    def test_cpu_table_and_before_after_ratios(self):
        section = self.engine()
        header = next(line for line in section.splitlines() if "load generator µs" in line)
        self.assertIn("PostgreSQL replica (read node) µs | PostgreSQL primary µs", header)
        rows = [line for line in section.splitlines() if line.startswith("| get_puzzle | ")]
        cells = [cell.strip() for cell in rows[0].strip("|").split("|")]
        self.assertEqual(cells, ["get_puzzle", "after", "20,000", "20", "20", "25", "40", "—",
                                 "85"])
        comparison = self.table_row(self.section(section, "### CPU per call"), "list_puzzles")
        self.assertEqual(comparison[:2], ["list_puzzles", "after"])
        service_row = next(line for line in section.splitlines()
                           if line.startswith("| get_puzzle | service |"))
        self.assertIn("| 200 | 25 | 0.12× |", service_row)

    def test_a_process_idle_before_has_no_ratio(self):
        records = engine_records()
        for binary, primary_us in (("after", 30.0), ("before", 0.0)):
            record = cpu_load("next_puzzle", 100.0, binary=binary, calls=5000)
            record["cpu_us_per_call"].update(postgres=0.0, postgres_primary=primary_us)
            records.append(record)
        section = self.section(self.engine(records), "### CPU per call")
        rows = {line.split("|")[2].strip(): [cell.strip() for cell in line.split("|")[3:6]]
                for line in section.splitlines() if line.startswith("| next_puzzle | ")
                and line.split("|")[2].strip().startswith("PostgreSQL")}
        self.assertEqual(rows["PostgreSQL replica (read node)"], ["0", "0", "—"])
        self.assertEqual(rows["PostgreSQL primary"], ["0", "30", "—"])

    def test_instructions_by_part_before_and_after(self):
        section = self.section(self.engine(), "### Instructions per GetPuzzle call")
        self.assertEqual(self.table_row(section, "**total**")[1:],
                         ["112,000", "60,000", "0.54×"])
        self.assertEqual(self.table_row(section, "gRPC core")[1:], ["38,500", "20,000", "0.52×"])
        self.assertNotIn("| libpq |", section)  # no instructions in either: no row
        self.assertIn("before (49b522b): 2,000 calls, 3 not OK", section)
        self.assertEqual(self.table_row(section, "grpc_core::Foo()")[1:], ["gRPC core", "10,000"])
        self.assertIn("--only=cpu --baseline=49b522b", section)

    def test_before_after_tables_and_before_records_stay_out_of_the_other_sections(self):
        records = engine_records()
        records += [before(load("pool", "get_puzzle", 400, 4.0, 20.0, variant="pool=1")),
                    load("pool", "get_puzzle", 800, 2.0, 10.0, variant="pool=1")]
        markdown = self.generate(records)
        section = self.section(markdown, "### Before and after")
        self.assertEqual(self.table_row(section, "get_puzzle")[1:4], ["2,500", "2,500", "1.0×"])
        self.assertEqual(self.table_row(section, "get_puzzle (pool=1)")[1:7],
                         ["400", "800", "2.0×", "20.00", "10.00", "0.50×"])
        scenarios = self.section(markdown, "## Scenarios at")
        self.assertEqual(self.table_row(scenarios, "mixed")[3], "1,600")
        self.assertEqual(sum(line.startswith("| mixed |") for line in scenarios.splitlines()), 1)
        pool = self.section(markdown, "## The pool's worth")
        self.assertEqual(self.table_row(pool, "pool=1")[4], "800")

    def test_a_cpu_only_run_has_the_engine_section_alone(self):
        records = [MACHINE, cpu_load("get_puzzle", 25.0), cpu_load("get_puzzle", 200.0, "before"),
                   instructions_record("after", 60000, 20000, 8000)]
        markdown = self.generate(records)
        self.assertIn("## Serving engine (issue 12)", markdown)
        self.assertNotIn("## Scenarios at", markdown)
        self.assertNotIn("\n## Targets", markdown)
        self.assertEqual(self.table_row(markdown, "service CPU per GetPuzzle ≤ 30 µs")[2], "met")

    def test_unknown_binary_and_cpu_record_without_figures_are_refused(self):
        for broken, message in (
                ({**load("main", "get_puzzle", 1, 1, 1), "binary": "old"}, "unknown binary 'old'"),
                ({**cpu_load("get_puzzle", 1.0), "cpu_us_per_call": {}},
                 "field 'cpu_us_per_call' must be an object")):
            self.write_results([MACHINE, *main_records(), broken])
            with self.assertRaises(report.ReportError) as raised:
                report.parse_results(self.results_path)
            self.assertIn(message, str(raised.exception))


CALLGRIND_DUMP = """# callgrind format
version: 1
positions: line
events: Ir
summary: 1000

ob=(1) /usr/lib/x86_64-linux-gnu/libc.so.6
fl=(1) ./malloc/malloc.c
fn=(1) malloc
10 100
fn=(2) memcpy
+2 50
ob=(2) /work/bin/quest_server
fl=(2) quest/puzzle_service.cc
fn=(3) qs::quest::PuzzleService::Get()
20 300
cob=(1)
cfi=(1)
cfn=(1)
calls=4 10
* 400
* 20
cob=(3) /usr/lib/x86_64-linux-gnu/libgrpc.so.29
cfn=(4) grpc_call_start_batch
calls=1 5
+1 500
ob=(3)
fl=(3) src/core/call.cc
fn=(4)
5 430
ob=(4) /usr/lib/x86_64-linux-gnu/libstdc++.so.6.0.30
fn=(5) operator new(unsigned long)
1 100

totals: 1000
"""


def write_record(scenario, in_flight, calls_per_s, p99, binary="after", round_trips=5.0,
                 statements=7.0, lock_ms=0.5, users=1_000_000, errors=None):
    return {"kind": "write", "group": "write", "scenario": scenario, "users": users,
            "binary": binary, "mode": "closed", "concurrency": in_flight,
            "calls": int(calls_per_s * 10), "ok": int(calls_per_s * 10),
            "calls_per_s": calls_per_s, "latency_ms": latency(p99 / 4, p99),
            "errors": errors or {}, "round_trips_per_call": round_trips,
            "write_transactions_per_call": 1.0, "statements_per_call": statements,
            "lock_wait_ms_per_call": lock_ms, "wal_wait_ms_per_call": 0.2,
            "idle_in_transaction_ms_per_call": 3.0, "active_ms_per_call": 4.0}


def tpcb_record(clients, tps, users=1_000_000):
    return {"kind": "write_pgbench", "scenario": "tpcb_like", "label": "tpcb_like",
            "users": users, "connections": clients, "calls_per_s": tps,
            "latency_ms": latency(1.0, 4.0)}


def write_records():
    return [MACHINE, tpcb_record(1, 400), tpcb_record(20, 1300),
            write_record("submit_attempt", 20, 700, 30.0),
            write_record("submit_attempt", 100, 800, 140.0),
            {**write_record("submit_attempt_hot", 20, 500, 45.0, lock_ms=12.0),
             "lock_wait_ms_per_call_by_event": {"transactionid": 11.0, "tuple": 1.0}},
            write_record("submit_attempt_hot", 100, 700, 160.0),
            write_record("start_attempt", 20, 1500, 20.0, round_trips=3.0),
            write_record("submit_attempt", 20, 350, 175.0, binary="before", round_trips=None,
                         statements=14.0, lock_ms=4.0)]


class WriteTest(ReportTestCase):
    def targets(self, records):
        self.write_results(records)
        results = report.parse_results(self.results_path)
        return {outcome.target: outcome for outcome in write_report.targets(results, report)}

    def write(self, records):
        return self.section(self.generate(records), "## Write path (issue 16)")

    def test_targets_against_tpcb_and_the_spread_case(self):
        targets = self.targets(write_records())
        tpcb = targets["SubmitAttempt (spread, 20 in flight) ≥ 0.5× pgbench tpcb-like's tps at "
                       "20 clients"]
        self.assertEqual((tpcb.measured, tpcb.met), ("0.54× (700 vs 1,300 tps)", True))
        p99 = targets["SubmitAttempt (spread, 20 in flight) p99 < 50 ms"]
        self.assertEqual((p99.measured, p99.met), ("30.00 ms", True))
        hot_20 = targets["SubmitAttempt all on one puzzle ≥ 0.8× spread's calls/s, 20 in flight"]
        self.assertEqual(hot_20.measured, "0.71× (500 vs 700 calls/s)")
        self.assertEqual(hot_20.verdict, "missed by 10.7%")
        hot_100 = targets["SubmitAttempt all on one puzzle ≥ 0.8× spread's calls/s, 100 in flight"]
        self.assertTrue(hot_100.met)

    def test_failed_calls_and_a_small_scale_are_called_out(self):
        records = [MACHINE, tpcb_record(20, 1000, users=10_000),
                   write_record("submit_attempt", 20, 900, 20.0, users=10_000,
                                errors={"ABORTED": 3})]
        targets = self.targets(records)
        tpcb = targets["SubmitAttempt (spread, 20 in flight) ≥ 0.5× pgbench tpcb-like's tps at "
                       "20 clients"]
        self.assertEqual(tpcb.verdict,
                         "missed by failed calls (at 10,000 users, below the target's 1,000,000)")
        hot = targets["SubmitAttempt all on one puzzle ≥ 0.8× spread's calls/s, 20 in flight"]
        self.assertIsNone(hot.met)

    def test_a_write_only_run_has_its_section_with_tables_and_before_after(self):
        markdown = self.generate(write_records())
        self.assertNotIn("## Scenarios at", markdown)
        section = self.section(markdown, "## Write path (issue 16)")
        self.assertEqual(self.table_row(section, "20")[1:], ["1,300", "1.00", "4.00"])
        hot = self.table_row(section, "SubmitAttempt, all on one puzzle")
        self.assertEqual(hot[1:4], ["after", "20", "500"])
        self.assertEqual(hot[10], "12.000")
        self.assertEqual(hot[14], "transactionid 11.000, tuple 1.000")
        before_after = section[section.index("### Before and after"):]
        row = self.table_row(before_after, "SubmitAttempt, spread over many puzzles")
        self.assertEqual(row[1:], ["20", "2.0×", "0.17×", "14.00 (statements) → 5.00",
                                   "4.000 → 0.500"])
        self.assertIn("**SubmitAttempt all on one puzzle", section)  # why the hot one missed

    def test_cpu_per_call_table_beside_pgbench(self):
        split = {"primary": 1.5, "replica": 0.25, "client": 0.5, "service": 1.0,
                 "other": 0.25, "total": 3.5, "machine_busy_percent": 97.6}
        records = write_records()
        records[2] = {**records[2], "cpu_ms_per_call": {**split, "service": None,
                                                        "total": 1.0}}
        records[3] = {**records[3], "cpu_ms_per_call": split}
        section = self.write(records)
        cpu = section[section.index("### Where a call's CPU goes"):]
        self.assertEqual(self.table_row(cpu, "pgbench tpcb-like, 20 clients")[1:],
                         ["—", "1,300", "1.000", "1.500", "0.250", "—", "0.500", "0.250", "98%"])
        self.assertEqual(
            self.table_row(cpu, "SubmitAttempt, spread over many puzzles, 20 in flight")[1:],
            ["after", "700", "3.500", "1.500", "0.250", "1.000", "0.500", "0.250", "98%"])
        self.assertNotIn("StartAttempt, 20 in flight", cpu)  # no figures, no row

    def test_without_cpu_figures_there_is_no_cpu_table(self):
        self.assertNotIn("### Where a call's CPU goes", self.write(write_records()))

    def test_wal_per_call_table_beside_pgbench(self):
        records = write_records()
        records[2] = {**records[2], "wal_per_call": {"records": 8.0, "fpi": 0.25,
                                                     "bytes": 1234.4}}
        records[3] = {**records[3], "wal_per_call": {"records": 31.5, "fpi": 1.5,
                                                     "bytes": 14500.0}}
        section = self.write(records)
        wal = section[section.index("### WAL per call"):]
        self.assertEqual(self.table_row(wal, "pgbench tpcb-like, 20 clients")[1:],
                         ["—", "1,300", "8.0", "0.25", "1,234"])
        self.assertEqual(
            self.table_row(wal, "SubmitAttempt, spread over many puzzles, 20 in flight")[1:],
            ["after", "700", "31.5", "1.50", "14,500"])
        self.assertNotIn("StartAttempt, 20 in flight", wal)  # no figures, no row

    def test_without_wal_figures_there_is_no_wal_table(self):
        self.assertNotIn("### WAL per call", self.write(write_records()))

    def test_a_run_without_write_figures_says_so(self):
        markdown = self.generate(full_records())
        self.assertIn("## Write path (issue 16)\n\nnot measured in this run", markdown)

    def test_a_write_record_with_a_bad_figure_is_refused(self):
        broken = {**write_record("submit_attempt", 20, 1, 1), "lock_wait_ms_per_call": -1}
        self.write_results([MACHINE, broken])
        result = self.run_script("--results", self.results_path, "--out", self.markdown_path)
        self.assertEqual(result.returncode, 1)
        self.assertIn("lock_wait_ms_per_call", result.stderr)


class WriteWindowTest(unittest.TestCase):
    def test_counters_and_samples_per_call_of_the_window(self):
        load_record = {"kind": "load", "scenario": "submit_attempt", "calls": 100}
        # CPU ticks at 100 a second: primary, replica, client, service,
        # machine busy, machine total.
        start = (10.0, 1000.0, 200.0, 5000.0, (100, 50, 20, 30, 400, 500),
                 (1000.0, 10.0, 80000.0))
        end = (11.0, 1500.0, 302.0, 6400.0, (200, 70, 30, 60, 580, 700),
               (4000.0, 60.0, 1080000.0))
        # Four samples in the window (250 ms apart on average).
        samples = [(2, 1, 3, 5, ["transactionid", "tuple"]), (0, 1, 3, 5, []),
                   (2, 0, 2, 4, ["transactionid", "transactionid"]), (0, 0, 4, 6, [])]
        record = write_window.window_record(load_record, start, end, samples,
                                            {"binary": "after"})
        self.assertEqual(record["kind"], "write")
        self.assertEqual(record["binary"], "after")
        self.assertEqual(record["round_trips_per_call"], 5.0)
        self.assertEqual(record["write_transactions_per_call"], 1.02)
        self.assertEqual(record["statements_per_call"], 14.0)
        self.assertEqual(record["lock_wait_ms_per_call"], 10.0)  # 4 x 250 ms / 100 calls
        self.assertEqual(record["wal_wait_ms_per_call"], 5.0)
        self.assertEqual(record["sample_interval_ms"], 250.0)
        self.assertEqual(record["lock_wait_ms_per_call_by_event"],
                         {"transactionid": 7.5, "tuple": 2.5})
        # 100 primary ticks x 10 ms / 100 calls; the 180 busy ticks less the
        # parts' 160 are other's; 180 of 200 ticks busy.
        self.assertEqual(record["cpu_ms_per_call"],
                         {"primary": 10.0, "replica": 2.0, "client": 1.0, "service": 3.0,
                          "other": 2.0, "total": 18.0, "machine_busy_percent": 90.0})
        self.assertEqual(record["wal_per_call"], {"records": 30.0, "fpi": 0.5, "bytes": 10000.0})

    def test_a_server_without_the_counters_has_no_round_trips(self):
        start, end = (10.0, None, None, 5000.0, None, None), (11.0, None, None, 5700.0, None, None)
        record = write_window.window_record({"calls": 50}, start, end, [], {})
        self.assertIsNone(record["round_trips_per_call"])
        self.assertIsNone(record["cpu_ms_per_call"])
        self.assertIsNone(record["wal_per_call"])
        self.assertEqual(record["statements_per_call"], 14.0)
        self.assertIsNone(record["lock_wait_ms_per_call"])

    def test_marks_and_samples_are_read_from_their_files(self):
        with tempfile.TemporaryDirectory() as directory:
            marks, samples = os.path.join(directory, "marks"), os.path.join(directory, "samples")
            with open(marks, "w") as out:
                out.write("start 10.5 - - 100\nend 12.5 - - 300 10 20 30 - 40 50\n"
                          "start 20.5 - - 100 1 2 3 4 5 6 - - -\n"
                          "end 22.5 - - 300 10 20 30 - 40 50 7 1 900\n")
            with open(samples, "w") as out:
                out.write("10.0|9|9|9|9|\n10.6|1|0|2|3|tuple\n12.4|0|1|2|3|\n"
                          "13.0|9|9|9|9|\n")
            start, end = write_window.read_marks(marks)  # the last window's
            self.assertEqual((start, end),
                             ((20.5, None, None, 100.0, (1.0, 2.0, 3.0, 4.0, 5.0, 6.0), None),
                              (22.5, None, None, 300.0, (10.0, 20.0, 30.0, None, 40.0, 50.0),
                               (7.0, 1.0, 900.0))))
            self.assertEqual(write_window.read_samples(samples, 10.5, 12.5),
                             [(1, 0, 2, 3, ["tuple"]), (0, 1, 2, 3, [])])


class CpuSplitTest(unittest.TestCase):
    def test_a_missing_service_is_none_and_the_machine_less_the_parts_is_other(self):
        split = cpu_split.per_call((0, 0, 0, None, 0, 0), (40, 10, 20, None, 100, 125), 10, 100)
        self.assertEqual(split, {"primary": 40.0, "replica": 10.0, "client": 20.0,
                                 "service": None, "other": 30.0, "total": 100.0,
                                 "machine_busy_percent": 80.0})

    def test_parts_over_the_machine_leave_no_negative_other(self):
        split = cpu_split.per_call((0, 0, 0, 0, 0, 0), (60, 0, 0, 60, 100, 100), 1, 100)
        self.assertEqual(split["other"], 0.0)

    def test_no_snapshot_no_split_and_parse_takes_six_fields(self):
        self.assertIsNone(cpu_split.per_call(None, (1, 1, 1, 1, 1, 1), 1, 100))
        self.assertEqual(cpu_split.parse("1 2 3 - 5 6".split()), (1.0, 2.0, 3.0, None, 5.0, 6.0))
        self.assertIsNone(cpu_split.parse("1 2 3".split()))


class WalSplitTest(unittest.TestCase):
    def test_per_call_deltas_of_records_images_and_bytes(self):
        self.assertEqual(wal_split.per_call((100, 4, 1000), (400, 10, 91000), 60),
                         {"records": 5.0, "fpi": 0.1, "bytes": 1500.0})

    def test_a_snapshot_the_primary_did_not_answer_gives_none(self):
        self.assertIsNone(wal_split.parse("- - -".split()))
        self.assertIsNone(wal_split.parse("1 2".split()))
        self.assertEqual(wal_split.parse("1 2 3".split()), (1.0, 2.0, 3.0))
        self.assertIsNone(wal_split.per_call(None, (1, 2, 3), 1))


class CallgrindProfileTest(ReportTestCase):
    def write_dump(self, text):
        path = self.path("callgrind.out.1.1")
        with open(path, "w", encoding="utf-8") as dump:
            dump.write(text)
        return path

    def test_self_costs_by_part_skip_the_inclusive_cost_of_calls(self):
        total, parts, functions = callgrind_profile.profile(self.write_dump(CALLGRIND_DUMP),
                                                            "quest_server")
        self.assertEqual(total, 1000)
        self.assertEqual(parts["our code"], 320)  # 300 + 20, not the calls' 400 and 500
        self.assertEqual(parts["malloc/free"], 200)  # malloc and operator new
        self.assertEqual(parts["libc"], 50)
        self.assertEqual(parts["gRPC core"], 430)
        self.assertEqual(functions[0], ("grpc_call_start_batch", "gRPC core", 430))

    def test_a_replacement_allocator_is_all_malloc_free(self):
        dump = CALLGRIND_DUMP.replace(
            "ob=(4) /usr/lib/x86_64-linux-gnu/libstdc++.so.6.0.30\nfn=(5) operator new(unsigned long)",
            "ob=(4) /usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4.5.10\n"
            "fn=(5) tcmalloc::ThreadCache::FetchFromCentralCache(unsigned int, int, void* (*)(unsigned long))")
        _, parts, _ = callgrind_profile.profile(self.write_dump(dump), "quest_server")
        self.assertEqual(parts["malloc/free"], 200)  # libc's malloc and tcmalloc's internals
        self.assertEqual(parts["other"], 0)

    def test_an_allocator_in_an_object_callgrind_cannot_name_is_malloc_free(self):
        # tcmalloc's operator new shows as "???", as do its tcmalloc:: internals.
        dump = CALLGRIND_DUMP.replace(
            "ob=(4) /usr/lib/x86_64-linux-gnu/libstdc++.so.6.0.30\n"
            "fn=(5) operator new(unsigned long)\n1 100",
            "ob=(4) ???\nfn=(5) operator new[](unsigned long)\n1 60\n"
            "fn=(6) tcmalloc::CentralFreeList::RemoveRange(void**, void**, int)\n1 40")
        _, parts, _ = callgrind_profile.profile(self.write_dump(dump), "quest_server")
        self.assertEqual(parts["malloc/free"], 200)  # libc's malloc 100, new[] 60, tcmalloc 40
        self.assertEqual(parts["other"], 0)

    def test_a_dump_whose_costs_do_not_add_up_is_refused(self):
        path = self.write_dump(CALLGRIND_DUMP.replace("totals: 1000", "totals: 999"))
        with self.assertRaises(callgrind_profile.DumpError):
            callgrind_profile.profile(path, "quest_server")

    def test_record_per_call_through_the_command_line(self):
        path = self.write_dump(CALLGRIND_DUMP)
        completed = subprocess.run(
            [sys.executable, CALLGRIND_SCRIPT, f"--dump={path}", "--calls=4",
             "--program=quest_server", "--labels=binary=after,scenario=get_puzzle,failed=0"],
            capture_output=True, text=True, check=False)
        self.assertEqual(completed.returncode, 0, completed.stderr)
        record = json.loads(completed.stdout)
        self.assertEqual((record["per_call"], record["per_call_by_part"]["gRPC core"]),
                         (250, 108))
        self.write_results([MACHINE, *main_records(), record])
        results = report.parse_results(self.results_path)
        self.assertEqual(results.instructions[0]["binary"], "after")


class ErrorsTest(ReportTestCase):
    def assert_fails_with(self, message_part, *arguments):
        completed = self.run_script("--results", self.results_path, "--out", self.markdown_path,
                                    "--svg", self.svg_path, *arguments)
        self.assertNotEqual(completed.returncode, 0)
        self.assertEqual(len(completed.stderr.strip().splitlines()), 1, completed.stderr)
        self.assertIn(message_part, completed.stderr)
        self.assertFalse(os.path.exists(self.markdown_path))

    def test_missing_file(self):
        self.assert_fails_with("results file not found")

    def test_missing_machine_record(self):
        self.write_results(main_records())
        self.assert_fails_with("exactly one machine record")

    def test_missing_main_group(self):
        self.write_results([MACHINE, *scale_records()])
        self.assert_fails_with("group 'main'")

    def test_malformed_json_names_the_line(self):
        self.write_results([MACHINE])
        with open(self.results_path, "a", encoding="utf-8") as results_file:
            results_file.write("{not json\n")
        self.assert_fails_with("line 2: not valid JSON")

    def test_record_without_kind(self):
        record = load("main", "get_puzzle", 100, 1, 2)
        del record["kind"]
        self.write_results([MACHINE, record])
        self.assert_fails_with("line 2: record has no 'kind' field")

    def test_missing_latency_field(self):
        broken = load("main", "get_puzzle", 100, 1, 2)
        del broken["latency_ms"]["p99"]
        self.write_results([MACHINE, broken])
        self.assert_fails_with("missing field 'latency_ms.p99'")

    def test_success_through_the_command_line(self):
        self.write_results(full_records())
        completed = self.run_script("--results", self.results_path, "--out", self.markdown_path,
                                    "--svg", self.svg_path)
        self.assertEqual(completed.returncode, 0, completed.stderr)
        self.assertTrue(os.path.exists(self.markdown_path))
        self.assertTrue(os.path.exists(self.svg_path))


def write_junit_summary(result, path):
    """The counts Bazel and tests/run_all.sh read, when run under Bazel."""
    failures, errors = len(result.failures), len(result.errors)
    with open(path, "w", encoding="utf-8") as xml:
        xml.write('<?xml version="1.0" encoding="UTF-8"?>\n'
                  f'<testsuites tests="{result.testsRun}" failures="{failures}" '
                  f'errors="{errors}">\n'
                  f'  <testsuite name="report_test" tests="{result.testsRun}" '
                  f'failures="{failures}" errors="{errors}"/>\n</testsuites>\n')


if __name__ == "__main__":
    program = unittest.main(exit=False)
    if os.environ.get("XML_OUTPUT_FILE"):
        write_junit_summary(program.result, os.environ["XML_OUTPUT_FILE"])
    sys.exit(0 if program.result.wasSuccessful() else 1)
