#include "common/events/event_handlers.h"

#include "gtest/gtest.h"
#include "proto/quest/v1/events.pb.h"
#include "proto/social/v1/events.pb.h"

namespace qs::events {
namespace {

// Handlers are only looked up and type-checked here; none is run (running
// needs a WriteTx, which the consumer's tests provide).
TEST(EventHandlersTest, FindsAHandlerByItsSourceAndPayloadType) {
  EventHandlers handlers;
  EXPECT_TRUE(handlers.empty());
  handlers.On<::quest::v1::MatchFinished>(
      "quest", [](db::WriteTx&, const ::events::v1::EventEnvelope&,
                  const ::quest::v1::MatchFinished&) { return absl::OkStatus(); });
  handlers.On<::social::v1::FriendRequestSent>(
      "social", [](db::WriteTx&, const ::events::v1::EventEnvelope&,
                   const ::social::v1::FriendRequestSent&) { return absl::OkStatus(); });
  EXPECT_FALSE(handlers.empty());
  EXPECT_NE(handlers.Find("quest", "quest.v1.MatchFinished"), nullptr);
  EXPECT_NE(handlers.Find("social", "social.v1.FriendRequestSent"), nullptr);
  // Same type from another source, another type from the same source.
  EXPECT_EQ(handlers.Find("social", "quest.v1.MatchFinished"), nullptr);
  EXPECT_EQ(handlers.Find("quest", "quest.v1.PuzzleSolved"), nullptr);
  EXPECT_EQ(handlers.Sources(), (std::vector<std::string>{"quest", "social"}));
}

TEST(EventHandlersTest, SourcesAreListedOnceEach) {
  EventHandlers handlers;
  auto ok = [](db::WriteTx&, const ::events::v1::EventEnvelope&) { return absl::OkStatus(); };
  handlers.Add("social", "social.v1.FriendRequestSent", ok);
  handlers.Add("social", "social.v1.GuildMemberJoined", ok);
  handlers.Add("quest", "quest.v1.PuzzleSolved", ok);
  EXPECT_EQ(handlers.Sources(), (std::vector<std::string>{"quest", "social"}));
}

}  // namespace
}  // namespace qs::events
