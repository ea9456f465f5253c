// Settings of chat beyond the common ones (common/config):
//
//   CHAT_MAX_MESSAGE_BYTES   4096   longest message text in bytes (UTF-8), 1..65536
#ifndef QS_SOCIAL_CHAT_SETTINGS_H_
#define QS_SOCIAL_CHAT_SETTINGS_H_

#include <cstddef>

#include "absl/status/statusor.h"
#include "common/config/env.h"
#include "social/chat_rules.h"

namespace qs::social {

struct ChatSettings {
  size_t max_message_bytes = kDefaultMaxMessageBytes;
};

// An error names the variable and the accepted values.
absl::StatusOr<ChatSettings> LoadChatSettings(const config::EnvLookup& env);

}  // namespace qs::social

#endif  // QS_SOCIAL_CHAT_SETTINGS_H_
