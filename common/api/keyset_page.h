// One keyset-paginated listing call, from the request's page fields to the
// next page's token. Every List RPC follows the same steps — page size,
// scope, decode the position, fetch one row more than the page, drop it,
// sign where the page ended — and this class is those steps, once:
//
//   QS_ASSIGN_OR_RETURN(api::KeysetPage page,
//                       api::KeysetPage::Open(codec, scope, request.page_size(),
//                                             request.page_token()));
//   QS_ASSIGN_OR_RETURN(std::vector<Attempt> rows, database.Read([&](db::ReadTx& tx) {
//     return store.List(tx, user, page.after(), page.fetch_limit());
//   }));
//   response.set_next_page_token(page.Close(rows, [](const Attempt& a) {
//     return api::KeysetPosition{db::TimestampMicros(a.started_at()), a.id()};
//   }));
//   for (Attempt& a : rows) *response.add_attempts() = std::move(a);
//
// `scope` binds tokens to one listing (RPC, acting user, filters; see
// page_token.h): a token of another listing is INVALID_ARGUMENT.
#ifndef QS_COMMON_API_KEYSET_PAGE_H_
#define QS_COMMON_API_KEYSET_PAGE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/api/keyset_position.h"
#include "common/api/page_token.h"

namespace qs::api {

// The page sizes of every listing: 0 asks for the default.
inline constexpr int kDefaultPageSize = 20;
inline constexpr int kMaxPageSize = 100;

struct PageSizeLimits {
  int default_size = kDefaultPageSize;
  int max_size = kMaxPageSize;
};

// OK, or INVALID_ARGUMENT "page_size: ..." (negative or above the maximum):
// for request validators that check every field before any work.
absl::Status ValidatePageSize(int32_t requested, PageSizeLimits limits = {});

class KeysetPage {
 public:
  // INVALID_ARGUMENT naming page_size or page_token. `codec` must outlive
  // the page.
  static absl::StatusOr<KeysetPage> Open(const PageTokenCodec& codec, std::string scope,
                                         int32_t requested_size, absl::string_view page_token,
                                         PageSizeLimits limits = {});

  // Where the previous page ended; nullopt on the first page.
  const std::optional<KeysetPosition>& after() const { return after_; }
  // Rows in a full page.
  int size() const { return size_; }
  // Rows to fetch: one more than the page tells whether another page exists.
  int fetch_limit() const { return size_ + 1; }

  // Drops the look-ahead row if it was fetched and returns the token of the
  // next page, or "" when `rows` is the last page. `position_of(row)` gives
  // the KeysetPosition of a row.
  template <typename Row, typename PositionOf>
  std::string Close(std::vector<Row>& rows, PositionOf&& position_of) const {
    if (static_cast<int>(rows.size()) <= size_) return "";
    rows.erase(rows.begin() + size_, rows.end());
    return EncodePosition(*codec_, scope_, position_of(rows.back()));
  }

 private:
  KeysetPage(const PageTokenCodec& codec, std::string scope, int size,
             std::optional<KeysetPosition> after)
      : codec_(&codec), scope_(std::move(scope)), size_(size), after_(std::move(after)) {}

  const PageTokenCodec* codec_;
  std::string scope_;
  int size_;
  std::optional<KeysetPosition> after_;
};

}  // namespace qs::api

#endif  // QS_COMMON_API_KEYSET_PAGE_H_
