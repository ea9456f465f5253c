// Request-field checks shared by every handler. Each returns OK or an
// INVALID_ARGUMENT whose message starts with the field's name, so a caller
// always learns which field to fix:
//
//   if (absl::Status s = FirstError({
//           RequireUuid("puzzle_id", request.puzzle_id()),
//           RequireNonEmpty("title", request.title()),
//           RequireMaxLength("content", request.content(), 64 * 1024),
//           RequireInRange("rating", request.rating(), 100, 3500)});
//       !s.ok()) {
//     return ToGrpcStatus(s);
//   }
//   absl::StatusOr<int> page_size = PageSize("page_size", request.page_size(), 20, 100);
#ifndef QS_COMMON_API_VALIDATION_H_
#define QS_COMMON_API_VALIDATION_H_

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace qs::api {

absl::Status RequireUuid(absl::string_view field, absl::string_view value);
absl::Status RequireNonEmpty(absl::string_view field, absl::string_view value);
// At most `max_bytes` bytes; the message states the limit.
absl::Status RequireMaxLength(absl::string_view field, absl::string_view value, size_t max_bytes);
// Well-formed UTF-8 (no overlong forms, surrogates or code points above
// U+10FFFF) without NUL bytes, which PostgreSQL text cannot hold.
absl::Status RequireValidUtf8(absl::string_view field, absl::string_view value);
absl::Status RequireInRange(absl::string_view field, int64_t value, int64_t lo, int64_t hi);
absl::Status RequireInRange(absl::string_view field, double value, double lo, double hi);

// A proto enum value that is known to this build and not 0 (UNSPECIFIED):
//   RequireKnownEnum("status", request.status(), PuzzleStatus_IsValid)
absl::Status RequireKnownEnum(absl::string_view field, int value,
                              const std::function<bool(int)>& is_valid);

// "Only if set": 0 (proto3's unset) is OK, any other value is checked as
// RequireKnownEnum / RequireInRange would; "" is OK for RequireMaxLengthIfSet.
//   RequireKnownEnumIfSet("status", request.status(), MatchStatus_IsValid)
absl::Status RequireKnownEnumIfSet(absl::string_view field, int value,
                                   const std::function<bool(int)>& is_valid);
absl::Status RequireInRangeIfSet(absl::string_view field, int64_t value, int64_t lo, int64_t hi);

// 0 means `default_size`; negative or above `max_size` is INVALID_ARGUMENT.
absl::StatusOr<int> PageSize(absl::string_view field, int32_t requested, int default_size,
                             int max_size);

// The first non-OK status of `checks`, or OK.
absl::Status FirstError(std::initializer_list<absl::Status> checks);

}  // namespace qs::api

#endif  // QS_COMMON_API_VALIDATION_H_
