#include "social/chat_rules.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/api/json_check.h"
#include "common/api/validation.h"

namespace qs::social {

const db::EnumCodes<v1::ChannelKind>& ChannelKindCodes() {
  static const auto* codes = new db::EnumCodes<v1::ChannelKind>(
      {{v1::CHANNEL_KIND_DIRECT, "direct"}, {v1::CHANNEL_KIND_GUILD, "guild"}});
  return *codes;
}

const db::EnumCodes<v1::MessageKind>& MessageKindCodes() {
  static const auto* codes = new db::EnumCodes<v1::MessageKind>(
      {{v1::MESSAGE_KIND_TEXT, "text"}, {v1::MESSAGE_KIND_SYSTEM, "system"}});
  return *codes;
}

std::pair<std::string, std::string> SortedPair(const std::string& a, const std::string& b) {
  return a < b ? std::make_pair(a, b) : std::make_pair(b, a);
}

absl::Status ValidateMessageText(absl::string_view field, absl::string_view text,
                                 size_t max_bytes) {
  return api::FirstError({api::RequireNonEmpty(field, text),
                          api::RequireMaxLength(field, text, max_bytes),
                          api::RequireValidUtf8(field, text)});
}

absl::Status ValidateMetadataJson(absl::string_view field, absl::string_view json) {
  if (json.empty()) return absl::OkStatus();
  if (absl::Status s = api::FirstError({api::RequireMaxLength(field, json, kMaxMetadataBytes),
                                        api::RequireValidUtf8(field, json)});
      !s.ok()) {
    return s;
  }
  if (!api::IsJsonObject(json)) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": must be a JSON object"));
  }
  return absl::OkStatus();
}

absl::Status ValidateClientMessageId(absl::string_view field, absl::string_view id) {
  if (id.empty()) return absl::OkStatus();
  if (id.size() > kMaxClientMessageIdBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": at most ", kMaxClientMessageIdBytes, " bytes, got ", id.size()));
  }
  for (char c : id) {
    if (c <= ' ' || c > '~') {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ": only printable ASCII without spaces"));
    }
  }
  return absl::OkStatus();
}

absl::Status MayRead(const ChannelAccess& access) {
  switch (access.kind) {
    case v1::CHANNEL_KIND_DIRECT:
      if (access.is_participant) return absl::OkStatus();
      return absl::PermissionDeniedError(
          "this direct channel belongs to two other users; send to a user by "
          "recipient_user_id to talk to them");
    case v1::CHANNEL_KIND_GUILD:
      if (access.guild_state == "member") return absl::OkStatus();
      if (access.guild_state == "banned") {
        return absl::PermissionDeniedError("you are banned from this guild");
      }
      return absl::PermissionDeniedError(
          "only members of the guild may use its channel; join the guild first");
    default:
      return absl::InternalError("channel of unknown kind");
  }
}

absl::Status MayPost(const ChannelAccess& access) {
  if (absl::Status s = MayRead(access); !s.ok()) return s;
  if (access.kind == v1::CHANNEL_KIND_DIRECT && access.blocked) {
    return absl::FailedPreconditionError(
        "one of you blocks the other; direct messages are possible again once the block is "
        "lifted");
  }
  if (access.kind == v1::CHANNEL_KIND_GUILD && access.muted_until_micros != 0) {
    return absl::FailedPreconditionError(
        "you are muted in this guild; you may post again when the mute ends or an admin lifts "
        "it");
  }
  return absl::OkStatus();
}

absl::Status MayEdit(const v1::ChatMessage& message, const std::string& user_id) {
  if (message.sender_id() != user_id) {
    return absl::PermissionDeniedError("only the author of a message may edit it");
  }
  if (message.deleted()) {
    return absl::FailedPreconditionError("the message was deleted; send a new one instead");
  }
  return absl::OkStatus();
}

absl::Status MayDelete(const v1::ChatMessage& message, const std::string& user_id,
                       const ChannelAccess& access) {
  if (!message.sender_id().empty() && message.sender_id() == user_id) return absl::OkStatus();
  if (access.kind == v1::CHANNEL_KIND_GUILD && access.guild_state == "member" &&
      (access.guild_role == "admin" || access.guild_role == "owner")) {
    return absl::OkStatus();
  }
  return absl::PermissionDeniedError(
      "only the author, or a guild admin or owner in a guild channel, may delete a message");
}

absl::Status ValidateReadMark(absl::string_view field, int64_t requested, int64_t last_sequence) {
  if (requested < 0 || requested > last_sequence) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": must be between 0 and the channel's last sequence ", last_sequence,
                     ", got ", requested));
  }
  return absl::OkStatus();
}

int64_t RequestedMark(int64_t requested, int64_t last_sequence) {
  return requested == 0 ? last_sequence : requested;
}

int64_t NextReadMark(int64_t current, int64_t requested) { return std::max(current, requested); }

int64_t UnreadCount(int64_t last_sequence, int64_t last_read_sequence) {
  return std::max<int64_t>(0, last_sequence - last_read_sequence);
}

}  // namespace qs::social
