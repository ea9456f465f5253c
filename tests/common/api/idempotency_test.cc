// Request-id idempotency against the real primary: a mutation commits once,
// retries replay its response, failures store nothing, races run it once.
#include "common/api/idempotency.h"

#include <atomic>
#include <functional>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/migrate/migration_set.h"
#include "common/migrate/migrator.h"
#include "gtest/gtest.h"
#include "pqxx/pqxx"
#include "proto/ops/v1/diagnostics.pb.h"
#include "tests/support/test_infra.h"

namespace qs::api {
namespace {

using ::ops::v1::GetServiceInfoResponse;
using ::ops::v1::ProbeRequest;

class IdempotencyTest : public ::testing::Test {
 protected:
  // A database of its own, with the quest service's real migrations (which
  // create idempotency_keys) and a table for the mutation's effects.
  static std::unique_ptr<qs::testing::ScratchDatabase> Migrated() {
    auto scratch = std::make_unique<qs::testing::ScratchDatabase>("quest");
    auto migrations = migrate::LoadMigrationDirectories({"migrations/common", "migrations/quest"});
    EXPECT_TRUE(migrations.ok()) << migrations.status();
    auto applied = migrate::Migrator(scratch->Conninfo(), *migrations).Run();
    EXPECT_TRUE(applied.ok()) << applied.status();
    pqxx::connection connection(scratch->Conninfo());
    pqxx::work tx(connection);
    tx.exec(
        "CREATE TABLE idempotency_effects (id uuid PRIMARY KEY DEFAULT "
        "gen_random_uuid(), label text NOT NULL)");
    tx.commit();
    return scratch;
  }

  // The mutation under test: inserts one effect row, answers with its id.
  absl::StatusOr<GetServiceInfoResponse> Mutate(db::WriteTx& tx, const std::string& label) {
    ++runs_;
    GetServiceInfoResponse response;
    response.set_service(tx.Query("INSERT INTO idempotency_effects (label) "
                                  "VALUES ($1) RETURNING id::text",
                                  label)[0][0]
                             .as<std::string>());
    return response;
  }

  absl::StatusOr<GetServiceInfoResponse> Call(const std::string& scope,
                                              const std::string& request_id,
                                              const ProbeRequest& request,
                                              const std::string& label) {
    return RunIdempotent<GetServiceInfoResponse>(
        db_, IdempotencyKey{scope, request_id, request},
        [&](db::WriteTx& tx) { return Mutate(tx, label); });
  }

  int64_t Effects(const std::string& label) {
    return *db_.ReadFromPrimary([&](db::ReadTx& tx) -> absl::StatusOr<int64_t> {
      return tx.Query("SELECT count(*) FROM idempotency_effects WHERE label = $1", label)[0][0]
          .as<int64_t>();
    });
  }

  std::string Unique(const std::string& base) {
    return absl::StrCat(base, "-", qs::testing::UniqueSuffix(), "-", counter_++);
  }

  std::unique_ptr<qs::testing::ScratchDatabase> scratch_ = Migrated();
  db::Database db_{scratch_->Config(), "idempotency-test"};
  std::atomic<int> runs_{0};
  int counter_ = 0;
};

TEST_F(IdempotencyTest, RetryReplaysTheFirstResponseAndChangesNothing) {
  const std::string label = Unique("retry");
  ProbeRequest request;
  request.set_hold_ms(7);
  auto first = Call("scope-a", label, request, label);
  ASSERT_TRUE(first.ok()) << first.status();
  auto second = Call("scope-a", label, request, label);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->service(), first->service());
  EXPECT_EQ(Effects(label), 1);
}

// The claim travels with the mutation's first statement: a first call costs
// the mutation's round trips and nothing more (here: BEGIN, claim and the
// INSERT in one, the response and COMMIT in the other).
TEST_F(IdempotencyTest, TheClaimAddsNoRoundTrip) {
  const std::string label = Unique("trips");
  ProbeRequest request;
  const db::Database::WriteStats before = db_.write_stats();
  ASSERT_TRUE(Call("scope-t", label, request, label).ok());
  const db::Database::WriteStats after = db_.write_stats();
  EXPECT_EQ(after.outside_calls.transactions - before.outside_calls.transactions, 1);
  EXPECT_EQ(after.outside_calls.round_trips - before.outside_calls.round_trips, 2);
}

// On a retry the claim fails the mutation's first round trip, however the
// mutation goes on: each of these answers with the first call's response.
TEST_F(IdempotencyTest, ARetryReplaysWhateverTheMutationDoesWithTheClaimsFailure) {
  const std::string label = Unique("shapes");
  ProbeRequest request;
  auto first = Call("scope-s", label, request, label);
  ASSERT_TRUE(first.ok()) << first.status();
  using Mutation = std::function<absl::StatusOr<GetServiceInfoResponse>(db::WriteTx&)>;
  const std::vector<std::pair<std::string, Mutation>> retries = {
      {"sends nothing and succeeds",
       [&](db::WriteTx& tx) -> absl::StatusOr<GetServiceInfoResponse> {
         tx.Defer("INSERT INTO idempotency_effects (label) VALUES ($1)", label);
         return GetServiceInfoResponse();
       }},
      {"fails before sending anything",
       [&](db::WriteTx&) -> absl::StatusOr<GetServiceInfoResponse> {
         return absl::FailedPreconditionError("not any more");
       }},
      {"catches its statement's error and answers otherwise",
       [&](db::WriteTx& tx) -> absl::StatusOr<GetServiceInfoResponse> {
         try {
           tx.Query("INSERT INTO idempotency_effects (label) VALUES ($1)", label);
         } catch (const pqxx::sql_error&) {
           return absl::NotFoundError("swallowed");
         }
         return GetServiceInfoResponse();
       }},
      {"lets its statement's error propagate", [&](db::WriteTx& tx) { return Mutate(tx, label); }},
  };
  for (const auto& [shape, mutation] : retries) {
    auto replayed = RunIdempotent<GetServiceInfoResponse>(
        db_, IdempotencyKey{"scope-s", label, request}, mutation);
    ASSERT_TRUE(replayed.ok()) << shape << ": " << replayed.status();
    EXPECT_EQ(replayed->service(), first->service()) << shape;
  }
  EXPECT_EQ(Effects(label), 1);
}

TEST_F(IdempotencyTest, SameIdWithADifferentRequestIsRejected) {
  const std::string label = Unique("mismatch");
  ProbeRequest request;
  request.set_hold_ms(1);
  ASSERT_TRUE(Call("scope-a", label, request, label).ok());
  request.set_hold_ms(2);
  auto reused = Call("scope-a", label, request, label);
  EXPECT_EQ(reused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(reused.status().message().rfind("request_id:", 0), 0u);
  EXPECT_EQ(Effects(label), 1);
}

TEST_F(IdempotencyTest, ScopesAreIndependent) {
  const std::string label = Unique("scopes");
  ProbeRequest request;
  auto a = Call("user-1", label, request, label);
  auto b = Call("user-2", label, request, label);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a->service(), b->service());
  EXPECT_EQ(Effects(label), 2);
}

TEST_F(IdempotencyTest, FailedMutationStoresNothingSoARetryRunsAgain) {
  const std::string label = Unique("failure");
  ProbeRequest request;
  auto failed = RunIdempotent<GetServiceInfoResponse>(
      db_, IdempotencyKey{"scope-f", label, request},
      [&](db::WriteTx& tx) -> absl::StatusOr<GetServiceInfoResponse> {
        EXPECT_TRUE(Mutate(tx, label).ok());
        return absl::FailedPreconditionError("not now");
      });
  EXPECT_EQ(failed.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Effects(label), 0);
  auto retried = Call("scope-f", label, request, label);
  ASSERT_TRUE(retried.ok()) << retried.status();
  EXPECT_EQ(Effects(label), 1);
}

TEST_F(IdempotencyTest, ConcurrentRetriesRunTheMutationOnce) {
  const std::string label = Unique("race");
  ProbeRequest request;
  std::vector<std::string> answers(8);
  std::vector<std::thread> callers;
  for (int i = 0; i < 8; ++i) {
    callers.emplace_back([&, i] {
      auto response = Call("scope-r", label, request, label);
      answers[i] = response.ok() ? response->service() : response.status().ToString();
    });
  }
  for (std::thread& caller : callers) caller.join();
  EXPECT_EQ(Effects(label), 1);
  for (const std::string& answer : answers) EXPECT_EQ(answer, answers[0]);
}

// During a rolling deploy a binary of the claim-insert protocol
// (idempotency_claim inserts the key, an UPDATE adds the response) may take
// a key while this binary's call with it is in flight: this call's record
// at commit finds that row, and the call rolls back and replays its response.
TEST_F(IdempotencyTest, AnOlderBinarysClaimOnTheKeyWinsAndTheCallReplaysIt) {
  const std::string label = Unique("rolling");
  const ProbeRequest request;  // Empty: its fingerprint is sha256 of no bytes.
  GetServiceInfoResponse theirs;
  theirs.set_service("older binary");
  auto answered = RunIdempotent<GetServiceInfoResponse>(
      db_, IdempotencyKey{"scope-o", label, request},
      [&](db::WriteTx& tx) -> absl::StatusOr<GetServiceInfoResponse> {
        absl::StatusOr<GetServiceInfoResponse> mine = Mutate(tx, label);  // The claim ran.
        pqxx::connection connection(scratch_->Conninfo());
        pqxx::work older(connection);
        older.exec_params("SELECT idempotency_claim($1, $2, sha256(''::bytea))", "scope-o", label);
        older.exec_params(
            "UPDATE idempotency_keys SET response = $3 WHERE scope = $1 AND request_id = $2",
            "scope-o", label, pqxx::binarystring(theirs.SerializeAsString()));
        older.commit();
        return mine;
      });
  ASSERT_TRUE(answered.ok()) << answered.status();
  EXPECT_EQ(answered->service(), "older binary");
  EXPECT_EQ(Effects(label), 0);
}

TEST_F(IdempotencyTest, RequestIdIsValidated) {
  ProbeRequest request;
  for (const std::string& bad : {std::string(), std::string(129, 'x'), std::string("has space")}) {
    auto response = Call("scope-v", bad, request, "never");
    EXPECT_EQ(response.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(response.status().message().rfind("request_id:", 0), 0u);
  }
  EXPECT_EQ(runs_.load(), 0);
}

}  // namespace
}  // namespace qs::api
