// How erased users are named in the records (common/privacy/user_hash.h):
// sha256 of the lower-case id, the same for either case of the id.
#include "common/privacy/user_hash.h"

#include "absl/strings/escaping.h"
#include "gtest/gtest.h"

namespace qs::privacy {
namespace {

TEST(UserHashTest, IsTheSha256OfTheLowerCaseId) {
  // Known answer from coreutils: printf %s <id> | sha256sum.
  EXPECT_EQ(absl::BytesToHexString(UserHash("3f0c5a8e-9d1b-4c7e-8a41-2b6f0e9d7c13")),
            "88d0f28543f2a7101df5a90bd2aea4b8b063cddb33a34ee74d066df77174a6e3");
}

TEST(UserHashTest, EitherCaseOfAnIdNamesTheSameUser) {
  EXPECT_EQ(UserHash("3F0C5A8E-9D1B-4C7E-8A41-2B6F0E9D7C13"),
            UserHash("3f0c5a8e-9d1b-4c7e-8a41-2b6f0e9d7c13"));
  EXPECT_NE(UserHash("3f0c5a8e-9d1b-4c7e-8a41-2b6f0e9d7c13"),
            UserHash("3f0c5a8e-9d1b-4c7e-8a41-2b6f0e9d7c14"));
  EXPECT_EQ(UserHash("x").size(), 32u);
}

}  // namespace
}  // namespace qs::privacy
