#include "quest/attempt_handler.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/api/acting_user.h"
#include "common/api/idempotency.h"
#include "common/api/keyset_position.h"
#include "common/api/validation.h"
#include "common/events/outbox.h"
#include "common/grpc/status.h"
#include "proto/quest/v1/events.pb.h"
#include "quest/leaderboard_rules.h"
#include "quest/puzzle_rules.h"

namespace qs::quest {
namespace {

using grpc_util::ToGrpcStatus;

constexpr size_t kMaxAnswerBytes = 4 * 1024;

absl::CivilDay TodayUtc() { return absl::ToCivilDay(absl::Now(), absl::UTCTimeZone()); }

bool Matches(absl::string_view answer, absl::string_view solution) {
  return absl::StripAsciiWhitespace(answer) == absl::StripAsciiWhitespace(solution);
}

}  // namespace

v1::UserProgress ToProto(const ProgressRow& row, absl::CivilDay today) {
  v1::UserProgress progress;
  progress.set_user_id(row.user_id);
  progress.set_solved_count(row.solved_count);
  progress.set_attempt_count(row.attempt_count);
  const Streak shown = AsOf(row.streak, today);
  progress.set_current_streak(shown.current);
  progress.set_best_streak(shown.best);
  progress.set_total_score(row.total_score);
  progress.set_rating(row.rating.rating);
  progress.set_rating_deviation(row.rating.deviation);
  progress.set_rating_volatility(row.rating.volatility);
  return progress;
}

grpc::Status AttemptHandler::StartAttempt(grpc::ServerContext* context,
                                          const v1::StartAttemptRequest* request,
                                          v1::Attempt* response) {
  absl::StatusOr<std::string> user = api::ActingUserId(*context);
  if (!user.ok()) return ToGrpcStatus(user.status());
  if (absl::Status valid = api::RequireUuid("puzzle_id", request->puzzle_id()); !valid.ok()) {
    return ToGrpcStatus(valid);
  }
  absl::StatusOr<v1::Attempt> started =
      database_.Write([&](db::WriteTx& tx) -> absl::StatusOr<v1::Attempt> {
        absl::StatusOr<PuzzleForPlay> puzzle = store_.LockPuzzle(tx, request->puzzle_id());
        if (!puzzle.ok()) return puzzle.status();
        if (puzzle->status == "draft" && puzzle->author_id != *user) {
          return absl::NotFoundError(absl::StrCat("puzzle ", puzzle->id, " not found"));
        }
        if (puzzle->status != "published") {
          return absl::FailedPreconditionError(
              absl::StrCat("puzzle_id: the puzzle is ", puzzle->status, ", not published"));
        }
        store_.CountPlay(tx, puzzle->id);
        return store_.Insert(tx, *user, puzzle->id);
      });
  if (!started.ok()) return ToGrpcStatus(started.status());
  *response = *started;
  return grpc::Status::OK;
}

absl::StatusOr<v1::SubmitAttemptResponse> AttemptHandler::Submit(
    db::WriteTx& tx, const std::string& user, const v1::SubmitAttemptRequest& request) {
  absl::StatusOr<v1::Attempt> attempt = store_.LockAttempt(tx, request.attempt_id());
  if (!attempt.ok()) return attempt.status();
  if (attempt->user_id() != user) {
    return absl::PermissionDeniedError("attempt_id: the attempt belongs to another user");
  }
  if (attempt->verdict() != v1::VERDICT_UNSPECIFIED) {
    return absl::FailedPreconditionError("attempt_id: the attempt was already submitted");
  }
  absl::StatusOr<PuzzleForPlay> puzzle = store_.LockPuzzle(tx, attempt->puzzle_id());
  if (!puzzle.ok()) return puzzle.status();
  ProgressRow progress = store_.LockProgress(tx, user);

  const bool correct = Matches(request.answer(), puzzle->solution);
  const bool rated = !store_.SubmittedBefore(tx, user, puzzle->id, attempt->id());
  const double rating_before = progress.rating.rating;
  if (rated) {
    auto [user_rating, puzzle_rating] = RateAttempt(progress.rating, puzzle->rating, correct);
    progress.rating = user_rating;
    store_.SetPuzzleRating(tx, puzzle->id, puzzle_rating);
  }
  const int64_t time_taken_ms = store_.ElapsedMs(tx, attempt->id());
  const int64_t score =
      ScoreAttempt(correct, static_cast<int>(puzzle->rating.rating), time_taken_ms);
  v1::Attempt finished = store_.Finish(tx, attempt->id(), correct, time_taken_ms,
                                                score, rated, rating_before,
                                                progress.rating.rating);
  const absl::CivilDay today = TodayUtc();
  progress.attempt_count += 1;
  if (correct) {
    progress.solved_count += 1;
    progress.total_score += score;
    progress.streak = AfterSolve(progress.streak, today);
  }
  store_.SaveProgress(tx, progress);
  if (score > 0) leaderboard_.AddPoints(tx, user, score, PeriodKeysAt(absl::Now()));
  if (correct) {
    v1::PuzzleSolved solved;
    solved.set_user_id(user);
    solved.set_puzzle_id(puzzle->id);
    solved.set_attempt_id(finished.id());
    solved.set_score(score);
    solved.set_time_taken_ms(time_taken_ms);
    solved.set_rating(progress.rating.rating);
    events::AppendEvent(tx, "quest", finished.id(), solved);
  }

  v1::SubmitAttemptResponse response;
  *response.mutable_attempt() = finished;
  *response.mutable_progress() = ToProto(progress, today);
  return response;
}

grpc::Status AttemptHandler::SubmitAttempt(grpc::ServerContext* context,
                                           const v1::SubmitAttemptRequest* request,
                                           v1::SubmitAttemptResponse* response) {
  absl::StatusOr<std::string> user = api::ActingUserId(*context);
  if (!user.ok()) return ToGrpcStatus(user.status());
  if (absl::Status valid = api::FirstError(
          {api::RequireUuid("attempt_id", request->attempt_id()),
           api::RequireMaxLength("answer", request->answer(), kMaxAnswerBytes)});
      !valid.ok()) {
    return ToGrpcStatus(valid);
  }
  absl::StatusOr<v1::SubmitAttemptResponse> submitted =
      api::RunIdempotent<v1::SubmitAttemptResponse>(
          database_,
          api::IdempotencyKey{"quest.v1.AttemptService/SubmitAttempt:" + *user,
                              request->request_id(), *request},
          [&](db::WriteTx& tx) { return Submit(tx, *user, *request); });
  if (!submitted.ok()) return ToGrpcStatus(submitted.status());
  *response = *submitted;
  return grpc::Status::OK;
}

grpc::Status AttemptHandler::GetUserProgress(grpc::ServerContext* context,
                                             const v1::GetUserProgressRequest* request,
                                             v1::UserProgress* response) {
  absl::StatusOr<std::string> user = api::ActingUserId(*context);
  if (!user.ok()) return ToGrpcStatus(user.status());
  std::string target = request->user_id().empty() ? *user : request->user_id();
  if (absl::Status valid = api::RequireUuid("user_id", target); !valid.ok()) {
    return ToGrpcStatus(valid);
  }
  target = absl::AsciiStrToLower(target);
  auto read = [&](db::ReadTx& tx) -> absl::StatusOr<ProgressRow> {
    return store_.GetProgress(tx, target);
  };
  // One's own progress must include one's latest submission: the primary.
  absl::StatusOr<ProgressRow> row =
      target == *user ? database_.ReadFromPrimary(read) : database_.Read(read);
  if (!row.ok()) return ToGrpcStatus(row.status());
  *response = ToProto(*row, TodayUtc());
  return grpc::Status::OK;
}

grpc::Status AttemptHandler::ListAttempts(grpc::ServerContext* context,
                                          const v1::ListAttemptsRequest* request,
                                          v1::ListAttemptsResponse* response) {
  absl::StatusOr<std::string> user = api::ActingUserId(*context);
  if (!user.ok()) return ToGrpcStatus(user.status());
  absl::StatusOr<int> page_size =
      api::PageSize("page_size", request->page_size(), kDefaultPageSize, kMaxPageSize);
  if (!page_size.ok()) return ToGrpcStatus(page_size.status());
  const std::string scope = "quest.v1.AttemptService/ListAttempts|" + *user;
  absl::StatusOr<std::optional<api::KeysetPosition>> after =
      api::DecodePosition(page_tokens_, scope, request->page_token());
  if (!after.ok()) return ToGrpcStatus(after.status());
  absl::StatusOr<std::vector<v1::Attempt>> page = database_.Read(
      [&](db::ReadTx& tx) -> absl::StatusOr<std::vector<v1::Attempt>> {
        return store_.List(tx, *user, *after, *page_size + 1);
      });
  if (!page.ok()) return ToGrpcStatus(page.status());
  const bool more = static_cast<int>(page->size()) > *page_size;
  if (more) page->pop_back();
  for (v1::Attempt& attempt : *page) *response->add_attempts() = std::move(attempt);
  if (more) {
    const v1::Attempt& last = response->attempts(response->attempts_size() - 1);
    response->set_next_page_token(
        api::EncodePosition(page_tokens_, scope, {StartedAtMicros(last), last.id()}));
  }
  return grpc::Status::OK;
}

}  // namespace qs::quest
