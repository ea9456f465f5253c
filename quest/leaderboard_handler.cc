#include "quest/leaderboard_handler.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/api/keyset_page.h"
#include "common/api/validation.h"
#include "common/base/status_macros.h"
#include "proto/quest/v1/quest_methods.h"
#include "quest/leaderboard_rules.h"

namespace qs::quest {
namespace {

constexpr int kDefaultRadius = 5;
constexpr int kMaxRadius = 50;

absl::StatusOr<std::string> PeriodOf(v1::LeaderboardPeriod period) {
  QS_RETURN_IF_ERROR(api::RequireKnownEnum("period", period, v1::LeaderboardPeriod_IsValid));
  return PeriodKey(period, absl::Now());
}

// Appends a contiguous run of rows in rank order with competition ranks
// from `counts` (of the first row).
void AppendRanked(const std::vector<BoardRow>& rows, const RankCounter::Counts& counts,
                  google::protobuf::RepeatedPtrField<v1::LeaderboardEntry>* out) {
  std::vector<int64_t> scores;
  for (const BoardRow& row : rows) scores.push_back(row.score);
  std::vector<int64_t> ranks = CompetitionRanks(scores, counts.above, counts.at_or_above);
  for (size_t i = 0; i < rows.size(); ++i) {
    v1::LeaderboardEntry* entry = out->Add();
    entry->set_rank(ranks[i]);
    entry->set_user_id(rows[i].user_id);
    entry->set_score(rows[i].score);
  }
}

}  // namespace

RankCounter::Options LeaderboardHandler::WithCurrentPeriods(RankCounter::Options options) {
  options.current_periods = [] { return PeriodKeysAt(absl::Now()); };
  return options;
}

void LeaderboardHandler::ServeAsyncMethods(grpc_util::MethodTable& methods) {
  // One statement on the replica reads a slice with what ranks it; a second
  // follows only for a deep rank before its period's histogram is read.
  grpc_util::ServeAsyncAsUser(
      methods, &v1::LeaderboardService::Service::GetLeaderboard,
      [this](const v1::GetLeaderboardRequest& request, const std::string&, PageReply reply) {
        GetLeaderboardAsync(request, std::move(reply));
      });
  grpc_util::ServeAsyncAsUser(
      methods, &v1::LeaderboardService::Service::GetLeaderboardAroundUser,
      [this](const v1::GetLeaderboardAroundUserRequest& request, const std::string& user,
             AroundReply reply) { AroundUserAsync(request, user, std::move(reply)); });
}

template <typename Request, typename Response>
void LeaderboardHandler::RankAndReply(const std::string& period, BoardSlice slice,
                                      Response response,
                                      grpc_util::Reply<Request, Response> reply) {
  response.set_period_key(period);
  if (slice.rows.empty()) return reply(std::move(response));
  const int64_t first_score = slice.rows.front().score;
  ranks_.CountAbove(period, first_score, slice.near, reply.deadline(),
                    [rows = std::move(slice.rows), response = std::move(response),
                     reply](absl::StatusOr<RankCounter::Counts> counts) mutable {
                      if (!counts.ok()) return reply(counts.status());
                      AppendRanked(rows, *counts, response.mutable_entries());
                      response.set_ranks_estimated(counts->estimated);
                      reply(std::move(response));
                    });
}

void LeaderboardHandler::GetLeaderboardAsync(const v1::GetLeaderboardRequest& request,
                                             PageReply reply) {
  absl::StatusOr<std::string> period = PeriodOf(request.period());
  QS_REPLY_IF_ERROR(reply, period.status());
  // The period key is in the scope: yesterday's token does not page today.
  absl::StatusOr<api::KeysetPage> page =
      api::KeysetPage::Open(page_tokens_, "quest.v1.LeaderboardService/GetLeaderboard|" + *period,
                            request.page_size(), request.page_token());
  QS_REPLY_IF_ERROR(reply, page.status());
  LeaderboardStore::PageAsync(
      database_.async_reads(), *period, page->after(), page->fetch_limit(), ranks_.exact_limit(),
      reply.deadline(),
      [this, period = *period, page = *page, reply](absl::StatusOr<BoardSlice> slice) {
        if (!slice.ok()) return reply(slice.status());
        v1::GetLeaderboardResponse response;
        response.set_next_page_token(page.Close(slice->rows, [](const BoardRow& last) {
          return api::KeysetPosition{last.score, last.user_id};
        }));
        RankAndReply(period, *std::move(slice), std::move(response), reply);
      });
}

void LeaderboardHandler::AroundUserAsync(const v1::GetLeaderboardAroundUserRequest& request,
                                         const std::string& user, AroundReply reply) {
  std::string target = request.user_id().empty() ? user : request.user_id();
  absl::StatusOr<std::string> period = PeriodOf(request.period());
  QS_REPLY_IF_ERROR(reply, period.status());
  QS_REPLY_IF_ERROR(
      reply,
      api::FirstError({api::RequireUuid("user_id", target),
                       api::RequireInRange("radius", int64_t{request.radius()}, 0, kMaxRadius)}));
  target = absl::AsciiStrToLower(target);
  const int radius = request.radius() == 0 ? kDefaultRadius : request.radius();
  LeaderboardStore::AroundAsync(
      database_.async_reads(), *period, target, radius, ranks_.exact_limit(), reply.deadline(),
      [this, period = *period, target, reply](absl::StatusOr<BoardSlice> slice) {
        if (!slice.ok()) return reply(slice.status());
        if (slice->rows.empty()) {
          return reply(
              absl::NotFoundError(absl::StrCat("user ", target, " has no points in ", period)));
        }
        RankAndReply(period, *std::move(slice), v1::GetLeaderboardAroundUserResponse(), reply);
      });
}

}  // namespace qs::quest
