#include "common/api/acting_user.h"

#include "gtest/gtest.h"

namespace qs::api {
namespace {

using Metadata = std::multimap<grpc::string_ref, grpc::string_ref>;

TEST(ActingUserTest, ReturnsTheLowerCasedUuid) {
  Metadata metadata = {{"x-user-id", "3F0C5A8E-9D1B-4C7E-8A41-2B6F0E9D7C13"}};
  absl::StatusOr<std::string> user = ActingUserId(metadata);
  ASSERT_TRUE(user.ok()) << user.status();
  EXPECT_EQ(*user, "3f0c5a8e-9d1b-4c7e-8a41-2b6f0e9d7c13");
}

TEST(ActingUserTest, MissingMalformedOrRepeatedIsUnauthenticated) {
  Metadata missing = {{"x-other", "3f0c5a8e-9d1b-4c7e-8a41-2b6f0e9d7c13"}};
  Metadata malformed = {{"x-user-id", "alice"}};
  Metadata repeated = {{"x-user-id", "3f0c5a8e-9d1b-4c7e-8a41-2b6f0e9d7c13"},
                       {"x-user-id", "4f0c5a8e-9d1b-4c7e-8a41-2b6f0e9d7c13"}};
  for (const Metadata* metadata : {&missing, &malformed, &repeated}) {
    absl::StatusOr<std::string> user = ActingUserId(*metadata);
    ASSERT_FALSE(user.ok());
    EXPECT_EQ(user.status().code(), absl::StatusCode::kUnauthenticated);
    EXPECT_NE(user.status().message().find("x-user-id"), std::string::npos);
  }
}

}  // namespace
}  // namespace qs::api
