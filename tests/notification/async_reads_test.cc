// The notification service's list and count reads on the async read path
// (InboxHandler and TokenHandler ServeAsyncMethods), against the real binary:
// many calls at once each answer their own caller's rows, a call whose
// statement the replica cannot run yet is answered DEADLINE_EXCEEDED by the
// server at the caller's deadline while other reads go on, and bad input
// stays precise.
//
// Exclusive (BUILD): the deadline test holds an ACCESS EXCLUSIVE lock on
// push_tokens, which the replica replays, so every other test reading that
// table on the shared replica would stall with it.
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "tests/notification/notification_server_fixture.h"
#include "tests/support/async_calls.h"
#include "tests/support/call_expectations.h"
#include "tests/support/replayed_table_lock.h"
#include "tests/support/start_barrier.h"
#include "tests/support/test_infra.h"

namespace qs::testing {
namespace {

namespace v1 = ::notification::v1;

constexpr char kListNotifications[] = "/notification.v1.InboxService/ListNotifications";
constexpr char kGetUnreadCount[] = "/notification.v1.InboxService/GetUnreadCount";
constexpr char kListPushTokens[] = "/notification.v1.PushTokenService/ListPushTokens";

class NotificationAsyncReadsTest : public NotificationServerFixture {};

TEST_F(NotificationAsyncReadsTest, ManyConcurrentListsAndCountsEachAnswerTheirOwnInbox) {
  // User i (0-based) gets i + 1 notifications: send k goes to users k..n-1.
  constexpr int kUsers = 8;
  std::vector<std::string> users;
  for (int i = 0; i < kUsers; ++i) users.push_back(NewUser());
  for (int k = 0; k < kUsers; ++k) {
    Send(kSystem, std::vector<std::string>(users.begin() + k, users.end()), "news",
         absl::StrCat("send ", k));
  }
  v1::ListNotificationsRequest list;
  list.set_page_size(100);
  ASSERT_TRUE(Eventually([&] {
    v1::ListNotificationsResponse response;
    return inbox_->ListNotifications(As(users.back()).get(), list, &response).ok() &&
           response.notifications_size() == kUsers;
  }));

  // Every user's lists and counts at once: 8 users x (40 lists + 40 counts).
  constexpr int kCallsEach = 40;
  std::vector<std::vector<CallResult>> lists(kUsers), counts(kUsers);
  RunTogether(2 * kUsers, [&](int t) {
    const int i = t / 2;
    if (t % 2 == 0) {
      lists[i] = CallsAs(channel(), users[i], kListNotifications, list, kCallsEach);
    } else {
      counts[i] =
          CallsAs(channel(), users[i], kGetUnreadCount, v1::GetUnreadCountRequest(), kCallsEach);
    }
  });
  for (int i = 0; i < kUsers; ++i) {
    for (const CallResult& call : lists[i]) {
      ASSERT_TRUE(call.status.ok()) << call.status.error_message();
      v1::ListNotificationsResponse response;
      ASSERT_TRUE(response.ParseFromString(call.response));
      ASSERT_EQ(response.notifications_size(), i + 1) << "user " << i;
      for (const v1::Notification& notification : response.notifications()) {
        EXPECT_EQ(notification.user_id(), users[i]);
      }
      // Newest first: sends i, i-1, ..., 0 reached user i.
      for (int k = 0; k <= i; ++k) {
        EXPECT_EQ(response.notifications(k).title(), absl::StrCat("send ", i - k));
      }
      EXPECT_EQ(response.next_page_token(), "");
    }
    for (const CallResult& call : counts[i]) {
      ASSERT_TRUE(call.status.ok()) << call.status.error_message();
      v1::GetUnreadCountResponse response;
      ASSERT_TRUE(response.ParseFromString(call.response));
      EXPECT_EQ(response.total(), i + 1) << "user " << i;
      EXPECT_EQ(response.by_category().at("news"), i + 1);
    }
  }
}

TEST_F(NotificationAsyncReadsTest, PagesOfAFilteredListJoinUpWithoutGapsOrRepeats) {
  // Five unread of seven; pages of two under the UNREAD filter.
  const std::string user = NewUser();
  std::vector<std::string> sent;
  for (int k = 0; k < 7; ++k) {
    sent.push_back(
        Send(kSystem, {user}, "news", absl::StrCat("n", k)).notifications(0).notification_id());
  }
  v1::MarkNotificationsRequest read;
  read.add_notification_ids(sent[1]);
  read.add_notification_ids(sent[4]);
  v1::MarkNotificationsResponse marked;
  ASSERT_TRUE(inbox_->MarkRead(As(user).get(), read, &marked).ok());
  auto list_unread = [&] {
    std::vector<std::string> titles;
    std::string token;
    int pages = 0;
    do {
      v1::ListNotificationsRequest request;
      request.set_filter(v1::INBOX_FILTER_UNREAD);
      request.set_page_size(2);
      request.set_page_token(token);
      v1::ListNotificationsResponse response;
      grpc::Status status = inbox_->ListNotifications(As(user).get(), request, &response);
      EXPECT_TRUE(status.ok()) << status.error_message();
      if (!status.ok()) break;
      for (const v1::Notification& n : response.notifications()) titles.push_back(n.title());
      token = response.next_page_token();
      ++pages;
    } while (!token.empty() && pages < 10);
    return titles;
  };
  const std::vector<std::string> expected = {"n6", "n5", "n3", "n2", "n0"};
  ASSERT_TRUE(Eventually([&] { return list_unread() == expected; })) << list_unread().size();
}

TEST_F(NotificationAsyncReadsTest, BadInputIsStillPreciseOnTheAsyncPath) {
  const std::string user = NewUser();
  v1::ListNotificationsRequest bad_filter;
  bad_filter.set_filter(static_cast<v1::InboxFilter>(99));
  v1::ListNotificationsRequest bad_token;
  bad_token.set_page_token("garbage");
  v1::ListNotificationsRequest bad_size;
  bad_size.set_page_size(101);
  ExpectEachAnswer(
      channel(), {
                     {kListNotifications, bad_filter.SerializeAsString(), user,
                      grpc::StatusCode::INVALID_ARGUMENT, "filter"},
                     {kListNotifications, bad_token.SerializeAsString(), user,
                      grpc::StatusCode::INVALID_ARGUMENT, "page_token"},
                     {kListNotifications, bad_size.SerializeAsString(), user,
                      grpc::StatusCode::INVALID_ARGUMENT, "page_size"},
                     {kListNotifications, "", "", grpc::StatusCode::UNAUTHENTICATED, ""},
                     {kListNotifications, "", "not-a-uuid", grpc::StatusCode::UNAUTHENTICATED, ""},
                     {kGetUnreadCount, "", "", grpc::StatusCode::UNAUTHENTICATED, ""},
                     {kListPushTokens, "", "", grpc::StatusCode::UNAUTHENTICATED, ""},
                 });
  // A token of one filter's listing is refused by another's.
  for (int k = 0; k < 3; ++k) Send(kSystem, {user}, "news");
  v1::ListNotificationsRequest first;
  first.set_page_size(1);
  v1::ListNotificationsResponse page;
  ASSERT_TRUE(Eventually([&] {
    return inbox_->ListNotifications(As(user).get(), first, &page).ok() &&
           !page.next_page_token().empty();
  }));
  v1::ListNotificationsRequest other_filter;
  other_filter.set_filter(v1::INBOX_FILTER_ARCHIVED);
  other_filter.set_page_token(page.next_page_token());
  v1::ListNotificationsResponse ignored;
  EXPECT_TRUE(HasStatus(inbox_->ListNotifications(As(user).get(), other_filter, &ignored),
                        grpc::StatusCode::INVALID_ARGUMENT, "page_token"));
}

TEST_F(NotificationAsyncReadsTest, AListTheReplicaCannotRunYetEndsAtTheCallersDeadline) {
  const std::string user = NewUser();
  Register(user, "device-a", NewFcmToken());
  Send(kSystem, {user}, "news");
  ASSERT_TRUE(Eventually([&] {
    v1::ListPushTokensResponse response;
    return tokens_->ListPushTokens(As(user).get(), v1::ListPushTokensRequest(), &response).ok() &&
           response.push_tokens_size() == 1;
  }));

  const TestInfra& infra = TestInfra::Get();
  {
    // Reads of push_tokens on the replica wait until the lock ends.
    ReplayedTableLock lock(infra.AdminConnectionString(infra.primary_port, kDatabase),
                           "push_tokens");
    ASSERT_TRUE(lock.replayed()) << "the replica never replayed the lock";

    const absl::Time start = absl::Now();
    std::vector<CallResult> stuck = CallsAs(
        channel(), user, kListPushTokens, v1::ListPushTokensRequest(), 3, absl::Milliseconds(500));
    EXPECT_TRUE(AllEndedAtTheirDeadline(stuck));
    // The server answered them itself at their deadline, while the
    // statement still waits (the lock is held): not the client giving up.
    EXPECT_TRUE(Eventually(
        [&] {
          return server().LoggedCalls(kListPushTokens, "DEADLINE_EXCEEDED").size() >= stuck.size();
        },
        absl::Seconds(3)))
        << server().Log();
    // Reads of another table go on, but a statement pipelined behind a
    // stuck one on the same connection waits with it (async_read_pool.h:
    // statements there are meant to be short): each is answered correctly
    // or DEADLINE_EXCEEDED by the server at its own deadline, never later.
    std::vector<CallResult> counts = CallsAs(channel(), user, kGetUnreadCount,
                                             v1::GetUnreadCountRequest(), 20, absl::Seconds(1));
    int answered = 0;
    for (const CallResult& call : counts) {
      EXPECT_LT(call.latency, absl::Seconds(2));
      if (call.status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) continue;
      ASSERT_TRUE(call.status.ok()) << call.status.error_message();
      v1::GetUnreadCountResponse response;
      ASSERT_TRUE(response.ParseFromString(call.response));
      EXPECT_EQ(response.total(), 1);
      ++answered;
    }
    std::printf("GetUnreadCount while ListPushTokens is stuck: %d of %zu answered\n", answered,
                counts.size());
    EXPECT_TRUE(Eventually(
        [&] {
          return server().LoggedCalls(kGetUnreadCount, "DEADLINE_EXCEEDED").size() ==
                 counts.size() - answered;
        },
        absl::Seconds(3)));
    EXPECT_LT(absl::Now() - start, absl::Seconds(8));
  }
  // Once the lock is gone the same list answers again.
  EXPECT_TRUE(Eventually([&] {
    v1::ListPushTokensResponse response;
    return tokens_->ListPushTokens(As(user).get(), v1::ListPushTokensRequest(), &response).ok() &&
           response.push_tokens_size() == 1;
  }));
}

}  // namespace
}  // namespace qs::testing
