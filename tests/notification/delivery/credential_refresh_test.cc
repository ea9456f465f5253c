#include "notification/delivery/credential_refresh.h"

#include <vector>

#include "gtest/gtest.h"

namespace qs::notification::delivery {
namespace {

// Runs SendRefreshingCredentialOnce over a script of answers.
struct Scripted {
  std::vector<PushAction> answers;
  int attempts = 0;
  int refreshes = 0;
  PushResult Run() {
    return SendRefreshingCredentialOnce(
        [&] {
          return PushResult{answers.at(attempts++), 401, "x"};
        },
        [&] { ++refreshes; });
  }
};

TEST(CredentialRefreshTest, AnAcceptedCredentialIsNotRefreshed) {
  Scripted scripted{{Delivered{"m1"}}};
  EXPECT_TRUE(std::holds_alternative<Delivered>(scripted.Run().action));
  EXPECT_EQ(scripted.attempts, 1);
  EXPECT_EQ(scripted.refreshes, 0);
}

TEST(CredentialRefreshTest, ARefusedCredentialIsRefreshedOnceAndTheRetryDecides) {
  Scripted scripted{{RefreshCredentialAndRetry{"ExpiredProviderToken"}, Delivered{"m1"}}};
  EXPECT_TRUE(std::holds_alternative<Delivered>(scripted.Run().action));
  EXPECT_EQ(scripted.attempts, 2);
  EXPECT_EQ(scripted.refreshes, 1);
}

TEST(CredentialRefreshTest, ASecondRefusalPausesTheProvider) {
  Scripted scripted{{RefreshCredentialAndRetry{"THIRD_PARTY_AUTH_ERROR"},
                     RefreshCredentialAndRetry{"THIRD_PARTY_AUTH_ERROR"}}};
  PushResult result = scripted.Run();
  ASSERT_TRUE(std::holds_alternative<PauseProvider>(result.action));
  EXPECT_NE(std::get<PauseProvider>(result.action).reason.find("THIRD_PARTY_AUTH_ERROR"),
            std::string::npos);
  EXPECT_EQ(scripted.attempts, 2);
  EXPECT_EQ(scripted.refreshes, 1);
}

}  // namespace
}  // namespace qs::notification::delivery
