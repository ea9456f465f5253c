// The friend graph's rules, without I/O: what a pair's rows mean from one
// side (FriendshipState), which change each RPC makes to them or why it is
// refused, the per-user limit, the pair's canonical id and its lock keys.
//
//   PairFacts facts = store.LoadPair(tx, user, other);   // rows, caller's side
//   QS_ASSIGN_OR_RETURN(SendOutcome outcome, DecideSend(facts, other));
//   if (outcome == SendOutcome::kAcceptTheirs) ... else ...
//   v1::Friendship view = ViewOf(facts, other, PairId(user, other));
//
// Every Decide* returns the status the RPC answers when the change is
// refused (the message names what to do), so a refused call changes nothing.
#ifndef QS_SOCIAL_FRIEND_RULES_H_
#define QS_SOCIAL_FRIEND_RULES_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "proto/social/v1/friends.pb.h"

namespace qs::social {

namespace v1 = ::social::v1;

// A pending, unexpired request (expired ones count as absent everywhere).
struct PendingRequest {
  std::string id;
  int64_t created_micros = 0;
  int64_t expires_micros = 0;
};

// The rows between the caller and one other user, from the caller's side.
// Invariant kept by the handler: a block excludes a friendship and pending
// requests; a friendship excludes pending requests.
struct PairFacts {
  std::optional<int64_t> friends_since_micros;
  std::optional<PendingRequest> sent;      // caller -> other
  std::optional<PendingRequest> received;  // other -> caller
  std::optional<int64_t> caller_blocks_since_micros;
  std::optional<int64_t> other_blocks_since_micros;
};

// What the history (friendship_events.action) records is the API's own
// FriendHistoryAction, so the column's codes are one table (ActionCode /
// FriendActionFromCode) and ListFriendHistory returns them without mapping.
using FriendAction = v1::FriendHistoryAction;
// "requested", "accepted", ... (the column's CHECK lists the same codes).
std::string ActionCode(FriendAction action);
// The action of a code; UNSPECIFIED for an unknown one.
FriendAction FriendActionFromCode(absl::string_view code);

// OK for a UUID that is not `caller` (both compared in lower case);
// INVALID_ARGUMENT naming `field` otherwise.
absl::Status ValidateOtherUser(absl::string_view field, const std::string& caller,
                               const std::string& other);

// OK for the states ListFriends lists: FRIENDS, REQUEST_SENT,
// REQUEST_RECEIVED, BLOCKED; INVALID_ARGUMENT naming `state` otherwise.
absl::Status ValidateListState(v1::FriendshipState state);

// The pair from the caller's side (see FriendshipState).
v1::Friendship ViewOf(const PairFacts& facts, const std::string& other, const std::string& pair_id);

// SendFriendRequest: a new request, or the accept of the other's pending
// one (mutual requests become a friendship).
enum class SendOutcome { kNewRequest, kAcceptTheirs };
absl::StatusOr<SendOutcome> DecideSend(const PairFacts& facts, const std::string& other);

// Accept / Decline need the other's pending request; Cancel the caller's;
// Remove a friendship; Unblock the caller's block. NOT_FOUND otherwise.
absl::Status DecideAccept(const PairFacts& facts, const std::string& other);
absl::Status DecideDecline(const PairFacts& facts, const std::string& other);
absl::Status DecideCancel(const PairFacts& facts, const std::string& other);
absl::Status DecideRemove(const PairFacts& facts, const std::string& other);
absl::Status DecideUnblock(const PairFacts& facts, const std::string& other);
// ALREADY_EXISTS when the caller blocks the other already.
absl::Status DecideBlock(const PairFacts& facts, const std::string& other);

// OK while one more friend or outgoing request keeps `current` (the user's
// friends + pending outgoing requests) within `limit`; RESOURCE_EXHAUSTED
// naming FRIEND_LIMIT otherwise.
absl::Status CheckFriendLimit(int64_t current, int64_t limit);

// The canonical id of the pair: UUID v5 of "<lower id>:<higher id>" in the
// friend graph's namespace; the same from both sides.
std::string PairId(const std::string& a, const std::string& b);

// pg_advisory_xact_lock(kFriendLockClass, key) keys of the two users, in the
// order they must be taken (ascending, distinct): every transaction that
// changes a pair or a user's count locks both users in this order, so two
// of them never wait on each other in a cycle. A key is the first 32 bits
// of the user id (a collision only serialises more).
inline constexpr int32_t kFriendLockClass = 0x46524e44;  // "FRND"
std::vector<int32_t> PairLockKeys(const std::string& a, const std::string& b);

}  // namespace qs::social

#endif  // QS_SOCIAL_FRIEND_RULES_H_
