#include "quest/match_handler.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/api/keyset_page.h"
#include "common/api/validation.h"
#include "common/base/status_macros.h"
#include "common/events/outbox.h"
#include "common/grpc/handler.h"
#include "proto/quest/v1/events.pb.h"
#include "quest/match_rules.h"
#include "quest/progress_rules.h"
#include "quest/puzzle_rules.h"

namespace qs::quest {
namespace {

using grpc_util::HandleAsUser;
using v1::Match;

}  // namespace

grpc::Status MatchHandler::Change(grpc::ServerContext* context, const std::string& match_id,
                                  const ChangeFn& change, Match* response) {
  return HandleAsUser(*context, response, [&](const std::string& user) -> absl::StatusOr<Match> {
    QS_RETURN_IF_ERROR(api::RequireUuid("match_id", match_id));
    return database_.Write([&](db::WriteTx& tx) -> absl::StatusOr<Match> {
      QS_ASSIGN_OR_RETURN(Match match, store_.Lock(tx, match_id));
      QS_RETURN_IF_ERROR(change(tx, match, user));
      return store_.Reload(tx, match_id);
    });
  });
}

void MatchHandler::SettleIfDone(db::WriteTx& tx, const Match& match) {
  const Settlement settlement = Settle(match);
  switch (settlement.outcome) {
    case Settlement::kNone:
      return;
    case Settlement::kCancel:
      store_.Cancel(tx, match.id());
      return;
    case Settlement::kFinish:
      break;
  }
  store_.Finish(tx, match.id(), settlement.winner_id, settlement.ranks);
  v1::MatchFinished finished;
  finished.set_match_id(match.id());
  finished.set_winner_id(settlement.winner_id);
  // settlement.ranks[i] is participants(i): the event carries the ranks just saved.
  *finished.mutable_participants() = match.participants();
  for (int i = 0; i < finished.participants_size(); ++i) {
    finished.mutable_participants(i)->set_rank(settlement.ranks[i].second);
  }
  events::AppendEvent(tx, "quest", match.id(), finished);
}

grpc::Status MatchHandler::CreateMatch(grpc::ServerContext* context,
                                       const v1::CreateMatchRequest* request, Match* response) {
  return HandleAsUser(*context, response, [&](const std::string& user) -> absl::StatusOr<Match> {
    QS_ASSIGN_OR_RETURN(const int max_players, ValidateCreateMatch(*request));
    std::vector<std::string> puzzle_ids;
    for (const std::string& id : request->puzzle_ids()) {
      puzzle_ids.push_back(absl::AsciiStrToLower(id));
    }
    return database_.Write([&](db::WriteTx& tx) -> absl::StatusOr<Match> {
      if (puzzles_.CountPublished(tx, puzzle_ids) != static_cast<int64_t>(puzzle_ids.size())) {
        return absl::FailedPreconditionError(
            "puzzle_ids: every puzzle must exist and be published");
      }
      return store_.Create(tx, user, request->mode(), max_players, puzzle_ids);
    });
  });
}

grpc::Status MatchHandler::JoinMatch(grpc::ServerContext* context, const v1::MatchRequest* request,
                                     Match* response) {
  return Change(
      context, request->match_id(),
      [&](db::WriteTx& tx, Match& match, const std::string& user) -> absl::Status {
        if (IsActive(match, user)) return absl::OkStatus();  // Joined already.
        if (ParticipantOf(match, user) != nullptr) {
          return absl::FailedPreconditionError("you left this match");
        }
        QS_RETURN_IF_ERROR(
            CheckJoin(match.status(), match.participants_size(), match.max_players()));
        store_.AddParticipant(tx, match.id(), user);
        return absl::OkStatus();
      },
      response);
}

grpc::Status MatchHandler::LeaveMatch(grpc::ServerContext* context, const v1::MatchRequest* request,
                                      Match* response) {
  return Change(
      context, request->match_id(),
      [&](db::WriteTx& tx, Match& match, const std::string& user) -> absl::Status {
        QS_RETURN_IF_ERROR(CheckLeave(match.status(), IsActive(match, user)));
        if (match.status() == v1::MATCH_STATUS_WAITING) {
          store_.RemoveParticipant(tx, match.id(), user);
        } else {
          store_.MarkLeft(tx, match.id(), user);
        }
        ApplyLeave(user, &match);
        SettleIfDone(tx, match);
        return absl::OkStatus();
      },
      response);
}

grpc::Status MatchHandler::StartMatch(grpc::ServerContext* context, const v1::MatchRequest* request,
                                      Match* response) {
  return Change(
      context, request->match_id(),
      [&](db::WriteTx& tx, Match& match, const std::string& user) -> absl::Status {
        QS_RETURN_IF_ERROR(
            CheckStart(match.status(), match.creator_id() == user, ActivePlayers(match)));
        store_.Start(tx, match.id());
        return absl::OkStatus();
      },
      response);
}

grpc::Status MatchHandler::SubmitMatchAnswer(grpc::ServerContext* context,
                                             const v1::SubmitMatchAnswerRequest* request,
                                             v1::SubmitMatchAnswerResponse* response) {
  if (absl::Status valid = api::FirstError(
          {api::RequireUuid("puzzle_id", request->puzzle_id()), ValidateAnswer(request->answer())});
      !valid.ok()) {
    return grpc_util::ToGrpcStatus(valid);
  }
  const std::string& match_id = request->match_id();
  const std::string puzzle_id = absl::AsciiStrToLower(request->puzzle_id());
  bool correct = false;
  int64_t score = 0;
  // As Change, with the answer's own reads in the lock's round trip.
  grpc::Status status = HandleAsUser(
      *context, response->mutable_match(), [&](const std::string& user) -> absl::StatusOr<Match> {
        QS_RETURN_IF_ERROR(api::RequireUuid("match_id", match_id));
        return database_.Write([&](db::WriteTx& tx) -> absl::StatusOr<Match> {
          QS_ASSIGN_OR_RETURN(MatchForAnswer locked,
                              store_.LockForAnswer(tx, match_id, user, puzzle_id));
          Match& match = locked.match;
          const bool in_match = HasPuzzle(match, puzzle_id);
          const bool active = IsActive(match, user);
          QS_RETURN_IF_ERROR(CheckAnswer(match.status(), active, in_match,
                                         active && in_match && locked.answered_before));
          QS_ASSIGN_OR_RETURN(PuzzleForPlay puzzle, puzzles_.ReadForPlay(tx, puzzle_id));
          correct = AnswerMatches(request->answer(), puzzle.solution);
          score = ScoreAttempt(correct, static_cast<int>(puzzle.rating.rating), locked.elapsed_ms);
          store_.RecordAnswer(tx, match.id(), user, puzzle_id, correct, score, locked.elapsed_ms);
          ApplyAnswer(user, correct, score, locked.elapsed_ms, &match);
          SettleIfDone(tx, match);
          return store_.Reload(tx, match.id());
        });
      });
  if (!status.ok()) return status;
  response->set_correct(correct);
  response->set_score(score);
  return grpc::Status::OK;
}

grpc::Status MatchHandler::GetMatch(grpc::ServerContext* context, const v1::MatchRequest* request,
                                    Match* response) {
  return HandleAsUser(*context, response, [&](const std::string&) -> absl::StatusOr<Match> {
    QS_RETURN_IF_ERROR(api::RequireUuid("match_id", request->match_id()));
    return database_.ReadConfirmingMiss(
        [&](db::ReadTx& tx) { return store_.Get(tx, request->match_id()); });
  });
}

grpc::Status MatchHandler::ListMatches(grpc::ServerContext* context,
                                       const v1::ListMatchesRequest* request,
                                       v1::ListMatchesResponse* response) {
  return HandleAsUser(*context, response, [&](const std::string& user) -> absl::Status {
    std::string target = request->user_id().empty() ? user : request->user_id();
    QS_RETURN_IF_ERROR(api::FirstError(
        {api::RequireUuid("user_id", target),
         api::RequireKnownEnumIfSet("status", request->status(), v1::MatchStatus_IsValid)}));
    target = absl::AsciiStrToLower(target);
    const std::string status = MatchStatusCode(request->status());
    QS_ASSIGN_OR_RETURN(
        api::KeysetPage page,
        api::KeysetPage::Open(
            page_tokens_, absl::StrCat("quest.v1.MatchService/ListMatches|", target, "|", status),
            request->page_size(), request->page_token()));
    using Page = std::vector<std::pair<Match, int64_t>>;
    QS_ASSIGN_OR_RETURN(Page matches, database_.Read([&](db::ReadTx& tx) -> absl::StatusOr<Page> {
      return store_.ListFor(tx, target, status, page.after(), page.fetch_limit());
    }));
    response->set_next_page_token(page.Close(matches, [](const auto& last) {
      return api::KeysetPosition{last.second, last.first.id()};
    }));
    for (auto& [match, joined_at] : matches) *response->add_matches() = std::move(match);
    return absl::OkStatus();
  });
}

}  // namespace qs::quest
