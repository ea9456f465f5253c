// MatchStore against a scratch quest database (primary + replica), not
// through the RPCs: a match and its participants from creation to its end,
// answers and their counters, and the keyset list of a user's matches.
#include "quest/match_store.h"

#include <algorithm>
#include <functional>
#include <future>
#include <string>
#include <thread>
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

class MatchStoreTest : public testing::QuestStoreTest {
 protected:
  // A published puzzle, written in SQL: puzzles are another store's.
  std::string NewPuzzle() {
    return Scalar<std::string>(
        "INSERT INTO puzzles (author_id, title, kind, rating, content, solution, status) "
        "VALUES (gen_random_uuid(), 't', 'logic', 1500, 'c', 's', 'published') "
        "RETURNING id::text");
  }

  std::string Create(const std::string& creator, v1::MatchMode mode, int max_players,
                     const std::vector<std::string>& puzzles) {
    return InWrite([&](db::WriteTx& tx) {
             return store_.Create(tx, creator, mode, max_players, puzzles);
           })
        .id();
  }
  std::string Create(const std::string& creator) {
    return Create(creator, v1::MATCH_MODE_GROUP, 4, {NewPuzzle(), NewPuzzle()});
  }

  v1::Match Locked(const std::string& id) {
    return InWrite([&](db::WriteTx& tx) { return store_.Lock(tx, id); });
  }
  v1::Match OnReplica(const std::string& id) {
    WaitForReplica();
    return QuestStoreTest::OnReplica([&](db::ReadTx& tx) { return store_.Get(tx, id); });
  }

  void Add(const std::string& match, const std::string& user) {
    InWrite([&](db::WriteTx& tx) { store_.AddParticipant(tx, match, user); });
  }

  void Answer(const std::string& match, const std::string& user, const std::string& puzzle,
              bool correct, int64_t score, int64_t ms) {
    InWrite(
        [&](db::WriteTx& tx) { store_.RecordAnswer(tx, match, user, puzzle, correct, score, ms); });
  }

  MatchForAnswer ForAnswer(const std::string& match, const std::string& user,
                           const std::string& puzzle) {
    return InWrite([&](db::WriteTx& tx) { return store_.LockForAnswer(tx, match, user, puzzle); });
  }
  bool AnsweredBefore(const std::string& match, const std::string& user,
                      const std::string& puzzle) {
    return ForAnswer(match, user, puzzle).answered_before;
  }

  static std::vector<std::string> UsersOf(const v1::Match& match) {
    std::vector<std::string> users;
    for (const auto& p : match.participants()) users.push_back(p.user_id());
    return users;
  }

  MatchStore store_;
  std::string creator_ = NewUser();
};

TEST_F(MatchStoreTest, CreateStoresTheMatchWithItsCreatorAsFirstParticipant) {
  const std::vector<std::string> puzzles = {NewPuzzle(), NewPuzzle(), NewPuzzle()};
  const v1::Match created = InWrite([&](db::WriteTx& tx) {
    return store_.Create(tx, creator_, v1::MATCH_MODE_GROUP, 4, puzzles);
  });
  const std::string id = created.id();
  EXPECT_EQ(id, Scalar<std::string>("SELECT id::text FROM matches"));
  const v1::Match m = OnReplica(id);
  EXPECT_EQ(m.id(), id);
  EXPECT_EQ(m.creator_id(), creator_);
  EXPECT_EQ(m.mode(), v1::MATCH_MODE_GROUP);
  EXPECT_EQ(m.max_players(), 4);
  EXPECT_EQ(m.status(), v1::MATCH_STATUS_WAITING);
  EXPECT_THAT(m.puzzle_ids(), ElementsAreArray(puzzles)) << "in the order given";
  EXPECT_EQ(m.winner_id(), "");
  EXPECT_FALSE(m.has_started_at()) << "NULL in the row must leave the field unset";
  EXPECT_FALSE(m.has_finished_at()) << "NULL in the row must leave the field unset";
  ASSERT_EQ(m.participants_size(), 1);
  const v1::MatchParticipant& p = m.participants(0);
  EXPECT_EQ(p.user_id(), creator_);
  EXPECT_EQ(p.score(), 0);
  EXPECT_EQ(p.solved_count(), 0);
  EXPECT_EQ(p.answered_count(), 0);
  EXPECT_EQ(p.time_taken_ms(), 0);
  EXPECT_EQ(p.rank(), 0);
  EXPECT_FALSE(p.left());
  pqxx::row row =
      Sql("SELECT mode, status, created_at = $2::timestamptz, winner_id IS NULL, "
          "started_at IS NULL AND finished_at IS NULL, puzzle_ids = $3::uuid[] "
          "FROM matches WHERE id = $1",
          id, TimestampLiteral(m.created_at()),
          "{" + puzzles[0] + "," + puzzles[1] + "," + puzzles[2] + "}")[0];
  EXPECT_EQ(row[0].as<std::string>(), "group");
  EXPECT_EQ(row[1].as<std::string>(), "waiting");
  EXPECT_TRUE(row[2].as<bool>()) << TimestampLiteral(m.created_at());
  EXPECT_TRUE(row[3].as<bool>());
  EXPECT_TRUE(row[4].as<bool>());
  EXPECT_TRUE(row[5].as<bool>());
  EXPECT_TRUE(MessageDifferencer::Equals(Locked(id), m)) << Locked(id).DebugString();
  EXPECT_TRUE(MessageDifferencer::Equals(created, m)) << "Create returns the match as stored\n"
                                                      << created.DebugString();

  const std::string duel = Create(creator_, v1::MATCH_MODE_HEAD_TO_HEAD, 2, {puzzles[1]});
  EXPECT_EQ(Scalar<std::string>("SELECT mode FROM matches WHERE id = $1", duel), "head_to_head");
  const v1::Match d = Locked(duel);
  EXPECT_EQ(d.mode(), v1::MATCH_MODE_HEAD_TO_HEAD);
  EXPECT_EQ(d.max_players(), 2);
  EXPECT_THAT(d.puzzle_ids(), ElementsAre(puzzles[1]));
}

TEST_F(MatchStoreTest, MissingMatchesAreNotFound) {
  const std::string missing = NewUser();
  WaitForReplica();
  absl::StatusOr<v1::Match> get =
      database().Read([&](db::ReadTx& tx) { return store_.Get(tx, missing); });
  EXPECT_EQ(get.status().code(), absl::StatusCode::kNotFound) << get.status();
  EXPECT_NE(get.status().message().find(missing), std::string::npos) << get.status();
  absl::StatusOr<v1::Match> lock =
      database().Write([&](db::WriteTx& tx) { return store_.Lock(tx, missing); });
  EXPECT_EQ(lock.status().code(), absl::StatusCode::kNotFound) << lock.status();
  absl::StatusOr<MatchForAnswer> for_answer = database().Write(
      [&](db::WriteTx& tx) { return store_.LockForAnswer(tx, missing, creator_, missing); });
  EXPECT_EQ(for_answer.status().code(), absl::StatusCode::kNotFound) << for_answer.status();
}

TEST_F(MatchStoreTest, ParticipantsJoinInOrderLeaveAndAreRemoved) {
  const std::string id = Create(creator_, v1::MATCH_MODE_GROUP, 4, {NewPuzzle()});
  const std::string second = NewUser();
  const std::string third = NewUser();
  const std::string fourth = NewUser();
  Add(id, second);
  Add(id, third);
  Add(id, fourth);
  EXPECT_THAT(UsersOf(Locked(id)), ElementsAre(creator_, second, third, fourth)) << "join order";

  InWrite([&](db::WriteTx& tx) { store_.RemoveParticipant(tx, id, third); });
  InWrite([&](db::WriteTx& tx) { store_.MarkLeft(tx, id, second); });
  const v1::Match m = OnReplica(id);
  EXPECT_THAT(UsersOf(m), ElementsAre(creator_, second, fourth));
  EXPECT_FALSE(m.participants(0).left());
  EXPECT_TRUE(m.participants(1).left());
  EXPECT_FALSE(m.participants(2).left());
  EXPECT_EQ(Scalar<int64_t>("SELECT count(*) FROM match_participants WHERE match_id = $1 "
                            "AND left_at IS NOT NULL",
                            id),
            1);
  EXPECT_EQ(Scalar<int64_t>("SELECT count(*) FROM match_participants WHERE user_id = $1", third),
            0);

  // A match nobody is left in still loads, with no participants.
  const std::string empty = Create(creator_);
  InWrite([&](db::WriteTx& tx) { store_.RemoveParticipant(tx, empty, creator_); });
  EXPECT_EQ(Locked(empty).participants_size(), 0);
  EXPECT_EQ(OnReplica(empty).participants_size(), 0);

  // Joined at the same moment: ordered by user id.
  Sql("UPDATE match_participants SET joined_at = '2026-11-25 10:00:00+00' WHERE match_id = $1", id);
  std::vector<std::string> by_id = {creator_, second, fourth};
  std::sort(by_id.begin(), by_id.end());
  EXPECT_THAT(UsersOf(Locked(id)), ElementsAreArray(by_id));
}

TEST_F(MatchStoreTest, StartCancelAndFinishMoveTheStatusAndTimes) {
  const std::string puzzle = NewPuzzle();
  const std::string started = Create(creator_, v1::MATCH_MODE_HEAD_TO_HEAD, 2, {puzzle});
  const std::string rival = NewUser();
  Add(started, rival);
  InWrite([&](db::WriteTx& tx) { store_.Start(tx, started); });
  v1::Match m = Locked(started);
  EXPECT_EQ(m.status(), v1::MATCH_STATUS_IN_PROGRESS);
  ASSERT_TRUE(m.has_started_at());
  EXPECT_FALSE(m.has_finished_at()) << "NULL in the row must leave the field unset";
  EXPECT_GE(db::TimestampMicros(m.started_at()), db::TimestampMicros(m.created_at()));
  EXPECT_EQ(Scalar<std::string>("SELECT status FROM matches WHERE id = $1", started),
            "in_progress");
  EXPECT_TRUE(Scalar<bool>("SELECT started_at = $2::timestamptz FROM matches WHERE id = $1",
                           started, TimestampLiteral(m.started_at())));

  Sql("UPDATE matches SET started_at = clock_timestamp() - interval '1.5 seconds' WHERE id = $1",
      started);
  const MatchForAnswer locked = ForAnswer(started, creator_, puzzle);
  EXPECT_GE(locked.elapsed_ms, 1500);
  EXPECT_LT(locked.elapsed_ms, 1500 + 5000);
  EXPECT_TRUE(MessageDifferencer::Equals(locked.match, Locked(started)));
  EXPECT_EQ(ForAnswer(Create(creator_), creator_, puzzle).elapsed_ms, 0) << "not started";

  InWrite([&](db::WriteTx& tx) { store_.Finish(tx, started, rival, {{rival, 1}, {creator_, 2}}); });
  m = OnReplica(started);
  EXPECT_EQ(m.status(), v1::MATCH_STATUS_FINISHED);
  EXPECT_EQ(m.winner_id(), rival);
  ASSERT_TRUE(m.has_finished_at());
  EXPECT_GE(db::TimestampMicros(m.finished_at()), db::TimestampMicros(m.started_at()));
  ASSERT_EQ(m.participants_size(), 2);
  EXPECT_EQ(m.participants(0).user_id(), creator_);
  EXPECT_EQ(m.participants(0).rank(), 2);
  EXPECT_EQ(m.participants(1).user_id(), rival);
  EXPECT_EQ(m.participants(1).rank(), 1);
  EXPECT_TRUE(
      Scalar<bool>("SELECT status = 'finished' AND winner_id = $2::uuid "
                   "AND finished_at = $3::timestamptz FROM matches WHERE id = $1",
                   started, rival, TimestampLiteral(m.finished_at())));

  // A shared first place: no winner, stored as NULL, both ranked 1.
  const std::string tie = Create(creator_, v1::MATCH_MODE_HEAD_TO_HEAD, 2, {puzzle});
  Add(tie, rival);
  InWrite([&](db::WriteTx& tx) {
    store_.Start(tx, tie);
    store_.Finish(tx, tie, "", {{creator_, 1}, {rival, 1}});
  });
  m = Locked(tie);
  EXPECT_EQ(m.winner_id(), "");
  EXPECT_EQ(m.participants(0).rank(), 1);
  EXPECT_EQ(m.participants(1).rank(), 1);
  EXPECT_TRUE(Scalar<bool>("SELECT winner_id IS NULL FROM matches WHERE id = $1", tie));

  const std::string cancelled = Create(creator_);
  InWrite([&](db::WriteTx& tx) { store_.Cancel(tx, cancelled); });
  m = Locked(cancelled);
  EXPECT_EQ(m.status(), v1::MATCH_STATUS_CANCELLED);
  EXPECT_TRUE(m.has_finished_at());
  EXPECT_FALSE(m.has_started_at()) << "NULL in the row must leave the field unset";
  EXPECT_EQ(m.winner_id(), "");
  EXPECT_EQ(m.participants(0).rank(), 0);
  EXPECT_EQ(Scalar<std::string>("SELECT status FROM matches WHERE id = $1", cancelled),
            "cancelled");
}

TEST_F(MatchStoreTest, RecordAnswerAddsToTheParticipantsCountersAndIsRememberedPerPuzzle) {
  const std::string a = NewPuzzle();
  const std::string b = NewPuzzle();
  const std::string id = Create(creator_, v1::MATCH_MODE_GROUP, 3, {a, b});
  const std::string rival = NewUser();
  Add(id, rival);
  InWrite([&](db::WriteTx& tx) { store_.Start(tx, id); });
  EXPECT_FALSE(AnsweredBefore(id, creator_, a));

  Answer(id, creator_, a, true, 168, 12000);
  Answer(id, creator_, b, false, 0, 3500);
  Answer(id, rival, b, true, 150, 41000);
  const v1::Match m = OnReplica(id);
  ASSERT_EQ(m.participants_size(), 2);
  const v1::MatchParticipant& me = m.participants(0);
  EXPECT_EQ(me.user_id(), creator_);
  EXPECT_EQ(me.score(), 168);
  EXPECT_EQ(me.solved_count(), 1);
  EXPECT_EQ(me.answered_count(), 2);
  EXPECT_EQ(me.time_taken_ms(), 15500);
  const v1::MatchParticipant& other = m.participants(1);
  EXPECT_EQ(other.score(), 150);
  EXPECT_EQ(other.solved_count(), 1);
  EXPECT_EQ(other.answered_count(), 1);
  EXPECT_EQ(other.time_taken_ms(), 41000);

  // One row per answer, with what was answered.
  pqxx::result answers =
      Sql("SELECT p.user_id::text, a.puzzle_id::text, a.correct, a.time_taken_ms "
          "FROM match_answers a JOIN match_participants p ON p.id = a.match_participant_id "
          "WHERE p.match_id = $1 ORDER BY a.answered_at",
          id);
  ASSERT_EQ(answers.size(), 3u);
  EXPECT_EQ(answers[0][0].as<std::string>(), creator_);
  EXPECT_EQ(answers[0][1].as<std::string>(), a);
  EXPECT_TRUE(answers[0][2].as<bool>());
  EXPECT_EQ(answers[0][3].as<int64_t>(), 12000);
  EXPECT_EQ(answers[1][1].as<std::string>(), b);
  EXPECT_FALSE(answers[1][2].as<bool>());
  EXPECT_EQ(answers[1][3].as<int64_t>(), 3500);
  EXPECT_EQ(answers[2][0].as<std::string>(), rival);

  EXPECT_TRUE(AnsweredBefore(id, creator_, a));
  EXPECT_TRUE(AnsweredBefore(id, creator_, b));
  EXPECT_TRUE(AnsweredBefore(id, rival, b));
  EXPECT_FALSE(AnsweredBefore(id, rival, a));
  EXPECT_FALSE(AnsweredBefore(id, NewUser(), a));
  // The same player and puzzle in another match are separate.
  const std::string next = Create(creator_, v1::MATCH_MODE_GROUP, 3, {a});
  EXPECT_FALSE(AnsweredBefore(next, creator_, a));
  EXPECT_EQ(Locked(next).participants(0).answered_count(), 0);
}

TEST_F(MatchStoreTest, ListForIsNewestJoinFirstWithTiesBrokenByIdAndFiltersByStatus) {
  const std::string puzzle = NewPuzzle();
  const std::string user = NewUser();
  const std::string host = NewUser();
  // Five matches the user joined an hour ago and earlier: three at the
  // same instant.
  const int64_t t = Scalar<int64_t>(
      "SELECT (extract(epoch FROM clock_timestamp() - interval '1 hour') * 1000000)::bigint");
  std::vector<std::pair<int64_t, std::string>> keys;
  for (int64_t joined : {t, t - 5, t, t + 2000000, t}) {
    const std::string id = Create(host, v1::MATCH_MODE_GROUP, 3, {puzzle});
    Add(id, user);
    Sql("UPDATE match_participants SET joined_at = "
        "'epoch'::timestamptz + $3 * interval '1 microsecond' "
        "WHERE match_id = $1 AND user_id = $2",
        id, user, joined);
    keys.emplace_back(joined, id);
  }
  Create(host, v1::MATCH_MODE_GROUP, 3, {puzzle});  // not joined by the user
  // The user's own match: joined (created) now, the newest.
  const std::string own = Create(user, v1::MATCH_MODE_HEAD_TO_HEAD, 2, {puzzle});
  const std::string running_id = keys[0].second;
  const std::string cancelled_id = keys[1].second;
  InWrite([&](db::WriteTx& tx) { store_.Start(tx, running_id); });
  InWrite([&](db::WriteTx& tx) { store_.Cancel(tx, cancelled_id); });
  std::sort(keys.rbegin(), keys.rend());
  std::vector<std::string> expected = {own};
  for (const auto& [joined, id] : keys) expected.push_back(id);
  WaitForReplica();

  auto list = [&](const std::string& status, const std::optional<api::KeysetPosition>& after,
                  int limit) {
    return QuestStoreTest::OnReplica(
        [&](db::ReadTx& tx) { return store_.ListFor(tx, user, status, after, limit); });
  };
  auto ids = [](const std::vector<std::pair<v1::Match, int64_t>>& rows) {
    std::vector<std::string> out;
    for (const auto& [match, key] : rows) out.push_back(match.id());
    return out;
  };
  const auto all = list("", std::nullopt, 10);
  EXPECT_THAT(ids(all), ElementsAreArray(expected));
  // The key is the user's join time; each match comes with all participants.
  for (size_t i = 1; i < all.size(); ++i) EXPECT_EQ(all[i].second, keys[i - 1].first);
  EXPECT_THAT(UsersOf(all[0].first), ElementsAre(user));
  EXPECT_THAT(UsersOf(all[1].first), ElementsAre(user, host)) << "the user joined first";
  EXPECT_EQ(all[0].first.mode(), v1::MATCH_MODE_HEAD_TO_HEAD);
  EXPECT_TRUE(
      Scalar<bool>("SELECT joined_at = 'epoch'::timestamptz + $2 * interval "
                   "'1 microsecond' FROM match_participants WHERE match_id = $1",
                   own, all[0].second));
  EXPECT_TRUE(MessageDifferencer::Equals(all[2].first, Locked(all[2].first.id())));

  std::vector<std::string> paged;
  std::optional<api::KeysetPosition> after;
  for (int page = 0; page < 6; ++page) {
    const auto rows = list("", after, 2);
    if (rows.empty()) break;
    for (const auto& [match, key] : rows) paged.push_back(match.id());
    after = api::KeysetPosition{rows.back().second, rows.back().first.id()};
  }
  EXPECT_THAT(paged, ElementsAreArray(expected));
  // After the first of the three tied joins: the other two, then the older.
  EXPECT_THAT(ids(list("", api::KeysetPosition{t, expected[2]}, 10)),
              ElementsAre(expected[3], expected[4], expected[5]));

  // The status filter keeps the order.
  std::vector<std::string> waiting;
  for (const std::string& id : expected) {
    if (id != running_id && id != cancelled_id) waiting.push_back(id);
  }
  EXPECT_THAT(ids(list("waiting", std::nullopt, 10)), ElementsAreArray(waiting));
  const auto running = list("in_progress", std::nullopt, 10);
  ASSERT_EQ(running.size(), 1u);
  EXPECT_EQ(running[0].first.id(), running_id);
  EXPECT_EQ(running[0].first.status(), v1::MATCH_STATUS_IN_PROGRESS);
  EXPECT_TRUE(running[0].first.has_started_at());
  const auto cancelled = list("cancelled", std::nullopt, 10);
  EXPECT_THAT(ids(cancelled), ElementsAre(cancelled_id));
  EXPECT_EQ(cancelled[0].first.status(), v1::MATCH_STATUS_CANCELLED);
  EXPECT_TRUE(list("finished", std::nullopt, 10).empty());
  const std::string stranger = NewUser();
  EXPECT_TRUE(QuestStoreTest::OnReplica([&](db::ReadTx& tx) {
                return store_.ListFor(tx, stranger, "", std::nullopt, 10);
              }).empty());
}

// What each change costs in round trips (common/db/transaction.h): the
// lock travels with the load, the writes are deferred and travel with the
// Reload, so every change is two round trips plus the COMMIT's, however
// many statements it writes (finishing a match writes the match and every
// participant's rank). Counted by the transaction and by the Database.
TEST_F(MatchStoreTest, EveryChangeIsTwoRoundTripsAndTheCommit) {
  const std::string puzzle = NewPuzzle();
  const std::string rival = NewUser();
  const std::string third = NewUser();
  // The round trips `change` made inside its transaction; checks that the
  // Database counted one transaction of those and the COMMIT.
  auto round_trips = [&](const std::function<void(db::WriteTx&)>& change) {
    const db::Database::WriteStats before = database().write_stats();
    int in_transaction = -1;
    absl::Status written = database().Write([&](db::WriteTx& tx) {
      change(tx);
      in_transaction = tx.round_trips();
      return absl::OkStatus();
    });
    EXPECT_TRUE(written.ok()) << written;
    const db::Database::WriteStats after = database().write_stats();
    EXPECT_EQ(after.outside_calls.transactions - before.outside_calls.transactions, 1);
    EXPECT_EQ(after.outside_calls.round_trips - before.outside_calls.round_trips,
              in_transaction + 1)
        << "and the COMMIT";
    return in_transaction;
  };
  // Lock, `writes`, Reload: what the handler does for a change.
  v1::Match after;
  auto change = [&](const std::string& id, const std::function<void(db::WriteTx&)>& writes) {
    return round_trips([&](db::WriteTx& tx) {
      ASSERT_TRUE(store_.Lock(tx, id).ok());
      writes(tx);
      absl::StatusOr<v1::Match> reloaded = store_.Reload(tx, id);
      ASSERT_TRUE(reloaded.ok()) << reloaded.status();
      after = *reloaded;
    });
  };

  std::string id;
  EXPECT_EQ(round_trips([&](db::WriteTx& tx) {
              id = store_.Create(tx, creator_, v1::MATCH_MODE_GROUP, 3, {puzzle}).id();
            }),
            1)
      << "BEGIN and the insert";
  EXPECT_EQ(change(id, [&](db::WriteTx& tx) { store_.AddParticipant(tx, id, rival); }), 2);
  EXPECT_EQ(change(id, [&](db::WriteTx& tx) { store_.AddParticipant(tx, id, third); }), 2);
  EXPECT_THAT(UsersOf(after), ElementsAre(creator_, rival, third)) << "Reload sees the writes";
  EXPECT_EQ(change(id, [&](db::WriteTx& tx) { store_.Start(tx, id); }), 2);
  EXPECT_EQ(after.status(), v1::MATCH_STATUS_IN_PROGRESS);
  EXPECT_EQ(change(id, [&](db::WriteTx& tx) { store_.MarkLeft(tx, id, third); }), 2);
  EXPECT_TRUE(after.participants(2).left());

  // An answer: its reads in the lock's round trip; the last one also
  // finishes the match, still in the same two.
  auto answer = [&](const std::string& user, bool finish) {
    return round_trips([&](db::WriteTx& tx) {
      absl::StatusOr<MatchForAnswer> locked = store_.LockForAnswer(tx, id, user, puzzle);
      ASSERT_TRUE(locked.ok()) << locked.status();
      EXPECT_FALSE(locked->answered_before);
      store_.RecordAnswer(tx, id, user, puzzle, true, 100, locked->elapsed_ms);
      if (finish) store_.Finish(tx, id, creator_, {{creator_, 1}, {rival, 2}, {third, 3}});
      absl::StatusOr<v1::Match> reloaded = store_.Reload(tx, id);
      ASSERT_TRUE(reloaded.ok()) << reloaded.status();
      after = *reloaded;
    });
  };
  EXPECT_EQ(answer(rival, /*finish=*/false), 2);
  EXPECT_EQ(after.participants(1).answered_count(), 1);
  EXPECT_EQ(answer(creator_, /*finish=*/true), 2);
  EXPECT_EQ(after.status(), v1::MATCH_STATUS_FINISHED);
  EXPECT_EQ(after.winner_id(), creator_);
  EXPECT_EQ(after.participants(0).rank(), 1);
  EXPECT_EQ(after.participants(1).rank(), 2);
  EXPECT_EQ(after.participants(2).rank(), 3);
  EXPECT_EQ(Scalar<int64_t>("SELECT count(*) FROM match_answers"), 2);
}

// Lock loads the match in a statement of its own after the lock is
// granted: a change that waited for the lock sees what the holder
// committed meanwhile (a participant it added), not the match as it was
// when the wait began. Otherwise concurrent joins could overfill a match.
TEST_F(MatchStoreTest, LockSeesWhatThePreviousHolderCommitted) {
  const std::string id = Create(creator_);
  const std::string rival = NewUser();
  std::promise<int> holding;  // the holder's backend pid
  std::promise<void> release;
  std::thread holder([&] {
    InWrite([&](db::WriteTx& tx) {
      EXPECT_TRUE(store_.Lock(tx, id).ok());
      store_.AddParticipant(tx, id, rival);
      EXPECT_TRUE(store_.Reload(tx, id).ok());  // the insert is in, not committed
      holding.set_value(tx.Query("SELECT pg_backend_pid()")[0][0].as<int>());
      release.get_future().wait();
    });
  });
  const int holder_pid = holding.get_future().get();
  std::future<v1::Match> waiter = std::async(std::launch::async, [&] { return Locked(id); });
  // Commit only once the waiter is blocked by the holder.
  const bool waiting = Eventually([&] {
    return Scalar<bool>(
        "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE NOT granted "
        "AND $1 = ANY (pg_blocking_pids(pid)))",
        holder_pid);
  });
  release.set_value();
  holder.join();
  ASSERT_TRUE(waiting) << "the second Lock never waited for the first";
  EXPECT_THAT(UsersOf(waiter.get()), ElementsAre(creator_, rival));
}

}  // namespace
}  // namespace qs::quest
