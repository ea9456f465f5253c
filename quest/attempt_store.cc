#include "quest/attempt_store.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/db/enum_codes.h"
#include "common/db/row_mapping.h"
#include "pqxx/pqxx"

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

ProgressRow ProgressFromRow(const pqxx::row& row) {
  ProgressRow p;
  p.user_id = row[0].as<std::string>();
  p.solved_count = row[1].as<int64_t>();
  p.attempt_count = row[2].as<int64_t>();
  p.total_score = row[3].as<int64_t>();
  p.streak.current = row[4].as<int>();
  p.streak.best = row[5].as<int>();
  absl::CivilDay day;
  if (absl::ParseCivilTime(row[6].as<std::string>(), &day)) p.streak.last_solved_on = day;
  p.rating = {row[7].as<double>(), row[8].as<double>(), row[9].as<double>()};
  return p;
}

}  // namespace

v1::Attempt AttemptStore::Insert(db::WriteTx& tx, const std::string& user_id,
                                 const std::string& puzzle_id) {
  return AttemptFromRow(
      tx.Query(absl::StrCat("INSERT INTO puzzle_attempts (user_id, puzzle_id) VALUES ($1, $2) "
                            "RETURNING ",
                            AttemptColumns()),
               user_id, puzzle_id)[0]);
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

v1::Attempt AttemptStore::Finish(db::WriteTx& tx, const std::string& attempt_id, bool correct,
                                 int64_t time_taken_ms, int64_t score, bool rated,
                                 double rating_before, double rating_after) {
  return AttemptFromRow(tx.Query(
      absl::StrCat("UPDATE puzzle_attempts SET verdict = $2, submitted_at = clock_timestamp(), "
                   "time_taken_ms = $3, score = $4, rated = $5, rating_before = $6, "
                   "rating_after = $7 WHERE id = $1 RETURNING ",
                   AttemptColumns()),
      attempt_id, VerdictCodes().Code(correct ? v1::VERDICT_CORRECT : v1::VERDICT_INCORRECT),
      time_taken_ms, score, rated, rating_before, rating_after)[0]);
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
  tx.Query(
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
