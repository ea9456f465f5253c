#include "quest/puzzle_handler.h"

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "common/api/keyset_page.h"
#include "common/api/validation.h"
#include "common/base/status_macros.h"
#include "common/db/row_mapping.h"
#include "common/grpc/async_handler.h"
#include "common/grpc/handler.h"
#include "common/grpc/page_reply.h"
#include "proto/quest/v1/quest_methods.h"
#include "quest/puzzle_rules.h"

namespace qs::quest {
namespace {

using grpc_util::HandleAsUser;
using v1::Puzzle;

bool VisibleTo(const Puzzle& puzzle, const std::string& user) {
  return quest::VisibleTo(puzzle.status(), puzzle.author_id(), user);
}

// The replica may not have replayed a create or a publish of a moment ago:
// a miss there (or a draft of someone else) is confirmed on the primary.
bool NeedsPrimary(const absl::StatusOr<StoredPuzzle>& read, const std::string& user) {
  return absl::IsNotFound(read.status()) || (read.ok() && !VisibleTo(read->puzzle, user));
}

absl::StatusOr<Puzzle> VisibleOrNotFound(absl::StatusOr<StoredPuzzle> found,
                                         const std::string& user, const std::string& id) {
  if (!found.ok()) return found.status();
  if (!VisibleTo(found->puzzle, user)) {
    return absl::NotFoundError(absl::StrCat("puzzle ", id, " not found"));
  }
  return std::move(found->puzzle);
}

// The feed a valid ListPuzzles request asks for, before its page.
absl::StatusOr<FeedQuery> FeedQueryOf(const v1::ListPuzzlesRequest& request,
                                      const std::string& user) {
  QS_RETURN_IF_ERROR(ValidateList(request));
  const auto status = request.status() == v1::PUZZLE_STATUS_UNSPECIFIED
                          ? v1::PUZZLE_STATUS_PUBLISHED
                          : request.status();
  FeedQuery query;
  query.status = StatusCode(status);
  // Only the author's own drafts are listable.
  if (status == v1::PUZZLE_STATUS_DRAFT) query.author_id = user;
  query.min_rating = request.min_rating();
  query.max_rating = request.max_rating();
  query.theme = request.theme();
  return query;
}

std::string FeedScope(const v1::ListPuzzlesRequest& request, const FeedQuery& query) {
  return absl::StrCat("quest.v1.PuzzleService/ListPuzzles|", query.status, "|", query.author_id,
                      "|", request.min_rating(), "|", request.max_rating(), "|", request.theme());
}

}  // namespace

grpc::Status PuzzleHandler::CreatePuzzle(grpc::ServerContext* context,
                                         const v1::CreatePuzzleRequest* request, Puzzle* response) {
  return HandleAsUser(*context, response, [&](const std::string& user) -> absl::StatusOr<Puzzle> {
    QS_RETURN_IF_ERROR(ValidateCreate(*request));
    StoredPuzzle fresh;
    fresh.puzzle.set_author_id(user);
    fresh.puzzle.set_title(request->title());
    fresh.puzzle.set_kind(request->kind());
    *fresh.puzzle.mutable_themes() = request->themes();
    fresh.puzzle.set_rating(request->rating());
    fresh.puzzle.set_content(request->content());
    fresh.puzzle.set_status(request->publish() ? v1::PUZZLE_STATUS_PUBLISHED
                                               : v1::PUZZLE_STATUS_DRAFT);
    fresh.solution = request->solution();
    QS_ASSIGN_OR_RETURN(StoredPuzzle created,
                        database_.Write([&](db::WriteTx& tx) -> absl::StatusOr<StoredPuzzle> {
                          return store_.Create(tx, fresh);
                        }));
    return created.puzzle;
  });
}

void PuzzleHandler::ServeAsyncMethods(grpc_util::MethodTable& methods) {
  // The hottest read: a replica hit is answered from the read path's
  // callback, with no worker thread and, under load, one statement for many
  // callers.
  grpc_util::ServeAsyncAsUser(
      methods, &v1::PuzzleService::Service::GetPuzzle,
      [this](const v1::GetPuzzleRequest& request, const std::string& user,
             grpc_util::Reply<v1::GetPuzzleRequest, Puzzle> reply) {
        QS_REPLY_IF_ERROR(reply, api::RequireUuid("puzzle_id", request.puzzle_id()));
        PuzzleStore::GetAsync(
            database_.async_reads(), request.puzzle_id(), reply.deadline(),
            [this, id = request.puzzle_id(), user, reply](absl::StatusOr<StoredPuzzle> found) {
              if (!NeedsPrimary(found, user)) return reply(VisibleOrNotFound(found, user, id));
              reply.Offload([this, id, user] { return GetFromPrimary(id, user); });
            });
      });
  // A feed page is one statement on the replica: no worker either.
  grpc_util::ServeAsyncAsUser(
      methods, &v1::PuzzleService::Service::ListPuzzles,
      [this](const v1::ListPuzzlesRequest& request, const std::string& user,
             ListPuzzlesReply reply) { ListPuzzlesAsync(request, user, std::move(reply)); });
}

absl::StatusOr<Puzzle> PuzzleHandler::GetFromPrimary(const std::string& id,
                                                     const std::string& user) {
  absl::StatusOr<StoredPuzzle> found =
      database_.ReadFromPrimary([&](db::ReadTx& tx) { return store_.Get(tx, id); });
  return VisibleOrNotFound(std::move(found), user, id);
}

absl::StatusOr<Puzzle> PuzzleHandler::Modify(const std::string& user,
                                             const v1::UpdatePuzzleRequest& change) {
  return database_.Write([&](db::WriteTx& tx) -> absl::StatusOr<Puzzle> {
    QS_ASSIGN_OR_RETURN(StoredPuzzle current, store_.GetForUpdate(tx, change.puzzle_id()));
    if (current.puzzle.author_id() != user) {
      if (!VisibleTo(current.puzzle, user)) {
        return absl::NotFoundError(absl::StrCat("puzzle ", change.puzzle_id(), " not found"));
      }
      return absl::PermissionDeniedError("only the author may change a puzzle");
    }
    if (current.puzzle.version() != change.version()) {
      return absl::AbortedError(absl::StrCat("version: ", change.version(),
                                             " is stale, the puzzle is at version ",
                                             current.puzzle.version(), "; read it again"));
    }
    if (change.has_status()) {
      QS_RETURN_IF_ERROR(CheckTransition(current.puzzle.status(), change.status()));
    } else if (current.puzzle.status() == v1::PUZZLE_STATUS_ARCHIVED) {
      return absl::FailedPreconditionError("status: an archived puzzle cannot change");
    }
    ApplyUpdate(change, current.puzzle, current.solution);
    return store_.Update(tx, current).puzzle;
  });
}

grpc::Status PuzzleHandler::UpdatePuzzle(grpc::ServerContext* context,
                                         const v1::UpdatePuzzleRequest* request, Puzzle* response) {
  return HandleAsUser(*context, response, [&](const std::string& user) -> absl::StatusOr<Puzzle> {
    QS_RETURN_IF_ERROR(ValidateUpdate(*request));
    if (request->has_status() && request->status() == v1::PUZZLE_STATUS_ARCHIVED) {
      return absl::InvalidArgumentError("status: use ArchivePuzzle to archive");
    }
    return Modify(user, *request);
  });
}

grpc::Status PuzzleHandler::ArchivePuzzle(grpc::ServerContext* context,
                                          const v1::ArchivePuzzleRequest* request,
                                          Puzzle* response) {
  return HandleAsUser(*context, response, [&](const std::string& user) -> absl::StatusOr<Puzzle> {
    v1::UpdatePuzzleRequest change;
    change.set_puzzle_id(request->puzzle_id());
    change.set_version(request->version());
    change.set_status(v1::PUZZLE_STATUS_ARCHIVED);
    QS_RETURN_IF_ERROR(ValidateUpdate(change));
    return Modify(user, change);
  });
}

void PuzzleHandler::ListPuzzlesAsync(const v1::ListPuzzlesRequest& request, const std::string& user,
                                     ListPuzzlesReply reply) {
  absl::StatusOr<FeedQuery> query = FeedQueryOf(request, user);
  QS_REPLY_IF_ERROR(reply, query.status());
  absl::StatusOr<api::KeysetPage> page = api::KeysetPage::Open(
      page_tokens_, FeedScope(request, *query), request.page_size(), request.page_token());
  QS_REPLY_IF_ERROR(reply, page.status());
  query->after = page->after();
  query->limit = page->fetch_limit();
  PuzzleStore::ListAsync(
      database_.async_reads(), *query, reply.deadline(),
      grpc_util::ReplyWithPage(
          reply, *page, &v1::ListPuzzlesResponse::mutable_puzzles, [](const Puzzle& last) {
            return api::KeysetPosition{db::TimestampMicros(last.created_at()), last.id()};
          }));
}

grpc::Status PuzzleHandler::GetDailyPuzzle(grpc::ServerContext* context,
                                           const v1::GetDailyPuzzleRequest* request,
                                           v1::DailyPuzzle* response) {
  return HandleAsUser(*context, response, [&](const std::string&) -> absl::Status {
    const absl::CivilDay today = absl::ToCivilDay(absl::Now(), absl::UTCTimeZone());
    absl::CivilDay day = today;
    if (!request->date().empty() && !absl::ParseCivilTime(request->date(), &day)) {
      return absl::InvalidArgumentError("date: expected YYYY-MM-DD (UTC)");
    }
    if (day > today) return absl::InvalidArgumentError("date: must not be after today (UTC)");
    const std::string date = absl::FormatCivilTime(day);
    auto read = [&](db::ReadTx& tx) { return store_.DailyPuzzle(tx, date); };
    absl::StatusOr<Puzzle> daily = database_.ReadConfirmingMiss(read);
    if (absl::IsNotFound(daily.status())) {
      // Not chosen yet: the primary decides (once per day, so this write
      // path is rare; losing the race to another caller is fine).
      QS_RETURN_IF_ERROR(database_.Write([&](db::WriteTx& tx) -> absl::Status {
        store_.ChooseDailyPuzzle(tx, date);
        return absl::OkStatus();
      }));
      daily = database_.ReadFromPrimary(read);
      if (absl::IsNotFound(daily.status())) {
        return absl::NotFoundError("no published puzzle to choose as the daily puzzle");
      }
    }
    QS_ASSIGN_OR_RETURN(*response->mutable_puzzle(), std::move(daily));
    response->set_date(date);
    return absl::OkStatus();
  });
}

grpc::Status PuzzleHandler::GetNextPuzzle(grpc::ServerContext* context,
                                          const v1::GetNextPuzzleRequest* request,
                                          Puzzle* response) {
  return HandleAsUser(*context, response, [&](const std::string& user) -> absl::StatusOr<Puzzle> {
    QS_RETURN_IF_ERROR(api::FirstError(
        {api::RequireKnownEnumIfSet("band", request->band(), v1::DifficultyBand_IsValid),
         api::RequireMaxLength("theme", request->theme(), kMaxThemeBytes)}));
    const RatingWindow window = WindowOf(request->band());
    // The primary: a puzzle the user started a moment ago counts as seen.
    return database_.ReadFromPrimary(
        [&](db::ReadTx& tx) { return store_.NextFor(tx, user, request->theme(), window); });
  });
}

}  // namespace qs::quest
