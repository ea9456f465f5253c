// RevisionMatches: which image labels count as built from the checkout
// (pure; the drill itself checks real images in DrillStack::Create).
#include "tests/deploy/drill_images.h"

#include "gtest/gtest.h"

namespace qs::drill {
namespace {

constexpr char kHead[] = "0f11e6043a2a319fcb6858abe3be36c42148e749";
constexpr char kOlder[] = "de00e57dd6e96b1463a4132bb77d07702f8bb322";

TEST(RevisionMatchesTest, ACleanCheckoutNeedsItsOwnCommit) {
  EXPECT_TRUE(RevisionMatches(kHead, kHead));
  EXPECT_FALSE(RevisionMatches(kOlder, kHead));
  // Built from a modified tree: not what a clean checkout holds.
  EXPECT_FALSE(RevisionMatches(std::string(kHead) + "-dirty", kHead));
}

TEST(RevisionMatchesTest, AModifiedCheckoutTakesItsHeadBuiltCleanOrModified) {
  const std::string dirty = std::string(kHead) + "-dirty";
  EXPECT_TRUE(RevisionMatches(dirty, dirty));
  EXPECT_TRUE(RevisionMatches(kHead, dirty));
  EXPECT_FALSE(RevisionMatches(kOlder, dirty));
  EXPECT_FALSE(RevisionMatches(std::string(kOlder) + "-dirty", dirty));
}

TEST(RevisionMatchesTest, NoLabelOrUnknownNeverMatches) {
  EXPECT_FALSE(RevisionMatches("", kHead));
  EXPECT_FALSE(RevisionMatches("unknown", kHead));
  EXPECT_FALSE(RevisionMatches("-dirty", "-dirty"));
}

}  // namespace
}  // namespace qs::drill
