#include "quest/puzzle_store.h"

#include "absl/strings/str_cat.h"
#include "common/db/db_error.h"
#include "common/db/keyset_sql.h"
#include "common/db/row_mapping.h"
#include "pqxx/pqxx"
#include "quest/puzzle_rules.h"

namespace qs::quest {
namespace {

// Hot reads, registered on every connection (PreparedStatements).
constexpr char kGet[] = "quest_puzzle_get";
constexpr char kGetMany[] = "quest_puzzle_get_many";
constexpr char kFeed[] = "quest_puzzle_feed";

const std::string& Columns() {
  static const std::string* columns = new std::string(
      absl::StrCat("id::text, author_id::text, title, kind, themes::text, rating, play_count, "
                   "content, solution, status, version, ",
                   db::MicrosSql("created_at"), ", ", db::MicrosSql("updated_at")));
  return *columns;
}

// One statement for every filter combination: unused filters compare
// against their neutral value. Planned per call (Planning::kPerCall): a
// generic plan would have to keep every filter, a custom one drops the
// unused ones and stays on the feed indexes.
const std::string& FeedSql() {
  static const std::string* sql =
      new std::string(absl::StrCat("SELECT ", Columns(),
                                   " FROM puzzles "
                                   "WHERE status = $1 "
                                   "AND ($2 = '' OR author_id = $2::uuid) "
                                   "AND ($3 = 0 OR rating >= $3) AND ($4 = 0 OR rating <= $4) "
                                   "AND ($5 = '' OR themes @> ARRAY[$5]) "
                                   "AND ($6 = '' OR (created_at, id) < (",
                                   db::TimestampSql("$7"),
                                   ", $6::uuid)) "
                                   "ORDER BY created_at DESC, puzzles.id DESC LIMIT $8"));
  return *sql;
}

StoredPuzzle FromRow(const pqxx::row& row) {
  StoredPuzzle stored;
  v1::Puzzle& p = stored.puzzle;
  p.set_id(row[0].as<std::string>());
  p.set_author_id(row[1].as<std::string>());
  p.set_title(row[2].as<std::string>());
  p.set_kind(KindFromCode(row[3].as<std::string>()));
  for (std::string& theme : db::ParseArrayLiteral(row[4].c_str())) {
    p.add_themes(std::move(theme));
  }
  p.set_rating(row[5].as<int>());
  p.set_play_count(row[6].as<int64_t>());
  p.set_content(row[7].as<std::string>());
  stored.solution = row[8].as<std::string>();
  p.set_status(StatusFromCode(row[9].as<std::string>()));
  p.set_version(row[10].as<int64_t>());
  db::SetTimestamp(row[11].as<int64_t>(), p.mutable_created_at());
  db::SetTimestamp(row[12].as<int64_t>(), p.mutable_updated_at());
  return stored;
}

absl::Status NotFound(const std::string& id) {
  return absl::NotFoundError(absl::StrCat("puzzle ", id, " not found"));
}

absl::StatusOr<PuzzleForPlay> LoadForPlay(db::WriteTx& tx, const std::string& id) {
  pqxx::result rows =
      tx.Query(absl::StrCat("SELECT author_id::text, status, solution, rating, rating_deviation, "
                            "rating_volatility, ",
                            db::MicrosSql("clock_timestamp()"), " FROM puzzles WHERE id = $1"),
               id);
  if (rows.empty()) return NotFound(id);
  const pqxx::row& row = rows[0];
  return PuzzleForPlay{id,
                       row[0].as<std::string>(),
                       StatusFromCode(row[1].as<std::string>()),
                       row[2].as<std::string>(),
                       {row[3].as<double>(), row[4].as<double>(), row[5].as<double>()},
                       row[6].as<int64_t>()};
}

}  // namespace

StoredPuzzle PuzzleStore::Create(db::WriteTx& tx, const StoredPuzzle& stored) {
  const v1::Puzzle& p = stored.puzzle;
  return FromRow(
      tx.Query(absl::StrCat("INSERT INTO puzzles (author_id, title, kind, themes, rating, "
                            "content, solution, status) "
                            "VALUES ($1, $2, $3, $4::text[], $5, $6, $7, $8) RETURNING ",
                            Columns()),
               p.author_id(), p.title(), KindCode(p.kind()), db::ArrayLiteral(p.themes()),
               p.rating(), p.content(), stored.solution, StatusCode(p.status()))[0]);
}

std::vector<db::PreparedStatement> PuzzleStore::PreparedStatements() {
  return {
      {kGet, absl::StrCat("SELECT ", Columns(), " FROM puzzles WHERE id = $1")},
      {kGetMany, absl::StrCat("SELECT ", Columns(), " FROM puzzles WHERE id = ANY($1::uuid[])")},
      {kFeed, FeedSql(), db::Planning::kPerCall}};
}

absl::StatusOr<StoredPuzzle> PuzzleStore::Get(db::ReadTx& tx, const std::string& id) {
  pqxx::result rows = tx.QueryPrepared(kGet, id);
  if (rows.empty()) return NotFound(id);
  return FromRow(rows[0]);
}

void PuzzleStore::GetAsync(db::AsyncReadPool& reads, const std::string& id, absl::Time deadline,
                           std::function<void(absl::StatusOr<StoredPuzzle>)> done) {
  // By primary key, one row per key: safe to coalesce (coalesced_lookup.h).
  static const db::CoalescedLookup* by_id =
      new db::CoalescedLookup{kGetMany, "id", db::LookupKeyForm::kUuid};
  reads.Lookup(*by_id, id, deadline,
               [id, done = std::move(done)](absl::StatusOr<std::optional<pqxx::row>> row) {
                 if (!row.ok()) return done(row.status());
                 if (!row->has_value()) return done(NotFound(id));
                 absl::StatusOr<StoredPuzzle> mapped;
                 try {
                   mapped = FromRow(**row);
                 } catch (const std::exception& e) {  // A column that does not convert.
                   mapped = db::StatusFromDbException(e, "puzzle lookup");
                 }
                 done(std::move(mapped));
               });
}

absl::StatusOr<StoredPuzzle> PuzzleStore::GetForUpdate(db::WriteTx& tx, const std::string& id) {
  pqxx::result rows =
      tx.Query(absl::StrCat("SELECT ", Columns(), " FROM puzzles WHERE id = $1 FOR UPDATE"), id);
  if (rows.empty()) return NotFound(id);
  return FromRow(rows[0]);
}

StoredPuzzle PuzzleStore::Update(db::WriteTx& tx, const StoredPuzzle& stored) {
  const v1::Puzzle& p = stored.puzzle;
  return FromRow(
      tx.Query(absl::StrCat("UPDATE puzzles SET title = $2, kind = $3, themes = $4::text[], "
                            "rating = $5, content = $6, solution = $7, status = $8, "
                            "version = version + 1, updated_at = clock_timestamp() "
                            "WHERE id = $1 RETURNING ",
                            Columns()),
               p.id(), p.title(), KindCode(p.kind()), db::ArrayLiteral(p.themes()), p.rating(),
               p.content(), stored.solution, StatusCode(p.status()))[0]);
}

void PuzzleStore::ListAsync(db::AsyncReadPool& reads, const FeedQuery& query, absl::Time deadline,
                            db::RowsDone<v1::Puzzle> done) {
  db::QueryRows<v1::Puzzle>(
      reads, kFeed,
      db::AsyncParams(query.status, query.author_id, query.min_rating, query.max_rating,
                      query.theme, db::KeysetIdParam(query.after), db::KeysetKeyParam(query.after),
                      query.limit),
      deadline, [](const pqxx::row& row) { return FromRow(row).puzzle; }, std::move(done));
}

absl::StatusOr<v1::Puzzle> PuzzleStore::DailyPuzzle(db::ReadTx& tx, const std::string& day) {
  pqxx::result rows =
      tx.Query(absl::StrCat("SELECT ", Columns(),
                            " FROM puzzles WHERE id = "
                            "(SELECT puzzle_id FROM daily_puzzles WHERE day = $1::date)"),
               day);
  if (rows.empty()) return absl::NotFoundError(absl::StrCat("no puzzle chosen for ", day));
  return FromRow(rows[0]).puzzle;
}

void PuzzleStore::ChooseDailyPuzzle(db::WriteTx& tx, const std::string& day) {
  tx.Query(
      "INSERT INTO daily_puzzles (day, puzzle_id) "
      "SELECT $1::date, p.id FROM puzzles p WHERE p.status = 'published' "
      "AND NOT EXISTS (SELECT 1 FROM daily_puzzles d WHERE d.puzzle_id = p.id) "
      "ORDER BY md5(p.id::text || $1) LIMIT 1 "
      "ON CONFLICT DO NOTHING",
      day);
}

absl::StatusOr<PuzzleForPlay> PuzzleStore::ReadForPlay(db::WriteTx& tx, const std::string& id) {
  return LoadForPlay(tx, id);
}

void PuzzleStore::CountPlay(db::WriteTx& tx, const std::string& id) {
  tx.Defer("INSERT INTO puzzle_plays (puzzle_id) VALUES ($1)", id);
}

void PuzzleStore::RecordRatingResult(db::WriteTx& tx, const std::string& id,
                                     const std::string& attempt_id, const GameResult& game) {
  tx.Defer(
      "INSERT INTO puzzle_rating_results "
      "(puzzle_id, attempt_id, player_rating, player_deviation, puzzle_score) "
      "VALUES ($1, $2, $3, $4, $5)",
      id, attempt_id, game.opponent.rating, game.opponent.deviation, game.score);
}

void PuzzleStore::SetRating(db::WriteTx& tx, const std::string& id, const Rating& rating) {
  tx.Defer(absl::StrCat("UPDATE puzzles SET rating = least(", kMaxRating, ", greatest(", kMinRating,
                        ", round($2)::int)), "
                        "rating_deviation = $3, rating_volatility = $4 WHERE id = $1"),
           id, rating.rating, rating.deviation, rating.volatility);
}

int64_t PuzzleStore::CountPublished(db::WriteTx& tx, const std::vector<std::string>& ids) {
  return tx
      .Query(
          "SELECT count(*) FROM puzzles WHERE id = ANY($1::uuid[]) "
          "AND status = 'published'",
          db::ArrayLiteral(ids))[0][0]
      .as<int64_t>();
}

absl::StatusOr<v1::Puzzle> PuzzleStore::NextFor(db::ReadTx& tx, const std::string& user_id,
                                                const std::string& theme, RatingWindow window) {
  // Walks the (status, rating) index outward from the band's centre, up and
  // down, and stops at the first unseen puzzle on each side: the cost grows
  // with the puzzles the user has already seen near that rating, not with
  // the catalogue. The bounds are integers (the user's rating rounded) and
  // InitPlans, so that they are index conditions.
  constexpr char kUnseen[] =
      "p.status = 'published' AND ($2 = '' OR p.themes @> ARRAY[$2]) "
      "AND NOT EXISTS (SELECT 1 FROM puzzle_attempts a "
      "                WHERE a.user_id = $1::uuid AND a.puzzle_id = p.id) ";
  pqxx::result rows = tx.Query(
      absl::StrCat(
          "WITH me AS (SELECT round(coalesce((SELECT rating FROM user_progress "
          "                   WHERE user_id = $1::uuid), 1500))::int AS r), "
          "up AS (SELECT * FROM puzzles p WHERE ",
          kUnseen,
          "  AND p.rating >= (SELECT r + ($3::int + $4::int) / 2 FROM me) "
          "  AND p.rating <= (SELECT r + $4::int FROM me) ORDER BY p.rating, p.id LIMIT 1), "
          "down AS (SELECT * FROM puzzles p WHERE ",
          kUnseen,
          "  AND p.rating < (SELECT r + ($3::int + $4::int) / 2 FROM me) "
          "  AND p.rating >= (SELECT r + $3::int FROM me) ORDER BY p.rating DESC, p.id LIMIT 1) "
          "SELECT ",
          Columns(),
          " FROM (SELECT * FROM up UNION ALL SELECT * FROM down) p "
          "ORDER BY abs(p.rating - (SELECT r + ($3::int + $4::int) / 2 FROM me)), p.id LIMIT 1"),
      user_id, theme, window.low, window.high);
  if (rows.empty()) return absl::NotFoundError("no unseen published puzzle in this band");
  return FromRow(rows[0]).puzzle;
}

}  // namespace qs::quest
