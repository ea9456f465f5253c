#include "notification/delivery/token_redaction.h"

#include "absl/strings/str_cat.h"

namespace qs::notification::delivery {

std::string ShortToken(absl::string_view token) {
  constexpr size_t kShown = 6;
  if (token.size() <= 2 * kShown) return "…";
  return absl::StrCat("…", token.substr(token.size() - kShown));
}

}  // namespace qs::notification::delivery
