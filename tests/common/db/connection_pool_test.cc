// ConnectionPool against the real PostgreSQL primary started by
// tests/run_all.sh. Each test names its pool uniquely, so the backends it
// opens can be counted in pg_stat_activity by application_name.
#include "common/db/connection_pool.h"

#include <atomic>
#include <chrono>
#include <set>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "pqxx/pqxx"
#include "tests/support/test_infra.h"

namespace qs::db {
namespace {

using qs::testing::CountBackends;
using qs::testing::TestInfra;

std::string UniqueName(const std::string& test) {
  return absl::StrCat("pool-test-", test, "-", qs::testing::UniqueSuffix());
}

PoolOptions OptionsFor(const std::string& name, int min, int max) {
  config::DbConfig db = TestInfra::Get().ServiceDbConfig("quest");
  PoolOptions options;
  options.name = name;
  options.conninfo = db.ConnectionString(db.host, db.port, name);
  options.min_connections = min;
  options.max_connections = max;
  options.maintenance_interval = absl::Milliseconds(100);
  return options;
}

// Polls until `predicate` holds or `timeout` passes; returns its last value.
template <typename Predicate>
bool Eventually(Predicate predicate, absl::Duration timeout) {
  absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (predicate()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return predicate();
}

int BackendPid(PooledConnection& lease) {
  pqxx::nontransaction tx(lease.connection());
  return tx.exec("SELECT pg_backend_pid()")[0][0].as<int>();
}

TEST(ConnectionPoolTest, KeepsMinConnectionsWarm) {
  const std::string name = UniqueName("min");
  ConnectionPool pool(OptionsFor(name, 3, 10));
  // A backend shows in pg_stat_activity a moment before its connection
  // joins the idle list: wait for both.
  EXPECT_TRUE(Eventually([&] { return CountBackends(name) == 3 && pool.Stats().idle == 3; },
                         absl::Seconds(5)));
  EXPECT_EQ(CountBackends(name), 3);
  EXPECT_EQ(pool.Stats().idle, 3);
  EXPECT_EQ(pool.Stats().in_use, 0);
}

TEST(ConnectionPoolTest, NeverExceedsMaxUnderManyConcurrentCallers) {
  const std::string name = UniqueName("cap");
  constexpr int kMax = 10;
  constexpr int kCallers = 120;
  PoolOptions options = OptionsFor(name, 2, kMax);
  options.acquire_timeout = absl::Seconds(30);
  ConnectionPool pool(options);

  std::atomic<bool> done{false};
  std::atomic<int> max_seen{0};
  std::thread monitor([&] {
    while (!done) {
      int now = CountBackends(name);
      int previous = max_seen.load();
      while (now > previous && !max_seen.compare_exchange_weak(previous, now)) {
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  });

  std::mutex lent_mutex;
  std::set<pqxx::connection*> lent;  // Connections currently held by a caller.
  std::atomic<int> shared_handouts{0};
  std::atomic<int> failures{0};
  std::vector<std::thread> callers;
  for (int i = 0; i < kCallers; ++i) {
    callers.emplace_back([&] {
      for (int round = 0; round < 3; ++round) {
        absl::StatusOr<PooledConnection> lease = pool.Acquire();
        if (!lease.ok()) {
          ++failures;
          continue;
        }
        pqxx::connection* raw = &lease->connection();
        {
          std::lock_guard<std::mutex> lock(lent_mutex);
          if (!lent.insert(raw).second) ++shared_handouts;
        }
        pqxx::nontransaction tx(*raw);
        tx.exec("SELECT pg_sleep(0.005)");
        {
          std::lock_guard<std::mutex> lock(lent_mutex);
          lent.erase(raw);
        }
      }
    });
  }
  for (std::thread& caller : callers) caller.join();
  done = true;
  monitor.join();

  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(shared_handouts.load(), 0);
  EXPECT_GT(max_seen.load(), 1) << "the load never opened a second connection";
  EXPECT_LE(max_seen.load(), kMax);
  EXPECT_LE(pool.Stats().total(), kMax);
}

TEST(ConnectionPoolTest, ClosesIdleConnectionsAboveMinAfterIdleTimeout) {
  const std::string name = UniqueName("idle");
  PoolOptions options = OptionsFor(name, 2, 8);
  options.idle_timeout = absl::Milliseconds(600);
  ConnectionPool pool(options);
  {
    std::vector<PooledConnection> held;
    for (int i = 0; i < 8; ++i) {
      absl::StatusOr<PooledConnection> lease = pool.Acquire();
      ASSERT_TRUE(lease.ok()) << lease.status();
      held.push_back(std::move(*lease));
    }
    EXPECT_EQ(CountBackends(name), 8);
  }
  EXPECT_EQ(pool.Stats().idle, 8);
  // Not before the idle timeout...
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(CountBackends(name), 8);
  // ...but soon after it, down to min.
  EXPECT_TRUE(Eventually([&] { return CountBackends(name) == 2; }, absl::Seconds(3)));
  EXPECT_EQ(pool.Stats().idle, 2);
}

TEST(ConnectionPoolTest, AcquireFailsAfterTimeoutWhenAllBusy) {
  const std::string name = UniqueName("timeout");
  PoolOptions options = OptionsFor(name, 0, 2);
  options.acquire_timeout = absl::Milliseconds(700);
  ConnectionPool pool(options);
  absl::StatusOr<PooledConnection> first = pool.Acquire();
  absl::StatusOr<PooledConnection> second = pool.Acquire();
  ASSERT_TRUE(first.ok() && second.ok());

  absl::Time start = absl::Now();
  absl::StatusOr<PooledConnection> third = pool.Acquire();
  absl::Duration waited = absl::Now() - start;
  ASSERT_FALSE(third.ok());
  EXPECT_EQ(third.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(third.status().message().find("exhausted"), std::string::npos) << third.status();
  EXPECT_GE(waited, absl::Milliseconds(650));
  EXPECT_LT(waited, absl::Milliseconds(2000));
}

TEST(ConnectionPoolTest, WaitingCallerGetsAConnectionAsSoonAsOneIsReturned) {
  const std::string name = UniqueName("handoff");
  PoolOptions options = OptionsFor(name, 0, 1);
  options.acquire_timeout = absl::Seconds(5);
  ConnectionPool pool(options);
  absl::StatusOr<PooledConnection> held = pool.Acquire();
  ASSERT_TRUE(held.ok());
  std::thread releaser([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    PooledConnection dropped = std::move(*held);
  });
  absl::Time start = absl::Now();
  absl::StatusOr<PooledConnection> next = pool.Acquire();
  releaser.join();
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
}

TEST(ConnectionPoolTest, UnreachableServerGivesUnavailableWithinConnectTimeout) {
  PoolOptions options;
  options.name = UniqueName("unreachable");
  config::DbConfig db = TestInfra::Get().ServiceDbConfig("quest");
  db.connect_timeout = absl::Seconds(2);
  options.conninfo =
      db.ConnectionString("127.0.0.1", qs::testing::FreeLoopbackPort(), options.name);
  options.min_connections = 0;
  options.max_connections = 2;
  options.acquire_timeout = absl::Seconds(2);
  ConnectionPool pool(options);
  absl::Time start = absl::Now();
  absl::StatusOr<PooledConnection> lease = pool.Acquire();
  ASSERT_FALSE(lease.ok());
  EXPECT_EQ(lease.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
  // The message helps the operator and never leaks the password.
  EXPECT_NE(lease.status().message().find(options.name), std::string::npos);
  EXPECT_EQ(lease.status().message().find(db.password), std::string::npos);
}

TEST(ConnectionPoolTest, ReplacesConnectionsKilledByPgTerminateBackend) {
  const std::string name = UniqueName("terminate");
  ConnectionPool pool(OptionsFor(name, 3, 5));
  ASSERT_TRUE(Eventually([&] { return CountBackends(name) == 3; }, absl::Seconds(5)));
  std::set<int> old_pids;
  {
    const TestInfra& infra = TestInfra::Get();
    pqxx::connection admin(infra.AdminConnectionString(infra.primary_port, "postgres"));
    pqxx::nontransaction tx(admin);
    pqxx::result killed = tx.exec_params(
        "SELECT pid, pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE application_name = $1",
        name);
    for (const pqxx::row& row : killed) old_pids.insert(row[0].as<int>());
  }
  ASSERT_EQ(old_pids.size(), 3u);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));

  // Every caller gets a working connection; none of them is a killed one.
  for (int i = 0; i < 10; ++i) {
    absl::StatusOr<PooledConnection> lease = pool.Acquire();
    ASSERT_TRUE(lease.ok()) << lease.status();
    int pid = 0;
    ASSERT_NO_THROW(pid = BackendPid(*lease));
    EXPECT_EQ(old_pids.count(pid), 0u);
  }
  EXPECT_TRUE(Eventually([&] { return CountBackends(name) == 3; }, absl::Seconds(5)));
}

TEST(ConnectionPoolTest, BrokenLeaseIsDiscardedNotReused) {
  const std::string name = UniqueName("broken");
  ConnectionPool pool(OptionsFor(name, 0, 2));
  pqxx::connection* first = nullptr;
  {
    absl::StatusOr<PooledConnection> lease = pool.Acquire();
    ASSERT_TRUE(lease.ok());
    first = &lease->connection();
    lease->MarkBroken();
  }
  EXPECT_EQ(pool.Stats().total(), 0);
  absl::StatusOr<PooledConnection> next = pool.Acquire();
  ASSERT_TRUE(next.ok());
  EXPECT_NO_THROW(BackendPid(*next));
  (void)first;
}

}  // namespace
}  // namespace qs::db
