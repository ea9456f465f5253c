// The consumers' pure decisions (common/events/consumer_rules.h).
#include "common/events/consumer_rules.h"

#include "absl/strings/match.h"
#include "common/api/uuid.h"
#include "gtest/gtest.h"

namespace qs::events {
namespace {

::events::v1::EventEnvelope Valid() {
  ::events::v1::EventEnvelope envelope;
  envelope.set_id(api::NewUuidV4());
  envelope.set_type("social.v1.FriendRequestSent");
  envelope.set_source("social");
  return envelope;
}

TEST(DecodeEnvelopeTest, AcceptsAnEnvelopeOfTheStreamsSource) {
  const ::events::v1::EventEnvelope sent = Valid();
  absl::StatusOr<::events::v1::EventEnvelope> decoded =
      DecodeEnvelope(sent.SerializeAsString(), "social");
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->id(), sent.id());
  EXPECT_EQ(decoded->type(), sent.type());
}

TEST(DecodeEnvelopeTest, RefusesWhatCanNeverBeApplied) {
  EXPECT_EQ(DecodeEnvelope("\xff\xff\xff", "social").status().code(),
            absl::StatusCode::kInvalidArgument);
  ::events::v1::EventEnvelope no_id = Valid();
  no_id.set_id("42");
  EXPECT_TRUE(absl::StartsWith(
      DecodeEnvelope(no_id.SerializeAsString(), "social").status().message(), "envelope.id"));
  ::events::v1::EventEnvelope no_type = Valid();
  no_type.clear_type();
  EXPECT_TRUE(absl::StartsWith(
      DecodeEnvelope(no_type.SerializeAsString(), "social").status().message(), "envelope.type"));
  EXPECT_TRUE(absl::StartsWith(
      DecodeEnvelope(Valid().SerializeAsString(), "quest").status().message(), "envelope.source"));
  EXPECT_FALSE(DecodeEnvelope("", "social").ok()) << "an empty message has no id";
}

TEST(OnApplyFailureTest, ValidationFailuresParkAtOnce) {
  EXPECT_EQ(OnApplyFailure(absl::StatusCode::kInvalidArgument, true, 1, 5), FailureAction::kPark);
  EXPECT_EQ(OnApplyFailure(absl::StatusCode::kFailedPrecondition, true, 1, 5),
            FailureAction::kPark);
}

TEST(OnApplyFailureTest, OtherHandlerFailuresParkAtMaxDeliver) {
  EXPECT_EQ(OnApplyFailure(absl::StatusCode::kUnavailable, true, 4, 5), FailureAction::kRedeliver);
  EXPECT_EQ(OnApplyFailure(absl::StatusCode::kUnavailable, true, 5, 5), FailureAction::kPark);
  EXPECT_EQ(OnApplyFailure(absl::StatusCode::kInternal, true, 9, 5), FailureAction::kPark);
}

TEST(OnApplyFailureTest, TheDatabaseFailingNeverParks) {
  EXPECT_EQ(OnApplyFailure(absl::StatusCode::kUnavailable, false, 100, 5),
            FailureAction::kRedeliver);
  // Even a code that would park when the handler returned it.
  EXPECT_EQ(OnApplyFailure(absl::StatusCode::kFailedPrecondition, false, 1, 5),
            FailureAction::kRedeliver);
}

TEST(RedeliveryDelayTest, BacksOffAndNeverExceedsTheAckWait) {
  const absl::Duration ack_wait = absl::Seconds(30);
  EXPECT_EQ(RedeliveryDelay(1, ack_wait), absl::Seconds(1));
  EXPECT_EQ(RedeliveryDelay(2, ack_wait), absl::Seconds(5));
  EXPECT_EQ(RedeliveryDelay(3, ack_wait), absl::Seconds(30));
  EXPECT_EQ(RedeliveryDelay(50, ack_wait), absl::Seconds(30));
  EXPECT_EQ(RedeliveryDelay(3, absl::Seconds(2)), absl::Seconds(2));
}

}  // namespace
}  // namespace qs::events
