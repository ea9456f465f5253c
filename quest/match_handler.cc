#include "quest/match_handler.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/api/acting_user.h"
#include "common/api/keyset_position.h"
#include "common/api/validation.h"
#include "common/events/outbox.h"
#include "common/grpc/status.h"
#include "proto/quest/v1/events.pb.h"
#include "quest/match_rules.h"
#include "quest/progress_rules.h"

namespace qs::quest {
namespace {

using grpc_util::ToGrpcStatus;
using v1::Match;

constexpr size_t kMaxAnswerBytes = 4 * 1024;
constexpr int kDefaultPageSize = 20;
constexpr int kMaxPageSize = 100;

const v1::MatchParticipant* ParticipantOf(const Match& match, const std::string& user) {
  for (const auto& participant : match.participants()) {
    if (participant.user_id() == user) return &participant;
  }
  return nullptr;
}

bool IsActive(const Match& match, const std::string& user) {
  const v1::MatchParticipant* participant = ParticipantOf(match, user);
  return participant != nullptr && !participant->left();
}

int ActivePlayers(const Match& match) {
  int active = 0;
  for (const auto& participant : match.participants()) active += participant.left() ? 0 : 1;
  return active;
}

}  // namespace

grpc::Status MatchHandler::Change(
    grpc::ServerContext* context, const std::string& match_id,
    const std::function<absl::Status(db::WriteTx&, const Match&, const std::string&)>& change,
    Match* response) {
  absl::StatusOr<std::string> user = api::ActingUserId(*context);
  if (!user.ok()) return ToGrpcStatus(user.status());
  if (absl::Status valid = api::RequireUuid("match_id", match_id); !valid.ok()) {
    return ToGrpcStatus(valid);
  }
  absl::StatusOr<Match> after = database_.Write([&](db::WriteTx& tx) -> absl::StatusOr<Match> {
    absl::StatusOr<Match> match = store_.Lock(tx, match_id);
    if (!match.ok()) return match.status();
    if (absl::Status s = change(tx, *match, *user); !s.ok()) return s;
    return store_.Lock(tx, match_id);
  });
  if (!after.ok()) return ToGrpcStatus(after.status());
  *response = *after;
  return grpc::Status::OK;
}

void MatchHandler::SettleIfDone(db::WriteTx& tx, const std::string& match_id) {
  Match match = *store_.Lock(tx, match_id);
  if (match.status() != v1::MATCH_STATUS_IN_PROGRESS &&
      match.status() != v1::MATCH_STATUS_WAITING) {
    return;
  }
  if (ActivePlayers(match) == 0) {
    store_.Cancel(tx, match_id);
    return;
  }
  if (match.status() != v1::MATCH_STATUS_IN_PROGRESS) return;
  for (const auto& participant : match.participants()) {
    if (!participant.left() && participant.answered_count() < match.puzzle_ids_size()) return;
  }
  std::vector<Standing> standings;
  for (const auto& p : match.participants()) {
    standings.push_back({p.user_id(), p.score(), p.time_taken_ms(), p.left()});
  }
  std::vector<int> ranks = RankStandings(standings);
  std::vector<std::pair<std::string, int>> by_user;
  for (size_t i = 0; i < standings.size(); ++i) by_user.emplace_back(standings[i].user_id, ranks[i]);
  const std::string winner = WinnerOf(standings, ranks);
  store_.Finish(tx, match_id, winner, by_user);
  v1::MatchFinished finished;
  finished.set_match_id(match_id);
  finished.set_winner_id(winner);
  // standings[i] is participants(i): the event carries the ranks just saved.
  for (int i = 0; i < match.participants_size(); ++i) {
    match.mutable_participants(i)->set_rank(ranks[i]);
  }
  *finished.mutable_participants() = match.participants();
  events::AppendEvent(tx, "quest", match_id, finished);
}

grpc::Status MatchHandler::CreateMatch(grpc::ServerContext* context,
                                       const v1::CreateMatchRequest* request,
                                       Match* response) {
  absl::StatusOr<std::string> user = api::ActingUserId(*context);
  if (!user.ok()) return ToGrpcStatus(user.status());
  absl::StatusOr<int> max_players = ValidateCreateMatch(*request);
  if (!max_players.ok()) return ToGrpcStatus(max_players.status());
  std::vector<std::string> puzzle_ids;
  for (const std::string& id : request->puzzle_ids()) puzzle_ids.push_back(absl::AsciiStrToLower(id));
  absl::StatusOr<Match> created = database_.Write([&](db::WriteTx& tx) -> absl::StatusOr<Match> {
    if (store_.CountPublished(tx, puzzle_ids) != static_cast<int64_t>(puzzle_ids.size())) {
      return absl::FailedPreconditionError(
          "puzzle_ids: every puzzle must exist and be published");
    }
    return store_.Lock(tx, store_.Create(tx, *user, request->mode(), *max_players, puzzle_ids));
  });
  if (!created.ok()) return ToGrpcStatus(created.status());
  *response = *created;
  return grpc::Status::OK;
}

grpc::Status MatchHandler::JoinMatch(grpc::ServerContext* context,
                                     const v1::MatchRequest* request, Match* response) {
  return Change(
      context, request->match_id(),
      [&](db::WriteTx& tx, const Match& match, const std::string& user) -> absl::Status {
        if (IsActive(match, user)) return absl::OkStatus();  // Joined already.
        if (ParticipantOf(match, user) != nullptr) {
          return absl::FailedPreconditionError("you left this match");
        }
        if (absl::Status s = CheckJoin(match.status(), match.participants_size(),
                                       match.max_players());
            !s.ok()) {
          return s;
        }
        store_.AddParticipant(tx, match.id(), user);
        return absl::OkStatus();
      },
      response);
}

grpc::Status MatchHandler::LeaveMatch(grpc::ServerContext* context,
                                      const v1::MatchRequest* request, Match* response) {
  return Change(
      context, request->match_id(),
      [&](db::WriteTx& tx, const Match& match, const std::string& user) -> absl::Status {
        if (absl::Status s = CheckLeave(match.status(), IsActive(match, user)); !s.ok()) return s;
        if (match.status() == v1::MATCH_STATUS_WAITING) {
          store_.RemoveParticipant(tx, match.id(), user);
        } else {
          store_.MarkLeft(tx, match.id(), user);
        }
        SettleIfDone(tx, match.id());
        return absl::OkStatus();
      },
      response);
}

grpc::Status MatchHandler::StartMatch(grpc::ServerContext* context,
                                      const v1::MatchRequest* request, Match* response) {
  return Change(
      context, request->match_id(),
      [&](db::WriteTx& tx, const Match& match, const std::string& user) -> absl::Status {
        if (absl::Status s =
                CheckStart(match.status(), match.creator_id() == user, ActivePlayers(match));
            !s.ok()) {
          return s;
        }
        store_.Start(tx, match.id());
        return absl::OkStatus();
      },
      response);
}

grpc::Status MatchHandler::SubmitMatchAnswer(grpc::ServerContext* context,
                                             const v1::SubmitMatchAnswerRequest* request,
                                             v1::SubmitMatchAnswerResponse* response) {
  if (absl::Status valid = api::FirstError(
          {api::RequireUuid("puzzle_id", request->puzzle_id()),
           api::RequireMaxLength("answer", request->answer(), kMaxAnswerBytes)});
      !valid.ok()) {
    return ToGrpcStatus(valid);
  }
  const std::string puzzle_id = absl::AsciiStrToLower(request->puzzle_id());
  bool correct = false;
  int64_t score = 0;
  grpc::Status status = Change(
      context, request->match_id(),
      [&](db::WriteTx& tx, const Match& match, const std::string& user) -> absl::Status {
        bool in_match = false;
        for (const std::string& id : match.puzzle_ids()) in_match = in_match || id == puzzle_id;
        const bool active = IsActive(match, user);
        if (absl::Status s = CheckAnswer(
                match.status(), active, in_match,
                active && in_match && store_.AnsweredBefore(tx, match.id(), user, puzzle_id));
            !s.ok()) {
          return s;
        }
        auto [solution, rating] = store_.SolutionOf(tx, puzzle_id);
        correct = absl::StripAsciiWhitespace(request->answer()) ==
                  absl::StripAsciiWhitespace(solution);
        const int64_t elapsed = store_.ElapsedMs(tx, match.id());
        score = ScoreAttempt(correct, rating, elapsed);
        store_.RecordAnswer(tx, match.id(), user, puzzle_id, correct, score, elapsed);
        SettleIfDone(tx, match.id());
        return absl::OkStatus();
      },
      response->mutable_match());
  if (!status.ok()) return status;
  response->set_correct(correct);
  response->set_score(score);
  return grpc::Status::OK;
}

grpc::Status MatchHandler::GetMatch(grpc::ServerContext* context,
                                    const v1::MatchRequest* request, Match* response) {
  absl::StatusOr<std::string> user = api::ActingUserId(*context);
  if (!user.ok()) return ToGrpcStatus(user.status());
  if (absl::Status valid = api::RequireUuid("match_id", request->match_id()); !valid.ok()) {
    return ToGrpcStatus(valid);
  }
  auto get = [&](db::ReadTx& tx) { return store_.Get(tx, request->match_id()); };
  absl::StatusOr<Match> match = database_.Read(get);
  if (absl::IsNotFound(match.status())) match = database_.ReadFromPrimary(get);
  if (!match.ok()) return ToGrpcStatus(match.status());
  *response = *match;
  return grpc::Status::OK;
}

grpc::Status MatchHandler::ListMatches(grpc::ServerContext* context,
                                       const v1::ListMatchesRequest* request,
                                       v1::ListMatchesResponse* response) {
  absl::StatusOr<std::string> user = api::ActingUserId(*context);
  if (!user.ok()) return ToGrpcStatus(user.status());
  std::string target = request->user_id().empty() ? *user : request->user_id();
  if (absl::Status valid = api::FirstError(
          {api::RequireUuid("user_id", target),
           request->status() == 0 ? absl::OkStatus()
                                  : api::RequireKnownEnum("status", request->status(),
                                                          v1::MatchStatus_IsValid)});
      !valid.ok()) {
    return ToGrpcStatus(valid);
  }
  target = absl::AsciiStrToLower(target);
  absl::StatusOr<int> page_size =
      api::PageSize("page_size", request->page_size(), kDefaultPageSize, kMaxPageSize);
  if (!page_size.ok()) return ToGrpcStatus(page_size.status());
  const std::string status = MatchStatusCode(request->status());
  const std::string scope =
      absl::StrCat("quest.v1.MatchService/ListMatches|", target, "|", status);
  absl::StatusOr<std::optional<api::KeysetPosition>> after =
      api::DecodePosition(page_tokens_, scope, request->page_token());
  if (!after.ok()) return ToGrpcStatus(after.status());
  using Page = std::vector<std::pair<Match, int64_t>>;
  absl::StatusOr<Page> page = database_.Read([&](db::ReadTx& tx) -> absl::StatusOr<Page> {
    return store_.ListFor(tx, target, status, *after, *page_size + 1);
  });
  if (!page.ok()) return ToGrpcStatus(page.status());
  const bool more = static_cast<int>(page->size()) > *page_size;
  if (more) page->pop_back();
  for (auto& [match, joined_at] : *page) *response->add_matches() = match;
  if (more) {
    response->set_next_page_token(api::EncodePosition(
        page_tokens_, scope, {page->back().second, page->back().first.id()}));
  }
  return grpc::Status::OK;
}

}  // namespace qs::quest
