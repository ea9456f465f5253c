// The position where a keyset-paginated page ended, e.g. the (created_at,
// id) of its last row, serialised for a page token (page_token.h).
//
//   KeysetCursor end;
//   end.AddInt(row.created_at_micros).AddString(row.id);
//   token = codec.Encode(scope, end.Serialize());
//   ...
//   absl::StatusOr<KeysetCursor> start = KeysetCursor::Parse(*codec.Decode(scope, token));
//   absl::StatusOr<int64_t> created_at = start->Int(0);
//
// Parse rejects any malformed bytes with INVALID_ARGUMENT; it runs after
// the HMAC check, but never trusts its input either way.
#ifndef QS_COMMON_API_KEYSET_CURSOR_H_
#define QS_COMMON_API_KEYSET_CURSOR_H_

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace qs::api {

class KeysetCursor {
 public:
  KeysetCursor& AddInt(int64_t value);
  KeysetCursor& AddString(std::string value);

  size_t size() const { return values_.size(); }
  // INVALID_ARGUMENT when `index` is out of range or holds the other type.
  absl::StatusOr<int64_t> Int(size_t index) const;
  absl::StatusOr<std::string> String(size_t index) const;

  std::string Serialize() const;
  static absl::StatusOr<KeysetCursor> Parse(absl::string_view bytes);

 private:
  std::vector<std::variant<int64_t, std::string>> values_;
};

}  // namespace qs::api

#endif  // QS_COMMON_API_KEYSET_CURSOR_H_
