// quest.v1.MatchService: the match state machine (match_rules.h) over
// match_store.h. Every change locks the match row first, so concurrent
// joins never exceed max_players and the last answer finishes the match
// exactly once.
#ifndef QS_QUEST_MATCH_HANDLER_H_
#define QS_QUEST_MATCH_HANDLER_H_

#include <functional>
#include <string>

#include "common/api/page_token.h"
#include "common/db/database.h"
#include "proto/quest/v1/matches.grpc.pb.h"
#include "quest/match_store.h"
#include "quest/puzzle_store.h"

namespace qs::quest {

namespace v1 = ::quest::v1;

class MatchHandler final : public v1::MatchService::Service {
 public:
  MatchHandler(db::Database& database, api::PageTokenCodec page_tokens)
      : database_(database), page_tokens_(std::move(page_tokens)) {}

  grpc::Status CreateMatch(grpc::ServerContext* context, const v1::CreateMatchRequest* request,
                           v1::Match* response) override;
  grpc::Status JoinMatch(grpc::ServerContext* context, const v1::MatchRequest* request,
                         v1::Match* response) override;
  grpc::Status LeaveMatch(grpc::ServerContext* context, const v1::MatchRequest* request,
                          v1::Match* response) override;
  grpc::Status StartMatch(grpc::ServerContext* context, const v1::MatchRequest* request,
                          v1::Match* response) override;
  grpc::Status SubmitMatchAnswer(grpc::ServerContext* context,
                                 const v1::SubmitMatchAnswerRequest* request,
                                 v1::SubmitMatchAnswerResponse* response) override;
  grpc::Status GetMatch(grpc::ServerContext* context, const v1::MatchRequest* request,
                        v1::Match* response) override;
  grpc::Status ListMatches(grpc::ServerContext* context, const v1::ListMatchesRequest* request,
                           v1::ListMatchesResponse* response) override;

 private:
  // Runs `change` on the locked match of `match_id` in one write
  // transaction and returns the match as it is afterwards (Reload, which
  // carries the change's deferred writes). A change that settles the match
  // applies its writes to `match` first (ApplyLeave, ApplyAnswer).
  using ChangeFn =
      std::function<absl::Status(db::WriteTx&, v1::Match& match, const std::string& user)>;
  grpc::Status Change(grpc::ServerContext* context, const std::string& match_id,
                      const ChangeFn& change, v1::Match* response);
  // Applies Settle (match_rules.h) to `match` as the transaction's writes
  // leave it: finishes or cancels it when nobody has anything left to do,
  // with its MatchFinished event. Only deferred writes: no reads.
  void SettleIfDone(db::WriteTx& tx, const v1::Match& match);

  db::Database& database_;
  api::PageTokenCodec page_tokens_;
  MatchStore store_;
  PuzzleStore puzzles_;
};

}  // namespace qs::quest

#endif  // QS_QUEST_MATCH_HANDLER_H_
