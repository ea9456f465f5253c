#include "quest/match_store.h"

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "common/db/row_mapping.h"
#include "pqxx/pqxx"
#include "quest/match_rules.h"

namespace qs::quest {
namespace {

// Columns of `matches m` (kMatchColumnCount of them), then of
// `match_participants p` (kParticipantColumnCount), as every load selects
// them.
const std::string& MatchColumns() {
  static const std::string* columns = new std::string(absl::StrCat(
      "m.id::text, m.creator_id::text, m.mode, m.max_players, m.status, m.puzzle_ids::text, "
      "coalesce(m.winner_id::text, ''), ",
      db::MicrosSql("m.created_at"), ", ", db::MicrosOrZeroSql("m.started_at"), ", ",
      db::MicrosOrZeroSql("m.finished_at")));
  return *columns;
}
constexpr int kMatchColumnCount = 10;

constexpr char kParticipantColumns[] =
    "p.user_id::text, p.score, p.solved_count, p.answered_count, p.time_taken_ms, "
    "coalesce(p.rank, 0), p.left_at IS NOT NULL";
constexpr int kParticipantColumnCount = 7;

// The participants in the order every load returns them.
constexpr char kParticipantOrder[] = "p.joined_at, p.user_id";

v1::Match MatchFromRow(const pqxx::row& row) {
  v1::Match match;
  match.set_id(row[0].as<std::string>());
  match.set_creator_id(row[1].as<std::string>());
  match.set_mode(MatchModeFromCode(row[2].as<std::string>()));
  match.set_max_players(row[3].as<int>());
  match.set_status(MatchStatusFromCode(row[4].as<std::string>()));
  for (std::string& id : db::ParseArrayLiteral(row[5].c_str())) match.add_puzzle_ids(std::move(id));
  match.set_winner_id(row[6].as<std::string>());
  db::SetTimestamp(row[7].as<int64_t>(), match.mutable_created_at());
  db::SetTimestampIfSet(row[8].as<int64_t>(), match, &v1::Match::mutable_started_at);
  db::SetTimestampIfSet(row[9].as<int64_t>(), match, &v1::Match::mutable_finished_at);
  return match;
}

// The participant whose kParticipantColumns start at column `first`.
void AddParticipantFrom(const pqxx::row& row, int first, v1::Match& match) {
  v1::MatchParticipant* p = match.add_participants();
  p->set_user_id(row[first].as<std::string>());
  p->set_score(row[first + 1].as<int64_t>());
  p->set_solved_count(row[first + 2].as<int>());
  p->set_answered_count(row[first + 3].as<int>());
  p->set_time_taken_ms(row[first + 4].as<int64_t>());
  p->set_rank(row[first + 5].as<int>());
  p->set_left(row[first + 6].as<bool>());
}

// Rows of "match_id, kParticipantColumns", into the matches they belong to.
void AddParticipantsFrom(const pqxx::result& rows, const std::vector<v1::Match*>& matches) {
  absl::flat_hash_map<std::string, v1::Match*> by_id;
  for (v1::Match* match : matches) by_id[match->id()] = match;
  for (const pqxx::row& row : rows) {
    auto it = by_id.find(row[0].as<std::string>());
    if (it != by_id.end()) AddParticipantFrom(row, 1, *it->second);
  }
}

// One statement for a match and its participants: a row per participant
// (one with NULL participant columns when there is none), `extra` columns
// after them. $1 is the match id.
std::string LoadSql(absl::string_view extra = "") {
  return absl::StrCat("SELECT ", MatchColumns(), ", ", kParticipantColumns, extra,
                      " FROM matches m LEFT JOIN match_participants p ON p.match_id = m.id "
                      "WHERE m.id = $1 ORDER BY ",
                      kParticipantOrder);
}

absl::StatusOr<v1::Match> MatchFromLoad(const pqxx::result& rows, const std::string& id) {
  if (rows.empty()) return absl::NotFoundError(absl::StrCat("match ", id, " not found"));
  v1::Match match = MatchFromRow(rows[0]);
  for (const pqxx::row& row : rows) {
    if (!row[kMatchColumnCount].is_null()) AddParticipantFrom(row, kMatchColumnCount, match);
  }
  return match;
}

template <typename Tx>
absl::StatusOr<v1::Match> Load(Tx& tx, const std::string& id) {
  return MatchFromLoad(tx.Query(LoadSql(), id), id);
}

// Defers the lock of the match row, so that it travels with the load that
// follows (see MatchStore::Lock).
void DeferLock(db::WriteTx& tx, const std::string& id) {
  tx.Defer("SELECT FROM matches WHERE id = $1 FOR UPDATE", id);
}

}  // namespace

v1::Match MatchStore::Create(db::WriteTx& tx, const std::string& creator_id, v1::MatchMode mode,
                             int max_players, const std::vector<std::string>& puzzle_ids) {
  // The participant's foreign key is checked at the end of the statement,
  // when the match row is there.
  pqxx::result rows = tx.Query(
      absl::StrCat("WITH m AS (INSERT INTO matches (creator_id, mode, max_players, puzzle_ids) "
                   "  VALUES ($1, $2, $3, $4::uuid[]) RETURNING *), "
                   "p AS (INSERT INTO match_participants (match_id, user_id) "
                   "  SELECT id, creator_id FROM m RETURNING *) "
                   "SELECT ",
                   MatchColumns(), ", ", kParticipantColumns, " FROM m, p"),
      creator_id, MatchModeCode(mode), max_players, db::ArrayLiteral(puzzle_ids));
  v1::Match match = MatchFromRow(rows[0]);
  AddParticipantFrom(rows[0], kMatchColumnCount, match);
  return match;
}

absl::StatusOr<v1::Match> MatchStore::Get(db::ReadTx& tx, const std::string& id) {
  return Load(tx, id);
}

absl::StatusOr<v1::Match> MatchStore::Lock(db::WriteTx& tx, const std::string& id) {
  DeferLock(tx, id);
  return Load(tx, id);
}

absl::StatusOr<MatchForAnswer> MatchStore::LockForAnswer(db::WriteTx& tx, const std::string& id,
                                                         const std::string& user_id,
                                                         const std::string& puzzle_id) {
  DeferLock(tx, id);
  pqxx::result rows = tx.Query(
      LoadSql(absl::StrCat(", EXISTS (SELECT 1 FROM match_answers a JOIN match_participants q "
                           "ON q.id = a.match_participant_id WHERE q.match_id = m.id "
                           "AND q.user_id = $2 AND a.puzzle_id = $3), coalesce(",
                           db::MillisSinceSql("m.started_at"), ", 0)")),
      id, user_id, puzzle_id);
  absl::StatusOr<v1::Match> match = MatchFromLoad(rows, id);
  if (!match.ok()) return match.status();
  constexpr int kExtras = kMatchColumnCount + kParticipantColumnCount;
  return MatchForAnswer{*std::move(match), rows[0][kExtras].as<bool>(),
                        rows[0][kExtras + 1].as<int64_t>()};
}

absl::StatusOr<v1::Match> MatchStore::Reload(db::WriteTx& tx, const std::string& id) {
  return Load(tx, id);
}

void MatchStore::AddParticipant(db::WriteTx& tx, const std::string& match_id,
                                const std::string& user_id) {
  tx.Defer("INSERT INTO match_participants (match_id, user_id) VALUES ($1, $2)", match_id, user_id);
}

void MatchStore::RemoveParticipant(db::WriteTx& tx, const std::string& match_id,
                                   const std::string& user_id) {
  tx.Defer("DELETE FROM match_participants WHERE match_id = $1 AND user_id = $2", match_id,
           user_id);
}

void MatchStore::MarkLeft(db::WriteTx& tx, const std::string& match_id,
                          const std::string& user_id) {
  tx.Defer(
      "UPDATE match_participants SET left_at = clock_timestamp() "
      "WHERE match_id = $1 AND user_id = $2",
      match_id, user_id);
}

void MatchStore::Start(db::WriteTx& tx, const std::string& match_id) {
  tx.Defer(
      "UPDATE matches SET status = 'in_progress', started_at = clock_timestamp() "
      "WHERE id = $1",
      match_id);
}

void MatchStore::Cancel(db::WriteTx& tx, const std::string& match_id) {
  tx.Defer(
      "UPDATE matches SET status = 'cancelled', finished_at = clock_timestamp() "
      "WHERE id = $1",
      match_id);
}

void MatchStore::Finish(db::WriteTx& tx, const std::string& match_id, const std::string& winner_id,
                        const std::vector<std::pair<std::string, int>>& ranks) {
  std::vector<std::string> users;
  std::vector<int> user_ranks;
  for (const auto& [user_id, rank] : ranks) {
    users.push_back(user_id);
    user_ranks.push_back(rank);
  }
  tx.Defer(
      "WITH m AS (UPDATE matches SET status = 'finished', finished_at = clock_timestamp(), "
      "  winner_id = nullif($2, '')::uuid WHERE id = $1) "
      "UPDATE match_participants p SET rank = r.rank "
      "FROM unnest($3::uuid[], $4::int[]) AS r (user_id, rank) "
      "WHERE p.match_id = $1 AND p.user_id = r.user_id",
      match_id, winner_id, db::ArrayLiteral(users), db::ArrayLiteral(user_ranks));
}

void MatchStore::RecordAnswer(db::WriteTx& tx, const std::string& match_id,
                              const std::string& user_id, const std::string& puzzle_id,
                              bool correct, int64_t score, int64_t time_taken_ms) {
  tx.Defer(
      "WITH p AS (UPDATE match_participants SET score = score + $5, "
      "  solved_count = solved_count + $4::boolean::int, answered_count = answered_count + 1, "
      "  time_taken_ms = time_taken_ms + $6 WHERE match_id = $1 AND user_id = $2 RETURNING id) "
      "INSERT INTO match_answers (match_participant_id, puzzle_id, correct, time_taken_ms) "
      "SELECT p.id, $3, $4, $6 FROM p",
      match_id, user_id, puzzle_id, correct, score, time_taken_ms);
}

std::vector<std::pair<v1::Match, int64_t>> MatchStore::ListFor(
    db::ReadTx& tx, const std::string& user_id, const std::string& status,
    const std::optional<api::KeysetPosition>& after, int limit) {
  pqxx::result rows = tx.Query(
      absl::StrCat("SELECT ", MatchColumns(), ", ", db::MicrosSql("p.joined_at"),
                   " FROM match_participants p JOIN matches m ON m.id = p.match_id "
                   "WHERE p.user_id = $1 AND ($2 = '' OR m.status = $2) "
                   "AND ($3 = '' OR (p.joined_at, p.match_id) < (",
                   db::TimestampSql("$4"),
                   ", nullif($3, '')::uuid)) "
                   "ORDER BY p.joined_at DESC, p.match_id DESC LIMIT $5"),
      user_id, status, after ? after->id : std::string(), after ? after->key : int64_t{0}, limit);
  std::vector<std::pair<v1::Match, int64_t>> matches;
  std::vector<std::string> ids;
  for (const pqxx::row& row : rows) {
    matches.emplace_back(MatchFromRow(row), row[kMatchColumnCount].as<int64_t>());
    ids.push_back(matches.back().first.id());
  }
  if (ids.empty()) return matches;
  std::vector<v1::Match*> targets;
  for (auto& entry : matches) targets.push_back(&entry.first);
  // All participants of the page in one query.
  AddParticipantsFrom(
      tx.Query(absl::StrCat("SELECT p.match_id::text, ", kParticipantColumns,
                            " FROM match_participants p WHERE p.match_id = ANY($1::uuid[]) "
                            "ORDER BY ",
                            kParticipantOrder),
               db::ArrayLiteral(ids)),
      targets);
  return matches;
}

}  // namespace qs::quest
