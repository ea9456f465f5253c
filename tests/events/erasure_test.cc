// The right to erasure end to end (issue 11): the three real service
// binaries, each on a scratch database of its own, sharing the suite's
// nats-server under this test process's EVENTS_NAMESPACE. Data of a user
// (and of another, whose rows must stay) is made through each service's
// gRPC API; ops.v1.Privacy/EraseUser on social erases there and publishes
// UserErased; quest and notification consume it, erase theirs and confirm.
// Then every table of every database is scanned for the user's id in any
// column (tests/common/privacy/user_data.h): before, each database holds
// his rows; after, none but the documented exception (social's UserErased
// event in its outbox).
//
// Scratch databases for the reason flows_test.cc gives: a server of
// another test relays every unpublished row of the database it serves, so
// on a shared database this test's events could leave under another
// namespace.
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/clock.h"
#include "common/api/uuid.h"
#include "gtest/gtest.h"
#include "tests/common/privacy/user_data.h"
#include "tests/support/service_fixture.h"
#include "tests/support/test_infra.h"

namespace qs::testing {
namespace {

const std::vector<std::string> kServices = {"notification", "quest", "social"};

// The event types each service has handlers for (its add_services): a
// consumer records only those, and acks the others without a record.
const std::map<std::string, std::string> kHandledTypes = {
    {"notification",
     "{ops.v1.UserErased,ops.v1.UserErasureConfirmed,social.v1.FriendRequestSent,"
     "social.v1.FriendRequestAccepted,social.v1.ChatMessageSent,social.v1.GuildJoinRequested,"
     "social.v1.GuildMemberJoined,quest.v1.MatchFinished,quest.v1.PuzzleSolved}"},
    {"quest", "{ops.v1.UserErased,ops.v1.UserErasureConfirmed}"},
    {"social", "{ops.v1.UserErased,ops.v1.UserErasureConfirmed}"}};

// Slack for a loaded machine: an event crosses in milliseconds.
constexpr absl::Duration kSettleDeadline = absl::Seconds(30);

class ErasureTest : public ServiceFixture {
 protected:
  static void SetUpTestSuite() {
    for (const std::string& service : kServices) {
      databases_[service] = std::make_unique<ScratchDatabase>(service);
      processes_[service] = StartService(service, {{"DB_NAME", databases_[service]->name()},
                                                   {"PRIVACY_ADMIN_TOKEN", kPrivacyAdminToken}});
      channels_[service] = ChannelTo(*processes_[service]);
    }
  }

  static void TearDownTestSuite() {
    if (::testing::UnitTest::GetInstance()->Failed()) {
      for (const auto& [service, process] : processes_) {
        std::cerr << "---- " << service << " log ----\n" << process->Log();
      }
    }
    channels_.clear();
    processes_.clear();
    databases_.clear();
  }

  static std::string Database(const std::string& service) { return databases_[service]->name(); }

  static std::set<std::string> Ids(const std::string& service, const std::string& sql,
                                   const std::string& argument) {
    std::set<std::string> ids;
    for (const auto& row : QueryPrimary(Database(service), sql, argument)) {
      ids.insert(row[0].as<std::string>());
    }
    return ids;
  }

  // Every event of every outbox has been applied by each of the other two
  // services that handles its type (each consumes both others: the erasure
  // handlers), so nothing is in flight. (Ids, not counts: a count can match
  // while another event is still missing.)
  static bool Settled() {
    for (const std::string& source : kServices) {
      for (const std::string& consumer : kServices) {
        if (consumer == source) continue;
        const std::set<std::string> written =
            Ids(source, "SELECT id::text FROM outbox_events WHERE type = ANY($1::text[])",
                kHandledTypes.at(consumer));
        const std::set<std::string> applied =
            Ids(consumer, "SELECT id::text FROM processed_events WHERE source = $1", source);
        for (const std::string& id : written) {
          if (applied.count(id) == 0) return false;
        }
      }
    }
    return true;
  }

  inline static std::map<std::string, std::unique_ptr<ScratchDatabase>> databases_;
  inline static std::map<std::string, std::unique_ptr<ServiceProcess>> processes_;
  inline static std::map<std::string, std::shared_ptr<grpc::Channel>> channels_;
};

TEST_F(ErasureTest, EraseUserOnOneServiceLeavesNoRowOfHisInAnyDatabase) {
  const std::string user = api::NewUuidV4();
  const std::string other = api::NewUuidV4();
  CreateQuestData(channels_["quest"], user, other);
  CreateSocialData(channels_["social"], user, other);
  CreateNotificationData(channels_["notification"], user, other);
  // The flows (friend requests, matches -> notification inbox) have run.
  ASSERT_TRUE(Eventually(Settled, kSettleDeadline)) << "events still in flight";

  std::map<std::string, ErasureScan> before;
  for (const std::string& service : kServices) {
    before[service] = ScanDatabase(Database(service), user, other);
    EXPECT_GT(before[service].RowsMentioningUser(), 0) << service << " holds no row of his";
    std::cout << service << " rows mentioning the user before:";
    for (const auto& [table, rows] : before[service].user_rows) {
      if (rows > 0) std::cout << " " << table << "=" << rows;
    }
    std::cout << "\n";
  }

  const absl::Time erase_started = absl::Now();
  ::ops::v1::EraseUserResponse erased;
  grpc::Status status = EraseUser(channels_["social"], user, &erased);
  std::cout << "EraseUser on social: " << absl::Now() - erase_started << "\n";
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(erased.erasure().service(), "social");

  // Every service learns every confirmation.
  for (const std::string& service : kServices) {
    EXPECT_TRUE(Eventually([&] { return ErasureStatus(channels_[service], user).complete(); },
                           kSettleDeadline))
        << service << " has not seen every confirmation";
    const ::ops::v1::GetErasureStatusResponse shown = ErasureStatus(channels_[service], user);
    ASSERT_EQ(shown.erasures_size(), 3) << service;
    for (int i = 0; i < 3; ++i) {
      EXPECT_EQ(shown.erasures(i).service(), kServices[i]) << service;
      EXPECT_GT(shown.erasures(i).erased_at().seconds(), 0) << service;
      EXPECT_GT(shown.erasures(i).rows_erased(), 0) << service << " sees " << kServices[i];
    }
  }
  std::cout << "every service shows 3 confirmations after " << absl::Now() - erase_started << "\n";
  ASSERT_TRUE(Eventually(Settled, kSettleDeadline)) << "confirmations still in flight";

  for (const std::string& service : kServices) {
    const ErasureScan after = ScanDatabase(Database(service), user, other);
    if (service == "social") {
      EXPECT_EQ(after.TablesMentioningUser(), std::set<std::string>{"outbox_events"});
      EXPECT_EQ(after.user_rows.at("outbox_events"), 1);
      EXPECT_EQ(UserErasedEventsInOutbox(Database(service), user), 1)
          << "the one row left is social's UserErased";
    } else {
      EXPECT_EQ(after.TablesMentioningUser(), std::set<std::string>{}) << service;
    }
    for (const auto& [table, rows] : after.user_rows) {
      if (rows > 0) std::cout << service << "." << table << " still mentions him: " << rows << "\n";
    }
    ExpectOtherUserUntouched(before[service], after, Database(service));
    pqxx::result parked =
        QueryPrimary(Database(service), "SELECT type, reason FROM dead_letter_events");
    for (const auto& row : parked) {
      ADD_FAILURE() << service << " parked " << row[0].c_str() << ": " << row[1].c_str();
    }
  }
}

// Quest commits MatchFinished of him and another; he is erased on quest
// before its relay runs (a quest of its own, on a database of its own,
// started with EVENTS_ENABLED=false, then again with it on). The event is
// rewritten, not deleted: the other still gets his notice, and notification
// holds nothing of the erased user.
TEST_F(ErasureTest, AnEventOfOthersNotRelayedBeforeTheErasureStillReachesThem) {
  const std::string user = api::NewUuidV4();
  const std::string other = api::NewUuidV4();
  ScratchDatabase database("quest");
  auto quest = StartService("quest", {{"DB_NAME", database.name()},
                                      {"PRIVACY_ADMIN_TOKEN", kPrivacyAdminToken},
                                      {"EVENTS_ENABLED", "false"}});
  CreateQuestData(ChannelTo(*quest), user, other);
  ::ops::v1::EraseUserResponse erased;
  grpc::Status status = EraseUser(ChannelTo(*quest), user, &erased);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(QueryPrimary(database.name(),
                         "SELECT count(*) FROM outbox_events WHERE type = $1 "
                         "AND published_at IS NULL",
                         "quest.v1.MatchFinished")[0][0]
                .as<int>(),
            1)
      << "the match's event waits for the relay";
  quest.reset();

  quest = StartService("quest",
                       {{"DB_NAME", database.name()}, {"PRIVACY_ADMIN_TOKEN", kPrivacyAdminToken}});
  const std::string told =
      "SELECT count(*) FROM notification_logs WHERE user_id = $1::uuid AND category = "
      "'match_finished'";
  EXPECT_TRUE(Eventually(
      [&] { return QueryPrimary(Database("notification"), told, other)[0][0].as<int>() == 1; },
      kSettleDeadline))
      << "the other participant was not told";
  // The erasure reached notification (his UserErased, relayed after it):
  // nothing of his there, the match's notice included.
  EXPECT_TRUE(Eventually(
      [&] {
        return QueryPrimary(Database("notification"),
                            "SELECT count(*) FROM user_erasures WHERE user_hash = "
                            "sha256(convert_to($1::text, 'UTF8')) AND service = 'quest'",
                            user)[0][0]
                   .as<int>() == 1;
      },
      kSettleDeadline));
  EXPECT_EQ(QueryPrimary(Database("notification"), told, user)[0][0].as<int>(), 0);
  EXPECT_EQ(ScanDatabase(Database("notification"), user, other).TablesMentioningUser(),
            std::set<std::string>{});
  if (HasFailure()) std::cerr << "---- quest (own) log ----\n" << quest->Log();
}

}  // namespace
}  // namespace qs::testing
