// quest.v1.LeaderboardService through a real gRPC client against the real
// quest binary: ranks with ties, pages, the neighbourhood of a user, bad input.
#include <set>
#include <tuple>

#include "common/migrate/migration_set.h"
#include "common/migrate/migrator.h"
#include "tests/quest/quest_server_fixture.h"

namespace qs::testing {
namespace {

using namespace ::quest::v1;  // NOLINT

class LeaderboardServiceTest : public QuestServerFixture {
 protected:
  // Two tied users and a leader, scored on puzzles of a rating no other test
  // uses (each solved once: a solve lowers the puzzle's rating and so the
  // next solver's points).
  void SetUp() override {
    AwayFromMidnightUtc();  // The daily and weekly boards are read on the day of the writes.
    for (int i = 0; i < 4; ++i) puzzles_for_us_.push_back(Published(3777).id());
    first_tied_ = Solve(puzzles_for_us_[0], tied_a_).attempt().score();
    second_tied_ = Solve(puzzles_for_us_[3], tied_b_).attempt().score();
    leader_score_ = Solve(puzzles_for_us_[1], leader_).attempt().score() +
                    Solve(puzzles_for_us_[2], leader_).attempt().score();
  }

  grpc::Status Around(const std::string& user, LeaderboardPeriod period, int radius,
                      GetLeaderboardAroundUserResponse* out) {
    GetLeaderboardAroundUserRequest request;
    request.set_user_id(user);
    request.set_period(period);
    request.set_radius(radius);
    return leaderboards_->GetLeaderboardAroundUser(As(player_).get(), request, out);
  }

  static const LeaderboardEntry* Find(const GetLeaderboardAroundUserResponse& response,
                                      const std::string& user) {
    for (const LeaderboardEntry& entry : response.entries()) {
      if (entry.user_id() == user) return &entry;
    }
    return nullptr;
  }

  std::vector<std::string> puzzles_for_us_;
  const std::string tied_a_ = api::NewUuidV4();
  const std::string tied_b_ = api::NewUuidV4();
  const std::string leader_ = api::NewUuidV4();
  int64_t first_tied_ = 0, second_tied_ = 0, leader_score_ = 0;
};

TEST_F(LeaderboardServiceTest, TiesShareARankInEveryPeriod) {
  // Solved well under a second each: equal points.
  ASSERT_EQ(first_tied_, second_tied_);
  ASSERT_GT(leader_score_, first_tied_);
  for (LeaderboardPeriod period :
       {LEADERBOARD_PERIOD_DAILY, LEADERBOARD_PERIOD_WEEKLY, LEADERBOARD_PERIOD_ALL_TIME}) {
    SCOPED_TRACE(LeaderboardPeriod_Name(period));
    GetLeaderboardAroundUserResponse around;
    ASSERT_TRUE(Eventually([&] {
      around.Clear();
      // Wait until the replica shows every point of all three players.
      if (!Around(tied_a_, period, 50, &around).ok()) return false;
      const LeaderboardEntry* a = Find(around, tied_a_);
      const LeaderboardEntry* b = Find(around, tied_b_);
      const LeaderboardEntry* leader = Find(around, leader_);
      return a && b && leader && a->score() == first_tied_ && b->score() == second_tied_ &&
             leader->score() == leader_score_;
    })) << around.DebugString();
    const LeaderboardEntry* a = Find(around, tied_a_);
    const LeaderboardEntry* b = Find(around, tied_b_);
    const LeaderboardEntry* leader = Find(around, leader_);
    EXPECT_EQ(a->rank(), b->rank());
    EXPECT_EQ(a->score(), first_tied_);
    EXPECT_LT(leader->rank(), a->rank());
    for (int i = 1; i < around.entries_size(); ++i) {
      EXPECT_LE(around.entries(i - 1).rank(), around.entries(i).rank());
      EXPECT_GE(around.entries(i - 1).score(), around.entries(i).score());
    }
  }
}

TEST_F(LeaderboardServiceTest, PagesWalkTheWholeBoardInRankOrder) {
  GetLeaderboardRequest request;
  request.set_period(LEADERBOARD_PERIOD_ALL_TIME);
  request.set_page_size(3);
  // The replica replays in commit order: the leader's last point was the
  // last write of SetUp.
  ASSERT_TRUE(Eventually([&] {
    GetLeaderboardAroundUserResponse around;
    const LeaderboardEntry* leader = nullptr;
    return Around(leader_, LEADERBOARD_PERIOD_ALL_TIME, 1, &around).ok() &&
           (leader = Find(around, leader_)) != nullptr && leader->score() == leader_score_;
  }));
  std::set<std::string> users;
  std::vector<LeaderboardEntry> all;
  while (true) {
    GetLeaderboardResponse page;
    grpc::Status status = leaderboards_->GetLeaderboard(As(player_).get(), request, &page);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(page.period_key(), "all");
    for (int i = 0; i < page.entries_size(); ++i) {
      const LeaderboardEntry& entry = page.entries(i);
      EXPECT_TRUE(users.insert(entry.user_id()).second) << "repeated " << entry.user_id();
      all.push_back(entry);
      // Ties share a rank within a page, which one snapshot answers. (Across
      // pages other test targets may score on the same board in between,
      // shifting the ranks of a score; the keyset still neither repeats nor
      // reorders.)
      if (i > 0 && page.entries(i - 1).score() == entry.score()) {
        EXPECT_EQ(page.entries(i - 1).rank(), entry.rank());
      }
    }
    if (page.next_page_token().empty()) break;
    request.set_page_token(page.next_page_token());
  }
  EXPECT_TRUE(users.count(tied_a_) && users.count(tied_b_) && users.count(leader_));
  ASSERT_FALSE(all.empty());
  EXPECT_EQ(all.front().rank(), 1);
  for (size_t i = 1; i < all.size(); ++i) EXPECT_GE(all[i - 1].score(), all[i].score());
}

TEST_F(LeaderboardServiceTest, BadInputIsRejectedPrecisely) {
  GetLeaderboardAroundUserResponse around;
  EXPECT_EQ(Around(tied_a_, LEADERBOARD_PERIOD_UNSPECIFIED, 5, &around).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Around(tied_a_, LEADERBOARD_PERIOD_DAILY, 51, &around).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Around("someone", LEADERBOARD_PERIOD_DAILY, 5, &around).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Around(api::NewUuidV4(), LEADERBOARD_PERIOD_DAILY, 5, &around).error_code(),
            grpc::StatusCode::NOT_FOUND);

  GetLeaderboardRequest daily;
  daily.set_period(LEADERBOARD_PERIOD_DAILY);
  daily.set_page_size(1);
  GetLeaderboardResponse page;
  ASSERT_TRUE(leaderboards_->GetLeaderboard(As(player_).get(), daily, &page).ok());
  if (!page.next_page_token().empty()) {
    GetLeaderboardRequest weekly = daily;
    weekly.set_period(LEADERBOARD_PERIOD_WEEKLY);
    weekly.set_page_token(page.next_page_token());
    EXPECT_EQ(leaderboards_->GetLeaderboard(As(player_).get(), weekly, &page).error_code(),
              grpc::StatusCode::INVALID_ARGUMENT)
        << "a token of another period";
  }
  daily.set_page_size(101);
  grpc::Status too_big = leaderboards_->GetLeaderboard(As(player_).get(), daily, &page);
  EXPECT_EQ(too_big.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(too_big.error_message().rfind("page_size:", 0), 0u) << too_big.error_message();
  daily.set_page_size(0);
  daily.set_page_token("garbage");
  grpc::Status garbage = leaderboards_->GetLeaderboard(As(player_).get(), daily, &page);
  EXPECT_EQ(garbage.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(garbage.error_message().rfind("page_token:", 0), 0u) << garbage.error_message();
  GetLeaderboardRequest unspecified;
  grpc::Status no_period = leaderboards_->GetLeaderboard(As(player_).get(), unspecified, &page);
  EXPECT_EQ(no_period.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(no_period.error_message().rfind("period:", 0), 0u) << no_period.error_message();

  // Each error names its field.
  for (const auto& [user, radius, field] :
       {std::make_tuple(std::string("someone"), 5, "user_id"),
        std::make_tuple(tied_a_, -1, "radius"), std::make_tuple(tied_a_, 51, "radius")}) {
    grpc::Status status = Around(user, LEADERBOARD_PERIOD_DAILY, radius, &around);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << field;
    EXPECT_EQ(status.error_message().rfind(std::string(field) + ":", 0), 0u)
        << status.error_message();
  }
}

TEST_F(LeaderboardServiceTest, AnActingUserIsRequired) {
  for (const std::string& user : {std::string(), std::string("not-a-uuid")}) {
    GetLeaderboardRequest request;
    request.set_period(LEADERBOARD_PERIOD_ALL_TIME);
    GetLeaderboardResponse page;
    EXPECT_EQ(leaderboards_->GetLeaderboard(As(user).get(), request, &page).error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
    GetLeaderboardAroundUserRequest around;
    around.set_period(LEADERBOARD_PERIOD_ALL_TIME);
    around.set_user_id(tied_a_);
    GetLeaderboardAroundUserResponse neighbourhood;
    EXPECT_EQ(leaderboards_->GetLeaderboardAroundUser(As(user).get(), around, &neighbourhood)
                  .error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
  }
}

// Ranks checked against the table itself: a quest server of its own on a
// scratch database whose board is known, with a small exact-rank limit, so
// that pages fall on both sides of it.
class LeaderboardRankTest : public ServiceFixture {
 protected:
  static constexpr int kExactLimit = 5;
  static constexpr int kUsers = 30;

  void SetUp() override {
    auto migrations = migrate::LoadMigrationDirectories({"migrations/common", "migrations/quest"});
    ASSERT_TRUE(migrations.ok()) << migrations.status();
    absl::StatusOr<std::vector<migrate::AppliedMigration>> applied =
        migrate::Migrator(scratch_.Conninfo(), *migrations).Run();
    ASSERT_TRUE(applied.ok()) << applied.status();
    // Scores 1000, 1000, 1000, 990, 990, 990, ...: ties of three.
    {
      pqxx::connection connection(scratch_.Conninfo());
      pqxx::work tx(connection);
      for (int i = 0; i < kUsers; ++i) {
        users_.push_back(api::NewUuidV4());
        tx.exec_params(
            "INSERT INTO leaderboard_scores (period, user_id, score) "
            "VALUES ('all', $1, $2)",
            users_.back(), 1000 - 10 * (i / 3));
      }
      tx.commit();
    }
    // The board is on the replica before the server reads its first
    // histogram, so that the estimates are of this board.
    const TestInfra& infra = TestInfra::Get();
    ASSERT_TRUE(Eventually([&] {
      try {
        pqxx::connection replica(infra.AdminConnectionString(infra.replica_port, scratch_.name()));
        return pqxx::nontransaction(replica)
                   .exec1("SELECT count(*) FROM leaderboard_scores")[0]
                   .as<int>() == kUsers;
      } catch (const std::exception&) {
        return false;  // the database or table is not replayed yet
      }
    }));
    server_ = StartService("quest", {{"DB_NAME", scratch_.name()},
                                     {"LEADERBOARD_EXACT_RANK_LIMIT", std::to_string(kExactLimit)},
                                     {"LEADERBOARD_RANK_REFRESH_MS", "200"}});
    leaderboards_ = ::quest::v1::LeaderboardService::NewStub(ChannelTo(*server_));
  }

  void TearDown() override {
    if (HasFailure()) std::cerr << "---- quest server log ----\n" << server_->Log();
  }

  // 1 + the rows of the board scoring strictly higher, counted on the primary.
  int64_t RankInSql(int64_t score) {
    pqxx::connection connection(scratch_.Conninfo());
    return 1 + pqxx::nontransaction(connection)
                   .exec_params1(
                       "SELECT count(*) FROM leaderboard_scores "
                       "WHERE period = 'all' AND score > $1",
                       score)[0]
                   .as<int64_t>();
  }

  // Every entry's rank is the SQL rank; the response says "estimated"
  // exactly when its first entry lies below the exact limit.
  void ExpectRanksMatchTheTable(const google::protobuf::RepeatedPtrField<LeaderboardEntry>& entries,
                                bool estimated) {
    ASSERT_FALSE(entries.empty());
    for (const LeaderboardEntry& entry : entries) {
      EXPECT_EQ(entry.rank(), RankInSql(entry.score()))
          << "user " << entry.user_id() << " score " << entry.score();
    }
    const int64_t above_first = RankInSql(entries[0].score()) - 1;
    EXPECT_EQ(estimated, above_first >= kExactLimit) << above_first << " rows above";
  }

  grpc::Status Around(const std::string& user, int radius, GetLeaderboardAroundUserResponse* out) {
    GetLeaderboardAroundUserRequest request;
    request.set_user_id(user);
    request.set_period(LEADERBOARD_PERIOD_ALL_TIME);
    request.set_radius(radius);
    return leaderboards_->GetLeaderboardAroundUser(As(viewer_).get(), request, out);
  }

  ScratchDatabase scratch_{"quest"};
  std::vector<std::string> users_;
  std::unique_ptr<ServiceProcess> server_;
  std::unique_ptr<::quest::v1::LeaderboardService::Stub> leaderboards_;
  const std::string viewer_ = api::NewUuidV4();
};

TEST_F(LeaderboardRankTest, RanksEqualOnePlusHigherScoresOnBothSidesOfTheExactLimit) {
  // Deep ranks are estimated once the histogram is warm.
  GetLeaderboardAroundUserResponse deep;
  ASSERT_TRUE(Eventually([&] {
    deep.Clear();
    return Around(users_[20], 1, &deep).ok() && deep.ranks_estimated();
  })) << deep.DebugString();
  ExpectRanksMatchTheTable(deep.entries(), deep.ranks_estimated());

  GetLeaderboardRequest request;
  request.set_period(LEADERBOARD_PERIOD_ALL_TIME);
  request.set_page_size(4);
  int pages = 0, exact_pages = 0, estimated_pages = 0, entries = 0;
  while (true) {
    SCOPED_TRACE(pages);
    GetLeaderboardResponse page;
    grpc::Status status = leaderboards_->GetLeaderboard(As(viewer_).get(), request, &page);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(page.period_key(), "all");
    ExpectRanksMatchTheTable(page.entries(), page.ranks_estimated());
    ++pages;
    entries += page.entries_size();
    ++(page.ranks_estimated() ? estimated_pages : exact_pages);
    if (page.next_page_token().empty()) break;
    request.set_page_token(page.next_page_token());
  }
  EXPECT_EQ(entries, kUsers);
  EXPECT_EQ(exact_pages, 2) << "pages starting above 5 rows: ranks 1 and 4";
  EXPECT_EQ(estimated_pages, pages - 2);

  // Around a user at the top (exact) and at the bottom (estimated).
  for (int user : {0, 4, kUsers - 1}) {
    SCOPED_TRACE(user);
    GetLeaderboardAroundUserResponse around;
    ASSERT_TRUE(Around(users_[user], 2, &around).ok());
    ExpectRanksMatchTheTable(around.entries(), around.ranks_estimated());
  }
}

}  // namespace
}  // namespace qs::testing
