// quest.v1.LeaderboardService: pages of a period's leaderboard and the
// neighbourhood of one user, with competition ranks (rank_counter.h). Read
// replica only.
#ifndef QS_QUEST_LEADERBOARD_HANDLER_H_
#define QS_QUEST_LEADERBOARD_HANDLER_H_

#include "common/api/page_token.h"
#include "common/base/periodic_loop.h"
#include "common/db/database.h"
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

  grpc::Status GetLeaderboard(grpc::ServerContext* context,
                              const v1::GetLeaderboardRequest* request,
                              v1::GetLeaderboardResponse* response) override;
  grpc::Status GetLeaderboardAroundUser(grpc::ServerContext* context,
                                        const v1::GetLeaderboardAroundUserRequest* request,
                                        v1::GetLeaderboardAroundUserResponse* response) override;

 private:
  // Keeps the histograms of today's, this week's and the all-time board warm.
  static RankCounter::Options WithCurrentPeriods(RankCounter::Options options);

  db::Database& database_;
  api::PageTokenCodec page_tokens_;
  LeaderboardStore store_;
  RankCounter ranks_;
};

}  // namespace qs::quest

#endif  // QS_QUEST_LEADERBOARD_HANDLER_H_
