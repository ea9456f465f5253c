#include "social/chat_settings.h"

#include <cstdint>

namespace qs::social {

absl::StatusOr<ChatSettings> LoadChatSettings(const config::EnvLookup& env) {
  ChatSettings settings;
  absl::StatusOr<int64_t> max_bytes = config::ReadInt(
      env, "CHAT_MAX_MESSAGE_BYTES", static_cast<int64_t>(settings.max_message_bytes), 1, 65'536);
  if (!max_bytes.ok()) return max_bytes.status();
  settings.max_message_bytes = static_cast<size_t>(*max_bytes);
  return settings;
}

}  // namespace qs::social
