#include "tests/deploy/drill_deliveries.h"

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/api/uuid.h"
#include "common/grpc/call_log.h"
#include "gtest/gtest.h"
#include "proto/notification/v1/push_tokens.grpc.pb.h"
#include "tests/deploy/drill_checks.h"
#include "tests/deploy/drill_push_log.h"
#include "tests/deploy/drill_stack.h"

namespace qs::drill {
namespace {

// A friend_request notification's deliveries, and what of them was sent.
constexpr char kNotificationTokensSql[] =
    "SELECT n.id || ' ' || n.user_id || ' ' || coalesce(string_agg(d.push_token_id::text, ',' "
    "ORDER BY d.push_token_id::text), '-') FROM notification_logs n "
    "LEFT JOIN deliveries d ON d.notification_log_id = n.id "
    "WHERE n.category = 'friend_request' GROUP BY n.id, n.user_id";
constexpr char kDeliveriesSql[] =
    "SELECT d.id || ' ' || d.state || ' ' || d.attempts FROM deliveries d "
    "JOIN notification_logs n ON n.id = d.notification_log_id "
    "WHERE n.category = 'friend_request'";

// Up to `limit` examples for a failure message.
void Keep(std::vector<std::string>& examples, std::string example, size_t limit = 5) {
  if (examples.size() < limit) examples.push_back(std::move(example));
}

}  // namespace

int PushRecipients::tokens() const {
  int total = 0;
  for (const auto& [user, tokens] : token_ids_of) total += static_cast<int>(tokens.size());
  return total;
}

absl::StatusOr<PushRecipients> RegisterPushRecipients(
    const std::shared_ptr<grpc::Channel>& notification, int users, CallTally& tally) {
  auto tokens = ::notification::v1::PushTokenService::NewStub(notification);
  PushRecipients recipients;
  std::set<std::string> registered_ids;
  for (int i = 0; i < users; ++i) {
    const std::string user = api::NewUuidV4();
    recipients.user_ids.push_back(user);
    const int installations = i % 3 == 0 ? 2 : 1;
    for (int device = 0; device < installations; ++device) {
      ::notification::v1::RegisterPushTokenRequest request;
      // An installation is (app_id, device_id): one of another user would
      // move to this one.
      request.set_device_id(absl::StrCat("drill-", user, "-", device));
      request.set_app_id("com.example.quest");
      request.set_platform(::notification::v1::PLATFORM_FCM);
      // Unique over (platform, token): another user's token would move.
      request.set_token(absl::StrCat("drill-fcm-", api::NewUuidV4()));
      ::notification::v1::PushToken registered;
      grpc::Status status = RetryWhileUnavailable(
          [&] { return tokens->RegisterPushToken(ActingAs(user).get(), request, &registered); },
          tally);
      if (!status.ok()) {
        return absl::InternalError(
            absl::StrCat("RegisterPushToken: ", grpc_util::StatusCodeName(status.error_code()), " ",
                         status.error_message()));
      }
      if (!registered_ids.insert(registered.id()).second) {
        return absl::InternalError(
            absl::StrCat("RegisterPushToken: registration ", registered.id(), " moved to ", user));
      }
      recipients.token_ids_of[user].insert(registered.id());
    }
  }
  return recipients;
}

bool WaitDeliveriesSettled(const ComposeProject& project, absl::Duration timeout) {
  const absl::Time start = absl::Now();
  int64_t unsettled = -1;
  while (true) {
    unsettled = Count(project.Psql(
        "notification_db", "SELECT count(*) FROM deliveries WHERE state IN ('queued', 'sending')"));
    if (unsettled == 0) {
      Figure(absl::StrCat("deliveries settled (none queued or sending) ", Since(start),
                          " after the stream drained"));
      return true;
    }
    if (absl::Now() - start >= timeout) break;
    absl::SleepFor(absl::Milliseconds(500));
  }
  Figure(absl::StrCat("deliveries not settled after ", Since(start), ": ", unsettled,
                      " queued or sending"));
  return false;
}

void ExpectEveryDeliverySentOnce(const ComposeProject& project, const PushRecipients& recipients,
                                 const std::vector<std::string>& instances) {
  // One delivery per token of the recipient, for every notification.
  int64_t notifications = 0;
  int64_t wrong_deliveries = 0;
  std::vector<std::string> wrong_examples;
  for (const std::string& row : Rows(project.Psql("notification_db", kNotificationTokensSql))) {
    ++notifications;
    std::vector<std::string> fields = absl::StrSplit(row, ' ');
    if (fields.size() != 3) {
      ADD_FAILURE() << "unexpected row: " << row;
      continue;
    }
    auto tokens = recipients.token_ids_of.find(fields[1]);
    const std::string expected =
        tokens == recipients.token_ids_of.end() ? "-" : absl::StrJoin(tokens->second, ",");
    if (fields[2] != expected) {
      ++wrong_deliveries;
      Keep(wrong_examples,
           absl::StrCat("notification ", fields[0], " to ", fields[1], ": deliveries to tokens ",
                        fields[2], ", tokens ", expected));
    }
  }

  // Every delivery sent, by some instance, once.
  std::map<std::string, int> attempts_of;
  std::map<std::string, int64_t> by_state;
  for (const std::string& row : Rows(project.Psql("notification_db", kDeliveriesSql))) {
    std::vector<std::string> fields = absl::StrSplit(row, ' ');
    int attempts = 0;
    if (fields.size() != 3 || !absl::SimpleAtoi(fields[2], &attempts)) {
      ADD_FAILURE() << "unexpected row: " << row;
      continue;
    }
    attempts_of[fields[0]] = attempts;
    ++by_state[fields[1]];
  }
  std::map<std::string, int> sends;  // over all instances
  std::set<std::string> unrecorded;
  std::vector<std::string> per_instance;
  std::map<std::string, int64_t> sent_by;
  for (const std::string& instance : instances) {
    const PushLog log = ParsePushLog(project.Logs(project.Container(instance)));
    for (const auto& [id, count] : log.sends) {
      sends[id] += count;
      if (attempts_of.count(id)) sent_by[instance] += count;
    }
    unrecorded.insert(log.unrecorded.begin(), log.unrecorded.end());
    per_instance.push_back(absl::StrCat(instance, " ", sent_by[instance]));
  }
  int64_t never_sent = 0;
  int64_t duplicate_sends = 0;
  int64_t resent_after_lost_outcome = 0;
  int64_t unexplained_duplicates = 0;
  int64_t sent_beyond_attempts = 0;
  int64_t reclaimed = 0;
  std::vector<std::string> examples;
  for (const auto& [id, attempts] : attempts_of) {
    reclaimed += attempts > 1;
    auto found = sends.find(id);
    const int count = found == sends.end() ? 0 : found->second;
    if (count == 0) {
      ++never_sent;
      Keep(examples, absl::StrCat(id, ": in no instance's log"));
      continue;
    }
    // Every send counts as an attempt (a reclaim counts the lost one).
    if (count > attempts) {
      ++sent_beyond_attempts;
      Keep(examples, absl::StrCat(id, ": sent ", count, " times, ", attempts, " attempt(s)"));
    }
    if (count == 1) continue;
    duplicate_sends += count - 1;
    if (unrecorded.count(id)) {
      resent_after_lost_outcome += count - 1;
    } else {
      unexplained_duplicates += count - 1;
      Keep(examples, absl::StrCat(id, ": sent ", count, " times, no outcome lost"));
    }
  }
  int64_t foreign_sends = 0;
  for (const auto& [id, count] : sends) foreign_sends += attempts_of.count(id) ? 0 : count;
  std::vector<std::string> states;
  for (const auto& [state, count] : by_state) states.push_back(absl::StrCat(state, " ", count));

  Figure(absl::StrCat("deliveries: ", attempts_of.size(), " for ", notifications,
                      " friend_request notifications (", recipients.tokens(), " tokens of ",
                      recipients.user_ids.size(), " recipients): ", absl::StrJoin(states, ", ")));
  Figure(absl::StrCat("deliveries sent per instance (log-provider lines): ",
                      absl::StrJoin(per_instance, ", ")));
  Figure(absl::StrCat("duplicate sends: ", duplicate_sends, " (after an unrecorded outcome: ",
                      resent_after_lost_outcome, ", unexplained: ", unexplained_duplicates,
                      "); deliveries reclaimed after their lease expired: ", reclaimed,
                      "; never sent: ", never_sent));

  EXPECT_GT(notifications, 0);
  EXPECT_EQ(wrong_deliveries, 0) << "of " << notifications << " notifications:\n"
                                 << absl::StrJoin(wrong_examples, "\n");
  EXPECT_EQ(by_state["sent"], static_cast<int64_t>(attempts_of.size()))
      << absl::StrJoin(states, ", ");
  for (const std::string& instance : instances) {
    EXPECT_GT(sent_by[instance], 0) << instance << " sent no delivery";
  }
  EXPECT_EQ(never_sent, 0) << absl::StrJoin(examples, "\n");
  EXPECT_EQ(unexplained_duplicates, 0) << absl::StrJoin(examples, "\n");
  EXPECT_EQ(sent_beyond_attempts, 0) << absl::StrJoin(examples, "\n");
  // The log provider sends nothing but these deliveries in the drill.
  EXPECT_EQ(foreign_sends, 0);
}

}  // namespace qs::drill
