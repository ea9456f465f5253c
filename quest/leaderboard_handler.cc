#include "quest/leaderboard_handler.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/api/keyset_page.h"
#include "common/api/validation.h"
#include "common/base/status_macros.h"
#include "common/grpc/handler.h"
#include "quest/leaderboard_rules.h"

namespace qs::quest {
namespace {

using grpc_util::HandleAsUser;

constexpr int kDefaultRadius = 5;
constexpr int kMaxRadius = 50;

absl::StatusOr<std::string> PeriodOf(v1::LeaderboardPeriod period) {
  QS_RETURN_IF_ERROR(api::RequireKnownEnum("period", period, v1::LeaderboardPeriod_IsValid));
  return PeriodKey(period, absl::Now());
}

// Ranks a contiguous run of rows in rank order and appends them; true when
// the ranks are estimated (see RankCounter).
bool AppendRanked(db::ReadTx& tx, RankCounter& counter, const std::string& period,
                  const std::vector<BoardRow>& rows,
                  google::protobuf::RepeatedPtrField<v1::LeaderboardEntry>* out) {
  if (rows.empty()) return false;
  const RankCounter::Counts counts = counter.CountAbove(tx, period, rows.front().score);
  std::vector<int64_t> scores;
  for (const BoardRow& row : rows) scores.push_back(row.score);
  std::vector<int64_t> ranks = CompetitionRanks(scores, counts.above, counts.at_or_above);
  for (size_t i = 0; i < rows.size(); ++i) {
    v1::LeaderboardEntry* entry = out->Add();
    entry->set_rank(ranks[i]);
    entry->set_user_id(rows[i].user_id);
    entry->set_score(rows[i].score);
  }
  return counts.estimated;
}

}  // namespace

RankCounter::Options LeaderboardHandler::WithCurrentPeriods(RankCounter::Options options) {
  options.current_periods = [] { return PeriodKeysAt(absl::Now()); };
  return options;
}

grpc::Status LeaderboardHandler::GetLeaderboard(grpc::ServerContext* context,
                                                const v1::GetLeaderboardRequest* request,
                                                v1::GetLeaderboardResponse* response) {
  return HandleAsUser(*context, response, [&](const std::string&) -> absl::Status {
    QS_ASSIGN_OR_RETURN(const std::string period, PeriodOf(request->period()));
    // The period key is in the scope: yesterday's token does not page today.
    QS_ASSIGN_OR_RETURN(
        api::KeysetPage page,
        api::KeysetPage::Open(page_tokens_, "quest.v1.LeaderboardService/GetLeaderboard|" + period,
                              request->page_size(), request->page_token()));
    QS_RETURN_IF_ERROR(database_.Read([&](db::ReadTx& tx) -> absl::Status {
      std::vector<BoardRow> rows = store_.Page(tx, period, page.after(), page.fetch_limit());
      response->set_next_page_token(page.Close(rows, [](const BoardRow& last) {
        return api::KeysetPosition{last.score, last.user_id};
      }));
      // Written afresh on every run: a retried read must not append twice.
      response->clear_entries();
      response->set_ranks_estimated(
          AppendRanked(tx, ranks_, period, rows, response->mutable_entries()));
      return absl::OkStatus();
    }));
    response->set_period_key(period);
    return absl::OkStatus();
  });
}

grpc::Status LeaderboardHandler::GetLeaderboardAroundUser(
    grpc::ServerContext* context, const v1::GetLeaderboardAroundUserRequest* request,
    v1::GetLeaderboardAroundUserResponse* response) {
  return HandleAsUser(*context, response, [&](const std::string& user) -> absl::Status {
    std::string target = request->user_id().empty() ? user : request->user_id();
    QS_ASSIGN_OR_RETURN(const std::string period, PeriodOf(request->period()));
    QS_RETURN_IF_ERROR(api::FirstError(
        {api::RequireUuid("user_id", target),
         api::RequireInRange("radius", int64_t{request->radius()}, 0, kMaxRadius)}));
    target = absl::AsciiStrToLower(target);
    const int radius = request->radius() == 0 ? kDefaultRadius : request->radius();
    QS_RETURN_IF_ERROR(database_.Read([&](db::ReadTx& tx) -> absl::Status {
      std::optional<int64_t> score = store_.ScoreOf(tx, period, target);
      if (!score) {
        return absl::NotFoundError(absl::StrCat("user ", target, " has no points in ", period));
      }
      std::vector<BoardRow> rows = store_.Above(tx, period, *score, target, radius);
      rows.push_back({target, *score});
      std::vector<BoardRow> below = store_.Below(tx, period, *score, target, radius);
      rows.insert(rows.end(), below.begin(), below.end());
      response->clear_entries();  // a retried read must not append twice
      response->set_ranks_estimated(
          AppendRanked(tx, ranks_, period, rows, response->mutable_entries()));
      return absl::OkStatus();
    }));
    response->set_period_key(period);
    return absl::OkStatus();
  });
}

}  // namespace qs::quest
