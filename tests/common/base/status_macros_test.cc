#include "common/base/status_macros.h"

#include <memory>
#include <string>

#include "gtest/gtest.h"

namespace qs {
namespace {

absl::Status FailIf(bool fail) { return fail ? absl::NotFoundError("missing") : absl::OkStatus(); }

absl::StatusOr<std::unique_ptr<int>> MakeIf(bool ok, int value) {
  if (!ok) return absl::InvalidArgumentError("value: bad");
  return std::make_unique<int>(value);
}

absl::StatusOr<int> Sum(bool fail_first, bool fail_second, int* reached) {
  QS_RETURN_IF_ERROR(FailIf(fail_first));
  *reached = 1;
  QS_ASSIGN_OR_RETURN(std::unique_ptr<int> a, MakeIf(!fail_second, 40));  // move-only
  *reached = 2;
  int b = 0;
  QS_ASSIGN_OR_RETURN(b, absl::StatusOr<int>(2));  // into an existing variable
  return *a + b;
}

TEST(StatusMacrosTest, HappyPathRunsToTheEnd) {
  int reached = 0;
  EXPECT_EQ(*Sum(false, false, &reached), 42);
  EXPECT_EQ(reached, 2);
}

TEST(StatusMacrosTest, FirstErrorReturnsAtOnceWithItsStatus) {
  int reached = 0;
  absl::StatusOr<int> result = Sum(true, false, &reached);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(reached, 0);

  result = Sum(false, true, &reached);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(result.status().message(), "value: bad");
  EXPECT_EQ(reached, 1);
}

}  // namespace
}  // namespace qs
