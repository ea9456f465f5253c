#include "quest/puzzle_handler.h"

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "common/api/acting_user.h"
#include "common/api/keyset_position.h"
#include "common/api/validation.h"
#include "common/grpc/status.h"
#include "quest/puzzle_rules.h"

namespace qs::quest {
namespace {

using grpc_util::ToGrpcStatus;
using v1::Puzzle;

// Drafts are private: to anyone but the author they do not exist.
bool VisibleTo(const Puzzle& puzzle, const std::string& user) {
  return puzzle.status() != v1::PUZZLE_STATUS_DRAFT ||
         puzzle.author_id() == user;
}

std::string FeedScope(const v1::ListPuzzlesRequest& request,
                      const std::string& status, const std::string& author) {
  return absl::StrCat("quest.v1.PuzzleService/ListPuzzles|", status, "|", author, "|",
                      request.min_rating(), "|", request.max_rating(), "|",
                      request.theme());
}

}  // namespace

grpc::Status PuzzleHandler::CreatePuzzle(grpc::ServerContext* context,
                                         const v1::CreatePuzzleRequest* request,
                                         Puzzle* response) {
  absl::StatusOr<std::string> user = api::ActingUserId(*context);
  if (!user.ok()) return ToGrpcStatus(user.status());
  if (absl::Status valid = ValidateCreate(*request); !valid.ok()) {
    return ToGrpcStatus(valid);
  }
  StoredPuzzle fresh;
  fresh.puzzle.set_author_id(*user);
  fresh.puzzle.set_title(request->title());
  fresh.puzzle.set_kind(request->kind());
  *fresh.puzzle.mutable_themes() = request->themes();
  fresh.puzzle.set_rating(request->rating());
  fresh.puzzle.set_content(request->content());
  fresh.puzzle.set_status(request->publish() ? v1::PUZZLE_STATUS_PUBLISHED
                                             : v1::PUZZLE_STATUS_DRAFT);
  fresh.solution = request->solution();
  absl::StatusOr<StoredPuzzle> created =
      database_.Write([&](db::WriteTx& tx) -> absl::StatusOr<StoredPuzzle> {
        return store_.Create(tx, fresh);
      });
  if (!created.ok()) return ToGrpcStatus(created.status());
  *response = created->puzzle;
  return grpc::Status::OK;
}

grpc::Status PuzzleHandler::GetPuzzle(grpc::ServerContext* context,
                                      const v1::GetPuzzleRequest* request,
                                      Puzzle* response) {
  absl::StatusOr<std::string> user = api::ActingUserId(*context);
  if (!user.ok()) return ToGrpcStatus(user.status());
  if (absl::Status valid = api::RequireUuid("puzzle_id", request->puzzle_id());
      !valid.ok()) {
    return ToGrpcStatus(valid);
  }
  auto get = [&](db::ReadTx& tx) { return store_.Get(tx, request->puzzle_id()); };
  absl::StatusOr<StoredPuzzle> found = database_.Read(get);
  if (absl::IsNotFound(found.status()) ||
      (found.ok() && !VisibleTo(found->puzzle, *user))) {
    // The replica may not have replayed a create or a publish of a moment
    // ago: a miss is confirmed on the primary before it is reported.
    found = database_.ReadFromPrimary(get);
  }
  if (!found.ok()) return ToGrpcStatus(found.status());
  if (!VisibleTo(found->puzzle, *user)) {
    return grpc::Status(grpc::StatusCode::NOT_FOUND,
                        absl::StrCat("puzzle ", request->puzzle_id(), " not found"));
  }
  *response = found->puzzle;
  return grpc::Status::OK;
}

absl::StatusOr<Puzzle> PuzzleHandler::Modify(
    const std::string& user, const v1::UpdatePuzzleRequest& change) {
  return database_.Write([&](db::WriteTx& tx) -> absl::StatusOr<Puzzle> {
    absl::StatusOr<StoredPuzzle> current = store_.GetForUpdate(tx, change.puzzle_id());
    if (!current.ok()) return current.status();
    if (current->puzzle.author_id() != user) {
      if (!VisibleTo(current->puzzle, user)) {
        return absl::NotFoundError(
            absl::StrCat("puzzle ", change.puzzle_id(), " not found"));
      }
      return absl::PermissionDeniedError("only the author may change a puzzle");
    }
    if (current->puzzle.version() != change.version()) {
      return absl::AbortedError(absl::StrCat(
          "version: ", change.version(), " is stale, the puzzle is at version ",
          current->puzzle.version(), "; read it again"));
    }
    if (change.has_status()) {
      if (absl::Status s = CheckTransition(current->puzzle.status(), change.status());
          !s.ok()) {
        return s;
      }
    } else if (current->puzzle.status() == v1::PUZZLE_STATUS_ARCHIVED) {
      return absl::FailedPreconditionError("status: an archived puzzle cannot change");
    }
    ApplyUpdate(change, current->puzzle, current->solution);
    return store_.Update(tx, *current).puzzle;
  });
}

grpc::Status PuzzleHandler::UpdatePuzzle(grpc::ServerContext* context,
                                         const v1::UpdatePuzzleRequest* request,
                                         Puzzle* response) {
  absl::StatusOr<std::string> user = api::ActingUserId(*context);
  if (!user.ok()) return ToGrpcStatus(user.status());
  if (absl::Status valid = ValidateUpdate(*request); !valid.ok()) {
    return ToGrpcStatus(valid);
  }
  if (request->has_status() &&
      request->status() == v1::PUZZLE_STATUS_ARCHIVED) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "status: use ArchivePuzzle to archive");
  }
  absl::StatusOr<Puzzle> updated = Modify(*user, *request);
  if (!updated.ok()) return ToGrpcStatus(updated.status());
  *response = *updated;
  return grpc::Status::OK;
}

grpc::Status PuzzleHandler::ArchivePuzzle(grpc::ServerContext* context,
                                          const v1::ArchivePuzzleRequest* request,
                                          Puzzle* response) {
  absl::StatusOr<std::string> user = api::ActingUserId(*context);
  if (!user.ok()) return ToGrpcStatus(user.status());
  v1::UpdatePuzzleRequest change;
  change.set_puzzle_id(request->puzzle_id());
  change.set_version(request->version());
  change.set_status(v1::PUZZLE_STATUS_ARCHIVED);
  if (absl::Status valid = ValidateUpdate(change); !valid.ok()) {
    return ToGrpcStatus(valid);
  }
  absl::StatusOr<Puzzle> archived = Modify(*user, change);
  if (!archived.ok()) return ToGrpcStatus(archived.status());
  *response = *archived;
  return grpc::Status::OK;
}

grpc::Status PuzzleHandler::ListPuzzles(grpc::ServerContext* context,
                                        const v1::ListPuzzlesRequest* request,
                                        v1::ListPuzzlesResponse* response) {
  absl::StatusOr<std::string> user = api::ActingUserId(*context);
  if (!user.ok()) return ToGrpcStatus(user.status());
  if (absl::Status valid = ValidateList(*request); !valid.ok()) {
    return ToGrpcStatus(valid);
  }
  FeedQuery query;
  const auto status = request->status() == v1::PUZZLE_STATUS_UNSPECIFIED
                          ? v1::PUZZLE_STATUS_PUBLISHED
                          : request->status();
  query.status = StatusCode(status);
  // Only the author's own drafts are listable.
  if (status == v1::PUZZLE_STATUS_DRAFT) query.author_id = *user;
  query.min_rating = request->min_rating();
  query.max_rating = request->max_rating();
  query.theme = request->theme();
  query.limit = *api::PageSize("page_size", request->page_size(), kDefaultPageSize,
                               kMaxPageSize);
  const std::string scope = FeedScope(*request, query.status, query.author_id);
  absl::StatusOr<std::optional<api::KeysetPosition>> after =
      api::DecodePosition(page_tokens_, scope, request->page_token());
  if (!after.ok()) return ToGrpcStatus(after.status());
  query.after = *after;
  const int page_size = query.limit;
  query.limit = page_size + 1;  // One more tells whether a next page exists.
  absl::StatusOr<std::vector<Puzzle>> page =
      database_.Read([&](db::ReadTx& tx) -> absl::StatusOr<std::vector<Puzzle>> {
        return store_.List(tx, query);
      });
  if (!page.ok()) return ToGrpcStatus(page.status());
  const bool more = static_cast<int>(page->size()) > page_size;
  if (more) page->pop_back();
  for (Puzzle& puzzle : *page) *response->add_puzzles() = std::move(puzzle);
  if (more) {
    const Puzzle& last = response->puzzles(response->puzzles_size() - 1);
    response->set_next_page_token(
        api::EncodePosition(page_tokens_, scope, {CreatedAtMicros(last), last.id()}));
  }
  return grpc::Status::OK;
}

grpc::Status PuzzleHandler::GetDailyPuzzle(grpc::ServerContext* context,
                                           const v1::GetDailyPuzzleRequest* request,
                                           v1::DailyPuzzle* response) {
  absl::StatusOr<std::string> user = api::ActingUserId(*context);
  if (!user.ok()) return ToGrpcStatus(user.status());
  const absl::CivilDay today = absl::ToCivilDay(absl::Now(), absl::UTCTimeZone());
  absl::CivilDay day = today;
  if (!request->date().empty() && !absl::ParseCivilTime(request->date(), &day)) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "date: expected YYYY-MM-DD (UTC)");
  }
  if (day > today) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "date: must not be after today (UTC)");
  }
  const std::string date = absl::FormatCivilTime(day);
  auto read = [&](db::ReadTx& tx) -> absl::StatusOr<std::optional<Puzzle>> {
    return store_.DailyPuzzle(tx, date);
  };
  absl::StatusOr<std::optional<Puzzle>> daily = database_.Read(read);
  if (daily.ok() && !daily->has_value()) {
    // Not chosen yet, or chosen a moment ago and not replayed: the primary
    // decides (once per day, so this write path is rare).
    absl::Status chosen = database_.Write([&](db::WriteTx& tx) -> absl::Status {
      store_.ChooseDailyPuzzle(tx, date);
      return absl::OkStatus();
    });
    if (!chosen.ok()) return ToGrpcStatus(chosen);
    daily = database_.ReadFromPrimary(read);
  }
  if (!daily.ok()) return ToGrpcStatus(daily.status());
  if (!daily->has_value()) {
    return grpc::Status(grpc::StatusCode::NOT_FOUND,
                        "no published puzzle to choose as the daily puzzle");
  }
  response->set_date(date);
  *response->mutable_puzzle() = **daily;
  return grpc::Status::OK;
}

grpc::Status PuzzleHandler::GetNextPuzzle(grpc::ServerContext* context,
                                          const v1::GetNextPuzzleRequest* request,
                                          Puzzle* response) {
  absl::StatusOr<std::string> user = api::ActingUserId(*context);
  if (!user.ok()) return ToGrpcStatus(user.status());
  if (absl::Status valid = api::FirstError(
          {request->band() == 0 ? absl::OkStatus()
                                : api::RequireKnownEnum("band", request->band(),
                                                        v1::DifficultyBand_IsValid),
           api::RequireMaxLength("theme", request->theme(), kMaxThemeBytes)});
      !valid.ok()) {
    return ToGrpcStatus(valid);
  }
  int low = -150, high = 150;
  if (request->band() == v1::DIFFICULTY_BAND_EASIER) low = -400, high = -100;
  if (request->band() == v1::DIFFICULTY_BAND_HARDER) low = 100, high = 400;
  // The primary: a puzzle the user started a moment ago counts as seen.
  absl::StatusOr<std::optional<Puzzle>> next = database_.ReadFromPrimary(
      [&](db::ReadTx& tx) -> absl::StatusOr<std::optional<Puzzle>> {
        return store_.NextFor(tx, *user, request->theme(), low, high);
      });
  if (!next.ok()) return ToGrpcStatus(next.status());
  if (!next->has_value()) {
    return grpc::Status(grpc::StatusCode::NOT_FOUND,
                        "no unseen published puzzle in this band");
  }
  *response = **next;
  return grpc::Status::OK;
}

}  // namespace qs::quest
