#include "common/api/uuid.h"

#include <set>

#include "gtest/gtest.h"

namespace qs::api {
namespace {

TEST(UuidTest, AcceptsCanonicalFormInEitherCase) {
  EXPECT_TRUE(IsUuid("3f0c5a8e-9d1b-4c7e-8a41-2b6f0e9d7c13"));
  EXPECT_TRUE(IsUuid("3F0C5A8E-9D1B-4C7E-8A41-2B6F0E9D7C13"));
}

TEST(UuidTest, RejectsEverythingElse) {
  for (const char* bad :
       {"", "3f0c5a8e9d1b4c7e8a412b6f0e9d7c13", "3f0c5a8e-9d1b-4c7e-8a41-2b6f0e9d7c1",
        "3f0c5a8e-9d1b-4c7e-8a41-2b6f0e9d7c133", "3f0c5a8e-9d1b-4c7e-8a41_2b6f0e9d7c13",
        "{3f0c5a8e-9d1b-4c7e-8a41-2b6f0e9d7c1}", "zf0c5a8e-9d1b-4c7e-8a41-2b6f0e9d7c13"}) {
    EXPECT_FALSE(IsUuid(bad)) << bad;
  }
}

TEST(UuidTest, NewUuidsAreVersion4AndDistinct) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    std::string id = NewUuidV4();
    ASSERT_TRUE(IsUuid(id)) << id;
    EXPECT_EQ(id[14], '4') << id;
    EXPECT_NE(std::string("89ab").find(id[19]), std::string::npos) << id;
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(UuidTest, UuidV5MatchesTheRfcNamespaceExample) {
  // The DNS namespace of RFC 4122 and the well-known v5 id of www.example.com.
  EXPECT_EQ(UuidV5("6ba7b810-9dad-11d1-80b4-00c04fd430c8", "www.example.com"),
            "2ed6657d-e927-568b-95e1-2665a8aea6a2");
  EXPECT_EQ(UuidV5("6BA7B810-9DAD-11D1-80B4-00C04FD430C8", "www.example.com"),
            "2ed6657d-e927-568b-95e1-2665a8aea6a2");
  EXPECT_NE(UuidV5("6ba7b810-9dad-11d1-80b4-00c04fd430c8", "www.example.org"),
            UuidV5("6ba7b810-9dad-11d1-80b4-00c04fd430c8", "www.example.com"));
  EXPECT_EQ(UuidV5("not-a-uuid", "x"), "");
}

}  // namespace
}  // namespace qs::api
