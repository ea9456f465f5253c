#include "quest/match_rules.h"

#include <algorithm>
#include <numeric>
#include <set>

#include "absl/strings/str_cat.h"
#include "common/api/validation.h"
#include "common/db/enum_codes.h"

namespace qs::quest {
namespace {

using v1::MatchStatus;

absl::Status WrongState(MatchStatus status, absl::string_view action) {
  return absl::FailedPreconditionError(
      absl::StrCat("match is ", MatchStatusCode(status), ": cannot ", action));
}

bool Before(const Standing& a, const Standing& b) {
  if (a.left != b.left) return !a.left;
  if (a.score != b.score) return a.score > b.score;
  return a.time_taken_ms < b.time_taken_ms;
}

bool SamePlace(const Standing& a, const Standing& b) {
  return a.left == b.left && a.score == b.score && a.time_taken_ms == b.time_taken_ms;
}

}  // namespace

absl::StatusOr<int> ValidateCreateMatch(const v1::CreateMatchRequest& request) {
  if (absl::Status s = api::RequireKnownEnum("mode", request.mode(), v1::MatchMode_IsValid);
      !s.ok()) {
    return s;
  }
  if (request.puzzle_ids_size() < 1 || request.puzzle_ids_size() > kMaxMatchPuzzles) {
    return absl::InvalidArgumentError(absl::StrCat("puzzle_ids: 1..", kMaxMatchPuzzles,
                                                   " puzzles, got ", request.puzzle_ids_size()));
  }
  std::set<std::string> distinct;
  for (const std::string& id : request.puzzle_ids()) {
    if (absl::Status s = api::RequireUuid("puzzle_ids", id); !s.ok()) return s;
    if (!distinct.insert(id).second) {
      return absl::InvalidArgumentError(absl::StrCat("puzzle_ids: ", id, " appears twice"));
    }
  }
  if (request.mode() == v1::MATCH_MODE_HEAD_TO_HEAD) {
    if (request.max_players() != 0 && request.max_players() != 2) {
      return absl::InvalidArgumentError("max_players: a head-to-head match has 2 players");
    }
    return 2;
  }
  if (absl::Status s =
          api::RequireInRange("max_players", int64_t{request.max_players()}, 2, kMaxGroupPlayers);
      !s.ok()) {
    return s;
  }
  return request.max_players();
}

absl::Status CheckJoin(MatchStatus status, int players, int max_players) {
  if (status != v1::MATCH_STATUS_WAITING) return WrongState(status, "join");
  if (players >= max_players) {
    return absl::ResourceExhaustedError(absl::StrCat("match is full (", max_players, " players)"));
  }
  return absl::OkStatus();
}

absl::Status CheckStart(MatchStatus status, bool is_creator, int active_players) {
  if (!is_creator) return absl::PermissionDeniedError("only the creator may start the match");
  if (status != v1::MATCH_STATUS_WAITING) return WrongState(status, "start");
  if (active_players < 2) {
    return absl::FailedPreconditionError("a match needs at least 2 players to start");
  }
  return absl::OkStatus();
}

absl::Status CheckAnswer(MatchStatus status, bool is_active_participant, bool puzzle_in_match,
                         bool answered_before) {
  if (!is_active_participant) {
    return absl::PermissionDeniedError("only a player still in the match may answer");
  }
  if (status != v1::MATCH_STATUS_IN_PROGRESS) return WrongState(status, "answer");
  if (!puzzle_in_match) {
    return absl::InvalidArgumentError("puzzle_id: not a puzzle of this match");
  }
  if (answered_before) {
    return absl::FailedPreconditionError("puzzle_id: already answered in this match");
  }
  return absl::OkStatus();
}

absl::Status CheckLeave(MatchStatus status, bool is_active_participant) {
  if (!is_active_participant) {
    return absl::FailedPreconditionError("not a player of this match");
  }
  if (status != v1::MATCH_STATUS_WAITING && status != v1::MATCH_STATUS_IN_PROGRESS) {
    return WrongState(status, "leave");
  }
  return absl::OkStatus();
}

std::vector<int> RankStandings(const std::vector<Standing>& standings) {
  std::vector<size_t> order(standings.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return Before(standings[a], standings[b]); });
  std::vector<int> ranks(standings.size());
  for (size_t position = 0; position < order.size(); ++position) {
    const size_t i = order[position];
    ranks[i] = (position > 0 && SamePlace(standings[order[position - 1]], standings[i]))
                   ? ranks[order[position - 1]]
                   : static_cast<int>(position) + 1;
  }
  return ranks;
}

std::string WinnerOf(const std::vector<Standing>& standings, const std::vector<int>& ranks) {
  std::string winner;
  int firsts = 0;
  for (size_t i = 0; i < standings.size(); ++i) {
    if (ranks[i] == 1 && !standings[i].left) {
      winner = standings[i].user_id;
      ++firsts;
    }
  }
  return firsts == 1 ? winner : "";
}

const v1::MatchParticipant* ParticipantOf(const v1::Match& match, const std::string& user) {
  for (const auto& participant : match.participants()) {
    if (participant.user_id() == user) return &participant;
  }
  return nullptr;
}

bool IsActive(const v1::Match& match, const std::string& user) {
  const v1::MatchParticipant* participant = ParticipantOf(match, user);
  return participant != nullptr && !participant->left();
}

int ActivePlayers(const v1::Match& match) {
  int active = 0;
  for (const auto& participant : match.participants()) active += participant.left() ? 0 : 1;
  return active;
}

bool HasPuzzle(const v1::Match& match, const std::string& puzzle_id) {
  for (const std::string& id : match.puzzle_ids()) {
    if (id == puzzle_id) return true;
  }
  return false;
}

Settlement Settle(const v1::Match& match) {
  Settlement settlement;
  if (match.status() != v1::MATCH_STATUS_IN_PROGRESS &&
      match.status() != v1::MATCH_STATUS_WAITING) {
    return settlement;
  }
  if (ActivePlayers(match) == 0) {
    settlement.outcome = Settlement::kCancel;
    return settlement;
  }
  if (match.status() != v1::MATCH_STATUS_IN_PROGRESS) return settlement;
  for (const auto& participant : match.participants()) {
    if (!participant.left() && participant.answered_count() < match.puzzle_ids_size()) {
      return settlement;
    }
  }
  std::vector<Standing> standings;
  for (const auto& p : match.participants()) {
    standings.push_back({p.user_id(), p.score(), p.time_taken_ms(), p.left()});
  }
  const std::vector<int> ranks = RankStandings(standings);
  settlement.outcome = Settlement::kFinish;
  settlement.winner_id = WinnerOf(standings, ranks);
  for (size_t i = 0; i < standings.size(); ++i) {
    settlement.ranks.emplace_back(standings[i].user_id, ranks[i]);
  }
  return settlement;
}

void ApplyLeave(const std::string& user, v1::Match* match) {
  auto* participants = match->mutable_participants();
  for (int i = 0; i < participants->size(); ++i) {
    if (participants->Get(i).user_id() != user) continue;
    if (match->status() == v1::MATCH_STATUS_WAITING) {
      participants->DeleteSubrange(i, 1);
    } else {
      participants->Mutable(i)->set_left(true);
    }
    return;
  }
}

void ApplyAnswer(const std::string& user, bool correct, int64_t score, int64_t time_taken_ms,
                 v1::Match* match) {
  for (v1::MatchParticipant& participant : *match->mutable_participants()) {
    if (participant.user_id() != user) continue;
    participant.set_score(participant.score() + score);
    participant.set_solved_count(participant.solved_count() + (correct ? 1 : 0));
    participant.set_answered_count(participant.answered_count() + 1);
    participant.set_time_taken_ms(participant.time_taken_ms() + time_taken_ms);
    return;
  }
}

namespace {

const db::EnumCodes<MatchStatus>& StatusCodes() {
  static const auto* codes = new db::EnumCodes<MatchStatus>({
      {v1::MATCH_STATUS_WAITING, "waiting"},
      {v1::MATCH_STATUS_IN_PROGRESS, "in_progress"},
      {v1::MATCH_STATUS_FINISHED, "finished"},
      {v1::MATCH_STATUS_CANCELLED, "cancelled"},
  });
  return *codes;
}

const db::EnumCodes<v1::MatchMode>& ModeCodes() {
  static const auto* codes = new db::EnumCodes<v1::MatchMode>(
      {{v1::MATCH_MODE_HEAD_TO_HEAD, "head_to_head"}, {v1::MATCH_MODE_GROUP, "group"}});
  return *codes;
}

}  // namespace

std::string MatchStatusCode(MatchStatus status) { return StatusCodes().Code(status); }
MatchStatus MatchStatusFromCode(const std::string& code) { return StatusCodes().FromCode(code); }
std::string MatchModeCode(v1::MatchMode mode) { return ModeCodes().Code(mode); }
v1::MatchMode MatchModeFromCode(const std::string& code) { return ModeCodes().FromCode(code); }

}  // namespace qs::quest
