#include "social/suggestion_refresher.h"

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "spdlog/spdlog.h"

namespace qs::social {

SuggestionRefresher::SuggestionRefresher(db::Database& database, const FriendSettings& settings)
    : database_(database),
      settings_(settings),
      loop_(settings.suggestion_refresh_interval, [this] { RefreshDue(); }) {}

void SuggestionRefresher::RefreshDue() {
  size_t refreshed = 0;
  while (!loop_.StopRequested()) {
    // One transaction per batch: the claim's row locks are what keeps a
    // concurrent friendship change from being lost (SuggestionStore::Refresh).
    absl::StatusOr<size_t> batch = database_.Write([&](db::WriteTx& tx) -> absl::StatusOr<size_t> {
      const std::vector<std::string> users = store_.ClaimDue(
          tx, settings_.suggestion_batch_size, absl::Now() - settings_.suggestion_max_age);
      store_.Refresh(tx, users, settings_.suggestion_list_size);
      return users.size();
    });
    if (!batch.ok()) {
      spdlog::warn("friend suggestions not refreshed: {}", batch.status().ToString());
      break;
    }
    refreshed += *batch;
    if (*batch < static_cast<size_t>(settings_.suggestion_batch_size)) break;
  }
  if (refreshed > 0) spdlog::debug("refreshed {} friend suggestion lists", refreshed);
}

}  // namespace qs::social
