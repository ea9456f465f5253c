// Sending as pure rules: what a send may contain (each limit names its
// field), and the plan of a send under preferences, quiet hours, critical
// categories and time to live.
#include "notification/inbox_rules.h"

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "gtest/gtest.h"

namespace qs::notification {
namespace {

constexpr char kAlice[] = "11111111-1111-4111-8111-111111111111";
constexpr char kBob[] = "22222222-2222-4222-8222-222222222222";

v1::SendNotificationRequest Valid() {
  v1::SendNotificationRequest request;
  request.add_recipient_user_ids(kAlice);
  request.set_category("friend_request");
  request.set_title("Bob wants to be friends");
  request.set_body("Tap to answer");
  (*request.mutable_data())["friend_id"] = kBob;
  request.set_deep_link("game://friends/requests");
  request.set_priority(v1::PRIORITY_HIGH);
  request.set_collapse_key("friends");
  request.set_time_to_live_seconds(3600);
  return request;
}

std::string FieldOf(const absl::Status& status) {
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  return std::string(status.message().substr(0, status.message().find_first_of(":[")));
}

TEST(InboxRulesTest, ValidSendGivesDistinctLowerCaseRecipientsInOrder) {
  v1::SendNotificationRequest request = Valid();
  request.add_recipient_user_ids(absl::AsciiStrToUpper(kBob));
  request.add_recipient_user_ids(kAlice);
  absl::StatusOr<std::vector<std::string>> recipients = ValidateSend(request);
  ASSERT_TRUE(recipients.ok()) << recipients.status();
  EXPECT_EQ(*recipients, (std::vector<std::string>{kAlice, kBob}));
}

TEST(InboxRulesTest, EveryLimitNamesItsField) {
  struct Case {
    const char* expected_field;
    void (*mutate)(v1::SendNotificationRequest&);
  };
  const Case cases[] = {
      {"recipient_user_ids", [](v1::SendNotificationRequest& r) { r.clear_recipient_user_ids(); }},
      {"recipient_user_ids", [](v1::SendNotificationRequest& r) { r.add_recipient_user_ids("x"); }},
      {"recipient_user_ids",
       [](v1::SendNotificationRequest& r) {
         r.add_recipient_user_ids("00000000-0000-0000-0000-000000000000");
       }},
      {"recipient_user_ids",
       [](v1::SendNotificationRequest& r) {
         for (int i = 0; i < 1000; ++i) r.add_recipient_user_ids(kBob);
       }},
      {"category", [](v1::SendNotificationRequest& r) { r.clear_category(); }},
      {"category", [](v1::SendNotificationRequest& r) { r.set_category("Friend Request"); }},
      {"category", [](v1::SendNotificationRequest& r) { r.set_category(std::string(65, 'c')); }},
      {"title", [](v1::SendNotificationRequest& r) { r.set_title(std::string(257, 't')); }},
      {"title", [](v1::SendNotificationRequest& r) { r.set_title("bad \xff utf-8"); }},
      {"title",
       [](v1::SendNotificationRequest& r) {
         r.clear_title();
         r.clear_body();
         r.clear_data();
       }},
      {"body", [](v1::SendNotificationRequest& r) { r.set_body(std::string(4097, 'b')); }},
      {"data",
       [](v1::SendNotificationRequest& r) {
         for (int i = 0; i < 33; ++i) (*r.mutable_data())[absl::StrCat("k", i)] = "v";
       }},
      {"data", [](v1::SendNotificationRequest& r) { (*r.mutable_data())["bad key"] = "v"; }},
      {"data", [](v1::SendNotificationRequest& r) { (*r.mutable_data())["google.x"] = "v"; }},
      {"data", [](v1::SendNotificationRequest& r) { (*r.mutable_data())["from"] = "v"; }},
      {"data",
       [](v1::SendNotificationRequest& r) { (*r.mutable_data())["k"] = std::string(1025, 'v'); }},
      {"data",
       [](v1::SendNotificationRequest& r) {
         for (int i = 0; i < 5; ++i) {
           (*r.mutable_data())[absl::StrCat("k", i)] = std::string(1000, 'v');
         }
       }},
      {"deep_link", [](v1::SendNotificationRequest& r) { r.set_deep_link("game://a b"); }},
      {"deep_link",
       [](v1::SendNotificationRequest& r) { r.set_deep_link(std::string(2049, 'l')); }},
      {"priority",
       [](v1::SendNotificationRequest& r) { r.set_priority(static_cast<v1::Priority>(7)); }},
      {"collapse_key",
       [](v1::SendNotificationRequest& r) { r.set_collapse_key(std::string(65, 'k')); }},
      {"time_to_live_seconds",
       [](v1::SendNotificationRequest& r) { r.set_time_to_live_seconds(-1); }},
      {"time_to_live_seconds",
       [](v1::SendNotificationRequest& r) { r.set_time_to_live_seconds(2419201); }},
  };
  for (const Case& c : cases) {
    v1::SendNotificationRequest request = Valid();
    c.mutate(request);
    EXPECT_EQ(FieldOf(ValidateSend(request).status()), c.expected_field) << c.expected_field;
  }
  // Exactly at the limits is fine.
  v1::SendNotificationRequest full = Valid();
  full.set_title(std::string(256, 't'));
  full.set_body(std::string(4096, 'b'));
  full.set_collapse_key(std::string(64, 'k'));
  full.set_time_to_live_seconds(2419200);
  EXPECT_TRUE(ValidateSend(full).ok());
}

TEST(InboxRulesTest, NotificationIdsAndFilter) {
  google::protobuf::RepeatedPtrField<std::string> ids;
  EXPECT_EQ(FieldOf(ValidateNotificationIds(ids).status()), "notification_ids");
  *ids.Add() = kAlice;
  *ids.Add() = kAlice;
  ASSERT_TRUE(ValidateNotificationIds(ids).ok());
  EXPECT_EQ(ValidateNotificationIds(ids)->size(), 1u);
  *ids.Add() = "nope";
  EXPECT_EQ(FieldOf(ValidateNotificationIds(ids).status()), "notification_ids");
  EXPECT_TRUE(ValidateFilter(v1::INBOX_FILTER_UNSPECIFIED).ok());
  EXPECT_EQ(FieldOf(ValidateFilter(42)), "filter");
}

// ----- PlanSend -----

absl::Time At(int h, int m) {
  return absl::FromCivil(absl::CivilMinute(2026, 6, 1, h, m), absl::UTCTimeZone());
}

std::function<std::string()> Counter() {
  auto next = std::make_shared<int>(0);
  return [next] { return absl::StrCat("n", ++*next); };
}

const std::vector<ActiveToken> kTokens = {
    {"t-alice-1", kAlice, ""}, {"t-alice-2", kAlice, "Asia/Tokyo"}, {"t-bob", kBob, ""}};

TEST(InboxRulesTest, DefaultsQueueEveryTokenNow) {
  SendPlan plan =
      PlanSend({kAlice, kBob}, {}, kTokens, false, At(12, 0), absl::ZeroDuration(), Counter());
  ASSERT_EQ(plan.notifications.size(), 2u);
  EXPECT_EQ(plan.notifications[0].id, "n1");
  EXPECT_TRUE(plan.notifications[1].in_inbox);
  ASSERT_EQ(plan.deliveries.size(), 3u);
  for (const PlannedDelivery& d : plan.deliveries) {
    EXPECT_EQ(d.state, DeliveryState::kQueued);
    EXPECT_EQ(d.next_attempt_at, absl::InfinitePast());
  }
  EXPECT_EQ(plan.deliveries[2].notification_log_id, "n2");
  EXPECT_EQ(plan.response.notifications(0).deliveries_queued(), 2);
  EXPECT_EQ(plan.response.notifications(1).notification_id(), "n2");
}

TEST(InboxRulesTest, MutedChannelsAndNoTokens) {
  const std::string carol = "33333333-3333-4333-8333-333333333333";
  std::map<std::string, RecipientPreferences> preferences;
  preferences[kAlice].push_muted = true;
  preferences[kBob].inbox_muted = true;
  SendPlan plan = PlanSend({kAlice, kBob, carol}, preferences, kTokens, false, At(12, 0),
                           absl::ZeroDuration(), Counter());
  EXPECT_TRUE(plan.notifications[0].in_inbox);
  EXPECT_EQ(plan.deliveries[0].state, DeliveryState::kMuted);
  EXPECT_EQ(plan.deliveries[1].state, DeliveryState::kMuted);
  EXPECT_EQ(plan.response.notifications(0).deliveries_muted(), 2);
  // Inbox muted: not in the inbox, but pushed.
  EXPECT_FALSE(plan.notifications[1].in_inbox);
  EXPECT_FALSE(plan.response.notifications(1).in_inbox());
  EXPECT_EQ(plan.deliveries[2].state, DeliveryState::kQueued);
  // No token: a notification, no delivery.
  EXPECT_EQ(plan.notifications.size(), 3u);
  EXPECT_EQ(plan.deliveries.size(), 3u);
}

TEST(InboxRulesTest, QuietHoursHoldUntilTheirEndInTheRightZone) {
  std::map<std::string, RecipientPreferences> preferences;
  // 22:00 → 07:00 in each device's zone. 21:30 UTC: outside in UTC, 06:30
  // in Tokyo (inside, ends 22:00 UTC).
  preferences[kAlice].quiet_hours = QuietHoursWindow{22 * 60, 7 * 60, ""};
  SendPlan plan =
      PlanSend({kAlice}, preferences, kTokens, false, At(21, 30), absl::ZeroDuration(), Counter());
  ASSERT_EQ(plan.deliveries.size(), 2u);
  EXPECT_EQ(plan.deliveries[0].next_attempt_at, absl::InfinitePast());  // UTC device
  EXPECT_EQ(plan.deliveries[1].state, DeliveryState::kQueued);
  EXPECT_EQ(plan.deliveries[1].next_attempt_at, At(22, 0));  // Tokyo device
  EXPECT_EQ(plan.response.notifications(0).deliveries_queued(), 1);
  EXPECT_EQ(plan.response.notifications(0).deliveries_held_for_quiet_hours(), 1);
  // The window's own zone wins over the device's.
  preferences[kAlice].quiet_hours->time_zone = "UTC";
  plan =
      PlanSend({kAlice}, preferences, kTokens, false, At(23, 0), absl::ZeroDuration(), Counter());
  EXPECT_EQ(plan.deliveries[0].next_attempt_at, At(7, 0) + absl::Hours(24));
  EXPECT_EQ(plan.deliveries[1].next_attempt_at, At(7, 0) + absl::Hours(24));
}

TEST(InboxRulesTest, HeldPastTheTimeToLiveIsExpiredAtOnce) {
  std::map<std::string, RecipientPreferences> preferences;
  preferences[kBob].quiet_hours = QuietHoursWindow{22 * 60, 7 * 60, "UTC"};
  // 23:00, quiet until 07:00: 8 h away.
  SendPlan plan =
      PlanSend({kBob}, preferences, kTokens, false, At(23, 0), absl::Hours(8), Counter());
  EXPECT_EQ(plan.deliveries[0].state, DeliveryState::kExpired);
  EXPECT_EQ(plan.response.notifications(0).deliveries_expired(), 1);
  plan = PlanSend({kBob}, preferences, kTokens, false, At(23, 0), absl::Hours(9), Counter());
  EXPECT_EQ(plan.deliveries[0].state, DeliveryState::kQueued);
  EXPECT_EQ(plan.deliveries[0].next_attempt_at, At(7, 0) + absl::Hours(24));
}

TEST(InboxRulesTest, CriticalIgnoresOptOutsAndQuietHours) {
  std::map<std::string, RecipientPreferences> preferences;
  preferences[kBob] = RecipientPreferences{true, true, QuietHoursWindow{0, 1439, "UTC"}};
  SendPlan plan =
      PlanSend({kBob}, preferences, kTokens, true, At(12, 0), absl::ZeroDuration(), Counter());
  EXPECT_TRUE(plan.notifications[0].in_inbox);
  EXPECT_EQ(plan.deliveries[0].state, DeliveryState::kQueued);
  EXPECT_EQ(plan.deliveries[0].next_attempt_at, absl::InfinitePast());
}

TEST(InboxRulesTest, CodesMatchTheSchemasChecks) {
  EXPECT_EQ(DeliveryStateCodes().Code(DeliveryState::kInvalidToken), "invalid_token");
  EXPECT_EQ(DeliveryStateCodes().FromCode("muted"), DeliveryState::kMuted);
  EXPECT_EQ(DeliveryStateCodes().FromCode("lost"), DeliveryState::kUnknown);
  EXPECT_EQ(PriorityCodes().Code(v1::PRIORITY_HIGH), "high");
  EXPECT_EQ(PriorityCodes().Code(v1::PRIORITY_UNSPECIFIED), "");
}

TEST(InboxRulesTest, OnlyTheSystemSendsInACriticalCategory) {
  EXPECT_TRUE(CheckSenderMaySend(kSystemUserId, "security", true).ok());
  EXPECT_TRUE(CheckSenderMaySend("5f0c0b1e-6a4f-4e43-9d2a-0c1f4f3c2b1a", "news", false).ok());
  absl::Status denied =
      CheckSenderMaySend("5f0c0b1e-6a4f-4e43-9d2a-0c1f4f3c2b1a", "security", true);
  EXPECT_EQ(denied.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_NE(denied.message().find("\"security\""), absl::string_view::npos) << denied;
}

}  // namespace
}  // namespace qs::notification
