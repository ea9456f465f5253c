// quest.v1.LeaderboardService: pages of a period's leaderboard and the
// neighbourhood of one user, with competition ranks (rank_counter.h). Read
// replica only, on the async read path: no worker thread waits for them.
#ifndef QS_QUEST_LEADERBOARD_HANDLER_H_
#define QS_QUEST_LEADERBOARD_HANDLER_H_

#include "common/api/page_token.h"
#include "common/base/periodic_loop.h"
#include "common/db/database.h"
#include "common/grpc/async_handler.h"
#include "common/grpc/method_table.h"
#include "proto/quest/v1/leaderboards.grpc.pb.h"
#include "quest/leaderboard_store.h"
#include "quest/rank_counter.h"

namespace qs::quest {

namespace v1 = ::quest::v1;

class LeaderboardHandler final : public v1::LeaderboardService::Service {
 public:
  LeaderboardHandler(db::Database& database, api::PageTokenCodec page_tokens,
                     RankCounter::Options ranks = {})
      : database_(database),
        page_tokens_(std::move(page_tokens)),
        ranks_(database, WithCurrentPeriods(std::move(ranks))) {}

  // Re-reads the rank histograms in the background (RankCounter). Not
  // started here: the owner starts it (context.RunInBackground in main.cc);
  // it stops with the handler at the latest.
  base::PeriodicLoop& rank_refresher() { return ranks_.refresher(); }

  // GetLeaderboard and GetLeaderboardAroundUser run here, non-blocking
  // (common/grpc/method_table.h).
  void ServeAsyncMethods(grpc_util::MethodTable& methods);

 private:
  using PageReply = grpc_util::Reply<v1::GetLeaderboardRequest, v1::GetLeaderboardResponse>;
  using AroundReply =
      grpc_util::Reply<v1::GetLeaderboardAroundUserRequest, v1::GetLeaderboardAroundUserResponse>;

  // Validate and read here; rank and answer from the read path's callbacks.
  void GetLeaderboardAsync(const v1::GetLeaderboardRequest& request, PageReply reply);
  void AroundUserAsync(const v1::GetLeaderboardAroundUserRequest& request, const std::string& user,
                       AroundReply reply);
  // Answers `reply` with `response` holding `slice` ranked, ranks_estimated
  // and the period key.
  template <typename Request, typename Response>
  void RankAndReply(const std::string& period, BoardSlice slice, Response response,
                    grpc_util::Reply<Request, Response> reply);

  // Keeps the histograms of today's, this week's and the all-time board warm.
  static RankCounter::Options WithCurrentPeriods(RankCounter::Options options);

  db::Database& database_;
  api::PageTokenCodec page_tokens_;
  LeaderboardStore store_;
  RankCounter ranks_;
};

}  // namespace qs::quest

#endif  // QS_QUEST_LEADERBOARD_HANDLER_H_
