#include "quest/leaderboard_handler.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/api/acting_user.h"
#include "common/api/validation.h"
#include "common/grpc/status.h"
#include "quest/leaderboard_rules.h"

namespace qs::quest {
namespace {

using grpc_util::ToGrpcStatus;

constexpr int kDefaultPageSize = 20;
constexpr int kMaxPageSize = 100;
constexpr int kDefaultRadius = 5;
constexpr int kMaxRadius = 50;

absl::StatusOr<std::string> PeriodOf(v1::LeaderboardPeriod period) {
  if (absl::Status valid = api::RequireKnownEnum(
          "period", period, v1::LeaderboardPeriod_IsValid);
      !valid.ok()) {
    return valid;
  }
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

grpc::Status LeaderboardHandler::GetLeaderboard(
    grpc::ServerContext* context, const v1::GetLeaderboardRequest* request,
    v1::GetLeaderboardResponse* response) {
  absl::StatusOr<std::string> user = api::ActingUserId(*context);
  if (!user.ok()) return ToGrpcStatus(user.status());
  absl::StatusOr<std::string> period = PeriodOf(request->period());
  if (!period.ok()) return ToGrpcStatus(period.status());
  absl::StatusOr<int> page_size =
      api::PageSize("page_size", request->page_size(), kDefaultPageSize, kMaxPageSize);
  if (!page_size.ok()) return ToGrpcStatus(page_size.status());
  // The period key is in the scope: yesterday's token does not page today.
  const std::string scope = "quest.v1.LeaderboardService/GetLeaderboard|" + *period;
  absl::StatusOr<std::optional<api::KeysetPosition>> after =
      api::DecodePosition(page_tokens_, scope, request->page_token());
  if (!after.ok()) return ToGrpcStatus(after.status());

  absl::StatusOr<bool> more = database_.Read([&](db::ReadTx& tx) -> absl::StatusOr<bool> {
    std::vector<BoardRow> rows = store_.Page(tx, *period, *after, *page_size + 1);
    const bool has_more = static_cast<int>(rows.size()) > *page_size;
    if (has_more) rows.pop_back();
    response->set_ranks_estimated(
        AppendRanked(tx, ranks_, *period, rows, response->mutable_entries()));
    return has_more;
  });
  if (!more.ok()) return ToGrpcStatus(more.status());
  response->set_period_key(*period);
  if (*more) {
    const auto& last = response->entries(response->entries_size() - 1);
    response->set_next_page_token(
        api::EncodePosition(page_tokens_, scope, {last.score(), last.user_id()}));
  }
  return grpc::Status::OK;
}

grpc::Status LeaderboardHandler::GetLeaderboardAroundUser(
    grpc::ServerContext* context, const v1::GetLeaderboardAroundUserRequest* request,
    v1::GetLeaderboardAroundUserResponse* response) {
  absl::StatusOr<std::string> user = api::ActingUserId(*context);
  if (!user.ok()) return ToGrpcStatus(user.status());
  std::string target = request->user_id().empty() ? *user : request->user_id();
  absl::StatusOr<std::string> period = PeriodOf(request->period());
  if (!period.ok()) return ToGrpcStatus(period.status());
  if (absl::Status valid = api::FirstError(
          {api::RequireUuid("user_id", target),
           api::RequireInRange("radius", int64_t{request->radius()}, 0, kMaxRadius)});
      !valid.ok()) {
    return ToGrpcStatus(valid);
  }
  target = absl::AsciiStrToLower(target);
  const int radius = request->radius() == 0 ? kDefaultRadius : request->radius();
  absl::Status read = database_.Read([&](db::ReadTx& tx) -> absl::Status {
    std::optional<int64_t> score = store_.ScoreOf(tx, *period, target);
    if (!score) {
      return absl::NotFoundError(
          absl::StrCat("user ", target, " has no points in ", *period));
    }
    std::vector<BoardRow> rows = store_.Above(tx, *period, *score, target, radius);
    rows.push_back({target, *score});
    std::vector<BoardRow> below = store_.Below(tx, *period, *score, target, radius);
    rows.insert(rows.end(), below.begin(), below.end());
    response->set_ranks_estimated(
        AppendRanked(tx, ranks_, *period, rows, response->mutable_entries()));
    return absl::OkStatus();
  });
  if (!read.ok()) return ToGrpcStatus(read);
  response->set_period_key(*period);
  return grpc::Status::OK;
}

}  // namespace qs::quest
