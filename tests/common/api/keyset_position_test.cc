// Keyset positions in signed page tokens (common/api/keyset_position.cc).
#include "common/api/keyset_position.h"

#include <cstdint>
#include <limits>
#include <string>

#include "common/api/keyset_cursor.h"
#include "common/api/page_token.h"
#include "gtest/gtest.h"

namespace qs::api {
namespace {

constexpr char kScope[] = "ListPuzzles|3f0c5a8e-9d1b-4c7e-8a41-2b6f0e9d7c13|theme=fork";
constexpr char kId[] = "8b1d4a52-0c3e-4f6a-9b7d-1e2f3a4b5c6d";

PageTokenCodec Codec(const std::string& key = "0123456789abcdef-test-key") {
  return *PageTokenCodec::Create(key);
}

void ExpectRejected(const absl::StatusOr<std::optional<KeysetPosition>>& decoded,
                    const std::string& what) {
  ASSERT_FALSE(decoded.ok()) << what;
  EXPECT_EQ(decoded.status().code(), absl::StatusCode::kInvalidArgument) << what;
  EXPECT_EQ(decoded.status().message().rfind("page_token: ", 0), 0u)
      << what << ": the message must name page_token: " << decoded.status();
}

TEST(KeysetPositionTest, EmptyTokenIsTheFirstPage) {
  absl::StatusOr<std::optional<KeysetPosition>> decoded = DecodePosition(Codec(), kScope, "");
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_FALSE(decoded->has_value());
}

TEST(KeysetPositionTest, RoundTripsEveryKey) {
  const PageTokenCodec codec = Codec();
  for (int64_t key : {int64_t{0}, int64_t{1764000000123456}, int64_t{-1},
                      std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max()}) {
    const std::string token = EncodePosition(codec, kScope, {key, kId});
    EXPECT_FALSE(token.empty());
    absl::StatusOr<std::optional<KeysetPosition>> decoded = DecodePosition(codec, kScope, token);
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    ASSERT_TRUE(decoded->has_value());
    EXPECT_EQ((*decoded)->key, key);
    EXPECT_EQ((*decoded)->id, kId);
  }
}

TEST(KeysetPositionTest, UpperCaseUuidIsAccepted) {
  const PageTokenCodec codec = Codec();
  const std::string upper = "8B1D4A52-0C3E-4F6A-9B7D-1E2F3A4B5C6D";
  absl::StatusOr<std::optional<KeysetPosition>> decoded =
      DecodePosition(codec, kScope, EncodePosition(codec, kScope, {7, upper}));
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ((*decoded)->id, upper);
}

TEST(KeysetPositionTest, TokenOfAnotherListingIsRejected) {
  const PageTokenCodec codec = Codec();
  const std::string token = EncodePosition(codec, kScope, {42, kId});
  ExpectRejected(DecodePosition(codec, "ListPuzzles|someone-else|theme=fork", token),
                 "other scope");
  ExpectRejected(DecodePosition(codec, "", token), "empty scope");
}

TEST(KeysetPositionTest, TokenSignedWithAnotherKeyIsRejected) {
  const std::string token = EncodePosition(Codec("another-key-of-16-bytes"), kScope, {42, kId});
  ExpectRejected(DecodePosition(Codec(), kScope, token), "other key");
}

TEST(KeysetPositionTest, TamperedTokenIsRejected) {
  const PageTokenCodec codec = Codec();
  const std::string token = EncodePosition(codec, kScope, {42, kId});
  for (size_t i = 0; i < token.size(); ++i) {
    std::string tampered = token;
    tampered[i] = tampered[i] == 'A' ? 'B' : 'A';
    ExpectRejected(DecodePosition(codec, kScope, tampered), "changed at " + std::to_string(i));
  }
  ExpectRejected(DecodePosition(codec, kScope, token.substr(0, token.size() - 4)), "truncated");
  ExpectRejected(DecodePosition(codec, kScope, token + "AAAA"), "extended");
}

TEST(KeysetPositionTest, MalformedTokenIsRejected) {
  const PageTokenCodec codec = Codec();
  for (const char* token : {"!!!!", "not a token", "AA", "=", "\xff\xfe"}) {
    ExpectRejected(DecodePosition(codec, kScope, token), token);
  }
}

// Signed correctly but not a (number, uuid) position: a token from a
// listing of another shape, or a server bug, never reaches SQL.
TEST(KeysetPositionTest, SignedCursorOfTheWrongShapeIsRejected) {
  const PageTokenCodec codec = Codec();
  auto signed_cursor = [&](const KeysetCursor& cursor) {
    return codec.Encode(kScope, cursor.Serialize());
  };
  ExpectRejected(DecodePosition(codec, kScope, codec.Encode(kScope, "")), "no values");
  ExpectRejected(DecodePosition(codec, kScope, codec.Encode(kScope, "garbage")), "bytes");
  ExpectRejected(DecodePosition(codec, kScope, signed_cursor(KeysetCursor().AddInt(42))),
                 "number only");
  ExpectRejected(
      DecodePosition(codec, kScope, signed_cursor(KeysetCursor().AddString(kId).AddInt(42))),
      "swapped");
  ExpectRejected(DecodePosition(codec, kScope, signed_cursor(KeysetCursor().AddInt(1).AddInt(2))),
                 "two numbers");
  ExpectRejected(DecodePosition(codec, kScope,
                                signed_cursor(KeysetCursor().AddInt(42).AddString(kId).AddInt(1))),
                 "three values");
  ExpectRejected(
      DecodePosition(
          codec, kScope,
          signed_cursor(KeysetCursor().AddInt(0).AddString(kId).AddString("a").AddString("b"))),
      "four values");
}

TEST(KeysetPositionTest, TextKeyRoundTripsAndNumberOnlyTokensStayTwoValues) {
  const PageTokenCodec codec = Codec();
  for (const std::string text : {"a", "dragons' den", "\xc3\xa9lan|x"}) {
    absl::StatusOr<std::optional<KeysetPosition>> decoded =
        DecodePosition(codec, kScope, EncodePosition(codec, kScope, {0, kId, text}));
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    EXPECT_EQ((*decoded)->text, text);
    EXPECT_EQ((*decoded)->id, kId);
    EXPECT_EQ((*decoded)->key, 0);
  }
  const std::string token = EncodePosition(codec, kScope, {7, kId});
  absl::StatusOr<KeysetCursor> cursor = KeysetCursor::Parse(*codec.Decode(kScope, token));
  ASSERT_TRUE(cursor.ok());
  EXPECT_EQ(cursor->size(), 2u) << "tokens without a text keep their old shape";
  EXPECT_EQ((*DecodePosition(codec, kScope, token))->text, "");
}

TEST(KeysetPositionTest, IdThatIsNotAUuidIsRejected) {
  const PageTokenCodec codec = Codec();
  for (const char* id : {"", "42", "8b1d4a52-0c3e-4f6a-9b7d-1e2f3a4b5c6", "x'; DROP TABLE--",
                         "8b1d4a52-0c3e-4f6a-9b7d-1e2f3a4b5c6dd"}) {
    absl::StatusOr<std::optional<KeysetPosition>> decoded =
        DecodePosition(codec, kScope, EncodePosition(codec, kScope, {42, id}));
    ExpectRejected(decoded, std::string("id ") + id);
    if (!decoded.ok()) EXPECT_EQ(decoded.status().message(), "page_token: malformed position");
  }
}

}  // namespace
}  // namespace qs::api
