// UUID helpers for ids and for the x-user-id metadata.
//
//   if (!IsUuid(request.puzzle_id())) return InvalidArgument(...);
//   std::string id = NewUuidV4();  // "3f0c5a8e-9d1b-4c7e-8a41-2b6f0e9d7c13"
#ifndef QS_COMMON_API_UUID_H_
#define QS_COMMON_API_UUID_H_

#include <string>

#include "absl/strings/string_view.h"

namespace qs::api {

// True for the canonical 8-4-4-4-12 hex form, either case.
bool IsUuid(absl::string_view text);

// A random (version 4, variant 1) UUID in lower case, from OpenSSL's CSPRNG.
std::string NewUuidV4();

}  // namespace qs::api

#endif  // QS_COMMON_API_UUID_H_
