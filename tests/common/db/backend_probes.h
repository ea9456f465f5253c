// Shared by the AsyncReadPool stall tests: what the replica shows of a pool
// while a table lock is replayed there (tests/support/replayed_table_lock.h).
#ifndef QS_TESTS_COMMON_DB_BACKEND_PROBES_H_
#define QS_TESTS_COMMON_DB_BACKEND_PROBES_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "pqxx/pqxx"
#include "tests/common/db/async_read_support.h"
#include "tests/support/test_infra.h"

namespace qs::db::testing {

// The most backends named `application_name` seen on the replica, sampled
// every 10 ms from construction to destruction.
class BackendHighWater {
 public:
  explicit BackendHighWater(std::string application_name)
      : thread_([this, name = std::move(application_name)] {
          while (!stop_) {
            const int now = CountBackendsOn(qs::testing::TestInfra::Get().replica_port, name);
            int seen = most_.load();
            while (now > seen && !most_.compare_exchange_weak(seen, now)) {
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
          }
        }) {}
  ~BackendHighWater() { Stop(); }
  int Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    return most_;
  }

 private:
  std::atomic<bool> stop_{false};
  std::atomic<int> most_{0};
  std::thread thread_;
};

// Backends of `application_name` on the replica waiting for a lock.
inline int WaitingForALock(const std::string& application_name) {
  const qs::testing::TestInfra& infra = qs::testing::TestInfra::Get();
  pqxx::connection replica(infra.AdminConnectionString(infra.replica_port, "postgres"));
  return pqxx::nontransaction(replica)
      .exec_params1(
          "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1"
          " AND wait_event_type = 'Lock'",
          application_name)[0]
      .as<int>();
}

}  // namespace qs::db::testing

#endif  // QS_TESTS_COMMON_DB_BACKEND_PROBES_H_
