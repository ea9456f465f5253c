// social.v1.FriendService: validate, lock the pair, apply the rules
// (friend_rules.h), call the store, write the history and the outbox event
// in the same transaction, map.
//
// Every change of a pair takes both users' advisory locks (in PairLockKeys
// order) before reading the pair, so concurrent calls about one pair, and
// the per-user FRIEND_LIMIT count, are serialised without deadlocks: two
// users sending each other a request at once become friends exactly once.
// GetFriendship reads the primary; the listings (ListFriendHistory too)
// read the replica, all but ListMutualFriends non-blocking
// (ServeAsyncMethods).
#ifndef QS_SOCIAL_FRIEND_HANDLER_H_
#define QS_SOCIAL_FRIEND_HANDLER_H_

#include <functional>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/api/page_token.h"
#include "common/base/periodic_loop.h"
#include "common/db/database.h"
#include "common/grpc/method_table.h"
#include "proto/social/v1/friends.grpc.pb.h"
#include "social/friend_rules.h"
#include "social/friend_settings.h"
#include "social/friend_store.h"
#include "social/suggestion_refresher.h"
#include "social/suggestion_store.h"

namespace qs::social {

class FriendHandler final : public v1::FriendService::Service {
 public:
  FriendHandler(db::Database& database, api::PageTokenCodec page_tokens, FriendSettings settings);

  // ListFriends, SuggestFriends and ListFriendHistory run here,
  // non-blocking (common/grpc/method_table.h).
  void ServeAsyncMethods(grpc_util::MethodTable& methods);

  grpc::Status SendFriendRequest(grpc::ServerContext* context,
                                 const v1::SendFriendRequestRequest* request,
                                 v1::Friendship* response) override;
  grpc::Status AcceptFriendRequest(grpc::ServerContext* context,
                                   const v1::AcceptFriendRequestRequest* request,
                                   v1::Friendship* response) override;
  grpc::Status DeclineFriendRequest(grpc::ServerContext* context,
                                    const v1::DeclineFriendRequestRequest* request,
                                    v1::Friendship* response) override;
  grpc::Status CancelFriendRequest(grpc::ServerContext* context,
                                   const v1::CancelFriendRequestRequest* request,
                                   v1::Friendship* response) override;
  grpc::Status RemoveFriend(grpc::ServerContext* context, const v1::RemoveFriendRequest* request,
                            v1::Friendship* response) override;
  grpc::Status BlockUser(grpc::ServerContext* context, const v1::BlockUserRequest* request,
                         v1::Friendship* response) override;
  grpc::Status UnblockUser(grpc::ServerContext* context, const v1::UnblockUserRequest* request,
                           v1::Friendship* response) override;
  grpc::Status GetFriendship(grpc::ServerContext* context, const v1::GetFriendshipRequest* request,
                             v1::Friendship* response) override;
  grpc::Status ListMutualFriends(grpc::ServerContext* context,
                                 const v1::ListMutualFriendsRequest* request,
                                 v1::ListMutualFriendsResponse* response) override;

  // Deletes expired requests every FRIEND_EXPIRY_SWEEP_MS, in batches,
  // recording `expired`; for ServiceContext::RunInBackground.
  base::PeriodicLoop& expiry_sweeper() { return expiry_sweeper_; }
  // Recomputes stale and old suggestion lists; for RunInBackground.
  base::PeriodicLoop& suggestion_refresher() { return suggestion_refresher_.loop(); }

 private:
  // Applies a change to the pair (caller, other) given its current rows.
  using Change = std::function<absl::Status(db::WriteTx&, const PairFacts&)>;

  // The shared path of every mutation: validate user_id, then in one
  // transaction (idempotent when request_id is set) lock the pair, drop its
  // expired requests, read it, apply `change`, and return the pair after it.
  absl::StatusOr<v1::Friendship> Mutate(absl::string_view method, const std::string& user,
                                        const std::string& other, const std::string& request_id,
                                        const google::protobuf::Message& request,
                                        const Change& change);

  // `accepter` accepts `requester`'s pending request `request_id`.
  absl::Status Accept(db::WriteTx& tx, const std::string& accepter, const std::string& requester,
                      const std::string& request_id);

  void SweepExpired();

  db::Database& database_;
  api::PageTokenCodec page_tokens_;
  const FriendSettings settings_;
  FriendStore store_;
  SuggestionRefresher suggestion_refresher_;
  base::PeriodicLoop expiry_sweeper_;  // last: stopped before the state above goes
};

}  // namespace qs::social

#endif  // QS_SOCIAL_FRIEND_HANDLER_H_
