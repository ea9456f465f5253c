// quest.v1.AttemptService: attempts, server-side answer checks, Glicko-2
// ratings for users and puzzles, counters and daily streaks.
//
// SubmitAttempt runs in one write transaction that locks, in this order, the
// attempt, its puzzle and the user's progress row: concurrent submissions
// serialise on the rows they share and never lose a counter update. It is
// idempotent by request_id (common/api/idempotency.h).
#ifndef QS_QUEST_ATTEMPT_HANDLER_H_
#define QS_QUEST_ATTEMPT_HANDLER_H_

#include "common/api/page_token.h"
#include "common/db/database.h"
#include "proto/quest/v1/attempts.grpc.pb.h"
#include "quest/attempt_store.h"
#include "quest/leaderboard_store.h"
#include "quest/puzzle_store.h"

namespace qs::quest {

namespace v1 = ::quest::v1;

class AttemptHandler final : public v1::AttemptService::Service {
 public:
  AttemptHandler(db::Database& database, api::PageTokenCodec page_tokens)
      : database_(database), page_tokens_(std::move(page_tokens)) {}

  grpc::Status StartAttempt(grpc::ServerContext* context, const v1::StartAttemptRequest* request,
                            v1::Attempt* response) override;
  grpc::Status SubmitAttempt(grpc::ServerContext* context, const v1::SubmitAttemptRequest* request,
                             v1::SubmitAttemptResponse* response) override;
  grpc::Status GetUserProgress(grpc::ServerContext* context,
                               const v1::GetUserProgressRequest* request,
                               v1::UserProgress* response) override;
  grpc::Status ListAttempts(grpc::ServerContext* context, const v1::ListAttemptsRequest* request,
                            v1::ListAttemptsResponse* response) override;

 private:
  absl::StatusOr<v1::SubmitAttemptResponse> Submit(db::WriteTx& tx, const std::string& user,
                                                   const v1::SubmitAttemptRequest& request);

  db::Database& database_;
  api::PageTokenCodec page_tokens_;
  AttemptStore store_;
  PuzzleStore puzzles_;
  LeaderboardStore leaderboard_;
};

// The API view of a progress row as of `today` (UTC).
v1::UserProgress ToProto(const ProgressRow& row, absl::CivilDay today);

}  // namespace qs::quest

#endif  // QS_QUEST_ATTEMPT_HANDLER_H_
