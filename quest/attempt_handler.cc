#include "quest/attempt_handler.h"

#include "absl/strings/ascii.h"
#include "absl/time/clock.h"
#include "common/api/idempotency.h"
#include "common/api/keyset_page.h"
#include "common/api/validation.h"
#include "common/base/status_macros.h"
#include "common/db/row_mapping.h"
#include "common/events/outbox.h"
#include "common/grpc/handler.h"
#include "proto/quest/v1/events.pb.h"
#include "quest/attempt_rules.h"
#include "quest/leaderboard_rules.h"
#include "quest/puzzle_rules.h"

namespace qs::quest {
namespace {

using grpc_util::HandleAsUser;

absl::CivilDay TodayUtc() { return absl::ToCivilDay(absl::Now(), absl::UTCTimeZone()); }

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
  return HandleAsUser(
      *context, response, [&](const std::string& user) -> absl::StatusOr<v1::Attempt> {
        QS_RETURN_IF_ERROR(api::RequireUuid("puzzle_id", request->puzzle_id()));
        // Two round trips: BEGIN with the puzzle's read, then the attempt
        // and the play with the COMMIT. The puzzle's row is never locked.
        return database_.Write([&](db::WriteTx& tx) -> absl::StatusOr<v1::Attempt> {
          QS_ASSIGN_OR_RETURN(PuzzleForPlay puzzle, puzzles_.ReadForPlay(tx, request->puzzle_id()));
          QS_RETURN_IF_ERROR(CheckPlayable(puzzle.id, puzzle.status, puzzle.author_id, user));
          puzzles_.CountPlay(tx, puzzle.id);
          return store_.Insert(tx, user, puzzle.id, puzzle.read_at_micros);
        });
      });
}

// Two round trips in all: this one read (with BEGIN and, ahead of it, the
// idempotency claim: common/api/idempotency.h), and every write below
// deferred to travel with the COMMIT. Locks only
// the attempt's and the user's own rows; the puzzle's side of the game is
// appended for its rating period (puzzle_period_job.h).
absl::StatusOr<v1::SubmitAttemptResponse> AttemptHandler::Submit(
    db::WriteTx& tx, const std::string& user, const v1::SubmitAttemptRequest& request) {
  QS_ASSIGN_OR_RETURN(SubmissionFacts facts, store_.LoadSubmission(tx, request.attempt_id(), user));
  QS_RETURN_IF_ERROR(CheckSubmittable(facts.attempt, user));
  const PuzzleForPlay& puzzle = facts.puzzle;
  ProgressRow& progress = facts.progress;

  Submission submission;
  submission.correct = AnswerMatches(request.answer(), puzzle.solution);
  submission.rated = !facts.submitted_before;
  submission.time_taken_ms = facts.elapsed_ms;
  const absl::CivilDay today = TodayUtc();
  // A correct answer now sets the day's streak only if none did today.
  const bool first_solve_today = progress.streak.last_solved_on != today;
  const SubmissionOutcome outcome = ApplySubmission(submission, puzzle.rating, today, progress);

  if (outcome.puzzle_game) {
    puzzles_.RecordRatingResult(tx, puzzle.id, facts.attempt.id(), *outcome.puzzle_game);
  }
  v1::Attempt finished = store_.Finish(
      tx, facts.attempt, submission.correct, submission.time_taken_ms, outcome.score,
      submission.rated, outcome.rating_before, progress.rating.rating, facts.now_micros);
  store_.SaveProgress(tx, progress);
  if (outcome.score > 0) {
    leaderboard_.AddPoints(tx, user, outcome.score, PeriodKeysAt(absl::Now()));
  }
  if (submission.correct) {
    v1::PuzzleSolved solved;
    solved.set_user_id(user);
    solved.set_puzzle_id(puzzle.id);
    solved.set_attempt_id(finished.id());
    solved.set_score(outcome.score);
    solved.set_time_taken_ms(submission.time_taken_ms);
    solved.set_rating(progress.rating.rating);
    solved.set_current_streak(progress.streak.current);
    solved.set_streak_extended(first_solve_today);
    events::AppendEvent(tx, "quest", finished.id(), solved);
  }

  v1::SubmitAttemptResponse response;
  *response.mutable_attempt() = std::move(finished);
  *response.mutable_progress() = ToProto(progress, today);
  return response;
}

grpc::Status AttemptHandler::SubmitAttempt(grpc::ServerContext* context,
                                           const v1::SubmitAttemptRequest* request,
                                           v1::SubmitAttemptResponse* response) {
  return HandleAsUser(
      *context, response,
      [&](const std::string& user) -> absl::StatusOr<v1::SubmitAttemptResponse> {
        QS_RETURN_IF_ERROR(api::FirstError({api::RequireUuid("attempt_id", request->attempt_id()),
                                            ValidateAnswer(request->answer())}));
        return api::RunIdempotent<v1::SubmitAttemptResponse>(
            database_,
            api::IdempotencyKey{"quest.v1.AttemptService/SubmitAttempt:" + user,
                                request->request_id(), *request},
            [&](db::WriteTx& tx) { return Submit(tx, user, *request); });
      });
}

grpc::Status AttemptHandler::GetUserProgress(grpc::ServerContext* context,
                                             const v1::GetUserProgressRequest* request,
                                             v1::UserProgress* response) {
  return HandleAsUser(
      *context, response, [&](const std::string& user) -> absl::StatusOr<v1::UserProgress> {
        std::string target = request->user_id().empty() ? user : request->user_id();
        QS_RETURN_IF_ERROR(api::RequireUuid("user_id", target));
        target = absl::AsciiStrToLower(target);
        auto read = [&](db::ReadTx& tx) -> absl::StatusOr<ProgressRow> {
          return store_.GetProgress(tx, target);
        };
        // One's own progress must include one's latest submission: the primary.
        QS_ASSIGN_OR_RETURN(ProgressRow row, target == user ? database_.ReadFromPrimary(read)
                                                            : database_.Read(read));
        return ToProto(row, TodayUtc());
      });
}

grpc::Status AttemptHandler::ListAttempts(grpc::ServerContext* context,
                                          const v1::ListAttemptsRequest* request,
                                          v1::ListAttemptsResponse* response) {
  return HandleAsUser(*context, response, [&](const std::string& user) -> absl::Status {
    QS_ASSIGN_OR_RETURN(
        api::KeysetPage page,
        api::KeysetPage::Open(page_tokens_, "quest.v1.AttemptService/ListAttempts|" + user,
                              request->page_size(), request->page_token()));
    QS_ASSIGN_OR_RETURN(
        std::vector<v1::Attempt> attempts,
        database_.Read([&](db::ReadTx& tx) -> absl::StatusOr<std::vector<v1::Attempt>> {
          return store_.List(tx, user, page.after(), page.fetch_limit());
        }));
    response->set_next_page_token(page.Close(attempts, [](const v1::Attempt& last) {
      return api::KeysetPosition{db::TimestampMicros(last.started_at()), last.id()};
    }));
    for (v1::Attempt& attempt : attempts) *response->add_attempts() = std::move(attempt);
    return absl::OkStatus();
  });
}

}  // namespace qs::quest
