#include "social/friend_rules.h"

#include <algorithm>
#include <cstdlib>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/api/uuid.h"
#include "common/db/enum_codes.h"
#include "common/db/row_mapping.h"

namespace qs::social {
namespace {

// The namespace of pair ids (a fixed random UUID v4).
constexpr char kPairNamespace[] = "5b0c3a52-8f7e-4d6b-9a31-1c2e4f6a8b90";

std::string Lower(const std::string& id) { return absl::AsciiStrToLower(id); }

int32_t LockKeyOf(const std::string& user) {
  // Validated UUIDs: the first 8 characters are hex digits.
  const uint32_t key = static_cast<uint32_t>(std::strtoul(user.substr(0, 8).c_str(), nullptr, 16));
  return static_cast<int32_t>(key);
}

const db::EnumCodes<FriendAction>& FriendActionCodes() {
  static const auto* codes = new db::EnumCodes<FriendAction>({
      {v1::FRIEND_HISTORY_ACTION_REQUESTED, "requested"},
      {v1::FRIEND_HISTORY_ACTION_ACCEPTED, "accepted"},
      {v1::FRIEND_HISTORY_ACTION_DECLINED, "declined"},
      {v1::FRIEND_HISTORY_ACTION_CANCELLED, "cancelled"},
      {v1::FRIEND_HISTORY_ACTION_REMOVED, "removed"},
      {v1::FRIEND_HISTORY_ACTION_BLOCKED, "blocked"},
      {v1::FRIEND_HISTORY_ACTION_UNBLOCKED, "unblocked"},
      {v1::FRIEND_HISTORY_ACTION_EXPIRED, "expired"},
  });
  return *codes;
}

}  // namespace

std::string ActionCode(FriendAction action) { return FriendActionCodes().Code(action); }

FriendAction FriendActionFromCode(absl::string_view code) {
  return FriendActionCodes().FromCode(code);
}

absl::Status ValidateOtherUser(absl::string_view field, const std::string& caller,
                               const std::string& other) {
  if (!api::IsUuid(other)) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": must be a user id (a UUID)"));
  }
  if (Lower(other) == Lower(caller)) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": is the caller; name another user (not yourself)"));
  }
  return absl::OkStatus();
}

absl::Status ValidateListState(v1::FriendshipState state) {
  switch (state) {
    case v1::FRIENDSHIP_STATE_FRIENDS:
    case v1::FRIENDSHIP_STATE_REQUEST_SENT:
    case v1::FRIENDSHIP_STATE_REQUEST_RECEIVED:
    case v1::FRIENDSHIP_STATE_BLOCKED:
      return absl::OkStatus();
    default:
      return absl::InvalidArgumentError(
          "state: must be FRIENDSHIP_STATE_FRIENDS, FRIENDSHIP_STATE_REQUEST_SENT, "
          "FRIENDSHIP_STATE_REQUEST_RECEIVED or FRIENDSHIP_STATE_BLOCKED");
  }
}

v1::Friendship ViewOf(const PairFacts& facts, const std::string& other,
                      const std::string& pair_id) {
  v1::Friendship view;
  view.set_user_id(Lower(other));
  view.set_pair_id(pair_id);
  view.set_blocked_by_other(facts.other_blocks_since_micros.has_value());
  auto set_request = [&](const PendingRequest& request, v1::FriendshipState state) {
    view.set_state(state);
    db::SetTimestamp(request.created_micros, view.mutable_since());
    db::SetTimestamp(request.expires_micros, view.mutable_expires_at());
  };
  if (facts.caller_blocks_since_micros) {
    view.set_state(v1::FRIENDSHIP_STATE_BLOCKED);
    db::SetTimestamp(*facts.caller_blocks_since_micros, view.mutable_since());
  } else if (facts.other_blocks_since_micros) {
    view.set_state(v1::FRIENDSHIP_STATE_BLOCKED_BY_OTHER);
    db::SetTimestamp(*facts.other_blocks_since_micros, view.mutable_since());
  } else if (facts.friends_since_micros) {
    view.set_state(v1::FRIENDSHIP_STATE_FRIENDS);
    db::SetTimestamp(*facts.friends_since_micros, view.mutable_since());
  } else if (facts.sent) {
    set_request(*facts.sent, v1::FRIENDSHIP_STATE_REQUEST_SENT);
  } else if (facts.received) {
    set_request(*facts.received, v1::FRIENDSHIP_STATE_REQUEST_RECEIVED);
  } else {
    view.set_state(v1::FRIENDSHIP_STATE_NONE);
  }
  return view;
}

absl::StatusOr<SendOutcome> DecideSend(const PairFacts& facts, const std::string& other) {
  if (facts.caller_blocks_since_micros) {
    return absl::FailedPreconditionError(absl::StrCat(
        "you block user ", other, "; call UnblockUser first to send them a friend request"));
  }
  if (facts.other_blocks_since_micros) {
    return absl::FailedPreconditionError(absl::StrCat(
        "user ", other, " blocks you; a friend request cannot be sent unless they unblock you"));
  }
  if (facts.friends_since_micros) {
    return absl::AlreadyExistsError(
        absl::StrCat("you are already friends with user ", other, "; nothing to send"));
  }
  if (facts.sent) {
    return absl::AlreadyExistsError(
        absl::StrCat("your friend request to user ", other,
                     " is already pending; wait for their answer or CancelFriendRequest"));
  }
  if (facts.received) return SendOutcome::kAcceptTheirs;
  return SendOutcome::kNewRequest;
}

absl::Status DecideAccept(const PairFacts& facts, const std::string& other) {
  if (facts.received) return absl::OkStatus();
  return absl::NotFoundError(absl::StrCat("no pending friend request from user ", other,
                                          facts.friends_since_micros
                                              ? " (you are friends already)"
                                              : "; send them one with SendFriendRequest instead"));
}

absl::Status DecideDecline(const PairFacts& facts, const std::string& other) {
  if (facts.received) return absl::OkStatus();
  return absl::NotFoundError(absl::StrCat("no pending friend request from user ", other,
                                          " to decline; ListFriends(REQUEST_RECEIVED) shows "
                                          "the pending ones"));
}

absl::Status DecideCancel(const PairFacts& facts, const std::string& other) {
  if (facts.sent) return absl::OkStatus();
  return absl::NotFoundError(absl::StrCat("no pending friend request of yours to user ", other,
                                          " to cancel; ListFriends(REQUEST_SENT) shows yours"));
}

absl::Status DecideRemove(const PairFacts& facts, const std::string& other) {
  if (facts.friends_since_micros) return absl::OkStatus();
  return absl::NotFoundError(
      absl::StrCat("you are not friends with user ", other,
                   facts.sent ? "; to withdraw your pending request call CancelFriendRequest"
                              : "; nothing to remove"));
}

absl::Status DecideBlock(const PairFacts& facts, const std::string& other) {
  if (!facts.caller_blocks_since_micros) return absl::OkStatus();
  return absl::AlreadyExistsError(
      absl::StrCat("you already block user ", other, "; call UnblockUser to lift the block"));
}

absl::Status DecideUnblock(const PairFacts& facts, const std::string& other) {
  if (facts.caller_blocks_since_micros) return absl::OkStatus();
  return absl::NotFoundError(absl::StrCat("you do not block user ", other, "; nothing to unblock"));
}

absl::Status CheckFriendLimit(int64_t current, int64_t limit) {
  if (current < limit) return absl::OkStatus();
  return absl::ResourceExhaustedError(absl::StrCat(
      "FRIEND_LIMIT: you have ", current, " friends and pending outgoing requests, the limit is ",
      limit, "; remove a friend or cancel a request first"));
}

std::string PairId(const std::string& a, const std::string& b) {
  std::string low = Lower(a);
  std::string high = Lower(b);
  if (high < low) std::swap(low, high);
  return api::UuidV5(kPairNamespace, absl::StrCat(low, ":", high));
}

std::vector<int32_t> PairLockKeys(const std::string& a, const std::string& b) {
  std::vector<int32_t> keys = {LockKeyOf(a), LockKeyOf(b)};
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  return keys;
}

}  // namespace qs::social
