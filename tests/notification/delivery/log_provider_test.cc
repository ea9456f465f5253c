#include "notification/delivery/log_provider.h"

#include "gtest/gtest.h"
#include "notification/delivery/token_redaction.h"

namespace qs::notification::delivery {
namespace {

const std::string kToken =
    "dQw4w9WgXcQ:APA91bHun4MxP5egoKMwt2KZFBaFUH-1RYqx0fKZ3xAMjWvKc0ZB7LNgZ-a1b2c3";

TEST(TokenRedactionTest, ShowsOnlyTheLastSixCharacters) {
  EXPECT_EQ(ShortToken(kToken), "…a1b2c3");
  EXPECT_EQ(ShortToken("0123456789ab"), "…");
  EXPECT_EQ(ShortToken(""), "…");
}

TEST(LogProviderTest, LogsWithoutTheWholeTokenOrTheTextAndAnswersDelivered) {
  PushMessage message;
  message.message_id = "6f1c0a4e-2b7d-4f55-9a51-0d3c2e1b4a77";
  message.token = kToken;
  message.title = "Your turn";
  message.body = "Alice played a move";
  message.data = {{"match_id", "m-1"}};
  std::string line = DescribeForLog(message);
  EXPECT_EQ(line.find(kToken), std::string::npos);
  EXPECT_EQ(line.find("APA91b"), std::string::npos);
  EXPECT_NE(line.find("…a1b2c3"), std::string::npos);
  EXPECT_EQ(line.find("Alice"), std::string::npos);
  EXPECT_NE(line.find("match_id"), std::string::npos);

  LogProvider provider;
  PushResult result = provider.Send(message);
  ASSERT_TRUE(std::holds_alternative<Delivered>(result.action));
  EXPECT_EQ(std::get<Delivered>(result.action).provider_message_id,
            "log:6f1c0a4e-2b7d-4f55-9a51-0d3c2e1b4a77");
}

}  // namespace
}  // namespace qs::notification::delivery
