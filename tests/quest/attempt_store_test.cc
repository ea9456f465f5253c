// AttemptStore against a scratch quest database (primary + replica), not
// through the RPCs: attempts from insert to verdict, SubmittedBefore, the
// elapsed time by the database clock, user progress (locked defaults, save,
// read) and the keyset list of a user's attempts.
#include "quest/attempt_store.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "common/db/row_mapping.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "tests/quest/quest_store_fixture.h"

namespace qs::quest {
namespace {

using ::google::protobuf::util::MessageDifferencer;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;

class AttemptStoreTest : public testing::QuestStoreTest {
 protected:
  // A published puzzle, written in SQL: the puzzle's side is another store's.
  std::string NewPuzzle() {
    return Scalar<std::string>(
        "INSERT INTO puzzles (author_id, title, kind, rating, content, solution, status) "
        "VALUES (gen_random_uuid(), 't', 'logic', 1500, 'c', 's', 'published') "
        "RETURNING id::text");
  }

  v1::Attempt Insert(const std::string& user, const std::string& puzzle) {
    return InWrite([&](db::WriteTx& tx) { return store_.Insert(tx, user, puzzle, DbNowMicros()); });
  }

  v1::Attempt Finish(const std::string& attempt_id, bool correct) {
    return InWrite([&](db::WriteTx& tx) {
      return store_.Finish(tx, store_.LockAttempt(tx, attempt_id).value(), correct, 1234,
                           correct ? 168 : 0, true, 1500, 1510, DbNowMicros());
    });
  }

  int64_t DbNowMicros() {
    return Scalar<int64_t>("SELECT (extract(epoch FROM clock_timestamp()) * 1e6)::bigint");
  }

  bool SubmittedBefore(const std::string& user, const std::string& puzzle,
                       const std::string& except) {
    return InWrite(
        [&](db::WriteTx& tx) { return store_.SubmittedBefore(tx, user, puzzle, except); });
  }

  static void ExpectSameProgress(const ProgressRow& a, const ProgressRow& b) {
    EXPECT_EQ(a.user_id, b.user_id);
    EXPECT_EQ(a.solved_count, b.solved_count);
    EXPECT_EQ(a.attempt_count, b.attempt_count);
    EXPECT_EQ(a.total_score, b.total_score);
    EXPECT_EQ(a.streak.current, b.streak.current);
    EXPECT_EQ(a.streak.best, b.streak.best);
    EXPECT_EQ(a.streak.last_solved_on, b.streak.last_solved_on);
    EXPECT_DOUBLE_EQ(a.rating.rating, b.rating.rating);
    EXPECT_DOUBLE_EQ(a.rating.deviation, b.rating.deviation);
    EXPECT_DOUBLE_EQ(a.rating.volatility, b.rating.volatility);
  }

  static void ExpectDefaults(const ProgressRow& p) {
    EXPECT_EQ(p.solved_count, 0);
    EXPECT_EQ(p.attempt_count, 0);
    EXPECT_EQ(p.total_score, 0);
    EXPECT_EQ(p.streak.current, 0);
    EXPECT_EQ(p.streak.best, 0);
    EXPECT_FALSE(p.streak.last_solved_on.has_value());
    EXPECT_DOUBLE_EQ(p.rating.rating, 1500);
    EXPECT_DOUBLE_EQ(p.rating.deviation, 350);
    EXPECT_DOUBLE_EQ(p.rating.volatility, 0.06);
  }

  AttemptStore store_;
  std::string user_ = NewUser();
};

TEST_F(AttemptStoreTest, InsertStartsAnOpenAttemptAndLockReadsTheSame) {
  const std::string puzzle = NewPuzzle();
  const v1::Attempt a = Insert(user_, puzzle);
  EXPECT_EQ(a.id(), Scalar<std::string>("SELECT id::text FROM puzzle_attempts"));
  EXPECT_EQ(a.user_id(), user_);
  EXPECT_EQ(a.puzzle_id(), puzzle);
  EXPECT_EQ(a.verdict(), v1::VERDICT_UNSPECIFIED);
  EXPECT_TRUE(a.has_started_at());
  EXPECT_FALSE(a.has_submitted_at()) << "NULL in the row must leave the field unset";
  EXPECT_EQ(a.time_taken_ms(), 0);
  EXPECT_EQ(a.score(), 0);
  EXPECT_FALSE(a.rated());
  EXPECT_EQ(a.rating_before(), 0);
  EXPECT_EQ(a.rating_after(), 0);
  EXPECT_EQ(a.rating_change(), 0);
  EXPECT_TRUE(
      Scalar<bool>("SELECT started_at = $2::timestamptz AND verdict IS NULL "
                   "AND submitted_at IS NULL FROM puzzle_attempts WHERE id = $1",
                   a.id(), TimestampLiteral(a.started_at())))
      << TimestampLiteral(a.started_at());

  const v1::Attempt locked =
      InWrite([&](db::WriteTx& tx) { return store_.LockAttempt(tx, a.id()); });
  EXPECT_TRUE(MessageDifferencer::Equals(locked, a)) << locked.DebugString();

  absl::StatusOr<v1::Attempt> missing =
      database().Write([&](db::WriteTx& tx) { return store_.LockAttempt(tx, NewUser()); });
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound) << missing.status();
}

TEST_F(AttemptStoreTest, FinishRecordsTheVerdictAndEveryColumn) {
  const std::string puzzle = NewPuzzle();
  const v1::Attempt started = Insert(user_, puzzle);
  const v1::Attempt right = InWrite([&](db::WriteTx& tx) {
    return store_.Finish(tx, started, true, 12345, 168, true, 1500.25, 1562.75, DbNowMicros());
  });
  EXPECT_EQ(right.id(), started.id());
  EXPECT_EQ(right.user_id(), user_);
  EXPECT_EQ(right.puzzle_id(), puzzle);
  EXPECT_EQ(right.verdict(), v1::VERDICT_CORRECT);
  EXPECT_TRUE(MessageDifferencer::Equals(right.started_at(), started.started_at()));
  ASSERT_TRUE(right.has_submitted_at());
  EXPECT_GE(db::TimestampMicros(right.submitted_at()), db::TimestampMicros(started.started_at()));
  EXPECT_EQ(right.time_taken_ms(), 12345);
  EXPECT_EQ(right.score(), 168);
  EXPECT_TRUE(right.rated());
  EXPECT_DOUBLE_EQ(right.rating_before(), 1500.25);
  EXPECT_DOUBLE_EQ(right.rating_after(), 1562.75);
  EXPECT_DOUBLE_EQ(right.rating_change(), 62.5);
  pqxx::row row =
      Sql("SELECT verdict, submitted_at = $2::timestamptz, time_taken_ms, score, "
          "rated, rating_before, rating_after FROM puzzle_attempts WHERE id = $1",
          started.id(), TimestampLiteral(right.submitted_at()))[0];
  EXPECT_EQ(row[0].as<std::string>(), "correct");
  EXPECT_TRUE(row[1].as<bool>());
  EXPECT_EQ(row[2].as<int64_t>(), 12345);
  EXPECT_EQ(row[3].as<int64_t>(), 168);
  EXPECT_TRUE(row[4].as<bool>());
  EXPECT_DOUBLE_EQ(row[5].as<double>(), 1500.25);
  EXPECT_DOUBLE_EQ(row[6].as<double>(), 1562.75);
  const v1::Attempt locked =
      InWrite([&](db::WriteTx& tx) { return store_.LockAttempt(tx, started.id()); });
  EXPECT_TRUE(MessageDifferencer::Equals(locked, right)) << locked.DebugString();

  const v1::Attempt wrong = InWrite([&](db::WriteTx& tx) {
    return store_.Finish(tx, Insert(user_, puzzle), false, 900, 0, false, 1562.75, 1562.75,
                         DbNowMicros());
  });
  EXPECT_EQ(wrong.verdict(), v1::VERDICT_INCORRECT);
  EXPECT_FALSE(wrong.rated());
  EXPECT_EQ(wrong.score(), 0);
  EXPECT_DOUBLE_EQ(wrong.rating_change(), 0);
  EXPECT_EQ(Scalar<std::string>("SELECT verdict FROM puzzle_attempts WHERE id = $1", wrong.id()),
            "incorrect");
}

TEST_F(AttemptStoreTest, SubmittedBeforeCountsOnlyOtherSubmittedAttemptsOfTheUserAtThePuzzle) {
  const std::string puzzle = NewPuzzle();
  const std::string other_puzzle = NewPuzzle();
  const std::string other_user = NewUser();
  const v1::Attempt first = Insert(user_, puzzle);
  EXPECT_FALSE(SubmittedBefore(user_, puzzle, first.id()));
  Finish(first.id(), true);
  EXPECT_FALSE(SubmittedBefore(user_, puzzle, first.id())) << "the attempt itself is excluded";

  const v1::Attempt second = Insert(user_, puzzle);
  EXPECT_TRUE(SubmittedBefore(user_, puzzle, second.id()));
  EXPECT_FALSE(SubmittedBefore(user_, other_puzzle, second.id()));
  EXPECT_FALSE(SubmittedBefore(other_user, puzzle, second.id()));
  // An attempt started but never submitted does not count.
  EXPECT_FALSE(SubmittedBefore(user_, puzzle, first.id()));
  // An incorrect verdict counts like a correct one.
  const v1::Attempt elsewhere = Insert(other_user, other_puzzle);
  Finish(elsewhere.id(), false);
  EXPECT_TRUE(SubmittedBefore(other_user, other_puzzle, Insert(other_user, other_puzzle).id()));
  EXPECT_FALSE(SubmittedBefore(other_user, other_puzzle, elsewhere.id()));
}

TEST_F(AttemptStoreTest, ElapsedMsIsMeasuredByTheDatabaseClock) {
  const v1::Attempt a = Insert(user_, NewPuzzle());
  Sql("UPDATE puzzle_attempts SET started_at = clock_timestamp() - interval '2.5 seconds' "
      "WHERE id = $1",
      a.id());
  const int64_t elapsed = InWrite([&](db::WriteTx& tx) { return store_.ElapsedMs(tx, a.id()); });
  EXPECT_GE(elapsed, 2500);
  EXPECT_LT(elapsed, 2500 + 5000);
  // clock_timestamp(), not the transaction's start: time passes inside one.
  const std::pair<int64_t, int64_t> twice = InWrite([&](db::WriteTx& tx) {
    const int64_t before = store_.ElapsedMs(tx, a.id());
    tx.Query("SELECT pg_sleep(0.05)");
    return std::make_pair(before, store_.ElapsedMs(tx, a.id()));
  });
  EXPECT_GE(twice.second - twice.first, 50);
}

TEST_F(AttemptStoreTest, LockProgressCreatesTheDefaultsOnce) {
  EXPECT_EQ(Scalar<int64_t>("SELECT count(*) FROM user_progress"), 0);
  const ProgressRow created =
      InWrite([&](db::WriteTx& tx) { return store_.LockProgress(tx, user_); });
  EXPECT_EQ(created.user_id, user_);
  ExpectDefaults(created);
  EXPECT_EQ(Scalar<int64_t>("SELECT count(*) FROM user_progress WHERE user_id = $1", user_), 1);
  const ProgressRow again =
      InWrite([&](db::WriteTx& tx) { return store_.LockProgress(tx, user_); });
  ExpectSameProgress(again, created);
  EXPECT_EQ(Scalar<int64_t>("SELECT count(*) FROM user_progress"), 1);
}

TEST_F(AttemptStoreTest, GetProgressOfAnUnknownUserIsTheDefaultsWithoutARow) {
  WaitForReplica();
  const ProgressRow fresh =
      OnReplica([&](db::ReadTx& tx) { return store_.GetProgress(tx, user_); });
  EXPECT_EQ(fresh.user_id, user_);
  ExpectDefaults(fresh);
  const ProgressRow primary =
      OnPrimary([&](db::ReadTx& tx) { return store_.GetProgress(tx, user_); });
  ExpectSameProgress(primary, fresh);
  EXPECT_EQ(Scalar<int64_t>("SELECT count(*) FROM user_progress"), 0);
}

TEST_F(AttemptStoreTest, SaveProgressAndGetProgressRoundTripEveryField) {
  const std::string other = NewUser();
  InWrite([&](db::WriteTx& tx) { store_.LockProgress(tx, other); });
  ProgressRow saved = InWrite([&](db::WriteTx& tx) {
    ProgressRow p = store_.LockProgress(tx, user_);
    p.solved_count = 7;
    p.attempt_count = 11;
    p.total_score = 1234;
    p.streak.current = 3;
    p.streak.best = 5;
    p.streak.last_solved_on = absl::CivilDay(2026, 11, 25);
    p.rating = {1623.125, 87.5, 0.0599};
    store_.SaveProgress(tx, p);
    return p;
  });
  pqxx::row row =
      Sql("SELECT solved_count, attempt_count, total_score, current_streak, "
          "best_streak, last_solved_on = DATE '2026-11-25', rating, "
          "rating_deviation, rating_volatility FROM user_progress "
          "WHERE user_id = $1",
          user_)[0];
  EXPECT_EQ(row[0].as<int64_t>(), 7);
  EXPECT_EQ(row[1].as<int64_t>(), 11);
  EXPECT_EQ(row[2].as<int64_t>(), 1234);
  EXPECT_EQ(row[3].as<int>(), 3);
  EXPECT_EQ(row[4].as<int>(), 5);
  EXPECT_TRUE(row[5].as<bool>());
  EXPECT_DOUBLE_EQ(row[6].as<double>(), 1623.125);
  EXPECT_DOUBLE_EQ(row[7].as<double>(), 87.5);
  EXPECT_DOUBLE_EQ(row[8].as<double>(), 0.0599);

  WaitForReplica();
  ExpectSameProgress(OnReplica([&](db::ReadTx& tx) { return store_.GetProgress(tx, user_); }),
                     saved);
  ExpectSameProgress(OnPrimary([&](db::ReadTx& tx) { return store_.GetProgress(tx, user_); }),
                     saved);
  ExpectSameProgress(InWrite([&](db::WriteTx& tx) { return store_.LockProgress(tx, user_); }),
                     saved);
  // Another user's row is untouched.
  ExpectDefaults(OnPrimary([&](db::ReadTx& tx) { return store_.GetProgress(tx, other); }));

  // A cleared last solve is stored as NULL again.
  saved.streak = Streak{};
  InWrite([&](db::WriteTx& tx) { store_.SaveProgress(tx, saved); });
  EXPECT_TRUE(
      Scalar<bool>("SELECT last_solved_on IS NULL FROM user_progress WHERE user_id = $1", user_));
  ExpectSameProgress(OnPrimary([&](db::ReadTx& tx) { return store_.GetProgress(tx, user_); }),
                     saved);
}

TEST_F(AttemptStoreTest, ListIsNewestFirstWithTiesBrokenByIdAndResumesAfterAPosition) {
  const std::string puzzle = NewPuzzle();
  const int64_t t = 1795601472345678;
  std::vector<std::pair<int64_t, std::string>> keys;
  for (int64_t started : {t, t - 7, t, t + 1000000, t}) {
    const std::string id = Insert(user_, puzzle).id();
    Sql("UPDATE puzzle_attempts SET started_at = "
        "'epoch'::timestamptz + $2 * interval '1 microsecond' WHERE id = $1",
        id, started);
    keys.emplace_back(started, id);
  }
  Finish(keys[1].second, true);
  Insert(NewUser(), puzzle);  // someone else's
  std::sort(keys.rbegin(), keys.rend());
  std::vector<std::string> expected;
  for (const auto& [started, id] : keys) expected.push_back(id);
  WaitForReplica();

  auto list = [&](const std::optional<api::KeysetPosition>& after, int limit) {
    return OnReplica([&](db::ReadTx& tx) { return store_.List(tx, user_, after, limit); });
  };
  auto ids = [](const std::vector<v1::Attempt>& attempts) {
    std::vector<std::string> out;
    for (const v1::Attempt& a : attempts) out.push_back(a.id());
    return out;
  };
  const std::vector<v1::Attempt> all = list(std::nullopt, 10);
  EXPECT_THAT(ids(all), ElementsAreArray(expected));
  EXPECT_EQ(db::TimestampMicros(all.front().started_at()), t + 1000000);
  // The finished one carries its verdict in the list too.
  const auto finished = std::find_if(
      all.begin(), all.end(), [&](const v1::Attempt& a) { return a.id() == keys.back().second; });
  ASSERT_NE(finished, all.end());
  EXPECT_EQ(finished->verdict(), v1::VERDICT_CORRECT);
  EXPECT_EQ(finished->time_taken_ms(), 1234);

  std::vector<std::string> paged;
  std::optional<api::KeysetPosition> after;
  for (int page = 0; page < 5; ++page) {
    const std::vector<v1::Attempt> rows = list(after, 2);
    if (rows.empty()) break;
    for (const v1::Attempt& a : rows) paged.push_back(a.id());
    after = api::KeysetPosition{db::TimestampMicros(rows.back().started_at()), rows.back().id()};
  }
  EXPECT_THAT(paged, ElementsAreArray(expected));
  EXPECT_THAT(ids(list(api::KeysetPosition{t, expected[1]}, 10)),
              ElementsAre(expected[2], expected[3], expected[4]));
  const std::string stranger = NewUser();
  EXPECT_TRUE(OnReplica([&](db::ReadTx& tx) {
                return store_.List(tx, stranger, std::nullopt, 10);
              }).empty());
}

TEST_F(AttemptStoreTest, LoadSubmissionReadsEverythingInOneRoundTripAndTheWritesWait) {
  const std::string puzzle = NewPuzzle();
  const v1::Attempt started = Insert(user_, puzzle);
  Sql("UPDATE puzzle_attempts SET started_at = clock_timestamp() - interval '2.5 seconds' "
      "WHERE id = $1",
      started.id());
  const int64_t before = DbNowMicros();
  int trips_after_read = -1;
  int trips_after_writes = -1;
  const SubmissionFacts facts = InWrite([&](db::WriteTx& tx) -> absl::StatusOr<SubmissionFacts> {
    absl::StatusOr<SubmissionFacts> loaded = store_.LoadSubmission(tx, started.id(), user_);
    trips_after_read = tx.round_trips();
    if (!loaded.ok()) return loaded;
    store_.Finish(tx, loaded->attempt, true, loaded->elapsed_ms, 100, true, 1500, 1520,
                  loaded->now_micros);
    store_.SaveProgress(tx, loaded->progress);
    trips_after_writes = tx.round_trips();
    return loaded;
  });
  EXPECT_EQ(trips_after_read, 1) << "BEGIN, the progress lock and the read travel together";
  EXPECT_EQ(trips_after_writes, 1) << "the writes wait for the commit";
  EXPECT_EQ(facts.attempt.id(), started.id());
  EXPECT_EQ(facts.puzzle.id, puzzle);
  EXPECT_EQ(facts.puzzle.solution, "s");
  EXPECT_EQ(facts.puzzle.status, v1::PUZZLE_STATUS_PUBLISHED);
  EXPECT_DOUBLE_EQ(facts.puzzle.rating.rating, 1500);
  EXPECT_EQ(facts.progress.user_id, user_);
  ExpectDefaults(facts.progress);
  EXPECT_FALSE(facts.submitted_before);
  EXPECT_GE(facts.elapsed_ms, 2500);
  EXPECT_LT(facts.elapsed_ms, 2500 + 5000);
  EXPECT_GE(facts.now_micros, before);
  EXPECT_EQ(Scalar<std::string>("SELECT verdict FROM puzzle_attempts WHERE id = $1", started.id()),
            "correct");
  EXPECT_EQ(Scalar<int64_t>("SELECT count(*) FROM user_progress WHERE user_id = $1", user_), 1);

  // A second attempt at the same puzzle: submitted before.
  const v1::Attempt again = Insert(user_, puzzle);
  EXPECT_TRUE(InWrite([&](db::WriteTx& tx) {
                return store_.LoadSubmission(tx, again.id(), user_);
              }).submitted_before);

  absl::StatusOr<SubmissionFacts> missing = database().Write(
      [&](db::WriteTx& tx) { return store_.LoadSubmission(tx, NewUser(), user_); });
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound) << missing.status();
}

}  // namespace
}  // namespace qs::quest
