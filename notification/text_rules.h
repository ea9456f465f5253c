// Character rules shared by the notification service's validators
// (inbox_rules, token_rules).
#ifndef QS_NOTIFICATION_TEXT_RULES_H_
#define QS_NOTIFICATION_TEXT_RULES_H_

#include "absl/strings/string_view.h"

namespace qs::notification {

// Printable ASCII (0x21..0x7e) only: no space, control or non-ASCII byte.
// Identifiers and URLs the service passes to providers and apps verbatim.
inline bool IsPrintableWithoutSpace(absl::string_view text) {
  for (unsigned char c : text) {
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

}  // namespace qs::notification

#endif  // QS_NOTIFICATION_TEXT_RULES_H_
