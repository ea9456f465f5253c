// Micro-benchmark of the read paths, in one process, against the real
// replica of deploy/infra.sh (the same environment as the tests):
//
//   source .state/<name>/infra.env && bazel-bin/tests/common/db/async_read_pool_bench \
//       [--connections=4] [--seconds=5] [--rows=10000]
//
// The same point read (a row by uuid primary key) over the same number of
// connections, closed loop:
// - blocking: Database::Read from 20 threads (the read pool capped at N);
// - async Query at 20 and 100 in flight (each answer sends the next);
// - the same statement registered kPerCall (text sent, parsed and planned
//   on every call) at 20 and 100 in flight: what per-call planning costs;
// - coalesced Lookup at 20 and 100 in flight.
// Prints calls/s, p50/p99 latency, and µs of this process's CPU per call
// (getrusage, user + system, every thread: callers included).
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "common/db/async_read_pool.h"
#include "common/db/database.h"
#include "spdlog/spdlog.h"
#include "tests/common/db/async_read_support.h"

namespace qs::db {
namespace {

using qs::db::testing::ReadTable;

struct Settings {
  int connections = 4;
  absl::Duration phase = absl::Seconds(5);
  int rows = 10000;
};

absl::Duration CpuTime() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto of = [](const timeval& t) {
    return absl::Seconds(t.tv_sec) + absl::Microseconds(t.tv_usec);
  };
  return of(usage.ru_utime) + of(usage.ru_stime);
}

// Latencies of one phase; thread-safe.
class Recorder {
 public:
  void Add(absl::Duration latency, bool ok) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (ok) {
      latencies_.push_back(absl::ToDoubleMicroseconds(latency));
    } else {
      ++errors_;
    }
  }
  void Print(const std::string& mode, int in_flight, absl::Duration wall, absl::Duration cpu) {
    std::lock_guard<std::mutex> lock(mutex_);
    std::sort(latencies_.begin(), latencies_.end());
    const size_t n = latencies_.size();
    auto percentile = [&](double p) {
      return n == 0 ? 0.0 : latencies_[std::min(n - 1, static_cast<size_t>(p * n))];
    };
    std::printf("| %-18s | %4d | %9.0f | %8.0f | %8.0f | %8.1f | %6zu |\n", mode.c_str(), in_flight,
                n / absl::ToDoubleSeconds(wall), percentile(0.5), percentile(0.99),
                n == 0 ? 0.0 : absl::ToDoubleMicroseconds(cpu) / n, errors_);
    std::fflush(stdout);
  }

 private:
  std::mutex mutex_;
  std::vector<double> latencies_;
  size_t errors_ = 0;
};

void Blocking(Database& db, const std::vector<std::string>& ids, const Settings& settings) {
  constexpr int kThreads = 20;
  Recorder recorder;
  std::atomic<bool> stop{false};
  const absl::Duration cpu_start = CpuTime();
  const absl::Time start = absl::Now();
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (size_t i = t; !stop; i += kThreads) {
        const std::string& id = ids[(i * 7919) % ids.size()];
        const absl::Time sent = absl::Now();
        absl::StatusOr<int> score = db.Read([&](ReadTx& tx) -> absl::StatusOr<int> {
          pqxx::result rows = tx.QueryPrepared("by_id", id);
          return rows[0]["score"].as<int>();
        });
        recorder.Add(absl::Now() - sent, score.ok());
      }
    });
  }
  std::this_thread::sleep_for(absl::ToChronoNanoseconds(settings.phase));
  stop = true;
  for (std::thread& thread : threads) thread.join();
  recorder.Print("blocking Read", kThreads, absl::Now() - start, CpuTime() - cpu_start);
}

// `in_flight` chains; each answer sends the chain's next call from the
// loop thread, until the phase ends.
template <typename Send>
void ClosedLoop(const std::string& mode, int in_flight, const Settings& settings, Send send) {
  Recorder recorder;
  std::atomic<bool> stop{false};
  std::atomic<int> running{in_flight};
  absl::Notification all_done;
  const absl::Duration cpu_start = CpuTime();
  const absl::Time start = absl::Now();
  struct Chain {
    size_t next;
  };
  std::vector<Chain> chains(in_flight);
  std::function<void(int)> step = [&](int chain) {
    const size_t i = chains[chain].next;
    chains[chain].next += in_flight;
    const absl::Time sent = absl::Now();
    send(i, [&, chain, sent](bool ok) {
      recorder.Add(absl::Now() - sent, ok);
      if (stop) {
        if (--running == 0) all_done.Notify();
        return;
      }
      step(chain);
    });
  };
  for (int c = 0; c < in_flight; ++c) {
    chains[c].next = c;
    step(c);
  }
  std::this_thread::sleep_for(absl::ToChronoNanoseconds(settings.phase));
  stop = true;
  all_done.WaitForNotification();
  recorder.Print(mode, in_flight, absl::Now() - start, CpuTime() - cpu_start);
}

int Main(int argc, char** argv) {
  Settings settings;
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    int value = 0;
    if (absl::ConsumePrefix(&arg, "--connections=") && absl::SimpleAtoi(arg, &value)) {
      settings.connections = value;
    } else if (absl::ConsumePrefix(&arg, "--seconds=") && absl::SimpleAtoi(arg, &value)) {
      settings.phase = absl::Seconds(value);
    } else if (absl::ConsumePrefix(&arg, "--rows=") && absl::SimpleAtoi(arg, &value)) {
      settings.rows = value;
    } else {
      std::fprintf(stderr, "usage: %s [--connections=N] [--seconds=S] [--rows=R]\n", argv[0]);
      return 2;
    }
  }
  spdlog::set_level(spdlog::level::warn);
  ReadTable table(settings.rows);
  const std::vector<std::string> ids = table.Ids();
  const std::string columns = "id, name, score, note, created_at";
  std::vector<PreparedStatement> statements = {
      {"by_id", "SELECT " + columns + " FROM " + table.name() + " WHERE id = $1"},
      {"by_ids", "SELECT " + columns + " FROM " + table.name() + " WHERE id = ANY($1::uuid[])"},
      {"by_id_per_call", "SELECT " + columns + " FROM " + table.name() + " WHERE id = $1",
       Planning::kPerCall},
  };
  config::DbConfig config = qs::testing::TestInfra::Get().ServiceDbConfig("quest");
  config.min_connections = settings.connections;
  config.max_connections = settings.connections;
  Database db(config, "async-bench", statements);

  AsyncReadPoolOptions options;
  options.name = "async-bench-read-async";
  options.conninfo = config.ConnectionString(config.read_host, config.read_port, options.name);
  options.prepared = statements;
  options.connections = settings.connections;
  AsyncReadPool pool(options);
  const CoalescedLookup by_ids{"by_ids", "id", LookupKeyForm::kUuid};

  // Warm both paths (connections, plans, caches).
  for (int i = 0; i < 200; ++i) {
    (void)db.Read([&](ReadTx& tx) -> absl::Status {
      tx.QueryPrepared("by_id", ids[i % ids.size()]);
      return absl::OkStatus();
    });
    (void)qs::db::testing::QueryAndWait(pool, "by_id", {ids[i % ids.size()]});
  }

  std::printf("%d connections to the replica, %d rows, %s per phase, same process\n\n",
              settings.connections, settings.rows, absl::FormatDuration(settings.phase).c_str());
  std::printf(
      "| mode               | in flight | calls/s | p50 µs | p99 µs | CPU µs/call | errors |\n");
  std::printf(
      "|--------------------|------:|----------:|---------:|---------:|---------:|-------:|\n");
  Blocking(db, ids, settings);
  for (int in_flight : {20, 100}) {
    ClosedLoop("async Query", in_flight, settings, [&](size_t i, auto done) {
      pool.Query(
          "by_id", {ids[(i * 7919) % ids.size()]}, absl::Now() + absl::Seconds(10),
          [done](absl::StatusOr<pqxx::result> rows) { done(rows.ok() && rows->size() == 1); });
    });
  }
  for (int in_flight : {20, 100}) {
    ClosedLoop("async per-call", in_flight, settings, [&](size_t i, auto done) {
      pool.Query(
          "by_id_per_call", {ids[(i * 7919) % ids.size()]}, absl::Now() + absl::Seconds(10),
          [done](absl::StatusOr<pqxx::result> rows) { done(rows.ok() && rows->size() == 1); });
    });
  }
  for (int in_flight : {20, 100}) {
    ClosedLoop("coalesced Lookup", in_flight, settings, [&](size_t i, auto done) {
      pool.Lookup(by_ids, ids[(i * 7919) % ids.size()], absl::Now() + absl::Seconds(10),
                  [done](absl::StatusOr<std::optional<pqxx::row>> row) {
                    done(row.ok() && row->has_value());
                  });
    });
  }
  AsyncReadStats stats = pool.Stats();
  std::printf("\nlookups %llu went out as %llu statements (%.1f keys each)\n",
              static_cast<unsigned long long>(stats.lookups),
              static_cast<unsigned long long>(stats.lookup_batches),
              stats.lookup_batches == 0 ? 0.0
                                        : static_cast<double>(stats.lookup_keys_sent) /
                                              static_cast<double>(stats.lookup_batches));
  return 0;
}

}  // namespace
}  // namespace qs::db

int main(int argc, char** argv) { return qs::db::Main(argc, argv); }
