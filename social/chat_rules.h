// The rules of chat, without I/O: what a message may contain, who may read,
// post to and moderate a channel, how read marks move and unread counts are
// derived. The handler asks these after loading the facts from the store.
//
//   if (absl::Status s = ValidateMessageText("text", request.text(), settings.max_message_bytes);
//       !s.ok()) return s;
//   QS_RETURN_IF_ERROR(MayPost(access, now_micros));
#ifndef QS_SOCIAL_CHAT_RULES_H_
#define QS_SOCIAL_CHAT_RULES_H_

#include <cstdint>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "common/db/enum_codes.h"
#include "proto/social/v1/chat.pb.h"

namespace qs::social {

namespace v1 = ::social::v1;

// Limits with no setting of their own.
inline constexpr size_t kMaxMetadataBytes = 4096;
inline constexpr size_t kMaxClientMessageIdBytes = 128;
// CHAT_MAX_MESSAGE_BYTES's default.
inline constexpr size_t kDefaultMaxMessageBytes = 4096;

// "direct" / "guild" and "text" / "system" in the database.
const db::EnumCodes<v1::ChannelKind>& ChannelKindCodes();
const db::EnumCodes<v1::MessageKind>& MessageKindCodes();

// The pair (low, high) a direct channel stores, whatever the order given.
std::pair<std::string, std::string> SortedPair(const std::string& a, const std::string& b);

// INVALID_ARGUMENT naming `field` unless `text` is valid UTF-8 without NUL,
// not empty or only whitespace, and at most `max_bytes` bytes.
absl::Status ValidateMessageText(absl::string_view field, absl::string_view text, size_t max_bytes);
// OK for "" (no metadata) or a JSON object of at most kMaxMetadataBytes.
absl::Status ValidateMetadataJson(absl::string_view field, absl::string_view json);
// OK for "" (none) or 1..128 printable ASCII without spaces.
absl::Status ValidateClientMessageId(absl::string_view field, absl::string_view id);

// What the handler knows about the acting user and a channel.
struct ChannelAccess {
  v1::ChannelKind kind = v1::CHANNEL_KIND_UNSPECIFIED;
  // Direct: the user is one of the pair.
  bool is_participant = false;
  // Direct: either user blocks the other.
  bool blocked = false;
  // Guild: the user's guild_members row (empty strings when none).
  std::string guild_role;
  std::string guild_state;
  // Guild: muted_until in microseconds when still ahead, else 0.
  int64_t muted_until_micros = 0;
};

// PERMISSION_DENIED unless the user may read the channel's history: a
// participant of a direct channel (a block does not hide the past), a
// member (state 'member') of the guild.
absl::Status MayRead(const ChannelAccess& access);
// MayRead, then FAILED_PRECONDITION while a block stands between the two
// users or the member is muted.
absl::Status MayPost(const ChannelAccess& access);
// The author may edit (PERMISSION_DENIED otherwise, system messages
// included); a deleted message is FAILED_PRECONDITION.
absl::Status MayEdit(const v1::ChatMessage& message, const std::string& user_id);
// The author may delete, and in a guild channel an admin or owner (a
// current member). PERMISSION_DENIED otherwise.
absl::Status MayDelete(const v1::ChatMessage& message, const std::string& user_id,
                       const ChannelAccess& access);

// The sequence a mark request asks for: 0 = up to the newest message.
// INVALID_ARGUMENT naming `field` when negative or beyond last_sequence.
absl::Status ValidateReadMark(absl::string_view field, int64_t requested, int64_t last_sequence);
int64_t RequestedMark(int64_t requested, int64_t last_sequence);
// Marks never move backward.
int64_t NextReadMark(int64_t current, int64_t requested);
// Messages after the mark (own messages move the mark, see the store).
int64_t UnreadCount(int64_t last_sequence, int64_t last_read_sequence);

}  // namespace qs::social

#endif  // QS_SOCIAL_CHAT_RULES_H_
