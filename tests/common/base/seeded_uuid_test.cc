#include "common/base/seeded_uuid.h"

#include <set>

#include "common/api/uuid.h"
#include "gtest/gtest.h"

namespace qs::base {
namespace {

TEST(SeededUuidTest, IsAVersionFourUuidInLowerCase) {
  std::mt19937_64 random(1);
  for (int i = 0; i < 100; ++i) {
    const std::string id = SeededUuidV4(random);
    ASSERT_TRUE(api::IsUuid(id)) << id;
    EXPECT_EQ(id[14], '4') << id;
    EXPECT_NE(std::string("89ab").find(id[19]), std::string::npos) << id;
    for (char c : id) EXPECT_FALSE(c >= 'A' && c <= 'F') << id;
  }
}

TEST(SeededUuidTest, TheSameSeedGivesTheSameIds) {
  std::mt19937_64 a(42), b(42), c(43);
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    const std::string id = SeededUuidV4(a);
    EXPECT_EQ(id, SeededUuidV4(b));
    EXPECT_NE(id, SeededUuidV4(c));
    EXPECT_TRUE(seen.insert(id).second);
  }
}

}  // namespace
}  // namespace qs::base
