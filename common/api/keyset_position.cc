#include "common/api/keyset_position.h"

#include "common/api/keyset_cursor.h"
#include "common/api/uuid.h"

namespace qs::api {

absl::StatusOr<std::optional<KeysetPosition>> DecodePosition(const PageTokenCodec& codec,
                                                             absl::string_view scope,
                                                             absl::string_view token) {
  if (token.empty()) return std::optional<KeysetPosition>();
  absl::StatusOr<std::string> cursor = codec.Decode(scope, token);
  if (!cursor.ok()) return cursor.status();
  absl::StatusOr<KeysetCursor> parsed = KeysetCursor::Parse(*cursor);
  if (!parsed.ok()) return parsed.status();
  absl::StatusOr<int64_t> key = parsed->Int(0);
  absl::StatusOr<std::string> id = parsed->String(1);
  if (!key.ok() || !id.ok() || parsed->size() < 2 || parsed->size() > 3 || !IsUuid(*id)) {
    return absl::InvalidArgumentError("page_token: malformed position");
  }
  if (parsed->size() == 2) return std::optional<KeysetPosition>(KeysetPosition{*key, *id});
  absl::StatusOr<std::string> text = parsed->String(2);
  if (!text.ok()) return absl::InvalidArgumentError("page_token: malformed position");
  return std::optional<KeysetPosition>(KeysetPosition{*key, *id, *text});
}

std::string EncodePosition(const PageTokenCodec& codec, absl::string_view scope,
                           const KeysetPosition& position) {
  KeysetCursor cursor;
  cursor.AddInt(position.key).AddString(position.id);
  // Two values unless a text is carried: tokens of (number, uuid) lists
  // stay as they were.
  if (!position.text.empty()) cursor.AddString(position.text);
  return codec.Encode(scope, cursor.Serialize());
}

}  // namespace qs::api
