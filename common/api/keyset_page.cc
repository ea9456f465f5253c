#include "common/api/keyset_page.h"

#include "common/api/validation.h"

namespace qs::api {

absl::Status ValidatePageSize(int32_t requested, PageSizeLimits limits) {
  return PageSize("page_size", requested, limits.default_size, limits.max_size).status();
}

absl::StatusOr<KeysetPage> KeysetPage::Open(const PageTokenCodec& codec, std::string scope,
                                            int32_t requested_size, absl::string_view page_token,
                                            PageSizeLimits limits) {
  absl::StatusOr<int> size =
      PageSize("page_size", requested_size, limits.default_size, limits.max_size);
  if (!size.ok()) return size.status();
  absl::StatusOr<std::optional<KeysetPosition>> after = DecodePosition(codec, scope, page_token);
  if (!after.ok()) return after.status();
  return KeysetPage(codec, std::move(scope), *size, *std::move(after));
}

}  // namespace qs::api
