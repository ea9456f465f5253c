// What read-your-writes costs, in one process, against the real primary and
// replica of deploy/infra.sh (the same environment as the tests):
//
//   source .state/<name>/infra.env && bazel-bin/tests/common/db/freshness_bench [--writes=2000]
//
// Per write (one INSERT of one row in its own transaction, one connection,
// closed loop; the variants interleaved in rounds of 100 so that drift in
// the machine's load hits them alike):
// - work:            pqxx::work — BEGIN, INSERT, COMMIT (WriteTx before x-db-lsn);
// - work+select:     the same, then SELECT pg_current_wal_insert_lsn() (one
//                    more round trip);
// - commit;select:   BEGIN, INSERT, "COMMIT; SELECT pg_current_wal_insert_lsn()"
//                    as one simple query (what WriteTx does during a call);
// - Database::Write outside a call (plain COMMIT) and inside one (commit LSN
//   asked for and recorded), the real code path.
// Prints the median and mean µs per write of each.
//
// Per read: ReadFreshness::ReplicaMayServe in a loop of 10M, outside a call,
// in a call without x-min-lsn, and in one whose x-min-lsn is replayed (no
// wait); ns per check.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "common/base/call_context.h"
#include "common/db/database.h"
#include "common/db/read_freshness.h"
#include "pqxx/pqxx"
#include "spdlog/spdlog.h"
#include "tests/support/test_infra.h"

namespace qs::db {
namespace {

constexpr char kTable[] = "freshness_bench_writes";

double Micros(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double, std::micro>(d).count();
}

struct Series {
  std::vector<double> micros;
  void Print(const char* name) {
    std::sort(micros.begin(), micros.end());
    double sum = 0;
    for (double m : micros) sum += m;
    std::printf("  %-34s median %7.1f us   mean %7.1f us   (%zu writes)\n", name,
                micros[micros.size() / 2], sum / static_cast<double>(micros.size()), micros.size());
  }
};

int Run(int writes) {
  spdlog::set_level(spdlog::level::warn);
  const testing::TestInfra& infra = testing::TestInfra::Get();
  const config::DbConfig config = infra.ServiceDbConfig("quest");
  // The service role may not create tables (least privilege): the admin does.
  pqxx::connection admin(infra.AdminConnectionString(infra.primary_port, "quest_db"));
  pqxx::nontransaction(admin).exec(std::string("CREATE TABLE IF NOT EXISTS ") + kTable +
                                   " (n bigint); GRANT INSERT ON " + kTable + " TO " + config.user);
  pqxx::connection raw(config.ConnectionString(config.host, config.port, "freshness-bench"));
  Database database(config, "freshness-bench");

  std::map<std::string, Series> series;
  const std::vector<std::pair<std::string, std::function<void()>>> variants = {
      {"work",
       [&] {
         pqxx::work tx(raw);
         tx.exec_params(std::string("INSERT INTO ") + kTable + " VALUES ($1)", 1);
         tx.commit();
       }},
      {"work+select",
       [&] {
         {
           pqxx::work tx(raw);
           tx.exec_params(std::string("INSERT INTO ") + kTable + " VALUES ($1)", 1);
           tx.commit();
         }
         pqxx::nontransaction(raw).exec("SELECT pg_current_wal_insert_lsn()");
       }},
      {"commit;select",
       [&] {
         pqxx::nontransaction tx(raw);
         tx.exec("BEGIN");
         tx.exec_params(std::string("INSERT INTO ") + kTable + " VALUES ($1)", 1);
         tx.exec("COMMIT; SELECT pg_current_wal_insert_lsn()");
       }},
      {"Database::Write, no call",
       [&] {
         absl::Status s = database.Write([](WriteTx& tx) -> absl::Status {
           tx.Query(std::string("INSERT INTO ") + kTable + " VALUES ($1)", 1);
           return absl::OkStatus();
         });
         if (!s.ok()) std::fprintf(stderr, "write failed: %s\n", s.ToString().c_str());
       }},
      {"Database::Write, in a call",
       [&] {
         base::CallContext call;
         const base::ScopedCall current(&call);
         absl::Status s = database.Write([](WriteTx& tx) -> absl::Status {
           tx.Query(std::string("INSERT INTO ") + kTable + " VALUES ($1)", 1);
           return absl::OkStatus();
         });
         if (!s.ok() || call.commit_lsn == 0) {
           std::fprintf(stderr, "write failed or no commit LSN: %s\n", s.ToString().c_str());
         }
       }},
  };
  for (const auto& [name, write] : variants) write();  // Warm: connections, plans.
  for (int done = 0; done < writes; done += 100) {
    for (const auto& [name, write] : variants) {
      for (int i = 0; i < 100; ++i) {
        const auto start = std::chrono::steady_clock::now();
        write();
        series[name].micros.push_back(Micros(std::chrono::steady_clock::now() - start));
      }
    }
  }
  pqxx::nontransaction(admin).exec(std::string("DROP TABLE ") + kTable);
  std::printf("per write (one INSERT per transaction, one connection):\n");
  for (const auto& [name, write] : variants) series[name].Print(name.c_str());

  ReadFreshness freshness(config, "freshness-bench");
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  while (!freshness.ReplicaMayServe(ReadFreshness::Wait::kNoWait) && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  constexpr int kChecks = 10'000'000;
  auto time_checks = [&](const char* name) {
    int served = 0;
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < kChecks; ++i) {
      served += freshness.ReplicaMayServe(ReadFreshness::Wait::kNoWait) ? 1 : 0;
    }
    const double ns = Micros(std::chrono::steady_clock::now() - start) * 1000 / kChecks;
    std::printf("  %-34s %6.1f ns per check (%d of %d on the replica)\n", name, ns, served,
                kChecks);
  };
  std::printf("per read (ReadFreshness::ReplicaMayServe, kNoWait):\n");
  time_checks("outside a call");
  {
    base::CallContext call;
    const base::ScopedCall current(&call);
    time_checks("call without x-min-lsn");
    call.min_lsn = freshness.Position().replay_lsn;
    time_checks("call with a replayed x-min-lsn");
  }
  return 0;
}

}  // namespace
}  // namespace qs::db

int main(int argc, char** argv) {
  int writes = 2000;
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (absl::ConsumePrefix(&arg, "--writes=") && absl::SimpleAtoi(arg, &writes) && writes > 0) {
      continue;
    }
    std::fprintf(stderr, "usage: %s [--writes=N]\n", argv[0]);
    return 2;
  }
  return qs::db::Run(writes);
}
