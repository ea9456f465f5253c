// social.v1.FriendService against the real social binary: every RPC's happy
// path and errors, the pair's state machine exhaustively, concurrent mutual
// requests, the limit, expiry, mutual friends and suggestions, checked in
// SQL on the primary as well as through the API.
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/api/uuid.h"
#include "common/db/row_mapping.h"
#include "gtest/gtest.h"
#include "proto/social/v1/events.pb.h"
#include "tests/social/social_server_fixture.h"
#include "tests/support/start_barrier.h"

namespace qs::testing {
namespace {

namespace v1 = ::social::v1;

enum class Action { kSend, kAccept, kDecline, kCancel, kRemove, kBlock, kUnblock };
constexpr Action kActions[] = {Action::kSend,   Action::kAccept, Action::kDecline, Action::kCancel,
                               Action::kRemove, Action::kBlock,  Action::kUnblock};

const char* NameOf(Action action) {
  switch (action) {
    case Action::kSend:
      return "Send";
    case Action::kAccept:
      return "Accept";
    case Action::kDecline:
      return "Decline";
    case Action::kCancel:
      return "Cancel";
    case Action::kRemove:
      return "Remove";
    case Action::kBlock:
      return "Block";
    case Action::kUnblock:
      return "Unblock";
  }
  return "?";
}

struct Outcome {
  grpc::StatusCode code;
  std::string message;
  v1::Friendship friendship;
};

// One mutation by `actor` about `other` through `stub`.
Outcome Act(v1::FriendService::Stub& stub, Action action, const std::string& actor,
            const std::string& other, const std::string& request_id = "") {
  auto context = ServiceFixture::As(actor);
  Outcome outcome;
  grpc::Status status;
  switch (action) {
    case Action::kSend: {
      v1::SendFriendRequestRequest request;
      request.set_user_id(other);
      request.set_request_id(request_id);
      status = stub.SendFriendRequest(context.get(), request, &outcome.friendship);
      break;
    }
    case Action::kAccept: {
      v1::AcceptFriendRequestRequest request;
      request.set_user_id(other);
      request.set_request_id(request_id);
      status = stub.AcceptFriendRequest(context.get(), request, &outcome.friendship);
      break;
    }
    case Action::kDecline: {
      v1::DeclineFriendRequestRequest request;
      request.set_user_id(other);
      request.set_request_id(request_id);
      status = stub.DeclineFriendRequest(context.get(), request, &outcome.friendship);
      break;
    }
    case Action::kCancel: {
      v1::CancelFriendRequestRequest request;
      request.set_user_id(other);
      request.set_request_id(request_id);
      status = stub.CancelFriendRequest(context.get(), request, &outcome.friendship);
      break;
    }
    case Action::kRemove: {
      v1::RemoveFriendRequest request;
      request.set_user_id(other);
      request.set_request_id(request_id);
      status = stub.RemoveFriend(context.get(), request, &outcome.friendship);
      break;
    }
    case Action::kBlock: {
      v1::BlockUserRequest request;
      request.set_user_id(other);
      request.set_request_id(request_id);
      status = stub.BlockUser(context.get(), request, &outcome.friendship);
      break;
    }
    case Action::kUnblock: {
      v1::UnblockUserRequest request;
      request.set_user_id(other);
      request.set_request_id(request_id);
      status = stub.UnblockUser(context.get(), request, &outcome.friendship);
      break;
    }
  }
  outcome.code = status.error_code();
  outcome.message = status.error_message();
  return outcome;
}

v1::Friendship Get(v1::FriendService::Stub& stub, const std::string& caller,
                   const std::string& other) {
  v1::GetFriendshipRequest request;
  request.set_user_id(other);
  v1::Friendship friendship;
  grpc::Status status = stub.GetFriendship(ServiceFixture::As(caller).get(), request, &friendship);
  EXPECT_TRUE(status.ok()) << status.error_message();
  return friendship;
}

std::string NewUser() { return api::NewUuidV4(); }

// The states of a pair (a, b) the state machine test starts from and ends in.
enum class Pair { kNone, kARequestedB, kBRequestedA, kFriends, kABlocksB, kBBlocksA, kBothBlock };
constexpr Pair kPairs[] = {Pair::kNone,     Pair::kARequestedB, Pair::kBRequestedA, Pair::kFriends,
                           Pair::kABlocksB, Pair::kBBlocksA,    Pair::kBothBlock};

const char* NameOf(Pair pair) {
  switch (pair) {
    case Pair::kNone:
      return "none";
    case Pair::kARequestedB:
      return "A requested B";
    case Pair::kBRequestedA:
      return "B requested A";
    case Pair::kFriends:
      return "friends";
    case Pair::kABlocksB:
      return "A blocks B";
    case Pair::kBBlocksA:
      return "B blocks A";
    case Pair::kBothBlock:
      return "both block";
  }
  return "?";
}

// The same pair with the roles of A and B swapped.
Pair Mirror(Pair pair) {
  switch (pair) {
    case Pair::kARequestedB:
      return Pair::kBRequestedA;
    case Pair::kBRequestedA:
      return Pair::kARequestedB;
    case Pair::kABlocksB:
      return Pair::kBBlocksA;
    case Pair::kBBlocksA:
      return Pair::kABlocksB;
    default:
      return pair;
  }
}

// What `a` and `b` see of the pair in state `pair`: (state, blocked_by_other).
std::pair<std::pair<v1::FriendshipState, bool>, std::pair<v1::FriendshipState, bool>> ViewsOf(
    Pair pair) {
  using S = std::pair<v1::FriendshipState, bool>;
  switch (pair) {
    case Pair::kNone:
      return {S{v1::FRIENDSHIP_STATE_NONE, false}, S{v1::FRIENDSHIP_STATE_NONE, false}};
    case Pair::kARequestedB:
      return {S{v1::FRIENDSHIP_STATE_REQUEST_SENT, false},
              S{v1::FRIENDSHIP_STATE_REQUEST_RECEIVED, false}};
    case Pair::kBRequestedA:
      return {S{v1::FRIENDSHIP_STATE_REQUEST_RECEIVED, false},
              S{v1::FRIENDSHIP_STATE_REQUEST_SENT, false}};
    case Pair::kFriends:
      return {S{v1::FRIENDSHIP_STATE_FRIENDS, false}, S{v1::FRIENDSHIP_STATE_FRIENDS, false}};
    case Pair::kABlocksB:
      return {S{v1::FRIENDSHIP_STATE_BLOCKED, false},
              S{v1::FRIENDSHIP_STATE_BLOCKED_BY_OTHER, true}};
    case Pair::kBBlocksA:
      return {S{v1::FRIENDSHIP_STATE_BLOCKED_BY_OTHER, true},
              S{v1::FRIENDSHIP_STATE_BLOCKED, false}};
    case Pair::kBothBlock:
      return {S{v1::FRIENDSHIP_STATE_BLOCKED, true}, S{v1::FRIENDSHIP_STATE_BLOCKED, true}};
  }
  return {};
}

// The specification, for an action by A (B's actions follow by Mirror):
// start state, action, status code, state after.
struct Transition {
  Pair start;
  Action action;
  grpc::StatusCode code;
  Pair after;
};

constexpr grpc::StatusCode OK = grpc::StatusCode::OK;
constexpr grpc::StatusCode NF = grpc::StatusCode::NOT_FOUND;
constexpr grpc::StatusCode AE = grpc::StatusCode::ALREADY_EXISTS;
constexpr grpc::StatusCode FP = grpc::StatusCode::FAILED_PRECONDITION;

const std::vector<Transition>& TransitionsByA() {
  static const auto* table = new std::vector<Transition>{
      {Pair::kNone, Action::kSend, OK, Pair::kARequestedB},
      {Pair::kNone, Action::kAccept, NF, Pair::kNone},
      {Pair::kNone, Action::kDecline, NF, Pair::kNone},
      {Pair::kNone, Action::kCancel, NF, Pair::kNone},
      {Pair::kNone, Action::kRemove, NF, Pair::kNone},
      {Pair::kNone, Action::kBlock, OK, Pair::kABlocksB},
      {Pair::kNone, Action::kUnblock, NF, Pair::kNone},

      {Pair::kARequestedB, Action::kSend, AE, Pair::kARequestedB},
      {Pair::kARequestedB, Action::kAccept, NF, Pair::kARequestedB},
      {Pair::kARequestedB, Action::kDecline, NF, Pair::kARequestedB},
      {Pair::kARequestedB, Action::kCancel, OK, Pair::kNone},
      {Pair::kARequestedB, Action::kRemove, NF, Pair::kARequestedB},
      {Pair::kARequestedB, Action::kBlock, OK, Pair::kABlocksB},
      {Pair::kARequestedB, Action::kUnblock, NF, Pair::kARequestedB},

      {Pair::kBRequestedA, Action::kSend, OK, Pair::kFriends},
      {Pair::kBRequestedA, Action::kAccept, OK, Pair::kFriends},
      {Pair::kBRequestedA, Action::kDecline, OK, Pair::kNone},
      {Pair::kBRequestedA, Action::kCancel, NF, Pair::kBRequestedA},
      {Pair::kBRequestedA, Action::kRemove, NF, Pair::kBRequestedA},
      {Pair::kBRequestedA, Action::kBlock, OK, Pair::kABlocksB},
      {Pair::kBRequestedA, Action::kUnblock, NF, Pair::kBRequestedA},

      {Pair::kFriends, Action::kSend, AE, Pair::kFriends},
      {Pair::kFriends, Action::kAccept, NF, Pair::kFriends},
      {Pair::kFriends, Action::kDecline, NF, Pair::kFriends},
      {Pair::kFriends, Action::kCancel, NF, Pair::kFriends},
      {Pair::kFriends, Action::kRemove, OK, Pair::kNone},
      {Pair::kFriends, Action::kBlock, OK, Pair::kABlocksB},
      {Pair::kFriends, Action::kUnblock, NF, Pair::kFriends},

      {Pair::kABlocksB, Action::kSend, FP, Pair::kABlocksB},
      {Pair::kABlocksB, Action::kAccept, NF, Pair::kABlocksB},
      {Pair::kABlocksB, Action::kDecline, NF, Pair::kABlocksB},
      {Pair::kABlocksB, Action::kCancel, NF, Pair::kABlocksB},
      {Pair::kABlocksB, Action::kRemove, NF, Pair::kABlocksB},
      {Pair::kABlocksB, Action::kBlock, AE, Pair::kABlocksB},
      {Pair::kABlocksB, Action::kUnblock, OK, Pair::kNone},

      {Pair::kBBlocksA, Action::kSend, FP, Pair::kBBlocksA},
      {Pair::kBBlocksA, Action::kAccept, NF, Pair::kBBlocksA},
      {Pair::kBBlocksA, Action::kDecline, NF, Pair::kBBlocksA},
      {Pair::kBBlocksA, Action::kCancel, NF, Pair::kBBlocksA},
      {Pair::kBBlocksA, Action::kRemove, NF, Pair::kBBlocksA},
      {Pair::kBBlocksA, Action::kBlock, OK, Pair::kBothBlock},
      {Pair::kBBlocksA, Action::kUnblock, NF, Pair::kBBlocksA},

      {Pair::kBothBlock, Action::kSend, FP, Pair::kBothBlock},
      {Pair::kBothBlock, Action::kAccept, NF, Pair::kBothBlock},
      {Pair::kBothBlock, Action::kDecline, NF, Pair::kBothBlock},
      {Pair::kBothBlock, Action::kCancel, NF, Pair::kBothBlock},
      {Pair::kBothBlock, Action::kRemove, NF, Pair::kBothBlock},
      {Pair::kBothBlock, Action::kBlock, AE, Pair::kBothBlock},
      {Pair::kBothBlock, Action::kUnblock, OK, Pair::kBBlocksA},
  };
  return *table;
}

class FriendHandlerTest : public SocialServerFixture {
 protected:
  static v1::FriendService::Stub& stub() { return *friends_; }

  static void Ok(Action action, const std::string& actor, const std::string& other) {
    Outcome outcome = Act(stub(), action, actor, other);
    ASSERT_EQ(outcome.code, grpc::StatusCode::OK) << NameOf(action) << ": " << outcome.message;
  }

  static void MakeFriends(const std::string& a, const std::string& b) {
    Ok(Action::kSend, a, b);
    Ok(Action::kAccept, b, a);
  }

  // Brings the fresh pair (a, b) into `pair` through the API.
  static void Arrange(Pair pair, const std::string& a, const std::string& b) {
    switch (pair) {
      case Pair::kNone:
        return;
      case Pair::kARequestedB:
        return Ok(Action::kSend, a, b);
      case Pair::kBRequestedA:
        return Ok(Action::kSend, b, a);
      case Pair::kFriends:
        return MakeFriends(a, b);
      case Pair::kABlocksB:
        return Ok(Action::kBlock, a, b);
      case Pair::kBBlocksA:
        return Ok(Action::kBlock, b, a);
      case Pair::kBothBlock:
        Ok(Action::kBlock, a, b);
        return Ok(Action::kBlock, b, a);
    }
  }

  static int64_t Count(const std::string& sql, const std::string& a, const std::string& b) {
    return QueryPrimary(kDatabase, sql, a, b)[0][0].as<int64_t>();
  }

  // The rows of the pair in SQL agree with `pair` (two friendship rows or
  // none, at most one pending request, blocks as stated).
  static void ExpectRows(Pair pair, const std::string& a, const std::string& b) {
    const bool friends = pair == Pair::kFriends;
    EXPECT_EQ(Count("SELECT count(*) FROM friendships WHERE (user_id = $1 AND friend_id = $2) "
                    "OR (user_id = $2 AND friend_id = $1)",
                    a, b),
              friends ? 2 : 0);
    EXPECT_EQ(Count("SELECT count(*) FROM friend_requests WHERE requester_id = $1 "
                    "AND recipient_id = $2",
                    a, b),
              pair == Pair::kARequestedB ? 1 : 0);
    EXPECT_EQ(Count("SELECT count(*) FROM friend_requests WHERE requester_id = $1 "
                    "AND recipient_id = $2",
                    b, a),
              pair == Pair::kBRequestedA ? 1 : 0);
    EXPECT_EQ(
        Count("SELECT count(*) FROM user_blocks WHERE blocker_id = $1 AND blocked_id = $2", a, b),
        (pair == Pair::kABlocksB || pair == Pair::kBothBlock) ? 1 : 0);
    EXPECT_EQ(
        Count("SELECT count(*) FROM user_blocks WHERE blocker_id = $1 AND blocked_id = $2", b, a),
        (pair == Pair::kBBlocksA || pair == Pair::kBothBlock) ? 1 : 0);
  }

  static void ExpectViews(Pair pair, const std::string& a, const std::string& b,
                          const std::string& where) {
    const auto [a_view, b_view] = ViewsOf(pair);
    v1::Friendship from_a = Get(stub(), a, b);
    v1::Friendship from_b = Get(stub(), b, a);
    EXPECT_EQ(from_a.state(), a_view.first) << where << " (seen by A)";
    EXPECT_EQ(from_a.blocked_by_other(), a_view.second) << where << " (seen by A)";
    EXPECT_EQ(from_b.state(), b_view.first) << where << " (seen by B)";
    EXPECT_EQ(from_b.blocked_by_other(), b_view.second) << where << " (seen by B)";
    EXPECT_EQ(from_a.pair_id(), from_b.pair_id()) << where;
    EXPECT_EQ(from_a.user_id(), b);
  }

  static std::vector<std::string> History(const std::string& a, const std::string& b) {
    std::vector<std::string> actions;
    for (const auto& row : QueryPrimary(
             kDatabase,
             "SELECT actor_id::text || ' ' || action FROM friendship_events "
             "WHERE (actor_id = $1 AND subject_id = $2) OR (actor_id = $2 AND subject_id = $1) "
             "ORDER BY created_at, id",
             a, b)) {
      actions.push_back(row[0].as<std::string>());
    }
    return actions;
  }
};

TEST_F(FriendHandlerTest, StateMachineEveryStartEveryActionEitherSide) {
  int cases = 0;
  for (const Transition& t : TransitionsByA()) {
    for (const bool by_b : {false, true}) {
      const std::string a = NewUser();
      const std::string b = NewUser();
      // B acting on the mirrored state is A acting on `t.start`.
      const Pair start = by_b ? Mirror(t.start) : t.start;
      const Pair after = by_b ? Mirror(t.after) : t.after;
      const std::string where =
          absl::StrCat("start: ", NameOf(start), ", ", NameOf(t.action), " by ", by_b ? "B" : "A");
      Arrange(start, a, b);
      ExpectViews(start, a, b, where + " (arranged)");
      Outcome outcome = Act(stub(), t.action, by_b ? b : a, by_b ? a : b);
      EXPECT_EQ(outcome.code, t.code) << where << ": " << outcome.message;
      if (outcome.code != grpc::StatusCode::OK) {
        EXPECT_FALSE(outcome.message.empty()) << where;
      } else {
        EXPECT_EQ(outcome.friendship.state(),
                  by_b ? ViewsOf(after).second.first : ViewsOf(after).first.first)
            << where << ": the response shows the pair after the change";
      }
      ExpectViews(after, a, b, where);
      ExpectRows(after, a, b);
      ++cases;
    }
  }
  EXPECT_EQ(cases, 7 * 7 * 2);
}

TEST_F(FriendHandlerTest, BadInputIsRejectedNamingTheField) {
  const std::string a = NewUser();
  for (Action action : kActions) {
    Outcome self = Act(stub(), action, a, a);
    EXPECT_EQ(self.code, grpc::StatusCode::INVALID_ARGUMENT) << NameOf(action);
    EXPECT_EQ(self.message.rfind("user_id:", 0), 0u) << self.message;
    Outcome bad = Act(stub(), action, a, "not-a-uuid");
    EXPECT_EQ(bad.code, grpc::StatusCode::INVALID_ARGUMENT) << NameOf(action);
    EXPECT_EQ(bad.message.rfind("user_id:", 0), 0u) << bad.message;
    Outcome anonymous = Act(stub(), action, "", NewUser());
    EXPECT_EQ(anonymous.code, grpc::StatusCode::UNAUTHENTICATED) << NameOf(action);
  }
  v1::GetFriendshipRequest get;
  get.set_user_id(a);
  v1::Friendship friendship;
  EXPECT_EQ(stub().GetFriendship(As(a).get(), get, &friendship).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  v1::ListFriendsRequest list;
  v1::ListFriendsResponse listed;
  grpc::Status no_state = stub().ListFriends(As(a).get(), list, &listed);
  EXPECT_EQ(no_state.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(no_state.error_message().rfind("state:", 0), 0u) << no_state.error_message();
  list.set_state(v1::FRIENDSHIP_STATE_FRIENDS);
  list.set_page_size(101);
  EXPECT_EQ(stub().ListFriends(As(a).get(), list, &listed).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  list.set_page_size(0);
  list.set_page_token("garbage");
  EXPECT_EQ(stub().ListFriends(As(a).get(), list, &listed).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  // Nothing was written by any of these.
  EXPECT_EQ(QueryPrimary(kDatabase,
                         "SELECT count(*) FROM friendship_events WHERE actor_id = $1 "
                         "OR subject_id = $1",
                         a)[0][0]
                .as<int>(),
            0);
}

TEST_F(FriendHandlerTest, UpperCaseIdsAreTheSameUsers) {
  const std::string a = NewUser();
  const std::string b = NewUser();
  Ok(Action::kSend, a, absl::AsciiStrToUpper(b));
  Outcome accepted = Act(stub(), Action::kAccept, b, absl::AsciiStrToUpper(a));
  EXPECT_EQ(accepted.code, grpc::StatusCode::OK) << accepted.message;
  EXPECT_EQ(accepted.friendship.user_id(), a);
  EXPECT_EQ(Get(stub(), a, b).state(), v1::FRIENDSHIP_STATE_FRIENDS);
}

TEST_F(FriendHandlerTest, HistoryTellsDeclineCancelAndRemoveApart) {
  const std::string a = NewUser();
  const std::string b = NewUser();
  Ok(Action::kSend, a, b);
  Ok(Action::kDecline, b, a);
  Ok(Action::kSend, a, b);
  Ok(Action::kCancel, a, b);
  MakeFriends(a, b);
  Ok(Action::kRemove, b, a);
  Ok(Action::kBlock, a, b);
  Ok(Action::kUnblock, a, b);
  EXPECT_EQ(History(a, b),
            (std::vector<std::string>{a + " requested", b + " declined", a + " requested",
                                      a + " cancelled", a + " requested", b + " accepted",
                                      b + " removed", a + " blocked", a + " unblocked"}));
  // Unblocking does not restore anything.
  EXPECT_EQ(Get(stub(), a, b).state(), v1::FRIENDSHIP_STATE_NONE);
  ExpectRows(Pair::kNone, a, b);
}

TEST_F(FriendHandlerTest, EventsGoToTheOutboxUnderThePairId) {
  const std::string a = NewUser();
  const std::string b = NewUser();
  Outcome sent = Act(stub(), Action::kSend, a, b);
  ASSERT_EQ(sent.code, grpc::StatusCode::OK);
  const std::string pair_id = sent.friendship.pair_id();
  ASSERT_TRUE(api::IsUuid(pair_id));
  // Rejected calls write no event.
  EXPECT_EQ(Act(stub(), Action::kSend, a, b).code, grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_EQ(Act(stub(), Action::kRemove, a, b).code, grpc::StatusCode::NOT_FOUND);
  Ok(Action::kAccept, b, a);
  Ok(Action::kRemove, a, b);
  MakeFriends(b, a);
  Ok(Action::kBlock, b, a);

  std::vector<::events::v1::EventEnvelope> events = OutboxEvents(kDatabase, pair_id);
  std::vector<std::string> types;
  for (const auto& envelope : events) {
    types.push_back(envelope.type());
    EXPECT_EQ(envelope.source(), "social");
    EXPECT_EQ(envelope.aggregate_id(), pair_id);
  }
  EXPECT_EQ(types, (std::vector<std::string>{
                       "social.v1.FriendRequestSent", "social.v1.FriendRequestAccepted",
                       "social.v1.FriendRemoved", "social.v1.FriendRequestSent",
                       "social.v1.FriendRequestAccepted", "social.v1.UserBlocked"}));
  ASSERT_EQ(events.size(), 6u);
  v1::FriendRequestSent first;
  ASSERT_TRUE(events[0].payload().UnpackTo(&first));
  EXPECT_EQ(first.requester_id(), a);
  EXPECT_EQ(first.recipient_id(), b);
  EXPECT_TRUE(api::IsUuid(first.request_id()));
  v1::FriendRequestAccepted accepted;
  ASSERT_TRUE(events[1].payload().UnpackTo(&accepted));
  EXPECT_EQ(accepted.request_id(), first.request_id());
  EXPECT_EQ(accepted.accepter_id(), b);
  v1::UserBlocked blocked;
  ASSERT_TRUE(events[5].payload().UnpackTo(&blocked));
  EXPECT_EQ(blocked.blocker_id(), b);
  EXPECT_EQ(blocked.blocked_id(), a);
  EXPECT_TRUE(blocked.ended_friendship());
  EXPECT_FALSE(blocked.removed_request());
}

TEST_F(FriendHandlerTest, BlockRemovesAPendingRequestAndSaysSo) {
  const std::string a = NewUser();
  const std::string b = NewUser();
  Outcome sent = Act(stub(), Action::kSend, b, a);
  Ok(Action::kBlock, a, b);
  std::vector<::events::v1::EventEnvelope> events =
      OutboxEvents(kDatabase, sent.friendship.pair_id());
  ASSERT_EQ(events.size(), 2u);
  v1::UserBlocked blocked;
  ASSERT_TRUE(events[1].payload().UnpackTo(&blocked));
  EXPECT_TRUE(blocked.removed_request());
  EXPECT_FALSE(blocked.ended_friendship());
  Outcome again = Act(stub(), Action::kSend, b, a);
  EXPECT_EQ(again.code, grpc::StatusCode::FAILED_PRECONDITION);
  Outcome own = Act(stub(), Action::kSend, a, b);
  EXPECT_EQ(own.code, grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_NE(own.message.find("UnblockUser"), std::string::npos) << own.message;
}

TEST_F(FriendHandlerTest, ConcurrentMutualRequestsMakeExactlyOneFriendship) {
  constexpr int kPairs = 12;
  std::vector<std::string> users;
  for (int i = 0; i < 2 * kPairs; ++i) users.push_back(NewUser());
  std::vector<Outcome> outcomes(2 * kPairs);
  // Thread 2k is user 2k sending to 2k+1, thread 2k+1 the other way.
  RunTogether(2 * kPairs, [&](int i) {
    const int partner = i % 2 == 0 ? i + 1 : i - 1;
    outcomes[i] = Act(stub(), Action::kSend, users[i], users[partner]);
  });
  for (int k = 0; k < kPairs; ++k) {
    const std::string& a = users[2 * k];
    const std::string& b = users[2 * k + 1];
    EXPECT_EQ(outcomes[2 * k].code, grpc::StatusCode::OK) << outcomes[2 * k].message;
    EXPECT_EQ(outcomes[2 * k + 1].code, grpc::StatusCode::OK) << outcomes[2 * k + 1].message;
    std::multiset<v1::FriendshipState> states = {outcomes[2 * k].friendship.state(),
                                                 outcomes[2 * k + 1].friendship.state()};
    EXPECT_EQ(states, (std::multiset<v1::FriendshipState>{v1::FRIENDSHIP_STATE_REQUEST_SENT,
                                                          v1::FRIENDSHIP_STATE_FRIENDS}));
    ExpectRows(Pair::kFriends, a, b);
    EXPECT_EQ(Count("SELECT count(*) FROM friendship_events WHERE action = 'accepted' AND "
                    "((actor_id = $1 AND subject_id = $2) OR (actor_id = $2 AND subject_id = $1))",
                    a, b),
              1);
  }
}

TEST_F(FriendHandlerTest, IdempotentRetryReturnsTheFirstResult) {
  const std::string a = NewUser();
  const std::string b = NewUser();
  Outcome first = Act(stub(), Action::kSend, a, b, "retry-1");
  Outcome retry = Act(stub(), Action::kSend, a, b, "retry-1");
  ASSERT_EQ(first.code, grpc::StatusCode::OK) << first.message;
  ASSERT_EQ(retry.code, grpc::StatusCode::OK) << retry.message;
  EXPECT_EQ(first.friendship.SerializeAsString(), retry.friendship.SerializeAsString());
  EXPECT_EQ(OutboxEvents(kDatabase, first.friendship.pair_id()).size(), 1u);
  EXPECT_EQ(Act(stub(), Action::kSend, a, b, "retry-2").code, grpc::StatusCode::ALREADY_EXISTS);
  ExpectRows(Pair::kARequestedB, a, b);
}

TEST_F(FriendHandlerTest, ListFriendsPagesNewestFirstForEachState) {
  const std::string me = NewUser();
  std::vector<std::string> friends;
  for (int i = 0; i < 5; ++i) {
    friends.push_back(NewUser());
    MakeFriends(me, friends.back());
  }
  const std::string sent_to = NewUser();
  const std::string received_from = NewUser();
  const std::string blocked = NewUser();
  Ok(Action::kSend, me, sent_to);
  Ok(Action::kSend, received_from, me);
  Ok(Action::kBlock, me, blocked);
  Ok(Action::kBlock, blocked, me);

  auto list_all = [&](v1::FriendshipState state, int page_size) {
    std::vector<v1::Friendship> all;
    std::string token;
    int pages = 0;
    do {
      v1::ListFriendsRequest request;
      request.set_state(state);
      request.set_page_size(page_size);
      request.set_page_token(token);
      v1::ListFriendsResponse response;
      grpc::Status status = stub().ListFriends(As(me).get(), request, &response);
      EXPECT_TRUE(status.ok()) << status.error_message();
      if (!status.ok()) break;
      for (const auto& f : response.friendships()) all.push_back(f);
      token = response.next_page_token();
      ++pages;
    } while (!token.empty() && pages < 10);
    return std::make_pair(all, pages);
  };
  // The replica trails: wait for the last write to reach it.
  ASSERT_TRUE(Eventually([&] {
    return list_all(v1::FRIENDSHIP_STATE_BLOCKED, 0).first.size() == 1 &&
           list_all(v1::FRIENDSHIP_STATE_BLOCKED, 0).first[0].blocked_by_other();
  }));
  auto [listed, pages] = list_all(v1::FRIENDSHIP_STATE_FRIENDS, 2);
  EXPECT_EQ(pages, 3);
  std::vector<std::string> expected;
  for (const auto& row : QueryPrimary(kDatabase,
                                      "SELECT friend_id::text FROM friendships WHERE user_id = $1 "
                                      "ORDER BY created_at DESC, friend_id DESC",
                                      me)) {
    expected.push_back(row[0].as<std::string>());
  }
  std::vector<std::string> got;
  for (const auto& f : listed) {
    got.push_back(f.user_id());
    EXPECT_EQ(f.state(), v1::FRIENDSHIP_STATE_FRIENDS);
    EXPECT_TRUE(f.has_since());
  }
  EXPECT_EQ(got, expected);
  EXPECT_EQ(std::set<std::string>(got.begin(), got.end()),
            std::set<std::string>(friends.begin(), friends.end()));

  auto sent = list_all(v1::FRIENDSHIP_STATE_REQUEST_SENT, 0).first;
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].user_id(), sent_to);
  EXPECT_TRUE(sent[0].has_expires_at());
  auto received = list_all(v1::FRIENDSHIP_STATE_REQUEST_RECEIVED, 0).first;
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0].user_id(), received_from);
  auto blocks = list_all(v1::FRIENDSHIP_STATE_BLOCKED, 0).first;
  ASSERT_EQ(blocks.size(), 1u);
  EXPECT_EQ(blocks[0].user_id(), blocked);

  // A token of another listing is refused.
  v1::ListFriendsRequest first_page;
  first_page.set_state(v1::FRIENDSHIP_STATE_FRIENDS);
  first_page.set_page_size(2);
  v1::ListFriendsResponse response;
  ASSERT_TRUE(stub().ListFriends(As(me).get(), first_page, &response).ok());
  v1::ListFriendsRequest other_state = first_page;
  other_state.set_state(v1::FRIENDSHIP_STATE_BLOCKED);
  other_state.set_page_token(response.next_page_token());
  EXPECT_EQ(stub().ListFriends(As(me).get(), other_state, &response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(FriendHandlerTest, MutualFriendsAndSuggestionsMatchSql) {
  const std::string me = NewUser();
  std::vector<std::string> mine = {NewUser(), NewUser(), NewUser()};
  MakeFriends(mine[0], mine[2]);    // a friend of a friend who is my friend already
  const std::string x = NewUser();  // 3 mutual
  const std::string y = NewUser();  // 2 mutual
  const std::string z = NewUser();  // 1 mutual
  const std::string blocked = NewUser();
  const std::string blocks_me = NewUser();
  const std::string pending = NewUser();
  const std::string asked_me = NewUser();
  for (const std::string& f : mine) MakeFriends(f, x);
  MakeFriends(mine[0], y);
  MakeFriends(mine[1], y);
  MakeFriends(mine[2], z);
  for (const std::string& excluded : {blocked, blocks_me, pending, asked_me}) {
    MakeFriends(mine[0], excluded);
    MakeFriends(mine[1], excluded);
  }
  // My own friendships last: only a change of my own edges marks my
  // suggestion list stale (a friend's new friend reaches it at the age
  // refresh), so a refresh between them and the edges above would leave a
  // list without those edges, fresh for a day.
  for (const std::string& f : mine) MakeFriends(me, f);
  Ok(Action::kBlock, me, blocked);
  Ok(Action::kBlock, blocks_me, me);
  Ok(Action::kSend, me, pending);
  Ok(Action::kSend, asked_me, me);
  // The replica trails, and the expected ranking already holds there before
  // it has the excluded users' friendships, blocks and requests: first wait
  // for the last write (asked_me's request) to reach it.
  ASSERT_TRUE(Eventually([&] {
    v1::ListFriendsRequest request;
    request.set_state(v1::FRIENDSHIP_STATE_REQUEST_RECEIVED);
    v1::ListFriendsResponse response;
    return stub().ListFriends(As(me).get(), request, &response).ok() &&
           response.friendships_size() == 1 && response.friendships(0).user_id() == asked_me;
  })) << "the replica never showed the last request";

  auto suggest_all = [&](int page_size) {
    std::vector<v1::FriendSuggestion> all;
    std::string token;
    int pages = 0;
    do {
      v1::SuggestFriendsRequest request;
      request.set_page_size(page_size);
      request.set_page_token(token);
      v1::SuggestFriendsResponse response;
      grpc::Status status = stub().SuggestFriends(As(me).get(), request, &response);
      EXPECT_TRUE(status.ok()) << status.error_message();
      if (!status.ok()) break;
      for (const auto& s : response.suggestions()) all.push_back(s);
      token = response.next_page_token();
      ++pages;
    } while (!token.empty() && pages < 10);
    return all;
  };
  std::vector<std::pair<std::string, int>> expected = {{x, 3}, {y, 2}, {z, 1}};
  std::vector<std::pair<std::string, int>> got;
  ASSERT_TRUE(Eventually([&] {
    got.clear();
    for (const auto& s : suggest_all(2)) got.emplace_back(s.user_id(), s.mutual_friend_count());
    return got == expected;
  })) << "got "
      << got.size() << " suggestions";

  // The same ranking, computed in SQL from the raw rows (friends of
  // friends minus me, my friends, blocks and pending requests either way).
  std::vector<std::pair<std::string, int>> from_sql;
  for (const auto& row : QueryPrimary(
           kDatabase,
           "SELECT f2.friend_id::text, count(*) FROM friendships f1 "
           "JOIN friendships f2 ON f2.user_id = f1.friend_id "
           "WHERE f1.user_id = $1 AND f2.friend_id <> $1 "
           "AND f2.friend_id NOT IN (SELECT friend_id FROM friendships WHERE user_id = $1) "
           "AND f2.friend_id NOT IN (SELECT blocked_id FROM user_blocks WHERE blocker_id = $1 "
           "  UNION SELECT blocker_id FROM user_blocks WHERE blocked_id = $1) "
           "AND f2.friend_id NOT IN (SELECT recipient_id FROM friend_requests WHERE requester_id = "
           "$1 UNION SELECT requester_id FROM friend_requests WHERE recipient_id = $1) "
           "GROUP BY 1 ORDER BY 2 DESC, 1 DESC",
           me)) {
    from_sql.emplace_back(row[0].as<std::string>(), row[1].as<int>());
  }
  EXPECT_EQ(got, from_sql);

  v1::ListMutualFriendsRequest mutual;
  mutual.set_user_id(x);
  mutual.set_page_size(2);
  std::vector<std::string> mutual_ids;
  std::string token;
  do {
    mutual.set_page_token(token);
    v1::ListMutualFriendsResponse response;
    grpc::Status status = stub().ListMutualFriends(As(me).get(), mutual, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    for (const std::string& id : response.user_ids()) mutual_ids.push_back(id);
    token = response.next_page_token();
  } while (!token.empty());
  std::vector<std::string> mutual_sql;
  for (const auto& row : QueryPrimary(kDatabase,
                                      "SELECT a.friend_id::text FROM friendships a JOIN "
                                      "friendships b ON b.friend_id = a.friend_id "
                                      "WHERE a.user_id = $1 AND b.user_id = $2 ORDER BY 1",
                                      me, x)) {
    mutual_sql.push_back(row[0].as<std::string>());
  }
  EXPECT_EQ(mutual_ids, mutual_sql);
  EXPECT_EQ(mutual_ids.size(), 3u);

  for (const std::string& other : {blocked, blocks_me}) {
    mutual.set_user_id(other);
    mutual.set_page_token("");
    v1::ListMutualFriendsResponse response;
    EXPECT_EQ(stub().ListMutualFriends(As(me).get(), mutual, &response).error_code(),
              grpc::StatusCode::FAILED_PRECONDITION);
  }
}

// ----- ListFriendHistory -----

struct HistoryListing {
  std::vector<v1::FriendHistoryEntry> entries;
  int pages = 0;
  grpc::Status status;
};

// Every page of `user`'s history (with `other`, or everyone for ""), as the
// client pages it.
HistoryListing ListHistory(v1::FriendService::Stub& stub, const std::string& user,
                           const std::string& other, int page_size = 0) {
  HistoryListing listing;
  v1::ListFriendHistoryRequest request;
  request.set_other_user_id(other);
  request.set_page_size(page_size);
  do {
    v1::ListFriendHistoryResponse response;
    listing.status = stub.ListFriendHistory(ServiceFixture::As(user).get(), request, &response);
    if (!listing.status.ok()) break;
    for (const v1::FriendHistoryEntry& entry : response.entries()) listing.entries.push_back(entry);
    request.set_page_token(response.next_page_token());
    ++listing.pages;
  } while (!request.page_token().empty() && listing.pages < 100);
  return listing;
}

std::vector<std::string> IdsOf(const std::vector<v1::FriendHistoryEntry>& entries) {
  std::vector<std::string> ids;
  for (const v1::FriendHistoryEntry& entry : entries) ids.push_back(entry.id());
  return ids;
}

// "actor ACTION" per entry, oldest first (the order the calls were made).
std::vector<std::string> Story(const std::vector<v1::FriendHistoryEntry>& newest_first) {
  std::vector<std::string> story;
  for (auto it = newest_first.rbegin(); it != newest_first.rend(); ++it) {
    story.push_back(absl::StrCat(it->actor_id(), " ", v1::FriendHistoryAction_Name(it->action())));
  }
  return story;
}

class FriendHistoryTest : public FriendHandlerTest {
 protected:
  // The ids of `user`'s history in SQL on the primary, newest first.
  static std::vector<std::string> HistoryIdsInSql(const std::string& user) {
    std::vector<std::string> ids;
    for (const auto& row : QueryPrimary(kDatabase,
                                        "SELECT id::text FROM friendship_events "
                                        "WHERE actor_id = $1 OR subject_id = $1 "
                                        "ORDER BY created_at DESC, id DESC",
                                        user)) {
      ids.push_back(row[0].as<std::string>());
    }
    return ids;
  }

  // The replica trails: waits until it lists `count` entries for the pair
  // (or everyone when `other` is "").
  static void WaitForHistory(const std::string& user, const std::string& other, size_t count) {
    ASSERT_TRUE(Eventually([&] {
      HistoryListing listing = ListHistory(stub(), user, other, 100);
      return listing.status.ok() && listing.entries.size() == count;
    })) << "the replica never listed "
        << count << " history entries";
  }
};

TEST_F(FriendHistoryTest, OnePairNewestFirstFromEitherSideTellsEveryActionApart) {
  const std::string a = NewUser();
  const std::string b = NewUser();
  Ok(Action::kSend, a, b);
  Ok(Action::kDecline, b, a);
  Ok(Action::kSend, a, b);
  Ok(Action::kCancel, a, b);
  MakeFriends(a, b);
  Ok(Action::kRemove, b, a);
  Ok(Action::kBlock, a, b);
  Ok(Action::kUnblock, a, b);
  WaitForHistory(a, b, 9);

  const HistoryListing from_a = ListHistory(stub(), a, b);
  ASSERT_TRUE(from_a.status.ok()) << from_a.status.error_message();
  EXPECT_EQ(Story(from_a.entries),
            (std::vector<std::string>{
                a + " FRIEND_HISTORY_ACTION_REQUESTED", b + " FRIEND_HISTORY_ACTION_DECLINED",
                a + " FRIEND_HISTORY_ACTION_REQUESTED", a + " FRIEND_HISTORY_ACTION_CANCELLED",
                a + " FRIEND_HISTORY_ACTION_REQUESTED", b + " FRIEND_HISTORY_ACTION_ACCEPTED",
                b + " FRIEND_HISTORY_ACTION_REMOVED", a + " FRIEND_HISTORY_ACTION_BLOCKED",
                a + " FRIEND_HISTORY_ACTION_UNBLOCKED"}));
  EXPECT_EQ(IdsOf(from_a.entries), HistoryIdsInSql(a));
  const std::string pair_id = Get(stub(), a, b).pair_id();
  for (size_t i = 0; i < from_a.entries.size(); ++i) {
    const v1::FriendHistoryEntry& entry = from_a.entries[i];
    EXPECT_EQ(entry.other_user_id(), b);
    EXPECT_EQ(entry.pair_id(), pair_id);
    EXPECT_TRUE(entry.has_created_at());
    if (i > 0) {
      EXPECT_LE(db::TimestampMicros(entry.created_at()),
                db::TimestampMicros(from_a.entries[i - 1].created_at()))
          << "newest first";
    }
  }
  // The other side sees the same entries, naming the caller as the other.
  const HistoryListing from_b = ListHistory(stub(), b, absl::AsciiStrToUpper(a));
  ASSERT_TRUE(from_b.status.ok()) << from_b.status.error_message();
  EXPECT_EQ(IdsOf(from_b.entries), IdsOf(from_a.entries));
  for (const v1::FriendHistoryEntry& entry : from_b.entries) EXPECT_EQ(entry.other_user_id(), a);
}

TEST_F(FriendHistoryTest, EveryoneListingPagesWithoutSkipsOrRepeatsAndShowsOnlyOwnPairs) {
  const std::string me = NewUser();
  const std::string friend_1 = NewUser(), friend_2 = NewUser(), asker = NewUser(),
                    blocked = NewUser(), stranger_1 = NewUser(), stranger_2 = NewUser();
  MakeFriends(me, friend_1);
  MakeFriends(friend_2, me);
  Ok(Action::kSend, asker, me);
  Ok(Action::kDecline, me, asker);
  Ok(Action::kSend, asker, me);
  Ok(Action::kBlock, me, blocked);
  Ok(Action::kRemove, friend_1, me);
  // Pairs `me` is not in: never listed for `me`.
  MakeFriends(stranger_1, stranger_2);
  MakeFriends(friend_2, stranger_1);
  const std::vector<std::string> expected = HistoryIdsInSql(me);
  ASSERT_EQ(expected.size(), 9u);
  WaitForHistory(me, "", expected.size());
  WaitForHistory(friend_2, stranger_1, 2);

  for (const int page_size : {1, 3, 4, 10, 0}) {
    const HistoryListing listing = ListHistory(stub(), me, "", page_size);
    ASSERT_TRUE(listing.status.ok()) << listing.status.error_message();
    EXPECT_EQ(IdsOf(listing.entries), expected) << "page_size " << page_size;
    const int size = page_size == 0 ? 20 : page_size;
    EXPECT_EQ(listing.pages, (static_cast<int>(expected.size()) + size - 1) / size)
        << "page_size " << page_size;
    for (const v1::FriendHistoryEntry& entry : listing.entries) {
      EXPECT_TRUE(entry.actor_id() == me || entry.actor_id() == entry.other_user_id())
          << entry.DebugString();
      EXPECT_NE(entry.other_user_id(), me);
      EXPECT_NE(entry.other_user_id(), stranger_2);
    }
  }
  // A pair listing holds only that pair; a pair the caller is not in is
  // empty, whoever asks.
  const HistoryListing with_asker = ListHistory(stub(), me, asker, 2);
  ASSERT_TRUE(with_asker.status.ok());
  EXPECT_EQ(Story(with_asker.entries),
            (std::vector<std::string>{asker + " FRIEND_HISTORY_ACTION_REQUESTED",
                                      me + " FRIEND_HISTORY_ACTION_DECLINED",
                                      asker + " FRIEND_HISTORY_ACTION_REQUESTED"}));
  EXPECT_EQ(with_asker.pages, 2);
  EXPECT_TRUE(ListHistory(stub(), me, stranger_1).entries.empty());
  const HistoryListing outsider = ListHistory(stub(), NewUser(), "");
  ASSERT_TRUE(outsider.status.ok());
  EXPECT_TRUE(outsider.entries.empty());
  EXPECT_EQ(outsider.pages, 1);
}

TEST_F(FriendHistoryTest, BadInputIsRejectedNamingTheField) {
  const std::string me = NewUser();
  const std::string other = NewUser();
  MakeFriends(me, other);
  const int64_t rows_before = Count(
      "SELECT count(*) FROM friendship_events WHERE actor_id = $1 OR subject_id = $2", me, me);
  auto call = [&](const std::string& user, const v1::ListFriendHistoryRequest& request) {
    v1::ListFriendHistoryResponse response;
    return stub().ListFriendHistory(As(user).get(), request, &response);
  };
  auto expect_invalid = [&](const v1::ListFriendHistoryRequest& request, const std::string& field) {
    grpc::Status status = call(me, request);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << field;
    EXPECT_EQ(status.error_message().rfind(field + ":", 0), 0u) << status.error_message();
  };
  v1::ListFriendHistoryRequest request;
  request.set_other_user_id("not-a-uuid");
  expect_invalid(request, "other_user_id");
  request.set_other_user_id(absl::AsciiStrToUpper(me));
  expect_invalid(request, "other_user_id");
  request.set_other_user_id(other);
  request.set_page_size(101);
  expect_invalid(request, "page_size");
  request.set_page_size(-1);
  expect_invalid(request, "page_size");
  request.set_page_size(0);
  request.set_page_token("garbage");
  expect_invalid(request, "page_token");
  EXPECT_EQ(call("", v1::ListFriendHistoryRequest()).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);

  // A token binds its listing: the pair, the everyone listing and the
  // caller are each their own.
  WaitForHistory(me, other, 2);
  v1::ListFriendHistoryRequest first;
  first.set_other_user_id(other);
  first.set_page_size(1);
  v1::ListFriendHistoryResponse page;
  ASSERT_TRUE(stub().ListFriendHistory(As(me).get(), first, &page).ok());
  ASSERT_FALSE(page.next_page_token().empty());
  v1::ListFriendHistoryRequest everyone;
  everyone.set_page_token(page.next_page_token());
  expect_invalid(everyone, "page_token");
  v1::ListFriendHistoryRequest as_other = first;
  as_other.set_other_user_id(me);
  as_other.set_page_token(page.next_page_token());
  grpc::Status foreign = call(other, as_other);
  EXPECT_EQ(foreign.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(foreign.error_message().rfind("page_token:", 0), 0u) << foreign.error_message();
  // Reads change nothing.
  EXPECT_EQ(Count("SELECT count(*) FROM friendship_events WHERE actor_id = $1 OR subject_id = $2",
                  me, me),
            rows_before);
}

// A server of its own with FRIEND_LIMIT=3 and enough connections for the
// racing calls to really overlap in the database.
class FriendLimitTest : public FriendHandlerTest {};

TEST_F(FriendLimitTest, FriendsPlusOutgoingRequestsStayWithinTheLimitUnderRaces) {
  std::unique_ptr<ServiceProcess> server = StartService(
      "social",
      {{"FRIEND_LIMIT", "3"}, {"DB_MAX_CONNECTIONS", "20"}, {"DB_MIN_CONNECTIONS", "16"}});
  auto limited = v1::FriendService::NewStub(ChannelTo(*server));
  const std::string me = NewUser();
  // One friend and one pending request: 2 of 3.
  const std::string f = NewUser();
  ASSERT_EQ(Act(*limited, Action::kSend, me, f).code, grpc::StatusCode::OK);
  ASSERT_EQ(Act(*limited, Action::kAccept, f, me).code, grpc::StatusCode::OK);
  ASSERT_EQ(Act(*limited, Action::kSend, me, NewUser()).code, grpc::StatusCode::OK);
  // Sixteen requests at once: exactly one fits.
  std::vector<std::string> targets;
  for (int i = 0; i < 16; ++i) targets.push_back(NewUser());
  std::vector<Outcome> outcomes(16);
  RunTogether(16, [&](int i) { outcomes[i] = Act(*limited, Action::kSend, me, targets[i]); });
  int ok = 0;
  for (const Outcome& outcome : outcomes) {
    if (outcome.code == grpc::StatusCode::OK) {
      ++ok;
    } else {
      EXPECT_EQ(outcome.code, grpc::StatusCode::RESOURCE_EXHAUSTED) << outcome.message;
      EXPECT_NE(outcome.message.find("FRIEND_LIMIT"), std::string::npos) << outcome.message;
    }
  }
  EXPECT_EQ(ok, 1);
  EXPECT_EQ(QueryPrimary(kDatabase,
                         "SELECT (SELECT count(*) FROM friendships WHERE user_id = $1) + "
                         "(SELECT count(*) FROM friend_requests WHERE requester_id = $1)",
                         me)[0][0]
                .as<int>(),
            3);
  // At the limit, accepting a request is refused too, and changes nothing;
  // cancelling one makes room again.
  const std::string asker = NewUser();
  ASSERT_EQ(Act(*limited, Action::kSend, asker, me).code, grpc::StatusCode::OK);
  EXPECT_EQ(Act(*limited, Action::kAccept, me, asker).code, grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(Act(*limited, Action::kSend, me, asker).code, grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(Get(*limited, me, asker).state(), v1::FRIENDSHIP_STATE_REQUEST_RECEIVED);
  ASSERT_EQ(Act(*limited, Action::kRemove, me, f).code, grpc::StatusCode::OK);
  EXPECT_EQ(Act(*limited, Action::kAccept, me, asker).code, grpc::StatusCode::OK);
}

// A server of its own whose requests expire after 1.8 s, swept every 200 ms.
class FriendExpiryTest : public FriendHandlerTest {};

TEST_F(FriendExpiryTest, ExpiredRequestsCountAsAbsentAndAreSwept) {
  std::unique_ptr<ServiceProcess> server = StartService(
      "social", {{"FRIEND_REQUEST_TTL_HOURS", "0.0005"}, {"FRIEND_EXPIRY_SWEEP_MS", "200"}});
  auto expiring = v1::FriendService::NewStub(ChannelTo(*server));
  const std::string a = NewUser();
  const std::string b = NewUser();
  Outcome sent = Act(*expiring, Action::kSend, a, b);
  ASSERT_EQ(sent.code, grpc::StatusCode::OK) << sent.message;
  const int64_t ttl_ms =
      (sent.friendship.expires_at().seconds() - sent.friendship.since().seconds()) * 1000 +
      (sent.friendship.expires_at().nanos() - sent.friendship.since().nanos()) / 1'000'000;
  EXPECT_NEAR(ttl_ms, 1800, 5);
  EXPECT_EQ(Get(*expiring, b, a).state(), v1::FRIENDSHIP_STATE_REQUEST_RECEIVED);
  ASSERT_TRUE(Eventually([&] { return Get(*expiring, b, a).state() == v1::FRIENDSHIP_STATE_NONE; },
                         absl::Seconds(10)));
  // The sweep deletes the row and records `expired` with the requester as actor.
  ASSERT_TRUE(Eventually([&] {
    return Count(
               "SELECT count(*) FROM friend_requests WHERE requester_id = $1 "
               "AND recipient_id = $2",
               a, b) == 0;
  }));
  EXPECT_EQ(History(a, b), (std::vector<std::string>{a + " requested", a + " expired"}));
  // ListFriendHistory says the same, once the replica has it.
  HistoryListing listed;
  ASSERT_TRUE(Eventually([&] {
    listed = ListHistory(*expiring, b, a);
    return listed.status.ok() && listed.entries.size() == 2;
  }));
  EXPECT_EQ(Story(listed.entries),
            (std::vector<std::string>{a + " FRIEND_HISTORY_ACTION_REQUESTED",
                                      a + " FRIEND_HISTORY_ACTION_EXPIRED"}));
  EXPECT_EQ(Act(*expiring, Action::kAccept, b, a).code, grpc::StatusCode::NOT_FOUND);
  // A new request is a new request (not a duplicate of the expired one).
  EXPECT_EQ(Act(*expiring, Action::kSend, a, b).code, grpc::StatusCode::OK);
}

}  // namespace
}  // namespace qs::testing
