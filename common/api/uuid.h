// UUID helpers for ids and for the x-user-id metadata.
//
//   if (!IsUuid(request.puzzle_id())) return InvalidArgument(...);
//   std::string id = NewUuidV4();  // "3f0c5a8e-9d1b-4c7e-8a41-2b6f0e9d7c13"
//   std::string pair = UuidV5(kNamespace, "a:b");  // the same id for the same name
#ifndef QS_COMMON_API_UUID_H_
#define QS_COMMON_API_UUID_H_

#include <string>

#include "absl/strings/string_view.h"

namespace qs::api {

// True for the canonical 8-4-4-4-12 hex form, either case.
bool IsUuid(absl::string_view text);

// A random (version 4, variant 1) UUID in lower case, from OpenSSL's CSPRNG.
std::string NewUuidV4();

// The name-based (version 5, SHA-1) UUID of `name` in `namespace_uuid`
// (RFC 4122 section 4.3), in lower case: a deterministic id for something
// named by other ids, e.g. a pair of users. `namespace_uuid` must satisfy
// IsUuid (either case); otherwise returns "".
std::string UuidV5(absl::string_view namespace_uuid, absl::string_view name);

}  // namespace qs::api

#endif  // QS_COMMON_API_UUID_H_
