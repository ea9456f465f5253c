#include "quest/attempt_store.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/api/uuid.h"
#include "common/db/enum_codes.h"
#include "common/db/row_mapping.h"
#include "pqxx/pqxx"
#include "quest/puzzle_rules.h"

namespace qs::quest {
namespace {

const std::string& AttemptColumns() {
  static const std::string* columns = new std::string(
      absl::StrCat("id::text, user_id::text, puzzle_id::text, coalesce(verdict, ''), ",
                   db::MicrosSql("started_at"), ", ", db::MicrosOrZeroSql("submitted_at"), ", ",
                   "coalesce(time_taken_ms, 0), score, rated, "
                   "coalesce(rating_before, 0), coalesce(rating_after, 0)"));
  return *columns;
}

const db::EnumCodes<v1::Verdict>& VerdictCodes() {
  static const auto* codes = new db::EnumCodes<v1::Verdict>(
      {{v1::VERDICT_CORRECT, "correct"}, {v1::VERDICT_INCORRECT, "incorrect"}});
  return *codes;
}

constexpr char kProgressColumns[] =
    "user_id::text, solved_count, attempt_count, total_score, current_streak, "
    "best_streak, coalesce(last_solved_on::text, ''), rating, rating_deviation, "
    "rating_volatility";

v1::Attempt AttemptFromRow(const pqxx::row& row) {
  v1::Attempt a;
  a.set_id(row[0].as<std::string>());
  a.set_user_id(row[1].as<std::string>());
  a.set_puzzle_id(row[2].as<std::string>());
  a.set_verdict(VerdictCodes().FromCode(row[3].as<std::string>()));
  db::SetTimestamp(row[4].as<int64_t>(), a.mutable_started_at());
  db::SetTimestampIfSet(row[5].as<int64_t>(), a, &v1::Attempt::mutable_submitted_at);
  a.set_time_taken_ms(row[6].as<int64_t>());
  a.set_score(row[7].as<int64_t>());
  a.set_rated(row[8].as<bool>());
  a.set_rating_before(row[9].as<double>());
  a.set_rating_after(row[10].as<double>());
  a.set_rating_change(a.rating_after() - a.rating_before());
  return a;
}

// kProgressColumns, from `first` on.
ProgressRow ProgressFromRow(const pqxx::row& row, int first = 0) {
  ProgressRow p;
  p.user_id = row[first].as<std::string>();
  p.solved_count = row[first + 1].as<int64_t>();
  p.attempt_count = row[first + 2].as<int64_t>();
  p.total_score = row[first + 3].as<int64_t>();
  p.streak.current = row[first + 4].as<int>();
  p.streak.best = row[first + 5].as<int>();
  absl::CivilDay day;
  if (absl::ParseCivilTime(row[first + 6].as<std::string>(), &day)) p.streak.last_solved_on = day;
  p.rating = {row[first + 7].as<double>(), row[first + 8].as<double>(),
              row[first + 9].as<double>()};
  return p;
}

}  // namespace

v1::Attempt AttemptStore::Insert(db::WriteTx& tx, const std::string& user_id,
                                 const std::string& puzzle_id, int64_t started_at_micros) {
  v1::Attempt attempt;
  attempt.set_id(api::NewUuidV4());
  attempt.set_user_id(user_id);
  attempt.set_puzzle_id(puzzle_id);
  db::SetTimestamp(started_at_micros, attempt.mutable_started_at());
  tx.Defer(absl::StrCat("INSERT INTO puzzle_attempts (id, user_id, puzzle_id, started_at) "
                        "VALUES ($1, $2, $3, ",
                        db::TimestampSql("$4"), ")"),
           attempt.id(), user_id, puzzle_id, started_at_micros);
  return attempt;
}

absl::StatusOr<SubmissionFacts> AttemptStore::LoadSubmission(db::WriteTx& tx,
                                                             const std::string& attempt_id,
                                                             const std::string& submitter_id) {
  // The submitter's progress row is created if missing and locked first,
  // by statements of their own in the same round trip: in READ COMMITTED
  // each statement of it reads a fresh snapshot, so the read below, which
  // starts once the lock is held, sees a concurrent submit of the same user
  // that held it (the "submitted before" check rates one of two
  // simultaneous first attempts). A wait inside one statement would leave
  // that statement's snapshot from before the wait.
  tx.Defer("INSERT INTO user_progress (user_id) VALUES ($1) ON CONFLICT (user_id) DO NOTHING",
           submitter_id);
  tx.Defer("SELECT 1 FROM user_progress WHERE user_id = $1 FOR UPDATE", submitter_id);
  static const std::string* sql = new std::string(absl::StrCat(
      "WITH attempt AS (SELECT ", AttemptColumns(),
      ", puzzle_id AS played_id, started_at AS started "
      "FROM puzzle_attempts WHERE id = $1 FOR UPDATE), "
      "progress AS (SELECT ",
      kProgressColumns,
      " FROM user_progress WHERE user_id = $2) "
      "SELECT attempt.*, p.author_id::text, p.status, p.solution, p.rating, p.rating_deviation, "
      "p.rating_volatility, progress.*, "
      "EXISTS (SELECT 1 FROM puzzle_attempts o WHERE o.user_id = $2 AND "
      "o.puzzle_id = attempt.played_id AND o.verdict IS NOT NULL AND o.id <> $1), ",
      db::MillisSinceSql("attempt.started"), ", ", db::MicrosSql("clock_timestamp()"),
      " FROM attempt JOIN puzzles p ON p.id = attempt.played_id CROSS JOIN progress"));
  pqxx::result rows = tx.Query(*sql, attempt_id, submitter_id);
  if (rows.empty()) {
    return absl::NotFoundError(absl::StrCat("attempt ", attempt_id, " not found"));
  }
  const pqxx::row& row = rows[0];
  constexpr int kAttemptFields = 11;  // AttemptColumns(), then played_id, started
  constexpr int kPuzzle = kAttemptFields + 2;
  constexpr int kProgress = kPuzzle + 6;
  constexpr int kProgressFields = 10;
  constexpr int kAfter = kProgress + kProgressFields;
  SubmissionFacts facts;
  facts.attempt = AttemptFromRow(row);
  facts.puzzle = PuzzleForPlay{facts.attempt.puzzle_id(),
                               row[kPuzzle].as<std::string>(),
                               StatusFromCode(row[kPuzzle + 1].as<std::string>()),
                               row[kPuzzle + 2].as<std::string>(),
                               {row[kPuzzle + 3].as<double>(), row[kPuzzle + 4].as<double>(),
                                row[kPuzzle + 5].as<double>()}};
  facts.progress = ProgressFromRow(row, kProgress);
  facts.submitted_before = row[kAfter].as<bool>();
  facts.elapsed_ms = row[kAfter + 1].as<int64_t>();
  facts.now_micros = row[kAfter + 2].as<int64_t>();
  return facts;
}

absl::StatusOr<v1::Attempt> AttemptStore::LockAttempt(db::WriteTx& tx, const std::string& id) {
  pqxx::result rows = tx.Query(
      absl::StrCat("SELECT ", AttemptColumns(), " FROM puzzle_attempts WHERE id = $1 FOR UPDATE"),
      id);
  if (rows.empty()) return absl::NotFoundError(absl::StrCat("attempt ", id, " not found"));
  return AttemptFromRow(rows[0]);
}

bool AttemptStore::SubmittedBefore(db::WriteTx& tx, const std::string& user_id,
                                   const std::string& puzzle_id,
                                   const std::string& except_attempt_id) {
  return tx
      .Query(
          "SELECT EXISTS (SELECT 1 FROM puzzle_attempts WHERE user_id = $1 "
          "AND puzzle_id = $2 AND verdict IS NOT NULL AND id <> $3)",
          user_id, puzzle_id, except_attempt_id)[0][0]
      .as<bool>();
}

int64_t AttemptStore::ElapsedMs(db::WriteTx& tx, const std::string& attempt_id) {
  return tx
      .Query(absl::StrCat("SELECT ", db::MillisSinceSql("started_at"),
                          " FROM puzzle_attempts WHERE id = $1"),
             attempt_id)[0][0]
      .as<int64_t>();
}

v1::Attempt AttemptStore::Finish(db::WriteTx& tx, const v1::Attempt& started, bool correct,
                                 int64_t time_taken_ms, int64_t score, bool rated,
                                 double rating_before, double rating_after,
                                 int64_t submitted_at_micros) {
  const v1::Verdict verdict = correct ? v1::VERDICT_CORRECT : v1::VERDICT_INCORRECT;
  tx.Defer(absl::StrCat(
               "UPDATE puzzle_attempts SET verdict = $2, submitted_at = ", db::TimestampSql("$8"),
               ", time_taken_ms = $3, score = $4, rated = $5, rating_before = $6, "
               "rating_after = $7 WHERE id = $1"),
           started.id(), VerdictCodes().Code(verdict), time_taken_ms, score, rated, rating_before,
           rating_after, submitted_at_micros);
  v1::Attempt finished = started;
  finished.set_verdict(verdict);
  db::SetTimestamp(submitted_at_micros, finished.mutable_submitted_at());
  finished.set_time_taken_ms(time_taken_ms);
  finished.set_score(score);
  finished.set_rated(rated);
  finished.set_rating_before(rating_before);
  finished.set_rating_after(rating_after);
  finished.set_rating_change(rating_after - rating_before);
  return finished;
}

ProgressRow AttemptStore::LockProgress(db::WriteTx& tx, const std::string& user_id) {
  tx.Query("INSERT INTO user_progress (user_id) VALUES ($1) ON CONFLICT (user_id) DO NOTHING",
           user_id);
  return ProgressFromRow(tx.Query(absl::StrCat("SELECT ", kProgressColumns,
                                               " FROM user_progress WHERE user_id = $1 FOR UPDATE"),
                                  user_id)[0]);
}

void AttemptStore::SaveProgress(db::WriteTx& tx, const ProgressRow& p) {
  const std::string last_solved_on =
      p.streak.last_solved_on ? absl::FormatCivilTime(*p.streak.last_solved_on) : "";
  tx.Defer(
      "UPDATE user_progress SET solved_count = $2, attempt_count = $3, total_score = $4, "
      "current_streak = $5, best_streak = $6, last_solved_on = nullif($7, '')::date, "
      "rating = $8, rating_deviation = $9, rating_volatility = $10, "
      "updated_at = clock_timestamp() WHERE user_id = $1",
      p.user_id, p.solved_count, p.attempt_count, p.total_score, p.streak.current, p.streak.best,
      last_solved_on, p.rating.rating, p.rating.deviation, p.rating.volatility);
}

ProgressRow AttemptStore::GetProgress(db::ReadTx& tx, const std::string& user_id) {
  pqxx::result rows = tx.Query(
      absl::StrCat("SELECT ", kProgressColumns, " FROM user_progress WHERE user_id = $1"), user_id);
  if (rows.empty()) {
    ProgressRow fresh;
    fresh.user_id = user_id;
    fresh.rating = Rating{1500, 350, 0.06};
    return fresh;
  }
  return ProgressFromRow(rows[0]);
}

std::vector<v1::Attempt> AttemptStore::List(db::ReadTx& tx, const std::string& user_id,
                                            const std::optional<api::KeysetPosition>& after,
                                            int limit) {
  pqxx::result rows =
      tx.Query(absl::StrCat("SELECT ", AttemptColumns(),
                            " FROM puzzle_attempts WHERE user_id = $1 "
                            "AND ($2 = '' OR (started_at, id) < (",
                            db::TimestampSql("$3"),
                            ", $2::uuid)) "
                            "ORDER BY started_at DESC, puzzle_attempts.id DESC LIMIT $4"),
               user_id, after ? after->id : std::string(), after ? after->key : int64_t{0}, limit);
  std::vector<v1::Attempt> attempts;
  for (const pqxx::row& row : rows) attempts.push_back(AttemptFromRow(row));
  return attempts;
}

}  // namespace qs::quest
