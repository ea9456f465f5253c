// W3C trace context across services: a social call with a `traceparent`
// logs its trace id, the event it writes carries the traceparent in its
// envelope, and notification's consumer logs the same trace id when it
// applies the event; one flow is followed by grepping the id. Real social
// and notification binaries on scratch databases (see flows_test.cc for
// why), the suite's nats-server.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "common/api/uuid.h"
#include "proto/social/v1/friends.grpc.pb.h"
#include "tests/support/service_fixture.h"
#include "tests/support/test_infra.h"

namespace qs::testing {
namespace {

namespace sv1 = ::social::v1;

constexpr absl::Duration kFlowDeadline = absl::Seconds(10);

class TraceFlowTest : public ServiceFixture {
 protected:
  static void SetUpTestSuite() {
    social_db_ = std::make_unique<ScratchDatabase>("social");
    notification_db_ = std::make_unique<ScratchDatabase>("notification");
    notification_ = StartService("notification", {{"DB_NAME", notification_db_->name()}});
    social_ = StartService("social", {{"DB_NAME", social_db_->name()}});
    friends_ = sv1::FriendService::NewStub(ChannelTo(*social_));
  }

  static void TearDownTestSuite() {
    if (::testing::UnitTest::GetInstance()->Failed()) {
      std::cerr << "---- social log ----\n" << social_->Log();
      std::cerr << "---- notification log ----\n" << notification_->Log();
    }
    friends_.reset();
    social_.reset();
    notification_.reset();
    social_db_.reset();
    notification_db_.reset();
  }

  // A friend request from a new user to another with `traceparent` ("":
  // none); returns the FriendRequestSent envelope it wrote.
  static ::events::v1::EventEnvelope SendFriendRequest(const std::string& traceparent) {
    const std::string from = api::NewUuidV4();
    sv1::SendFriendRequestRequest request;
    request.set_user_id(api::NewUuidV4());
    std::unique_ptr<grpc::ClientContext> context = As(from);
    if (!traceparent.empty()) context->AddMetadata("traceparent", traceparent);
    sv1::Friendship friendship;
    grpc::Status status = friends_->SendFriendRequest(context.get(), request, &friendship);
    EXPECT_TRUE(status.ok()) << status.error_message();
    std::vector<::events::v1::EventEnvelope> sent;
    for (::events::v1::EventEnvelope& envelope :
         OutboxEvents(social_db_->name(), friendship.pair_id())) {
      if (envelope.type() == "social.v1.FriendRequestSent") sent.push_back(std::move(envelope));
    }
    EXPECT_EQ(sent.size(), 1u) << "pair " << friendship.pair_id();
    return sent.empty() ? ::events::v1::EventEnvelope() : sent.front();
  }

  // The lines of `log` holding every one of `parts`.
  static std::vector<std::string> LinesWith(const std::string& log,
                                            const std::vector<std::string>& parts) {
    std::vector<std::string> lines;
    for (absl::string_view line : absl::StrSplit(log, '\n')) {
      bool all = true;
      for (const std::string& part : parts) all = all && absl::StrContains(line, part);
      if (all) lines.emplace_back(line);
    }
    return lines;
  }

  // notification's line for applying `event`, once it is there.
  static std::string AppliedLine(const ::events::v1::EventEnvelope& event) {
    std::vector<std::string> lines;
    Eventually(
        [&] {
          lines = LinesWith(notification_->Log(),
                            {"events: applied social.v1.FriendRequestSent " + event.id()});
          return !lines.empty();
        },
        kFlowDeadline);
    EXPECT_EQ(lines.size(), 1u) << "event " << event.id() << " applied once";
    return lines.empty() ? "" : lines.front();
  }

  inline static std::unique_ptr<ScratchDatabase> social_db_, notification_db_;
  inline static std::unique_ptr<ServiceProcess> social_, notification_;
  inline static std::unique_ptr<sv1::FriendService::Stub> friends_;
};

TEST_F(TraceFlowTest, OneTraceIdFollowsTheCallItsEventAndTheConsumerInTheOtherService) {
  const std::string trace_id = absl::StrReplaceAll(api::NewUuidV4(), {{"-", ""}});
  const std::string traceparent = absl::StrCat("00-", trace_id, "-00f067aa0ba902b7-01");
  const ::events::v1::EventEnvelope event = SendFriendRequest(traceparent);
  EXPECT_EQ(event.trace_parent(), traceparent);

  // The call log's lines of OK calls are written within a second.
  std::vector<std::string> call_lines;
  Eventually([&] {
    call_lines = LinesWith(social_->Log(), {"method=/social.v1.FriendService/SendFriendRequest",
                                            "status=OK", "trace=" + trace_id});
    return !call_lines.empty();
  });
  EXPECT_EQ(call_lines.size(), 1u) << social_->Log();

  const std::string applied = AppliedLine(event);
  EXPECT_TRUE(absl::StrContains(applied, "from social trace=" + trace_id)) << applied;
  EXPECT_TRUE(absl::StrContains(applied, "service=notification")) << applied;
}

TEST_F(TraceFlowTest, WithoutAValidTraceparentNothingIsMadeUp) {
  for (const std::string& traceparent :
       {std::string(""), std::string("00-not-a-trace-01"),
        std::string("00-00000000000000000000000000000000-00f067aa0ba902b7-01")}) {
    const ::events::v1::EventEnvelope event = SendFriendRequest(traceparent);
    EXPECT_EQ(event.trace_parent(), "") << traceparent;
    const std::string applied = AppliedLine(event);
    EXPECT_FALSE(applied.empty());
    EXPECT_FALSE(absl::StrContains(applied, "trace=")) << applied;
  }
  EXPECT_TRUE(LinesWith(social_->Log(), {"00000000000000000000000000000000"}).empty())
      << "a malformed header is ignored, not logged";
}

}  // namespace
}  // namespace qs::testing
