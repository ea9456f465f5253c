#include "notification/delivery/credential_refresh.h"

#include "absl/strings/str_cat.h"

namespace qs::notification::delivery {

PushResult SendRefreshingCredentialOnce(const std::function<PushResult()>& attempt,
                                        const std::function<void()>& refresh) {
  PushResult first = attempt();
  if (!std::holds_alternative<RefreshCredentialAndRetry>(first.action)) return first;
  refresh();
  PushResult second = attempt();
  if (const auto* refused = std::get_if<RefreshCredentialAndRetry>(&second.action)) {
    second.action =
        PauseProvider{absl::StrCat("credential refused after a refresh: ", refused->reason)};
  }
  return second;
}

}  // namespace qs::notification::delivery
