#include "common/api/keyset_page.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace qs::api {
namespace {

struct Row {
  int64_t key;
  std::string id;
};

KeysetPosition PositionOf(const Row& row) { return {row.key, row.id}; }

const PageTokenCodec& Codec() {
  static const PageTokenCodec codec = *PageTokenCodec::Create("0123456789abcdef0123");
  return codec;
}

std::vector<Row> Rows(int n) {
  std::vector<Row> rows;
  for (int i = 0; i < n; ++i) {
    rows.push_back({1000 - i, "00000000-0000-4000-8000-00000000000" + std::to_string(i % 10)});
  }
  return rows;
}

TEST(KeysetPageTest, FirstPageUsesTheDefaultSizeAndFetchesOneMore) {
  absl::StatusOr<KeysetPage> page = KeysetPage::Open(Codec(), "scope", 0, "");
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_FALSE(page->after().has_value());
  EXPECT_EQ(page->size(), kDefaultPageSize);
  EXPECT_EQ(page->fetch_limit(), kDefaultPageSize + 1);
}

TEST(KeysetPageTest, ShortFetchIsTheLastPage) {
  KeysetPage page = *KeysetPage::Open(Codec(), "scope", 3, "");
  std::vector<Row> rows = Rows(3);
  EXPECT_EQ(page.Close(rows, PositionOf), "");
  EXPECT_EQ(rows.size(), 3u);
}

TEST(KeysetPageTest, LookAheadRowIsDroppedAndTheTokenResumesAfterTheLastRowShown) {
  KeysetPage page = *KeysetPage::Open(Codec(), "scope", 3, "");
  std::vector<Row> rows = Rows(page.fetch_limit());
  const std::string token = page.Close(rows, PositionOf);
  ASSERT_EQ(rows.size(), 3u);
  ASSERT_FALSE(token.empty());

  absl::StatusOr<KeysetPage> next = KeysetPage::Open(Codec(), "scope", 3, token);
  ASSERT_TRUE(next.ok()) << next.status();
  ASSERT_TRUE(next->after().has_value());
  EXPECT_EQ(next->after()->key, rows.back().key);
  EXPECT_EQ(next->after()->id, rows.back().id);
}

TEST(KeysetPageTest, TokenOfAnotherListingIsRejected) {
  KeysetPage page = *KeysetPage::Open(Codec(), "listing-a", 1, "");
  std::vector<Row> rows = Rows(2);
  const std::string token = page.Close(rows, PositionOf);
  absl::StatusOr<KeysetPage> other = KeysetPage::Open(Codec(), "listing-b", 1, token);
  EXPECT_EQ(other.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(other.status().message().rfind("page_token", 0), 0u) << other.status();
}

TEST(KeysetPageTest, PageSizeOutOfRangeNamesTheField) {
  for (int32_t size : {-1, kMaxPageSize + 1}) {
    absl::StatusOr<KeysetPage> page = KeysetPage::Open(Codec(), "scope", size, "");
    EXPECT_EQ(page.status().code(), absl::StatusCode::kInvalidArgument) << size;
    EXPECT_EQ(page.status().message().rfind("page_size", 0), 0u) << page.status();
    EXPECT_EQ(ValidatePageSize(size).code(), absl::StatusCode::kInvalidArgument);
  }
  EXPECT_TRUE(ValidatePageSize(kMaxPageSize).ok());
  EXPECT_TRUE(ValidatePageSize(0).ok());
}

TEST(KeysetPageTest, CustomLimitsApply) {
  KeysetPage page = *KeysetPage::Open(Codec(), "scope", 0, "", {.default_size = 5, .max_size = 7});
  EXPECT_EQ(page.size(), 5);
  EXPECT_FALSE(KeysetPage::Open(Codec(), "scope", 8, "", {.default_size = 5, .max_size = 7}).ok());
}

}  // namespace
}  // namespace qs::api
