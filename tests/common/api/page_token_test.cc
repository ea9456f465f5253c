#include "common/api/page_token.h"

#include "absl/strings/escaping.h"
#include "common/api/keyset_cursor.h"
#include "gtest/gtest.h"

namespace qs::api {
namespace {

constexpr char kKey[] = "0123456789abcdef-page-token-key";

void ExpectRejected(const absl::StatusOr<std::string>& decoded) {
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(decoded.status().message().rfind("page_token: ", 0), 0u) << decoded.status();
}

TEST(PageTokenTest, RoundTripsTheCursor) {
  PageTokenCodec codec = *PageTokenCodec::Create(kKey);
  std::string cursor = KeysetCursor().AddInt(1700000000123456).AddString("id-9").Serialize();
  std::string token = codec.Encode("ListPuzzles|u1", cursor);
  absl::StatusOr<std::string> decoded = codec.Decode("ListPuzzles|u1", token);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(*decoded, cursor);
  // URL-safe and opaque.
  EXPECT_EQ(token.find_first_of("+/="), std::string::npos);
  EXPECT_EQ(token.find("id-9"), std::string::npos);
}

TEST(PageTokenTest, RejectsShortKeys) {
  EXPECT_EQ(PageTokenCodec::Create("short").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(PageTokenTest, RejectsATokenFromAnotherListing) {
  PageTokenCodec codec = *PageTokenCodec::Create(kKey);
  std::string token = codec.Encode("ListPuzzles|u1", "cursor");
  ExpectRejected(codec.Decode("ListPuzzles|u2", token));
  ExpectRejected(codec.Decode("ListMatches|u1", token));
}

TEST(PageTokenTest, RejectsATokenSignedWithAnotherKey) {
  PageTokenCodec ours = *PageTokenCodec::Create(kKey);
  PageTokenCodec theirs = *PageTokenCodec::Create("another-key-of-16-bytes-or-more");
  ExpectRejected(ours.Decode("s", theirs.Encode("s", "cursor")));
}

TEST(PageTokenTest, RejectsEveryTamperedByte) {
  PageTokenCodec codec = *PageTokenCodec::Create(kKey);
  std::string body;
  ASSERT_TRUE(absl::WebSafeBase64Unescape(codec.Encode("s", "cursor-bytes"), &body));
  for (size_t i = 0; i < body.size(); ++i) {
    std::string tampered = body;
    tampered[i] ^= 0x01;
    ExpectRejected(codec.Decode("s", absl::WebSafeBase64Escape(tampered)));
  }
}

TEST(PageTokenTest, RejectsTruncatedEmptyAndGarbageTokens) {
  PageTokenCodec codec = *PageTokenCodec::Create(kKey);
  std::string token = codec.Encode("s", "cursor");
  for (size_t length = 0; length < token.size(); ++length) {
    ExpectRejected(codec.Decode("s", token.substr(0, length)));
  }
  ExpectRejected(codec.Decode("s", "!!!not base64!!!"));
  ExpectRejected(codec.Decode("s", token + "A"));
  ExpectRejected(codec.Decode("s", std::string(200, 'A')));
}

}  // namespace
}  // namespace qs::api
