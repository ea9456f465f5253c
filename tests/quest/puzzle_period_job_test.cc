// The puzzle period jobs (puzzle_period_job.h) against a scratch quest
// database: a closed period's games move the puzzle's rating exactly as
// Glicko-2's period formula applied by hand to the same games; the open
// period waits; periods apply once, in order, one taker at a time.
#include "quest/puzzle_period_job.h"

#include <cmath>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/quest/glicko2_by_hand.h"
#include "tests/quest/quest_store_fixture.h"

namespace qs::quest {
namespace {

using ::qs::testing::ByHandGame;
using ::qs::testing::ByHandRating;
using ::qs::testing::Glicko2PeriodByHand;

constexpr absl::Duration kPeriod = absl::Seconds(300);

// Glickman's worked example: a 1500/200/0.06 player beats a 1400/30
// player and loses to 1550/100 and 1700/300 ones.
const std::vector<ByHandGame>& PaperGames() {
  static const auto* games =
      new std::vector<ByHandGame>{{1400, 30, 1}, {1550, 100, 0}, {1700, 300, 0}};
  return *games;
}

TEST(Glicko2ByHandTest, ReproducesThePapersExample) {
  const ByHandRating after = Glicko2PeriodByHand({1500, 200, 0.06}, PaperGames());
  EXPECT_NEAR(after.rating, 1464.06, 0.01);
  EXPECT_NEAR(after.deviation, 151.52, 0.01);
  EXPECT_NEAR(after.volatility, 0.05999, 0.00001);
}

class PuzzlePeriodJobTest : public testing::QuestStoreTest {
 protected:
  std::string NewPuzzle(int rating, double deviation) {
    return Scalar<std::string>(
        "INSERT INTO puzzles (author_id, title, kind, rating, rating_deviation, content, "
        "solution, status) VALUES (gen_random_uuid(), 't', 'logic', $1, $2, 'c', 's', "
        "'published') RETURNING id::text",
        rating, deviation);
  }

  // Records `games` as rated submits would (the player's side), then moves
  // them `periods_ago` periods into the past.
  void Record(const std::string& puzzle, const std::vector<ByHandGame>& games, int periods_ago) {
    InWrite([&](db::WriteTx& tx) {
      for (const ByHandGame& game : games) {
        store_.RecordRatingResult(
            tx, puzzle, NewUser(),
            GameResult{{game.opponent_rating, game.opponent_deviation, 0.06}, game.score});
      }
    });
    Sql("UPDATE puzzle_rating_results SET recorded_at = recorded_at - $2 * interval '300 s' "
        "WHERE puzzle_id = $1 AND recorded_at > clock_timestamp() - interval '1 minute'",
        puzzle, periods_ago);
  }

  ByHandRating Stored(const std::string& puzzle) {
    pqxx::row row =
        Sql("SELECT rating, rating_deviation, rating_volatility FROM puzzles "
            "WHERE id = $1",
            puzzle)[0];
    return {row[0].as<double>(), row[1].as<double>(), row[2].as<double>()};
  }

  int64_t Waiting() { return Scalar<int64_t>("SELECT count(*) FROM puzzle_rating_results"); }

  PuzzleStore store_;
};

TEST_F(PuzzlePeriodJobTest, AClosedPeriodRatesThePuzzleAsTheFormulaDoesByHand) {
  // The puzzle plays the paper's player: its games are the players' games
  // seen from the puzzle's side.
  const std::string puzzle = NewPuzzle(1500, 200);
  Record(puzzle, PaperGames(), /*periods_ago=*/1);
  ASSERT_EQ(*ApplyClosedRatingPeriods(database(), kPeriod), 1);

  const ByHandRating expected = Glicko2PeriodByHand({1500, 200, 0.06}, PaperGames());
  const ByHandRating stored = Stored(puzzle);
  EXPECT_EQ(stored.rating, std::round(expected.rating)) << "the public rating is whole";
  EXPECT_NEAR(stored.deviation, expected.deviation, 1e-9);
  EXPECT_NEAR(stored.volatility, expected.volatility, 1e-9);
  EXPECT_EQ(stored.rating, 1464);
  EXPECT_EQ(Waiting(), 0);

  // Once: a second pass finds nothing to apply.
  EXPECT_EQ(*ApplyClosedRatingPeriods(database(), kPeriod), 0);
  EXPECT_EQ(Stored(puzzle).deviation, stored.deviation);
}

TEST_F(PuzzlePeriodJobTest, TheOpenPeriodWaitsAndEachPeriodIsOneUpdateInOrder) {
  const std::string puzzle = NewPuzzle(1500, 200);
  const std::vector<ByHandGame> older = {{1400, 30, 1}, {1550, 100, 0}};
  const std::vector<ByHandGame> newer = {{1700, 300, 0}};
  Record(puzzle, older, /*periods_ago=*/2);
  Record(puzzle, newer, /*periods_ago=*/1);
  Record(puzzle, {{1600, 50, 1}}, /*periods_ago=*/0);  // the current period
  ASSERT_EQ(*ApplyClosedRatingPeriods(database(), kPeriod), 1);

  const ByHandRating after_older = Glicko2PeriodByHand({1500, 200, 0.06}, older);
  const ByHandRating expected = Glicko2PeriodByHand(after_older, newer);
  const ByHandRating stored = Stored(puzzle);
  EXPECT_EQ(stored.rating, std::round(expected.rating));
  EXPECT_NEAR(stored.deviation, expected.deviation, 1e-9);
  EXPECT_NEAR(stored.volatility, expected.volatility, 1e-9);
  const ByHandRating all_in_one = Glicko2PeriodByHand({1500, 200, 0.06}, PaperGames());
  EXPECT_GT(std::fabs(stored.deviation - all_in_one.deviation), 1e-6)
      << "two periods are two updates, not one over all games";
  EXPECT_EQ(Waiting(), 1) << "the open period's game waits for its end";
}

TEST_F(PuzzlePeriodJobTest, OneTakerAtATime) {
  const std::string puzzle = NewPuzzle(1500, 200);
  Record(puzzle, PaperGames(), /*periods_ago=*/1);
  // Another instance's job holds the periods' lock (here a session lock of
  // the fixture's own connection, in the same lock space).
  const std::string key = "hashtext('quest.puzzle_period_jobs')";
  ASSERT_TRUE(Scalar<bool>("SELECT pg_try_advisory_lock(" + key + ")"));
  EXPECT_EQ(*ApplyClosedRatingPeriods(database(), kPeriod), 0);
  EXPECT_EQ(Waiting(), 3);
  EXPECT_EQ(Stored(puzzle).rating, 1500);
  ASSERT_TRUE(Scalar<bool>("SELECT pg_advisory_unlock(" + key + ")"));
  EXPECT_EQ(*ApplyClosedRatingPeriods(database(), kPeriod), 1);
  EXPECT_EQ(Waiting(), 0);
}

TEST_F(PuzzlePeriodJobTest, GamesOfAPuzzleThatIsGoneAreDropped) {
  const std::string puzzle = NewPuzzle(1500, 200);
  Record(puzzle, PaperGames(), /*periods_ago=*/1);
  Sql("DELETE FROM puzzles WHERE id = $1", puzzle);
  EXPECT_EQ(*ApplyClosedRatingPeriods(database(), kPeriod), 0);
  EXPECT_EQ(Waiting(), 0);
}

}  // namespace
}  // namespace qs::quest
