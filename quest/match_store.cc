#include "quest/match_store.h"

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "common/db/row_mapping.h"
#include "pqxx/pqxx"
#include "quest/match_rules.h"

namespace qs::quest {
namespace {

const std::string& MatchColumns() {
  static const std::string* columns = new std::string(absl::StrCat(
      "m.id::text, m.creator_id::text, m.mode, m.max_players, m.status, m.puzzle_ids::text, "
      "coalesce(m.winner_id::text, ''), ",
      db::MicrosSql("m.created_at"), ", ", db::MicrosOrZeroSql("m.started_at"), ", ",
      db::MicrosOrZeroSql("m.finished_at")));
  return *columns;
}

constexpr char kParticipantColumns[] =
    "match_id::text, user_id::text, score, solved_count, answered_count, time_taken_ms, "
    "coalesce(rank, 0), left_at IS NOT NULL";

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

void AddParticipantsFrom(const pqxx::result& rows, const std::vector<v1::Match*>& matches) {
  absl::flat_hash_map<std::string, v1::Match*> by_id;
  for (v1::Match* match : matches) by_id[match->id()] = match;
  for (const pqxx::row& row : rows) {
    auto it = by_id.find(row[0].as<std::string>());
    if (it != by_id.end()) {
      v1::MatchParticipant* p = it->second->add_participants();
      p->set_user_id(row[1].as<std::string>());
      p->set_score(row[2].as<int64_t>());
      p->set_solved_count(row[3].as<int>());
      p->set_answered_count(row[4].as<int>());
      p->set_time_taken_ms(row[5].as<int64_t>());
      p->set_rank(row[6].as<int>());
      p->set_left(row[7].as<bool>());
    }
  }
}

template <typename Tx>
absl::StatusOr<v1::Match> Load(Tx& tx, const std::string& id, const char* lock) {
  pqxx::result rows = tx.Query(
      absl::StrCat("SELECT ", MatchColumns(), " FROM matches m WHERE m.id = $1", lock), id);
  if (rows.empty()) return absl::NotFoundError(absl::StrCat("match ", id, " not found"));
  v1::Match match = MatchFromRow(rows[0]);
  AddParticipantsFrom(tx.Query(absl::StrCat("SELECT ", kParticipantColumns,
                                            " FROM match_participants WHERE match_id = $1 "
                                            "ORDER BY joined_at, match_participants.user_id"),
                               id),
                      {&match});
  return match;
}

}  // namespace

std::string MatchStore::Create(db::WriteTx& tx, const std::string& creator_id, v1::MatchMode mode,
                               int max_players, const std::vector<std::string>& puzzle_ids) {
  std::string id =
      tx.Query(
            "INSERT INTO matches (creator_id, mode, max_players, puzzle_ids) "
            "VALUES ($1, $2, $3, $4::uuid[]) RETURNING id::text",
            creator_id, MatchModeCode(mode), max_players, db::ArrayLiteral(puzzle_ids))[0][0]
          .as<std::string>();
  AddParticipant(tx, id, creator_id);
  return id;
}

absl::StatusOr<v1::Match> MatchStore::Get(db::ReadTx& tx, const std::string& id) {
  return Load(tx, id, "");
}

absl::StatusOr<v1::Match> MatchStore::Lock(db::WriteTx& tx, const std::string& id) {
  return Load(tx, id, " FOR UPDATE");
}

void MatchStore::AddParticipant(db::WriteTx& tx, const std::string& match_id,
                                const std::string& user_id) {
  tx.Query("INSERT INTO match_participants (match_id, user_id) VALUES ($1, $2)", match_id, user_id);
}

void MatchStore::RemoveParticipant(db::WriteTx& tx, const std::string& match_id,
                                   const std::string& user_id) {
  tx.Query("DELETE FROM match_participants WHERE match_id = $1 AND user_id = $2", match_id,
           user_id);
}

void MatchStore::MarkLeft(db::WriteTx& tx, const std::string& match_id,
                          const std::string& user_id) {
  tx.Query(
      "UPDATE match_participants SET left_at = clock_timestamp() "
      "WHERE match_id = $1 AND user_id = $2",
      match_id, user_id);
}

void MatchStore::Start(db::WriteTx& tx, const std::string& match_id) {
  tx.Query(
      "UPDATE matches SET status = 'in_progress', started_at = clock_timestamp() "
      "WHERE id = $1",
      match_id);
}

void MatchStore::Cancel(db::WriteTx& tx, const std::string& match_id) {
  tx.Query(
      "UPDATE matches SET status = 'cancelled', finished_at = clock_timestamp() "
      "WHERE id = $1",
      match_id);
}

void MatchStore::Finish(db::WriteTx& tx, const std::string& match_id, const std::string& winner_id,
                        const std::vector<std::pair<std::string, int>>& ranks) {
  tx.Query(
      "UPDATE matches SET status = 'finished', finished_at = clock_timestamp(), "
      "winner_id = nullif($2, '')::uuid WHERE id = $1",
      match_id, winner_id);
  for (const auto& [user_id, rank] : ranks) {
    tx.Query("UPDATE match_participants SET rank = $3 WHERE match_id = $1 AND user_id = $2",
             match_id, user_id, rank);
  }
}

bool MatchStore::AnsweredBefore(db::WriteTx& tx, const std::string& match_id,
                                const std::string& user_id, const std::string& puzzle_id) {
  return tx
      .Query(
          "SELECT EXISTS (SELECT 1 FROM match_answers a JOIN match_participants p "
          "ON p.id = a.match_participant_id WHERE p.match_id = $1 "
          "AND p.user_id = $2 AND a.puzzle_id = $3)",
          match_id, user_id, puzzle_id)[0][0]
      .as<bool>();
}

int64_t MatchStore::ElapsedMs(db::WriteTx& tx, const std::string& match_id) {
  return tx
      .Query(
          absl::StrCat("SELECT ", db::MillisSinceSql("started_at"), " FROM matches WHERE id = $1"),
          match_id)[0][0]
      .as<int64_t>();
}

void MatchStore::RecordAnswer(db::WriteTx& tx, const std::string& match_id,
                              const std::string& user_id, const std::string& puzzle_id,
                              bool correct, int64_t score, int64_t time_taken_ms) {
  tx.Query(
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
    matches.emplace_back(MatchFromRow(row), row[10].as<int64_t>());
    ids.push_back(matches.back().first.id());
  }
  if (ids.empty()) return matches;
  std::vector<v1::Match*> targets;
  for (auto& entry : matches) targets.push_back(&entry.first);
  // All participants of the page in one query.
  AddParticipantsFrom(
      tx.Query(absl::StrCat("SELECT ", kParticipantColumns,
                            " FROM match_participants WHERE match_id = "
                            "ANY($1::uuid[]) ORDER BY joined_at, match_participants.user_id"),
               db::ArrayLiteral(ids)),
      targets);
  return matches;
}

}  // namespace qs::quest
