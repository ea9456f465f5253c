// How an erased user is named in the erasure records and in
// UserErasureConfirmed: sha256 of his lower-case id. The records must prove
// that a user was erased without keeping the id they erased; whoever knows
// the id can still look his erasure up (GetErasureStatus hashes its argument).
//
//   const std::string hash = UserHash("3F0C5A8E-...");  // 32 raw bytes
#ifndef QS_COMMON_PRIVACY_USER_HASH_H_
#define QS_COMMON_PRIVACY_USER_HASH_H_

#include <string>

#include "absl/strings/string_view.h"

namespace qs::privacy {

// The 32-byte sha256 digest of `user_id` lower-cased (so either case of a
// UUID names the same user).
std::string UserHash(absl::string_view user_id);

}  // namespace qs::privacy

#endif  // QS_COMMON_PRIVACY_USER_HASH_H_
