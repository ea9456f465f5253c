// Shared by the AsyncReadPool tests and benchmark: a table of known rows on
// the real primary (visible on the replica before it returns), calls that
// wait for their callback, and backend counts on either node.
#ifndef QS_TESTS_COMMON_DB_ASYNC_READ_SUPPORT_H_
#define QS_TESTS_COMMON_DB_ASYNC_READ_SUPPORT_H_

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/db/async_read_pool.h"
#include "common/db/database.h"
#include "pqxx/pqxx"
#include "tests/support/test_infra.h"

namespace qs::db::testing {

// `rows` rows (id uuid, name 'row-<i>', score i, note NULL for odd i) in a
// table of its own, dropped on destruction.
class ReadTable {
 public:
  explicit ReadTable(int rows)
      : name_("async_read_" + qs::testing::UniqueSuffix()),
        db_(qs::testing::TestInfra::Get().OwnerDbConfig("quest"), "async-read-setup") {
    absl::Status created = db_.Write([&](WriteTx& tx) -> absl::Status {
      tx.Query("CREATE TABLE " + name_ +
               " (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), name text NOT NULL,"
               " score int NOT NULL, note text, created_at timestamptz NOT NULL DEFAULT now())");
      tx.Query("INSERT INTO " + name_ +
                   " (name, score, note) SELECT 'row-' || i, i,"
                   " CASE WHEN i % 2 = 0 THEN 'even ' || i END FROM generate_series(1, $1) i",
               rows);
      return absl::OkStatus();
    });
    if (!created.ok()) throw std::runtime_error(std::string(created.message()));
    // The replica serves the reads: wait until it has replayed the rows.
    const absl::Time deadline = absl::Now() + absl::Seconds(20);
    while (true) {
      absl::StatusOr<int64_t> seen = db_.Read([&](ReadTx& tx) -> absl::StatusOr<int64_t> {
        return tx.Query("SELECT count(*) FROM " + name_)[0][0].as<int64_t>();
      });
      if (seen.ok() && *seen == rows) break;
      if (absl::Now() > deadline) throw std::runtime_error("replica never saw " + name_);
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  ~ReadTable() {
    (void)db_.Write([&](WriteTx& tx) -> absl::Status {
      tx.Query("DROP TABLE IF EXISTS " + name_);
      return absl::OkStatus();
    });
  }

  const std::string& name() const { return name_; }
  Database& db() { return db_; }

  // Every id, ordered by score.
  std::vector<std::string> Ids() {
    absl::StatusOr<std::vector<std::string>> ids =
        db_.Read([&](ReadTx& tx) -> absl::StatusOr<std::vector<std::string>> {
          std::vector<std::string> out;
          for (const pqxx::row& row : tx.Query("SELECT id FROM " + name_ + " ORDER BY score")) {
            out.push_back(row[0].c_str());
          }
          return out;
        });
    return ids.ok() ? *ids : std::vector<std::string>{};
  }

 private:
  std::string name_;
  Database db_;
};

// The answer to one call, waited for.
template <typename T>
class Answer {
 public:
  std::function<void(absl::StatusOr<T>)> Callback() {
    return [this](absl::StatusOr<T> value) {
      std::lock_guard<std::mutex> lock(mutex_);
      ++times_;
      value_ = std::move(value);
      answered_at_ = absl::Now();
      ready_.notify_all();
    };
  }
  // Waits up to `timeout`; nullopt if no answer came.
  std::optional<absl::StatusOr<T>> Wait(absl::Duration timeout = absl::Seconds(30)) {
    std::unique_lock<std::mutex> lock(mutex_);
    ready_.wait_for(lock, absl::ToChronoNanoseconds(timeout), [&] { return times_ > 0; });
    return value_;
  }
  int times() {
    std::lock_guard<std::mutex> lock(mutex_);
    return times_;
  }
  absl::Time answered_at() {
    std::lock_guard<std::mutex> lock(mutex_);
    return answered_at_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable ready_;
  int times_ = 0;
  std::optional<absl::StatusOr<T>> value_;
  absl::Time answered_at_;
};

inline absl::StatusOr<pqxx::result> QueryAndWait(AsyncReadPool& pool, const std::string& statement,
                                                 std::vector<std::optional<std::string>> params,
                                                 absl::Duration timeout = absl::Seconds(10)) {
  Answer<pqxx::result> answer;
  pool.Query(statement, std::move(params), absl::Now() + timeout, answer.Callback());
  std::optional<absl::StatusOr<pqxx::result>> value = answer.Wait(timeout + absl::Seconds(5));
  if (!value.has_value()) return absl::InternalError("no answer");
  return *value;
}

// Options for a pool on the replica (or, with `on_primary`, the primary)
// named uniquely, so its backends can be counted by application_name.
inline AsyncReadPoolOptions PoolOptions(const std::string& test,
                                        std::vector<PreparedStatement> prepared,
                                        bool on_primary = false) {
  config::DbConfig db = qs::testing::TestInfra::Get().ServiceDbConfig("quest");
  AsyncReadPoolOptions options;
  options.name = absl::StrCat("async-test-", test, "-", qs::testing::UniqueSuffix());
  options.conninfo = on_primary ? db.ConnectionString(db.host, db.port, options.name)
                                : db.ConnectionString(db.read_host, db.read_port, options.name);
  options.prepared = std::move(prepared);
  options.connect_timeout = absl::Seconds(5);
  return options;
}

// Backends named `application_name` on the node at `port`.
inline int CountBackendsOn(int port, const std::string& application_name) {
  const qs::testing::TestInfra& infra = qs::testing::TestInfra::Get();
  pqxx::connection admin(infra.AdminConnectionString(port, "postgres"));
  pqxx::nontransaction tx(admin);
  return tx
      .exec_params1("SELECT count(*) FROM pg_stat_activity WHERE application_name = $1",
                    application_name)[0]
      .as<int>();
}

// Terminates the backends named `application_name` on the node at `port`;
// returns how many.
inline int TerminateBackendsOn(int port, const std::string& application_name) {
  const qs::testing::TestInfra& infra = qs::testing::TestInfra::Get();
  pqxx::connection admin(infra.AdminConnectionString(port, "postgres"));
  pqxx::nontransaction tx(admin);
  // MATERIALIZED: the filter must run before the terminations, never the
  // planner's choice of order (which could end every backend of the node).
  return tx
      .exec_params1(
          "WITH targets AS MATERIALIZED ("
          "  SELECT pid FROM pg_stat_activity"
          "  WHERE application_name = $1 AND pid <> pg_backend_pid()) "
          "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid, 5000)) FROM targets",
          application_name)[0]
      .as<int>();
}

// A loopback TCP port that accepts each connection and closes it at once,
// counting them: a "database" that fails every connect fast, after the TCP
// connect succeeded (so inside a later PQconnectPoll, not PQconnectStart).
class ClosingListener {
 public:
  ClosingListener() : fd_(socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    if (fd_ < 0 || bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
        listen(fd_, 64) != 0 ||
        getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      throw std::runtime_error("ClosingListener: cannot listen");
    }
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] {
      while (!stop_) {
        pollfd ready{fd_, POLLIN, 0};
        if (poll(&ready, 1, 20) <= 0) continue;
        int accepted = accept(fd_, nullptr, nullptr);
        if (accepted < 0) continue;
        ++accepted_;
        close(accepted);
      }
    });
  }
  ~ClosingListener() {
    stop_ = true;
    thread_.join();
    close(fd_);
  }
  int port() const { return port_; }
  int accepted() const { return accepted_; }

 private:
  const int fd_;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> accepted_{0};
  std::thread thread_;
};

}  // namespace qs::db::testing

#endif  // QS_TESTS_COMMON_DB_ASYNC_READ_SUPPORT_H_
