#include "social/friend_rules.h"

#include <set>
#include <string>

#include "absl/strings/ascii.h"
#include "gtest/gtest.h"

namespace qs::social {
namespace {

constexpr char kCaller[] = "11111111-1111-4111-8111-111111111111";
constexpr char kOther[] = "22222222-2222-4222-8222-222222222222";

PendingRequest Request() { return {"33333333-3333-4333-8333-333333333333", 10, 20}; }

PairFacts Friends() {
  PairFacts facts;
  facts.friends_since_micros = 5;
  return facts;
}
PairFacts Sent() {
  PairFacts facts;
  facts.sent = Request();
  return facts;
}
PairFacts Received() {
  PairFacts facts;
  facts.received = Request();
  return facts;
}
PairFacts CallerBlocks() {
  PairFacts facts;
  facts.caller_blocks_since_micros = 7;
  return facts;
}
PairFacts OtherBlocks() {
  PairFacts facts;
  facts.other_blocks_since_micros = 8;
  return facts;
}

TEST(FriendRulesTest, ViewFollowsThePrecedenceOfBlocks) {
  EXPECT_EQ(ViewOf({}, kOther, "p").state(), v1::FRIENDSHIP_STATE_NONE);
  EXPECT_FALSE(ViewOf({}, kOther, "p").has_since());
  EXPECT_EQ(ViewOf(Friends(), kOther, "p").state(), v1::FRIENDSHIP_STATE_FRIENDS);
  v1::Friendship sent = ViewOf(Sent(), kOther, "p");
  EXPECT_EQ(sent.state(), v1::FRIENDSHIP_STATE_REQUEST_SENT);
  EXPECT_EQ(sent.expires_at().nanos(), 20'000);
  EXPECT_EQ(ViewOf(Received(), kOther, "p").state(), v1::FRIENDSHIP_STATE_REQUEST_RECEIVED);
  EXPECT_EQ(ViewOf(CallerBlocks(), kOther, "p").state(), v1::FRIENDSHIP_STATE_BLOCKED);
  v1::Friendship blocked_by = ViewOf(OtherBlocks(), kOther, "p");
  EXPECT_EQ(blocked_by.state(), v1::FRIENDSHIP_STATE_BLOCKED_BY_OTHER);
  EXPECT_TRUE(blocked_by.blocked_by_other());
  PairFacts both = CallerBlocks();
  both.other_blocks_since_micros = 9;
  v1::Friendship both_view = ViewOf(both, kOther, "p");
  EXPECT_EQ(both_view.state(), v1::FRIENDSHIP_STATE_BLOCKED);
  EXPECT_TRUE(both_view.blocked_by_other());
  EXPECT_EQ(both_view.pair_id(), "p");
  EXPECT_EQ(both_view.user_id(), kOther);
}

TEST(FriendRulesTest, SendRequestsAcceptsOrSaysWhy) {
  EXPECT_EQ(*DecideSend({}, kOther), SendOutcome::kNewRequest);
  EXPECT_EQ(*DecideSend(Received(), kOther), SendOutcome::kAcceptTheirs);
  EXPECT_EQ(DecideSend(Sent(), kOther).status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(DecideSend(Friends(), kOther).status().code(), absl::StatusCode::kAlreadyExists);
  absl::Status blocked = DecideSend(CallerBlocks(), kOther).status();
  EXPECT_EQ(blocked.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(blocked.message().find("UnblockUser"), std::string::npos) << blocked;
  EXPECT_EQ(DecideSend(OtherBlocks(), kOther).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(FriendRulesTest, EachAnswerNeedsItsRow) {
  const PairFacts none;
  EXPECT_TRUE(DecideAccept(Received(), kOther).ok());
  EXPECT_TRUE(DecideDecline(Received(), kOther).ok());
  EXPECT_TRUE(DecideCancel(Sent(), kOther).ok());
  EXPECT_TRUE(DecideRemove(Friends(), kOther).ok());
  EXPECT_TRUE(DecideUnblock(CallerBlocks(), kOther).ok());
  EXPECT_TRUE(DecideBlock(none, kOther).ok());
  EXPECT_TRUE(DecideBlock(OtherBlocks(), kOther).ok());
  for (const PairFacts& facts : {none, Sent(), Friends(), CallerBlocks()}) {
    EXPECT_EQ(DecideAccept(facts, kOther).code(), absl::StatusCode::kNotFound);
    EXPECT_EQ(DecideDecline(facts, kOther).code(), absl::StatusCode::kNotFound);
  }
  for (const PairFacts& facts : {none, Received(), Friends()}) {
    EXPECT_EQ(DecideCancel(facts, kOther).code(), absl::StatusCode::kNotFound);
  }
  for (const PairFacts& facts : {none, Sent(), Received(), CallerBlocks()}) {
    EXPECT_EQ(DecideRemove(facts, kOther).code(), absl::StatusCode::kNotFound);
  }
  EXPECT_EQ(DecideUnblock(OtherBlocks(), kOther).code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(DecideBlock(CallerBlocks(), kOther).code(), absl::StatusCode::kAlreadyExists);
}

TEST(FriendRulesTest, LimitCountsFriendsAndOutgoingRequests) {
  EXPECT_TRUE(CheckFriendLimit(0, 1).ok());
  EXPECT_TRUE(CheckFriendLimit(999, 1000).ok());
  absl::Status full = CheckFriendLimit(1000, 1000);
  EXPECT_EQ(full.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(full.message().find("FRIEND_LIMIT"), std::string::npos);
}

TEST(FriendRulesTest, OtherUserMustBeAnotherUuid) {
  EXPECT_TRUE(ValidateOtherUser("user_id", kCaller, kOther).ok());
  absl::Status self = ValidateOtherUser("user_id", kCaller, absl::AsciiStrToUpper(kCaller));
  EXPECT_EQ(self.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(self.message().rfind("user_id:", 0), 0u) << self;
  EXPECT_EQ(ValidateOtherUser("user_id", kCaller, "nope").code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(FriendRulesTest, ListStatesAreTheFourListings) {
  EXPECT_TRUE(ValidateListState(v1::FRIENDSHIP_STATE_FRIENDS).ok());
  EXPECT_TRUE(ValidateListState(v1::FRIENDSHIP_STATE_BLOCKED).ok());
  EXPECT_FALSE(ValidateListState(v1::FRIENDSHIP_STATE_UNSPECIFIED).ok());
  EXPECT_FALSE(ValidateListState(v1::FRIENDSHIP_STATE_NONE).ok());
  EXPECT_FALSE(ValidateListState(v1::FRIENDSHIP_STATE_BLOCKED_BY_OTHER).ok());
}

TEST(FriendRulesTest, PairIdIsTheSameFromBothSides) {
  EXPECT_EQ(PairId(kCaller, kOther), PairId(kOther, kCaller));
  EXPECT_EQ(PairId(kCaller, kOther), PairId(absl::AsciiStrToUpper(kOther), kCaller));
  EXPECT_NE(PairId(kCaller, kOther), PairId(kCaller, "33333333-3333-4333-8333-333333333333"));
  EXPECT_EQ(PairId(kCaller, kOther)[14], '5');
}

TEST(FriendRulesTest, LockKeysAreSortedAndDistinct) {
  EXPECT_EQ(PairLockKeys(kOther, kCaller), PairLockKeys(kCaller, kOther));
  std::vector<int32_t> keys = PairLockKeys(kOther, kCaller);
  ASSERT_EQ(keys.size(), 2u);
  EXPECT_LT(keys[0], keys[1]);
  // ffffffff is negative as an int32: it sorts first.
  EXPECT_EQ(PairLockKeys("ffffffff-0000-4000-8000-000000000000", kCaller)[0], -1);
  EXPECT_EQ(PairLockKeys(kCaller, "11111111-9999-4999-8999-999999999999").size(), 1u);
}

TEST(FriendRulesTest, ActionCodesMatchTheColumnCheck) {
  EXPECT_EQ(ActionCode(v1::FRIEND_HISTORY_ACTION_REQUESTED), "requested");
  EXPECT_EQ(ActionCode(v1::FRIEND_HISTORY_ACTION_DECLINED), "declined");
  EXPECT_EQ(ActionCode(v1::FRIEND_HISTORY_ACTION_CANCELLED), "cancelled");
  EXPECT_EQ(ActionCode(v1::FRIEND_HISTORY_ACTION_EXPIRED), "expired");
  // Every action the API knows has a code that reads back as itself (what
  // ListFriendHistory relies on); anything else reads as UNSPECIFIED.
  std::set<std::string> codes;
  for (int value = v1::FriendHistoryAction_MIN + 1; value <= v1::FriendHistoryAction_MAX; ++value) {
    const auto action = static_cast<v1::FriendHistoryAction>(value);
    const std::string code = ActionCode(action);
    EXPECT_FALSE(code.empty()) << v1::FriendHistoryAction_Name(action);
    EXPECT_EQ(FriendActionFromCode(code), action) << code;
    codes.insert(code);
  }
  EXPECT_EQ(codes, (std::set<std::string>{"requested", "accepted", "declined", "cancelled",
                                          "removed", "blocked", "unblocked", "expired"}));
  EXPECT_EQ(FriendActionFromCode("befriended"), v1::FRIEND_HISTORY_ACTION_UNSPECIFIED);
}

}  // namespace
}  // namespace qs::social
