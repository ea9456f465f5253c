#include "quest/seed_data.h"

#include <random>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/base/seeded_uuid.h"
#include "common/db/copy_writer.h"
#include "common/db/db_error.h"
#include "pqxx/pqxx"
#include "quest/leaderboard_rules.h"
#include "quest/progress_rules.h"

namespace qs::quest {
namespace {

constexpr const char* kThemes[] = {"fork",   "pin",    "skewer",  "mate-in-2", "endgame",
                                   "logic",  "grid",   "anagram", "sequence",  "geometry",
                                   "parity", "cipher", "maze",    "riddle",    "sudoku"};
constexpr const char* kKinds[] = {"logic", "word", "math", "pattern", "chess"};

struct UserTotals {
  int64_t solved = 0, attempts = 0, score = 0, today = 0, week = 0;
  int32_t streak = 0;
  absl::CivilDay last_solved{1970, 1, 1};
};

}  // namespace

absl::StatusOr<SeedReport> SeedQuestDatabase(const std::string& conninfo,
                                             const SeedOptions& options) {
  if (options.users < 1 || options.puzzles < 1 || options.attempts < 0 || options.days < 1) {
    return absl::InvalidArgumentError("seed: users and puzzles >= 1, attempts >= 0, days >= 1");
  }
  const absl::Time start = absl::Now();
  std::mt19937_64 random(options.seed);
  std::vector<std::string> users(options.users);
  for (std::string& user : users) user = base::SeededUuidV4(random);
  std::vector<std::string> puzzle_ids(options.puzzles);
  std::vector<int> puzzle_ratings(options.puzzles);
  std::vector<int64_t> plays(options.puzzles, 0);
  std::normal_distribution<double> rating_spread(1500, 350);
  std::vector<UserTotals> totals(options.users);
  const absl::Time now = absl::Now();
  const absl::CivilDay today = absl::ToCivilDay(now, absl::UTCTimeZone());
  const std::string today_key = PeriodKey(v1::LEADERBOARD_PERIOD_DAILY, now);
  const std::string week_key = PeriodKey(v1::LEADERBOARD_PERIOD_WEEKLY, now);

  try {
    pqxx::connection connection(conninfo);
    pqxx::work tx(connection);
    SeedReport report;
    {
      db::CopyWriter puzzles(tx, "puzzles",
                             {"id", "author_id", "title", "kind", "themes", "rating", "content",
                              "solution", "status", "created_at", "updated_at"});
      for (int64_t i = 0; i < options.puzzles; ++i) {
        puzzle_ids[i] = base::SeededUuidV4(random);
        puzzle_ratings[i] = std::min(4000, std::max(100, static_cast<int>(rating_spread(random))));
        const absl::Time created = now - absl::Seconds(random() % (86400LL * options.days));
        const std::string when = db::CopyTimestamp(created);
        puzzles.Line(absl::StrCat(puzzle_ids[i], "\t", users[random() % users.size()],
                                  "\tSeed puzzle ", i, "\t", kKinds[random() % 5], "\t{",
                                  kThemes[random() % 15], ",", kThemes[random() % 15], "}\t",
                                  puzzle_ratings[i], "\tcontent of puzzle ", i, "\tanswer-", i,
                                  "\tpublished\t", when, "\t", when));
      }
      report.rows += puzzles.Finish();
    }
    {
      db::CopyWriter attempts(
          tx, "puzzle_attempts",
          {"id", "user_id", "puzzle_id", "verdict", "started_at", "submitted_at", "time_taken_ms",
           "score", "rated", "rating_before", "rating_after"});
      for (int64_t i = 0; i < options.attempts; ++i) {
        const size_t u = random() % users.size();
        const size_t p = random() % puzzle_ids.size();
        const bool correct = random() % 100 < 60;
        const int64_t time_taken_ms = 3000 + static_cast<int64_t>(random() % 120000);
        const int64_t score = ScoreAttempt(correct, puzzle_ratings[p], time_taken_ms);
        const absl::Time started = now - absl::Seconds(random() % (86400LL * options.days));
        ++plays[p];
        UserTotals& t = totals[u];
        ++t.attempts;
        if (correct) {
          ++t.solved;
          t.score += score;
          const absl::CivilDay day = absl::ToCivilDay(started, absl::UTCTimeZone());
          if (day == today) t.today += score;
          if (PeriodKey(v1::LEADERBOARD_PERIOD_WEEKLY, started) == week_key) {
            t.week += score;
          }
          if (day > t.last_solved) t.last_solved = day;
        }
        attempts.Line(absl::StrCat(base::SeededUuidV4(random), "\t", users[u], "\t", puzzle_ids[p],
                                   "\t", correct ? "correct" : "incorrect", "\t",
                                   db::CopyTimestamp(started), "\t",
                                   db::CopyTimestamp(started + absl::Milliseconds(time_taken_ms)),
                                   "\t", time_taken_ms, "\t", score, "\tt\t1500\t1500"));
      }
      report.rows += attempts.Finish();
    }
    {
      db::CopyWriter progress(tx, "user_progress",
                              {"user_id", "solved_count", "attempt_count", "total_score",
                               "current_streak", "best_streak", "last_solved_on", "rating"});
      for (size_t u = 0; u < users.size(); ++u) {
        const UserTotals& t = totals[u];
        const bool solved_recently = t.solved > 0 && t.last_solved >= today - 1;
        progress.Line(
            absl::StrCat(users[u], "\t", t.solved, "\t", t.attempts, "\t", t.score, "\t",
                         solved_recently ? 1 : 0, "\t", t.solved > 0 ? 1 : 0, "\t",
                         t.solved > 0 ? absl::FormatCivilTime(t.last_solved) : "\\N", "\t",
                         1500 + (t.attempts > 0 ? (t.solved * 800 / t.attempts) - 480 : 0)));
      }
      report.rows += progress.Finish();
    }
    {
      db::CopyWriter board(tx, "leaderboard_scores", {"period", "user_id", "score"});
      for (size_t u = 0; u < users.size(); ++u) {
        const UserTotals& t = totals[u];
        if (t.score > 0) board.Line(absl::StrCat("all\t", users[u], "\t", t.score));
        if (t.today > 0) board.Line(absl::StrCat(today_key, "\t", users[u], "\t", t.today));
        if (t.week > 0) board.Line(absl::StrCat(week_key, "\t", users[u], "\t", t.week));
      }
      report.rows += board.Finish();
    }
    // Play counts in one statement from the attempts just written.
    tx.exec(
        "UPDATE puzzles p SET play_count = a.plays FROM "
        "(SELECT puzzle_id, count(*) AS plays FROM puzzle_attempts GROUP BY puzzle_id) a "
        "WHERE a.puzzle_id = p.id");
    tx.commit();
    pqxx::nontransaction analyze(connection);
    analyze.exec("ANALYZE");
    report.elapsed = absl::Now() - start;
    return report;
  } catch (const std::exception& e) {
    return db::StatusFromDbException(e, "seeding");
  }
}

}  // namespace qs::quest
