#include "notification/delivery/push_provider.h"

namespace qs::notification::delivery {

absl::string_view ActionName(const PushAction& action) {
  return std::visit(
      Overloaded{
          [](const Delivered&) { return absl::string_view("delivered"); },
          [](const InvalidateToken&) { return absl::string_view("invalidate_token"); },
          [](const FailPermanently&) { return absl::string_view("fail_permanently"); },
          [](const StopTokenForSender&) { return absl::string_view("stop_token_for_sender"); },
          [](const ThrottleProvider&) { return absl::string_view("throttle_provider"); },
          [](const RetryLater&) { return absl::string_view("retry_later"); },
          [](const RefreshCredentialAndRetry&) {
            return absl::string_view("refresh_credential_and_retry");
          },
          [](const PauseProvider&) { return absl::string_view("pause_provider"); },
      },
      action);
}

}  // namespace qs::notification::delivery
