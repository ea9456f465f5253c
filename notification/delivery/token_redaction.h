// Push tokens never appear whole in a log line: they are credentials to a
// user's device. Log `ShortToken(token)` instead.
#ifndef QS_NOTIFICATION_DELIVERY_TOKEN_REDACTION_H_
#define QS_NOTIFICATION_DELIVERY_TOKEN_REDACTION_H_

#include <string>

#include "absl/strings/string_view.h"

namespace qs::notification::delivery {

// "…" followed by the token's last 6 characters ("…a1b2c3"); a token of 12
// characters or fewer (nothing real is that short) shows as "…" alone, so
// the six never amount to half the token.
std::string ShortToken(absl::string_view token);

}  // namespace qs::notification::delivery

#endif  // QS_NOTIFICATION_DELIVERY_TOKEN_REDACTION_H_
