// The set-up every quest store test shares: a scratch quest database of its
// own, migrated from migrations/common + migrations/quest, and a
// db::Database on it (Write / ReadFromPrimary on the primary, Read on the
// replica) with the prepared statements of the stores. Rows are seeded and
// checked with plain SQL on the primary, independently of the stores.
//
//   class PuzzleStoreTest : public QuestStoreTest {};
//   TEST_F(PuzzleStoreTest, GetReadsTheReplica) {
//     StoredPuzzle created = InWrite([&](db::WriteTx& tx) { return store.Create(tx, p); });
//     WaitForReplica();
//     absl::StatusOr<StoredPuzzle> read =
//         database().Read([&](db::ReadTx& tx) { return store.Get(tx, created.puzzle.id()); });
//   }
//
// One fixture object per test, so each test starts from empty tables.
#ifndef QS_TESTS_QUEST_QUEST_STORE_FIXTURE_H_
#define QS_TESTS_QUEST_QUEST_STORE_FIXTURE_H_

#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/config/db_config.h"
#include "common/db/database.h"
#include "common/db/transaction.h"
#include "common/migrate/migration_set.h"
#include "common/migrate/migrator.h"
#include "google/protobuf/timestamp.pb.h"
#include "gtest/gtest.h"
#include "pqxx/pqxx"
#include "quest/leaderboard_store.h"
#include "quest/puzzle_store.h"
#include "tests/support/test_infra.h"

namespace qs::quest::testing {

class QuestStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto migrations = migrate::LoadMigrationDirectories({"migrations/common", "migrations/quest"});
    ASSERT_TRUE(migrations.ok()) << migrations.status();
    auto migrated = migrate::Migrator(scratch_.Conninfo(), *migrations).Run();
    ASSERT_TRUE(migrated.ok()) << migrated.status();
    // Every statement any store prepares: the pools prepare them on connect.
    std::vector<db::PreparedStatement> prepared = PuzzleStore::PreparedStatements();
    for (db::PreparedStatement& statement : LeaderboardStore::PreparedStatements()) {
      prepared.push_back(std::move(statement));
    }
    // The replica has the database and the schema before the pools connect.
    WaitForReplica();
    database_ =
        std::make_unique<db::Database>(scratch_.Config(), "quest-store-test", std::move(prepared));
  }

  db::Database& database() { return *database_; }

  // Runs `fn` in a write transaction that commits, and returns what `fn`
  // returns, the value of an absl::StatusOr unwrapped (a default value, and
  // a test failure, when the write or the StatusOr is not OK).
  template <typename Fn>
  auto InWrite(Fn&& fn) {
    using R = std::decay_t<decltype(fn(std::declval<db::WriteTx&>()))>;
    if constexpr (std::is_void_v<R>) {
      absl::Status status = database_->Write([&](db::WriteTx& tx) {
        fn(tx);
        return absl::OkStatus();
      });
      EXPECT_TRUE(status.ok()) << status;
    } else if constexpr (IsStatusOr<R>::value) {
      return ValueOf(database_->Write(std::forward<Fn>(fn)));
    } else {
      return ValueOf(
          database_->Write([&](db::WriteTx& tx) -> absl::StatusOr<R> { return fn(tx); }));
    }
  }

  // The same for reads on the replica (call WaitForReplica first) and on
  // the primary.
  template <typename Fn>
  auto OnReplica(Fn&& fn) {
    return ReadOn(/*primary=*/false, std::forward<Fn>(fn));
  }
  template <typename Fn>
  auto OnPrimary(Fn&& fn) {
    return ReadOn(/*primary=*/true, std::forward<Fn>(fn));
  }

  // A read on the async read path (the replica): `start(done)` sends it
  // with a callback of absl::StatusOr<T>; this waits for the answer.
  // AsyncRead returns it as it came, OnAsyncPath unwraps it like OnReplica.
  //   OnAsyncPath<std::vector<v1::Puzzle>>([&](auto done) {
  //     PuzzleStore::ListAsync(database().async_reads(), query, Deadline(), done);
  //   });
  template <typename T, typename Start>
  absl::StatusOr<T> AsyncRead(Start&& start) {
    auto answer = std::make_shared<std::promise<absl::StatusOr<T>>>();
    start(std::function<void(absl::StatusOr<T>)>(
        [answer](absl::StatusOr<T> result) { answer->set_value(std::move(result)); }));
    return answer->get_future().get();
  }
  template <typename T, typename Start>
  T OnAsyncPath(Start&& start) {
    return ValueOf(AsyncRead<T>(std::forward<Start>(start)));
  }
  // A deadline no healthy read comes near.
  static absl::Time Deadline() { return absl::Now() + absl::Seconds(10); }

  // Waits until the replica has replayed everything the primary has
  // written so far (its WAL position now), so a read there sees it.
  void WaitForReplica() {
    const std::string lsn = Scalar<std::string>("SELECT pg_current_wal_lsn()::text");
    const bool caught_up = Eventually([&] {
      try {
        if (replica_ == nullptr) {
          const config::DbConfig config = scratch_.Config();
          replica_ = std::make_unique<pqxx::connection>(
              config.ConnectionString(config.read_host, config.read_port, "quest-store-test"));
        }
        pqxx::nontransaction tx(*replica_);
        return tx
            .exec_params1("SELECT coalesce(pg_last_wal_replay_lsn() >= $1::pg_lsn, false)", lsn)[0]
            .as<bool>();
      } catch (const std::exception&) {
        replica_.reset();  // e.g. the database is not there yet
        return false;
      }
    });
    ASSERT_TRUE(caught_up) << "the replica did not replay up to " << lsn;
  }

  // Polls `probe` until it holds or 10 s pass.
  static bool Eventually(const std::function<bool()>& probe) {
    const absl::Time deadline = absl::Now() + absl::Seconds(10);
    while (absl::Now() < deadline) {
      if (probe()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return probe();
  }

  // Plain SQL on the primary as the service role, outside of any store.
  template <typename... Args>
  pqxx::result Sql(const std::string& sql, Args&&... args) {
    if (sql_ == nullptr) sql_ = std::make_unique<pqxx::connection>(scratch_.Conninfo());
    pqxx::nontransaction tx(*sql_);
    return tx.exec_params(sql, std::forward<Args>(args)...);
  }
  template <typename T, typename... Args>
  T Scalar(const std::string& sql, Args&&... args) {
    return Sql(sql, std::forward<Args>(args)...)[0][0].template as<T>();
  }

  // `timestamp` as a timestamptz literal to the microsecond, in UTC: what a
  // column must equal in SQL (`created_at = $2::timestamptz`) for the proto
  // to have carried it exactly.
  static std::string TimestampLiteral(const google::protobuf::Timestamp& timestamp) {
    const absl::Time time =
        absl::FromUnixSeconds(timestamp.seconds()) + absl::Nanoseconds(timestamp.nanos());
    return absl::FormatTime("%Y-%m-%d %H:%M:%E6S+00", time, absl::UTCTimeZone());
  }

  // The scratch database's name (for the admin role's own connection).
  const std::string& DatabaseName() const { return scratch_.name(); }

  // A fresh random user id (the quest database keeps no users table).
  std::string NewUser() { return Scalar<std::string>("SELECT gen_random_uuid()::text"); }

 private:
  template <typename T>
  struct IsStatusOr : std::false_type {};
  template <typename T>
  struct IsStatusOr<absl::StatusOr<T>> : std::true_type {};

  template <typename T>
  static T ValueOf(absl::StatusOr<T> result) {
    EXPECT_TRUE(result.ok()) << result.status();
    return result.ok() ? *std::move(result) : T{};
  }

  template <typename Fn>
  auto ReadOn(bool primary, Fn&& fn) {
    using R = std::decay_t<decltype(fn(std::declval<db::ReadTx&>()))>;
    if constexpr (IsStatusOr<R>::value) {
      return ValueOf(primary ? database_->ReadFromPrimary(fn) : database_->Read(fn));
    } else {
      auto wrapped = [&](db::ReadTx& tx) -> absl::StatusOr<R> { return fn(tx); };
      return ValueOf(primary ? database_->ReadFromPrimary(wrapped) : database_->Read(wrapped));
    }
  }

  qs::testing::ScratchDatabase scratch_{"quest"};
  std::unique_ptr<db::Database> database_;
  std::unique_ptr<pqxx::connection> sql_;
  std::unique_ptr<pqxx::connection> replica_;
};

}  // namespace qs::quest::testing

#endif  // QS_TESTS_QUEST_QUEST_STORE_FIXTURE_H_
