// notification.v1.InboxService against the real notification binary: sends
// (rows per recipient and per token, idempotency, 1,000 recipients, the
// sender), preferences at send time (muted push and inbox, quiet hours in
// the user's zone, critical categories), the inbox (paging, filters, unread
// counts, seen/read/archived/deleted transitions), bad input, retention.
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "tests/notification/notification_server_fixture.h"

namespace qs::testing {
namespace {

namespace v1 = ::notification::v1;

class InboxHandlerTest : public NotificationServerFixture {
 protected:
  static v1::ListNotificationsResponse ListPage(const std::string& user, v1::InboxFilter filter,
                                                int page_size, const std::string& token = "") {
    v1::ListNotificationsRequest request;
    request.set_filter(filter);
    request.set_page_size(page_size);
    request.set_page_token(token);
    v1::ListNotificationsResponse response;
    grpc::Status status = inbox_->ListNotifications(As(user).get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }

  // Every id of `user`'s inbox under `filter`, newest first (one page of 100).
  static std::vector<std::string> Ids(const std::string& user, v1::InboxFilter filter) {
    std::vector<std::string> ids;
    const v1::ListNotificationsResponse page = ListPage(user, filter, 100);
    for (const v1::Notification& n : page.notifications()) {
      ids.push_back(n.id());
    }
    return ids;
  }

  static v1::GetUnreadCountResponse Unread(const std::string& user) {
    v1::GetUnreadCountResponse response;
    grpc::Status status =
        inbox_->GetUnreadCount(As(user).get(), v1::GetUnreadCountRequest(), &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }

  using MarkRpc = grpc::Status (v1::InboxService::Stub::*)(grpc::ClientContext*,
                                                           const v1::MarkNotificationsRequest&,
                                                           v1::MarkNotificationsResponse*);

  static grpc::Status Mark(MarkRpc rpc, const std::string& user,
                           const std::vector<std::string>& ids,
                           v1::MarkNotificationsResponse* response) {
    v1::MarkNotificationsRequest request;
    for (const std::string& id : ids) request.add_notification_ids(id);
    return (inbox_.get()->*rpc)(As(user).get(), request, response);
  }

  static v1::Notification MarkOne(MarkRpc rpc, const std::string& user, const std::string& id) {
    v1::MarkNotificationsResponse response;
    grpc::Status status = Mark(rpc, user, {id}, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.notifications_size() == 1 ? response.notifications(0) : v1::Notification();
  }

  static std::string Only(const v1::SendNotificationResponse& sent) {
    EXPECT_EQ(sent.notifications_size(), 1);
    return sent.notifications(0).notification_id();
  }

  static int64_t NotificationsOf(const std::string& user) {
    return Count("SELECT count(*) FROM notification_logs WHERE user_id = $1", user);
  }
};

TEST_F(InboxHandlerTest, SendWritesOneNotificationPerRecipientAndOneDeliveryPerActiveToken) {
  const std::string sender = NewUser();
  const std::string two_devices = NewUser();
  const std::string no_device = NewUser();
  Register(two_devices, "phone", NewFcmToken());
  Register(two_devices, "tablet", NewFcmToken());
  v1::SendNotificationRequest request;
  request.add_recipient_user_ids(two_devices);
  request.add_recipient_user_ids(no_device);
  request.add_recipient_user_ids(absl::AsciiStrToUpper(two_devices));  // the same user
  request.set_category("friend_request");
  request.set_title("New friend request");
  request.set_body("Tap to answer");
  (*request.mutable_data())["from_user"] = sender;
  (*request.mutable_data())["quote"] = "say \"hi\" \\ ünïcode";
  request.set_deep_link("game://friends");
  request.set_priority(v1::PRIORITY_HIGH);
  request.set_collapse_key("friends");
  request.set_time_to_live_seconds(600);
  v1::SendNotificationResponse sent;
  ASSERT_TRUE(inbox_->SendNotification(As(sender).get(), request, &sent).ok());
  ASSERT_EQ(sent.notifications_size(), 2);
  EXPECT_EQ(sent.notifications(0).user_id(), two_devices);
  EXPECT_EQ(sent.notifications(0).deliveries_queued(), 2);
  EXPECT_TRUE(sent.notifications(0).in_inbox());
  EXPECT_EQ(sent.notifications(1).user_id(), no_device);
  EXPECT_EQ(sent.notifications(1).deliveries_queued(), 0);
  EXPECT_EQ(NotificationsOf(two_devices), 1);
  EXPECT_EQ(NotificationsOf(no_device), 1);
  EXPECT_EQ(DeliveryStates(sent.notifications(0).notification_id()),
            (std::vector<std::string>{"queued", "queued"}));
  // Due now, for the worker; the time to live is recorded.
  EXPECT_TRUE(QueryPrimary(kDatabase,
                           "SELECT bool_and(d.next_attempt_at <= clock_timestamp() AND "
                           "d.user_id = l.user_id AND d.attempts = 0 AND d.finished_at IS NULL) "
                           "AND bool_and(l.expires_at BETWEEN l.created_at + interval '599 s' AND "
                           "l.created_at + interval '601 s') FROM deliveries d JOIN "
                           "notification_logs l ON l.id = d.notification_log_id WHERE l.id = $1",
                           sent.notifications(0).notification_id())[0][0]
                  .as<bool>());

  // The inbox shows it with everything it was sent with and its summary.
  ASSERT_TRUE(Eventually([&] { return Ids(two_devices, v1::INBOX_FILTER_ALL).size() == 1; }));
  const v1::Notification shown = ListPage(two_devices, v1::INBOX_FILTER_ALL, 10).notifications(0);
  EXPECT_EQ(shown.id(), sent.notifications(0).notification_id());
  EXPECT_EQ(shown.user_id(), two_devices);
  EXPECT_EQ(shown.sender_user_id(), sender);
  EXPECT_FALSE(shown.sent_by_system());
  EXPECT_EQ(shown.category(), "friend_request");
  EXPECT_EQ(shown.title(), "New friend request");
  EXPECT_EQ(shown.body(), "Tap to answer");
  EXPECT_EQ(shown.data().at("from_user"), sender);
  EXPECT_EQ(shown.data().at("quote"), "say \"hi\" \\ ünïcode");
  EXPECT_EQ(shown.deep_link(), "game://friends");
  EXPECT_EQ(shown.priority(), v1::PRIORITY_HIGH);
  EXPECT_EQ(shown.collapse_key(), "friends");
  EXPECT_EQ(shown.time_to_live_seconds(), 600);
  EXPECT_EQ(shown.deliveries().queued(), 2);
  EXPECT_EQ(shown.deliveries().sent(), 0);
  EXPECT_FALSE(shown.has_seen_at());
  EXPECT_FALSE(shown.has_read_at());
  EXPECT_FALSE(shown.has_archived_at());
  // The summary follows the worker's moves.
  QueryPrimary(kDatabase,
               "UPDATE deliveries SET state = 'sent', finished_at = now() WHERE id = "
               "(SELECT id FROM deliveries WHERE notification_log_id = $1 LIMIT 1)",
               shown.id());
  ASSERT_TRUE(Eventually([&] {
    const v1::Notification n = ListPage(two_devices, v1::INBOX_FILTER_ALL, 1).notifications(0);
    return n.deliveries().sent() == 1 && n.deliveries().queued() == 1;
  }));
}

TEST_F(InboxHandlerTest, TheSystemSendsWithTheNilUserId) {
  const std::string user = NewUser();
  const std::string id = Only(Send(kSystem, {user}, "maintenance"));
  EXPECT_TRUE(QueryPrimary(kDatabase,
                           "SELECT sender_id IS NULL FROM notification_logs WHERE id = $1",
                           id)[0][0]
                  .as<bool>());
  ASSERT_TRUE(Eventually([&] { return Ids(user, v1::INBOX_FILTER_ALL).size() == 1; }));
  const v1::Notification shown = ListPage(user, v1::INBOX_FILTER_ALL, 1).notifications(0);
  EXPECT_TRUE(shown.sent_by_system());
  EXPECT_EQ(shown.sender_user_id(), "");
}

TEST_F(InboxHandlerTest, ARetryWithTheSameRequestIdReturnsTheFirstResultAndCreatesNothing) {
  const std::string sender = NewUser();
  const std::string user = NewUser();
  Register(user, "phone", NewFcmToken());
  v1::SendNotificationRequest request;
  request.add_recipient_user_ids(user);
  request.set_category("reward");
  request.set_title("You won");
  request.set_request_id("send-reward-42");
  v1::SendNotificationResponse first;
  v1::SendNotificationResponse retry;
  ASSERT_TRUE(inbox_->SendNotification(As(sender).get(), request, &first).ok());
  // A device registered in between does not change the replayed answer.
  Register(user, "tablet", NewFcmToken());
  ASSERT_TRUE(inbox_->SendNotification(As(sender).get(), request, &retry).ok());
  EXPECT_EQ(retry.SerializeAsString(), first.SerializeAsString());
  EXPECT_EQ(NotificationsOf(user), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM deliveries WHERE user_id = $1", user), 1);
  // The same key with another request is a client bug.
  request.set_title("You won twice");
  v1::SendNotificationResponse other;
  grpc::Status status = inbox_->SendNotification(As(sender).get(), request, &other);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message().rfind("request_id:", 0), 0u) << status.error_message();
  EXPECT_EQ(NotificationsOf(user), 1);
  // Another sender's key of the same name is another key.
  request.set_title("You won");
  ASSERT_TRUE(inbox_->SendNotification(As(NewUser()).get(), request, &other).ok());
  EXPECT_NE(other.notifications(0).notification_id(), first.notifications(0).notification_id());
  EXPECT_EQ(NotificationsOf(user), 2);
}

TEST_F(InboxHandlerTest, BadInputIsRejectedNamingTheFieldAndChangesNothing) {
  const std::string user = NewUser();
  const std::string category = "bad_input";
  struct Case {
    const char* field;
    std::function<void(v1::SendNotificationRequest&)> mutate;
  };
  const std::vector<Case> cases = {
      {"recipient_user_ids", [](auto& r) { r.clear_recipient_user_ids(); }},
      {"recipient_user_ids", [](auto& r) { r.add_recipient_user_ids("not-a-uuid"); }},
      {"recipient_user_ids",
       [](auto& r) {
         for (int i = 0; i < 1000; ++i) r.add_recipient_user_ids(api::NewUuidV4());
       }},
      {"category", [](auto& r) { r.set_category("Bad Category"); }},
      {"title", [](auto& r) { r.set_title(std::string(257, 't')); }},
      {"body", [](auto& r) { r.set_body(std::string(4097, 'b')); }},
      {"data", [](auto& r) { (*r.mutable_data())["gcm.notification"] = "x"; }},
      {"deep_link", [](auto& r) { r.set_deep_link("game://has space"); }},
      {"collapse_key", [](auto& r) { r.set_collapse_key(std::string(65, 'c')); }},
      {"time_to_live_seconds", [](auto& r) { r.set_time_to_live_seconds(2419201); }},
      {"priority", [](auto& r) { r.set_priority(static_cast<v1::Priority>(3)); }},
      {"request_id", [](auto& r) { r.set_request_id("has space"); }},
  };
  for (const Case& c : cases) {
    v1::SendNotificationRequest request;
    request.add_recipient_user_ids(user);
    request.set_category(category);
    request.set_title("t");
    c.mutate(request);
    v1::SendNotificationResponse response;
    grpc::Status status = inbox_->SendNotification(As(user).get(), request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << c.field;
    EXPECT_EQ(status.error_message().rfind(c.field, 0), 0u)
        << c.field << ": " << status.error_message();
  }
  EXPECT_EQ(NotificationsOf(user), 0);
  // No acting user.
  v1::SendNotificationRequest request;
  request.add_recipient_user_ids(user);
  request.set_category(category);
  request.set_title("t");
  v1::SendNotificationResponse response;
  EXPECT_EQ(inbox_->SendNotification(As("").get(), request, &response).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  // Listing: an unknown filter, a bad page size, a foreign page token.
  v1::ListNotificationsRequest list;
  list.set_filter(static_cast<v1::InboxFilter>(9));
  v1::ListNotificationsResponse listed;
  grpc::Status status = inbox_->ListNotifications(As(user).get(), list, &listed);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message().rfind("filter:", 0), 0u) << status.error_message();
  list.set_filter(v1::INBOX_FILTER_ALL);
  list.set_page_size(101);
  status = inbox_->ListNotifications(As(user).get(), list, &listed);
  EXPECT_EQ(status.error_message().rfind("page_size:", 0), 0u) << status.error_message();
  list.set_page_size(0);
  list.set_page_token("forged");
  status = inbox_->ListNotifications(As(user).get(), list, &listed);
  EXPECT_EQ(status.error_message().rfind("page_token:", 0), 0u) << status.error_message();
  v1::MarkAllReadRequest all;
  all.set_category("UPPER");
  v1::MarkAllReadResponse marked;
  status = inbox_->MarkAllRead(As(user).get(), all, &marked);
  EXPECT_EQ(status.error_message().rfind("category:", 0), 0u) << status.error_message();
}

TEST_F(InboxHandlerTest, AThousandRecipientsAreOneFastTransaction) {
  // 1,000 users with one token each, made in SQL (set-up, not under test).
  std::vector<std::string> users;
  for (int i = 0; i < 1000; ++i) users.push_back(NewUser());
  std::string array = "{";
  for (size_t i = 0; i < users.size(); ++i) absl::StrAppend(&array, i ? "," : "", users[i]);
  array += "}";
  QueryPrimary(kDatabase,
               "INSERT INTO push_tokens (user_id, app_id, device_id, platform, token) "
               "SELECT u, 'com.example.game', u::text, 'fcm', 'tok-' || u::text "
               "FROM unnest($1::uuid[]) AS u",
               array);
  v1::SendNotificationRequest request;
  for (const std::string& user : users) request.add_recipient_user_ids(user);
  request.set_category("season_start");
  request.set_title("Season 3 has begun");
  v1::SendNotificationResponse sent;
  const absl::Time start = absl::Now();
  grpc::Status status = inbox_->SendNotification(As(kSystem).get(), request, &sent);
  const absl::Duration took = absl::Now() - start;
  ASSERT_TRUE(status.ok()) << status.error_message();
  std::cout << "SendNotification to 1,000 recipients (1,000 tokens): " << took << "\n";
  EXPECT_LT(took, absl::Seconds(2));
  ASSERT_EQ(sent.notifications_size(), 1000);
  int queued = 0;
  for (const v1::SentNotification& n : sent.notifications()) queued += n.deliveries_queued();
  EXPECT_EQ(queued, 1000);
  EXPECT_EQ(Count("SELECT count(*) FROM notification_logs WHERE user_id = ANY($1::uuid[])", array),
            1000);
  EXPECT_EQ(Count("SELECT count(*) FROM deliveries WHERE user_id = ANY($1::uuid[]) "
                  "AND state = 'queued'",
                  array),
            1000);
}

TEST_F(InboxHandlerTest, PagingNeitherSkipsNorRepeatsWhileNewNotificationsArrive) {
  const std::string user = NewUser();
  std::vector<std::string> sent;  // oldest first
  for (int i = 0; i < 23; ++i) sent.push_back(Only(Send(kSystem, {user}, "news", absl::StrCat(i))));
  ASSERT_TRUE(Eventually([&] { return Unread(user).total() == 23; }));
  std::vector<std::string> paged;
  std::string token;
  int pages = 0;
  do {
    v1::ListNotificationsResponse page = ListPage(user, v1::INBOX_FILTER_ALL, 5, token);
    for (const v1::Notification& n : page.notifications()) paged.push_back(n.id());
    token = page.next_page_token();
    ++pages;
    // Newer notifications land before the cursor: they do not shift the pages.
    Send(kSystem, {user}, "news", "late");
  } while (!token.empty());
  EXPECT_EQ(pages, 5);
  std::vector<std::string> expected(sent.rbegin(), sent.rend());
  EXPECT_EQ(paged, expected);
  // A token belongs to its filter.
  v1::ListNotificationsResponse first = ListPage(user, v1::INBOX_FILTER_ALL, 5);
  v1::ListNotificationsRequest other;
  other.set_filter(v1::INBOX_FILTER_UNREAD);
  other.set_page_token(first.next_page_token());
  v1::ListNotificationsResponse response;
  EXPECT_EQ(inbox_->ListNotifications(As(user).get(), other, &response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  // ... and to its user.
  other.set_filter(v1::INBOX_FILTER_ALL);
  EXPECT_EQ(inbox_->ListNotifications(As(NewUser()).get(), other, &response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(InboxHandlerTest, SeenReadArchivedAndDeletedTransitions) {
  const std::string user = NewUser();
  const std::string a = Only(Send(kSystem, {user}, "news", "a"));
  const std::string b = Only(Send(kSystem, {user}, "news", "b"));
  const std::string c = Only(Send(kSystem, {user}, "news", "c"));

  // Seen: seen_at set once, read untouched.
  v1::Notification seen = MarkOne(&v1::InboxService::Stub::MarkSeen, user, a);
  ASSERT_TRUE(seen.has_seen_at());
  EXPECT_FALSE(seen.has_read_at());
  v1::Notification seen_again = MarkOne(&v1::InboxService::Stub::MarkSeen, user, a);
  EXPECT_EQ(Micros(seen_again.seen_at()), Micros(seen.seen_at()));
  // Read: read_at set, and seen too when it was not.
  v1::Notification read = MarkOne(&v1::InboxService::Stub::MarkRead, user, b);
  ASSERT_TRUE(read.has_read_at());
  EXPECT_TRUE(read.has_seen_at());
  v1::Notification read_a = MarkOne(&v1::InboxService::Stub::MarkRead, user, a);
  EXPECT_EQ(Micros(read_a.seen_at()), Micros(seen.seen_at()));
  // Unread: read_at cleared, seen kept.
  v1::Notification unread = MarkOne(&v1::InboxService::Stub::MarkUnread, user, a);
  EXPECT_FALSE(unread.has_read_at());
  EXPECT_EQ(Micros(unread.seen_at()), Micros(seen.seen_at()));
  // Archive c: no longer unread or unseen.
  v1::Notification archived = MarkOne(&v1::InboxService::Stub::Archive, user, c);
  EXPECT_TRUE(archived.has_archived_at());

  // a: seen, unread. b: seen, read. c: archived (unseen, unread).
  const std::vector<std::string> all = {c, b, a};
  ASSERT_TRUE(Eventually([&] { return Ids(user, v1::INBOX_FILTER_ARCHIVED).size() == 1; }));
  EXPECT_EQ(Ids(user, v1::INBOX_FILTER_ALL), all);
  EXPECT_EQ(Ids(user, v1::INBOX_FILTER_UNSPECIFIED), all);
  EXPECT_EQ(Ids(user, v1::INBOX_FILTER_UNREAD), std::vector<std::string>{a});
  EXPECT_EQ(Ids(user, v1::INBOX_FILTER_UNSEEN), std::vector<std::string>{});
  EXPECT_EQ(Ids(user, v1::INBOX_FILTER_ARCHIVED), std::vector<std::string>{c});

  // One id that is not the caller's: NOT_FOUND naming it, nothing changed.
  const std::string strangers = Only(Send(kSystem, {NewUser()}, "news"));
  v1::MarkNotificationsResponse response;
  grpc::Status status = Mark(&v1::InboxService::Stub::MarkRead, user, {a, strangers}, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_NE(status.error_message().find(strangers), std::string::npos) << status.error_message();
  EXPECT_EQ(Count("SELECT count(*) FROM notification_logs WHERE id = $1 AND read_at IS NULL", a),
            1);
  status = Mark(&v1::InboxService::Stub::MarkSeen, user, {"nope"}, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  status = Mark(&v1::InboxService::Stub::MarkSeen, user, {}, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  std::vector<std::string> too_many;
  for (int i = 0; i < 101; ++i) too_many.push_back(NewUser());
  status = Mark(&v1::InboxService::Stub::Archive, user, too_many, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message().rfind("notification_ids:", 0), 0u);

  // Delete: gone from every listing, NOT_FOUND from then on.
  v1::MarkNotificationsRequest remove;
  remove.add_notification_ids(b);
  v1::DeleteNotificationsResponse deleted;
  ASSERT_TRUE(inbox_->Delete(As(user).get(), remove, &deleted).ok());
  EXPECT_EQ(deleted.notification_ids(0), b);
  EXPECT_EQ(inbox_->Delete(As(user).get(), remove, &deleted).error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Mark(&v1::InboxService::Stub::MarkUnread, user, {b}, &response).error_code(),
            grpc::StatusCode::NOT_FOUND);
  ASSERT_TRUE(Eventually([&] { return Ids(user, v1::INBOX_FILTER_ALL).size() == 2; }));
  EXPECT_EQ(Ids(user, v1::INBOX_FILTER_ALL), (std::vector<std::string>{c, a}));
}

TEST_F(InboxHandlerTest, UnreadCountsByCategoryAndMarkAllRead) {
  const std::string user = NewUser();
  std::vector<std::string> quests, friends;
  for (int i = 0; i < 3; ++i) quests.push_back(Only(Send(kSystem, {user}, "quest")));
  for (int i = 0; i < 2; ++i) friends.push_back(Only(Send(kSystem, {user}, "friend")));
  Send(kSystem, {user}, "guild");
  MarkOne(&v1::InboxService::Stub::MarkRead, user, quests[0]);
  MarkOne(&v1::InboxService::Stub::Archive, user, friends[0]);
  v1::GetUnreadCountResponse counts;
  // The replica replays the six sends and two marks in order, so an earlier state can also
  // total 4 (three quests and a friend, before the guild one): wait for the whole final state.
  const std::map<std::string, int64_t> expected = {{"quest", 2}, {"friend", 1}, {"guild", 1}};
  ASSERT_TRUE(Eventually([&] {
    counts = Unread(user);
    return counts.total() == 4 &&
           std::map<std::string, int64_t>(counts.by_category().begin(),
                                          counts.by_category().end()) == expected;
  })) << counts.DebugString();

  v1::MarkAllReadRequest request;
  request.set_category("quest");
  v1::MarkAllReadResponse marked;
  ASSERT_TRUE(inbox_->MarkAllRead(As(user).get(), request, &marked).ok());
  EXPECT_EQ(marked.marked(), 2);
  ASSERT_TRUE(Eventually([&] {
    counts = Unread(user);
    return counts.total() == 2;
  }));
  EXPECT_EQ(counts.by_category().count("quest"), 0u);
  request.clear_category();
  ASSERT_TRUE(inbox_->MarkAllRead(As(user).get(), request, &marked).ok());
  EXPECT_EQ(marked.marked(), 2);
  ASSERT_TRUE(Eventually([&] { return Unread(user).total() == 0; }));
  EXPECT_TRUE(Unread(user).by_category().empty());
  // Read by MarkAllRead means seen too.
  EXPECT_EQ(Count("SELECT count(*) FROM notification_logs WHERE user_id = $1 AND seen_at IS NULL "
                  "AND archived_at IS NULL",
                  user),
            0);
  // Another user's counts are their own.
  EXPECT_EQ(Unread(NewUser()).total(), 0);
}

TEST_F(InboxHandlerTest, MutedPushIsLoggedButNotPushedAndMutedInboxIsPushedButHidden) {
  const std::string user = NewUser();
  Register(user, "phone", NewFcmToken());
  v1::SetPreferencesRequest preferences;
  v1::CategoryPreference* promo = preferences.add_categories();
  promo->set_category("promo");
  promo->set_push_muted(true);
  v1::CategoryPreference* digest = preferences.add_categories();
  digest->set_category("digest");
  digest->set_inbox_muted(true);
  SetPreferences(user, preferences);

  v1::SendNotificationResponse promo_sent = Send(kSystem, {user}, "promo");
  EXPECT_EQ(promo_sent.notifications(0).deliveries_muted(), 1);
  EXPECT_EQ(promo_sent.notifications(0).deliveries_queued(), 0);
  EXPECT_TRUE(promo_sent.notifications(0).in_inbox());
  EXPECT_EQ(DeliveryStates(Only(promo_sent)), std::vector<std::string>{"muted"});
  EXPECT_TRUE(QueryPrimary(kDatabase,
                           "SELECT finished_at IS NOT NULL FROM deliveries "
                           "WHERE notification_log_id = $1",
                           Only(promo_sent))[0][0]
                  .as<bool>());

  v1::SendNotificationResponse digest_sent = Send(kSystem, {user}, "digest");
  EXPECT_FALSE(digest_sent.notifications(0).in_inbox());
  EXPECT_EQ(DeliveryStates(Only(digest_sent)), std::vector<std::string>{"queued"});

  // Another category is untouched.
  v1::SendNotificationResponse other = Send(kSystem, {user}, "quest");
  EXPECT_EQ(other.notifications(0).deliveries_queued(), 1);

  // The inbox: promo (with its muted delivery) and quest, never digest.
  ASSERT_TRUE(Eventually([&] { return Ids(user, v1::INBOX_FILTER_ALL).size() == 2; }));
  v1::ListNotificationsResponse listed = ListPage(user, v1::INBOX_FILTER_ALL, 10);
  EXPECT_EQ(listed.notifications(0).id(), Only(other));
  EXPECT_EQ(listed.notifications(1).id(), Only(promo_sent));
  EXPECT_EQ(listed.notifications(1).deliveries().muted(), 1);
  EXPECT_EQ(Unread(user).total(), 2);
  v1::MarkNotificationsResponse response;
  EXPECT_EQ(
      Mark(&v1::InboxService::Stub::MarkRead, user, {Only(digest_sent)}, &response).error_code(),
      grpc::StatusCode::NOT_FOUND);
}

// A window of local time in `zone` around now: from `before` minutes ago to
// `after` minutes ahead (both within the day's wrap).
v1::QuietHours WindowAroundNow(const std::string& zone_name, const std::string& stored_zone,
                               int before, int after) {
  absl::TimeZone zone;
  EXPECT_TRUE(absl::LoadTimeZone(zone_name, &zone));
  const absl::CivilMinute local = absl::ToCivilMinute(absl::Now(), zone);
  const int minute = local.hour() * 60 + local.minute();
  v1::QuietHours quiet;
  quiet.set_start_minute((minute - before + 1440) % 1440);
  quiet.set_end_minute((minute + after) % 1440);
  quiet.set_time_zone(stored_zone);
  return quiet;
}

TEST_F(InboxHandlerTest, QuietHoursHoldThePushUntilTheyEndInTheUsersZone) {
  const std::string user = NewUser();
  Register(user, "phone", NewFcmToken());
  // Kolkata is UTC+5:30: were the window read in UTC, now would be outside.
  // `before` is read first: the window's minute is then never before its.
  const absl::Time before = absl::Now();
  v1::SetPreferencesRequest preferences;
  *preferences.mutable_quiet_hours() = WindowAroundNow("Asia/Kolkata", "Asia/Kolkata", 30, 90);
  SetPreferences(user, preferences);
  v1::SendNotificationResponse sent = Send(kSystem, {user}, "quest");
  EXPECT_EQ(sent.notifications(0).deliveries_held_for_quiet_hours(), 1);
  EXPECT_EQ(sent.notifications(0).deliveries_queued(), 0);
  EXPECT_TRUE(sent.notifications(0).in_inbox());
  // Queued, due at the window's end: 90 minutes after the minute of `before`
  // (allowing for a minute boundary between the two clocks), on the minute.
  pqxx::result row = QueryPrimary(
      kDatabase,
      "SELECT state, (extract(epoch FROM next_attempt_at) * 1000000)::bigint FROM deliveries "
      "WHERE notification_log_id = $1",
      Only(sent));
  EXPECT_EQ(row[0][0].as<std::string>(), "queued");
  const absl::Time due = absl::FromUnixMicros(row[0][1].as<int64_t>());
  const absl::Time expected =
      absl::FromCivil(absl::ToCivilMinute(before, absl::UTCTimeZone()), absl::UTCTimeZone()) +
      absl::Minutes(90);
  EXPECT_GE(due, expected) << due;
  EXPECT_LE(due, expected + absl::Minutes(1)) << due;
  EXPECT_EQ(absl::ToUnixSeconds(due) % 60, 0);
  // The inbox is not affected.
  ASSERT_TRUE(Eventually([&] { return Unread(user).total() == 1; }));

  // Quiet hours that outlast the time to live expire the push at once.
  v1::SendNotificationRequest short_lived;
  short_lived.add_recipient_user_ids(user);
  short_lived.set_category("quest");
  short_lived.set_title("Hurry");
  short_lived.set_time_to_live_seconds(60);
  v1::SendNotificationResponse expired;
  ASSERT_TRUE(inbox_->SendNotification(As(kSystem).get(), short_lived, &expired).ok());
  EXPECT_EQ(expired.notifications(0).deliveries_expired(), 1);
  EXPECT_EQ(DeliveryStates(Only(expired)), std::vector<std::string>{"expired"});
}

TEST_F(InboxHandlerTest, QuietHoursWithoutAZoneUseTheDevicesZone) {
  const std::string user = NewUser();
  Register(user, "kolkata-phone", NewFcmToken(), "Asia/Kolkata");
  Register(user, "utc-phone", NewFcmToken(), "");
  // A window around now in Kolkata, stored without a zone.
  v1::SetPreferencesRequest preferences;
  *preferences.mutable_quiet_hours() = WindowAroundNow("Asia/Kolkata", "", 30, 90);
  SetPreferences(user, preferences);
  v1::SendNotificationResponse sent = Send(kSystem, {user}, "quest");
  // The Kolkata device is held; the device of unknown zone (UTC, 5:30
  // behind: outside the window) is not.
  EXPECT_EQ(sent.notifications(0).deliveries_held_for_quiet_hours(), 1);
  EXPECT_EQ(sent.notifications(0).deliveries_queued(), 1);
}

TEST_F(InboxHandlerTest, CriticalCategoriesIgnoreOptOutsAndQuietHours) {
  const std::string user = NewUser();
  Register(user, "phone", NewFcmToken());
  v1::SetPreferencesRequest preferences;
  v1::CategoryPreference* security = preferences.add_categories();
  security->set_category("security");  // critical on the shared server
  security->set_inbox_muted(true);
  security->set_push_muted(true);
  *preferences.mutable_quiet_hours() = WindowAroundNow("UTC", "UTC", 60, 120);
  SetPreferences(user, preferences);
  v1::SendNotificationResponse sent = Send(kSystem, {user}, "security");
  EXPECT_TRUE(sent.notifications(0).in_inbox());
  EXPECT_EQ(sent.notifications(0).deliveries_queued(), 1);
  EXPECT_TRUE(QueryPrimary(kDatabase,
                           "SELECT next_attempt_at <= clock_timestamp() FROM deliveries "
                           "WHERE notification_log_id = $1",
                           Only(sent))[0][0]
                  .as<bool>());
  // The same preferences on an ordinary category do hold it.
  security->set_category("login_reminder");
  SetPreferences(user, preferences);
  v1::SendNotificationResponse ordinary = Send(kSystem, {user}, "login_reminder");
  EXPECT_FALSE(ordinary.notifications(0).in_inbox());
  EXPECT_EQ(ordinary.notifications(0).deliveries_muted(), 1);
}

TEST_F(InboxHandlerTest, OnlyTheSystemMaySendInACriticalCategory) {
  const std::string user = NewUser();
  Register(user, "phone", NewFcmToken());
  v1::SendNotificationRequest request;
  request.add_recipient_user_ids(user);
  request.set_category("security");  // critical on the shared server
  request.set_title("Your password was changed");
  v1::SendNotificationResponse response;
  grpc::Status status = inbox_->SendNotification(As(NewUser()).get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED) << status.error_message();
  EXPECT_NE(status.error_message().find("\"security\""), std::string::npos)
      << status.error_message();
  EXPECT_EQ(Count("SELECT count(*) FROM notification_logs WHERE user_id = $1", user), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM deliveries WHERE user_id = $1", user), 0);
  // The same request from the system goes through.
  EXPECT_EQ(Only(Send(kSystem, {user}, "security")).size(), 36u);
}

// A server of its own, on a database of its own, that prunes every 200 ms.
class RetentionTest : public InboxHandlerTest {};

TEST_F(RetentionTest, OldNotificationsArePrunedWithTheirFinishedDeliveries) {
  const std::map<std::string, std::string> prune_often = {
      {"NOTIFICATION_PRUNE_INTERVAL_MS", "200"}};
  OwnServer own(prune_often);
  ServiceProcess* pruning = &own.process();
  const std::string user = NewUser();
  Register(user, "phone", NewFcmToken());
  const std::string finished = Only(Send(kSystem, {user}, "news", "finished"));
  const std::string unfinished = Only(Send(kSystem, {user}, "news", "unfinished"));
  const std::string recent = Only(Send(kSystem, {user}, "news", "recent"));
  QueryPrimary(database(),
               "UPDATE deliveries SET state = 'sent', finished_at = now() "
               "WHERE notification_log_id = $1",
               finished);
  // 91 days old (RETENTION_DAYS is 90 by default), and 89.
  QueryPrimary(database(),
               "UPDATE notification_logs SET created_at = now() - interval '91 days' "
               "WHERE id = $1 OR id = $2",
               finished, unfinished);
  QueryPrimary(database(),
               "UPDATE notification_logs SET created_at = now() - interval '89 days' WHERE id = $1",
               recent);
  ASSERT_TRUE(Eventually([&] {
    return Count("SELECT count(*) FROM notification_logs WHERE id = $1", finished) == 0;
  })) << pruning->Log();
  EXPECT_EQ(Count("SELECT count(*) FROM deliveries WHERE notification_log_id = $1", finished), 0);
  // A notification whose push has not finished waits for it.
  EXPECT_EQ(Count("SELECT count(*) FROM notification_logs WHERE id = $1", unfinished), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM notification_logs WHERE id = $1", recent), 1);
  ASSERT_TRUE(Eventually([&] {
    return pruning->Log().find("pruned 1 notifications past retention") != std::string::npos;
  })) << pruning->Log();
}

}  // namespace
}  // namespace qs::testing
