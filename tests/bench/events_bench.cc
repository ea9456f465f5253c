#include "tests/bench/events_bench.h"

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "common/db/database.h"
#include "common/db/row_mapping.h"
#include "common/events/consumer.h"
#include "common/events/event_handlers.h"
#include "common/events/outbox.h"
#include "common/events/relay.h"
#include "proto/quest/v1/events.pb.h"
#include "tests/bench/latency_sample.h"

namespace qs::bench {
namespace {

constexpr int kWriters = 8;

// Events spread over this many aggregates (as a service's events spread over
// its users, pairs or matches). Per-aggregate order makes a relay hold back
// a row whose aggregate has an older row in another relay's round; with very
// few aggregates (tens), two relays mostly hold each other back.
constexpr int kAggregates = 10'000;

std::string AggregateOf(int64_t n) {
  return absl::StrFormat("00000000-0000-4000-8000-%012d", n % kAggregates);
}

std::string ListenConninfo(const config::DbConfig& db) {
  return db.ConnectionString(db.host, db.port, "events-bench-listen");
}

::quest::v1::PuzzleSolved SomeSolve(int64_t n) {
  ::quest::v1::PuzzleSolved solved;
  solved.set_user_id("00000000-0000-4000-8000-000000000001");
  solved.set_puzzle_id("00000000-0000-4000-8000-000000000002");
  solved.set_attempt_id("00000000-0000-4000-8000-000000000003");
  solved.set_score(n);
  return solved;
}

// One event in one transaction, as a service's write appends it; its id.
absl::StatusOr<std::string> WriteEvent(db::Database& database, int64_t n) {
  std::string id;
  absl::Status written = database.Write([&](db::WriteTx& tx) -> absl::Status {
    id = events::AppendEvent(tx, "quest", AggregateOf(n), SomeSolve(n)).id();
    return absl::OkStatus();
  });
  if (!written.ok()) return written;
  return id;
}

// `events` events in transactions of 1,000; their ids.
absl::StatusOr<std::vector<std::string>> WriteBacklog(db::Database& database, int events) {
  std::vector<std::string> ids;
  ids.reserve(events);
  for (int start = 0; start < events; start += 1000) {
    absl::Status written = database.Write([&](db::WriteTx& tx) -> absl::Status {
      for (int n = start; n < std::min(events, start + 1000); ++n) {
        ids.push_back(events::AppendEvent(tx, "quest", AggregateOf(n), SomeSolve(n)).id());
      }
      return absl::OkStatus();
    });
    if (!written.ok()) return written;
  }
  return ids;
}

absl::StatusOr<int64_t> OutboxDepth(db::Database& database) {
  return database.ReadFromPrimary([](db::ReadTx& tx) -> absl::StatusOr<int64_t> {
    return tx.Query("SELECT count(*) FROM outbox_events WHERE published_at IS NULL")[0][0]
        .as<int64_t>();
  });
}

absl::StatusOr<int64_t> ProcessedCount(db::Database& database,
                                       const std::vector<std::string>& ids) {
  const std::string literal = db::ArrayLiteral(ids);
  return database.ReadFromPrimary([&](db::ReadTx& tx) -> absl::StatusOr<int64_t> {
    return tx
        .Query("SELECT count(*) FROM processed_events WHERE id = ANY($1::uuid[])", literal)[0][0]
        .as<int64_t>();
  });
}

// Polls `done` every 5 ms until it says true or `timeout` passes; the time
// it took, or DEADLINE_EXCEEDED.
absl::StatusOr<absl::Duration> TimeUntil(const std::function<absl::StatusOr<bool>()>& done,
                                         absl::Duration timeout, const std::string& what) {
  const absl::Time start = absl::Now();
  while (absl::Now() - start < timeout) {
    absl::StatusOr<bool> finished = done();
    if (!finished.ok()) return finished.status();
    if (*finished) return absl::Now() - start;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return absl::DeadlineExceededError(
      absl::StrFormat("%s: not within %s", what, absl::FormatDuration(timeout)));
}

// The consuming side: notification's consumer of quest's stream, with a
// handler that does nothing (the cost measured is the stream's).
struct Sink {
  explicit Sink(const EventsBenchSetup& setup) : database(setup.consumer, "events-bench-consumer") {
    handlers.On<::quest::v1::PuzzleSolved>(
        "quest", [](db::WriteTx&, const ::events::v1::EventEnvelope&,
                    const ::quest::v1::PuzzleSolved&) { return absl::OkStatus(); });
    consumers = std::make_unique<events::EventConsumers>("notification", setup.settings, database,
                                                         handlers);
  }
  db::Database database;
  events::EventHandlers handlers;
  std::unique_ptr<events::EventConsumers> consumers;
};

double Ms(absl::Duration d) { return absl::ToDoubleMilliseconds(d); }

}  // namespace

absl::StatusOr<std::string> MeasureLatency(const EventsBenchSetup& setup, int rate,
                                           absl::Duration duration) {
  db::Database source(setup.source, "events-bench-source");
  events::OutboxRelay relay("quest", setup.settings, source, ListenConninfo(setup.source));
  Sink sink(setup);
  relay.Start();
  sink.consumers->Start();

  // Warm-up: connections, stream and consumer exist, first fetch done.
  std::vector<std::string> warm;
  for (int n = 0; n < 20; ++n) {
    absl::StatusOr<std::string> id = WriteEvent(source, n);
    if (!id.ok()) return id.status();
    warm.push_back(*id);
  }
  absl::StatusOr<absl::Duration> warmed = TimeUntil(
      [&]() -> absl::StatusOr<bool> {
        absl::StatusOr<int64_t> done = ProcessedCount(sink.database, warm);
        if (!done.ok()) return done.status();
        return *done == static_cast<int64_t>(warm.size());
      },
      absl::Seconds(30), "warm-up events applied");
  if (!warmed.ok()) return warmed.status();

  // Open loop: event n is due at start + n / rate, whoever writes it.
  const int64_t total = static_cast<int64_t>(rate * absl::ToDoubleSeconds(duration));
  std::atomic<int64_t> next{0};
  std::atomic<int64_t> failed{0};
  std::mutex mutex;
  std::map<std::string, absl::Time> committed;  // event id → commit returned
  const absl::Time start = absl::Now() + absl::Milliseconds(50);
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&] {
      for (int64_t n = next++; n < total; n = next++) {
        absl::SleepFor(start + absl::Seconds(static_cast<double>(n) / rate) - absl::Now());
        absl::StatusOr<std::string> id = WriteEvent(source, n);
        const absl::Time now = absl::Now();
        if (!id.ok()) {
          ++failed;
          continue;
        }
        std::lock_guard<std::mutex> lock(mutex);
        committed[*id] = now;
      }
    });
  }
  for (std::thread& writer : writers) writer.join();
  const absl::Duration wrote_in = absl::Now() - start;

  std::vector<std::string> ids;
  for (const auto& [id, at] : committed) ids.push_back(id);
  absl::StatusOr<absl::Duration> applied = TimeUntil(
      [&]() -> absl::StatusOr<bool> {
        absl::StatusOr<int64_t> done = ProcessedCount(sink.database, ids);
        if (!done.ok()) return done.status();
        return *done == static_cast<int64_t>(ids.size());
      },
      absl::Seconds(60), "every event applied");
  if (!applied.ok()) return applied.status();

  // The consumer's commit time, from PostgreSQL (track_commit_timestamp).
  const std::string literal = db::ArrayLiteral(ids);
  absl::StatusOr<pqxx::result> rows =
      sink.database.ReadFromPrimary([&](db::ReadTx& tx) -> absl::StatusOr<pqxx::result> {
        return tx.Query(
            "SELECT id::text, (extract(epoch FROM pg_xact_commit_timestamp(xmin)) * 1e6)::bigint "
            "FROM processed_events WHERE id = ANY($1::uuid[])",
            literal);
      });
  if (!rows.ok()) return rows.status();
  LatencySample latency;
  for (const pqxx::row& row : *rows) {
    if (row[1].is_null()) {
      return absl::FailedPreconditionError(
          "no commit timestamp: the bench needs track_commit_timestamp = on");
    }
    latency.Record(absl::FromUnixMicros(row[1].as<int64_t>()) - committed[row[0].c_str()]);
  }
  sink.consumers->Stop();
  relay.Stop();
  return absl::StrFormat(
      R"({"kind": "events_latency", "rate": %d, "duration_s": %.1f, "events": %d, )"
      R"("failed_writes": %d, "achieved_rate": %.1f, "p50_ms": %.2f, "p90_ms": %.2f, )"
      R"("p99_ms": %.2f, "max_ms": %.2f})",
      rate, absl::ToDoubleSeconds(duration), latency.count(), failed.load(),
      ids.size() / absl::ToDoubleSeconds(wrote_in), Ms(latency.Percentile(0.5)),
      Ms(latency.Percentile(0.9)), Ms(latency.Percentile(0.99)), Ms(latency.Max()));
}

absl::StatusOr<std::string> MeasureRelayThroughput(const EventsBenchSetup& setup, int events,
                                                   int relays) {
  db::Database source(setup.source, "events-bench-source");
  absl::StatusOr<std::vector<std::string>> backlog = WriteBacklog(source, events);
  if (!backlog.ok()) return backlog.status();
  std::vector<std::unique_ptr<events::OutboxRelay>> running;
  for (int r = 0; r < relays; ++r) {
    running.push_back(std::make_unique<events::OutboxRelay>("quest", setup.settings, source,
                                                            ListenConninfo(setup.source)));
  }
  for (auto& relay : running) relay->Start();
  absl::StatusOr<absl::Duration> drained = TimeUntil(
      [&]() -> absl::StatusOr<bool> {
        absl::StatusOr<int64_t> depth = OutboxDepth(source);
        if (!depth.ok()) return depth.status();
        return *depth == 0;
      },
      absl::Minutes(5), "outbox published");
  for (auto& relay : running) relay->Stop();
  if (!drained.ok()) return drained.status();
  return absl::StrFormat(R"({"kind": "events_relay", "relays": %d, "events": %d, "seconds": %.2f, )"
                         R"("events_per_second": %.0f})",
                         relays, events, absl::ToDoubleSeconds(*drained),
                         events / absl::ToDoubleSeconds(*drained));
}

absl::StatusOr<std::string> MeasureDrain(const EventsBenchSetup& setup, int events,
                                         const std::string& stop_nats,
                                         const std::string& start_nats) {
  db::Database source(setup.source, "events-bench-source");
  events::OutboxRelay relay("quest", setup.settings, source, ListenConninfo(setup.source));
  Sink sink(setup);
  relay.Start();
  sink.consumers->Start();
  // Both ends set up (stream, durable) before the outage.
  absl::StatusOr<std::string> first = WriteEvent(source, 0);
  if (!first.ok()) return first.status();
  absl::StatusOr<absl::Duration> ready = TimeUntil(
      [&]() -> absl::StatusOr<bool> {
        absl::StatusOr<int64_t> done = ProcessedCount(sink.database, {*first});
        if (!done.ok()) return done.status();
        return *done == 1;
      },
      absl::Seconds(30), "first event applied");
  if (!ready.ok()) return ready.status();

  if (std::system(stop_nats.c_str()) != 0) return absl::InternalError("stop-nats failed");
  const absl::Time outage_start = absl::Now();
  absl::StatusOr<std::vector<std::string>> backlog = WriteBacklog(source, events);
  if (!backlog.ok()) return backlog.status();
  const absl::Duration written_in = absl::Now() - outage_start;
  const bool degraded = relay.Degraded().has_value();
  if (std::system(start_nats.c_str()) != 0) return absl::InternalError("start-nats failed");
  const absl::Time back = absl::Now();

  absl::StatusOr<absl::Duration> published = TimeUntil(
      [&]() -> absl::StatusOr<bool> {
        absl::StatusOr<int64_t> depth = OutboxDepth(source);
        if (!depth.ok()) return depth.status();
        return *depth == 0;
      },
      absl::Minutes(5), "backlog published");
  if (!published.ok()) return published.status();
  absl::StatusOr<absl::Duration> applied = TimeUntil(
      [&]() -> absl::StatusOr<bool> {
        absl::StatusOr<int64_t> done = ProcessedCount(sink.database, *backlog);
        if (!done.ok()) return done.status();
        return *done == events;
      },
      absl::Minutes(10), "backlog applied");
  if (!applied.ok()) return applied.status();
  const absl::Duration applied_after = absl::Now() - back;
  sink.consumers->Stop();
  relay.Stop();
  return absl::StrFormat(
      R"({"kind": "events_drain", "events": %d, "written_during_outage_s": %.1f, )"
      R"("degraded_during_outage": %s, "published_s": %.2f, "published_per_second": %.0f, )"
      R"("applied_s": %.2f, "applied_per_second": %.0f})",
      events, absl::ToDoubleSeconds(written_in), degraded ? "true" : "false",
      absl::ToDoubleSeconds(*published), events / absl::ToDoubleSeconds(*published),
      absl::ToDoubleSeconds(applied_after), events / absl::ToDoubleSeconds(applied_after));
}

}  // namespace qs::bench
