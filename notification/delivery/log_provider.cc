#include "notification/delivery/log_provider.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "notification/delivery/token_redaction.h"
#include "spdlog/spdlog.h"

namespace qs::notification::delivery {

std::string DescribeForLog(const PushMessage& message) {
  std::vector<std::string> keys;
  for (const auto& entry : message.data) keys.push_back(entry.first);
  return absl::StrCat(
      "push (log provider): ", message.platform == PushPlatform::kFcm ? "fcm" : "apns",
      message.platform == PushPlatform::kApns && message.apns_sandbox ? " sandbox" : "",
      " token=", ShortToken(message.token), " message_id=", message.message_id,
      " priority=", message.priority == PushPriority::kHigh ? "high" : "normal",
      " title_bytes=", message.title.size(), " body_bytes=", message.body.size(), " data_keys=[",
      absl::StrJoin(keys, ","), "]",
      message.collapse_key.empty() ? "" : " collapse_key=", message.collapse_key);
}

PushResult LogProvider::Send(const PushMessage& message) {
  spdlog::info("{}", DescribeForLog(message));
  return PushResult{Delivered{absl::StrCat("log:", message.message_id)}, 0, ""};
}

}  // namespace qs::notification::delivery
