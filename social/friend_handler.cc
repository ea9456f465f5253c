#include "social/friend_handler.h"

#include <optional>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/api/idempotency.h"
#include "common/api/keyset_page.h"
#include "common/api/validation.h"
#include "common/base/status_macros.h"
#include "common/db/row_mapping.h"
#include "common/events/outbox.h"
#include "common/grpc/async_handler.h"
#include "common/grpc/handler.h"
#include "common/grpc/page_reply.h"
#include "proto/social/v1/events.pb.h"
#include "proto/social/v1/social_methods.h"
#include "spdlog/spdlog.h"

namespace qs::social {
namespace {

using grpc_util::HandleAsUser;

constexpr char kService[] = "social.v1.FriendService/";
constexpr char kSource[] = "social";

}  // namespace

FriendHandler::FriendHandler(db::Database& database, api::PageTokenCodec page_tokens,
                             FriendSettings settings)
    : database_(database),
      page_tokens_(std::move(page_tokens)),
      settings_(settings),
      suggestion_refresher_(database, settings),
      expiry_sweeper_(settings.expiry_sweep_interval, [this] { SweepExpired(); }) {}

absl::StatusOr<v1::Friendship> FriendHandler::Mutate(
    absl::string_view method, const std::string& user, const std::string& other_id,
    const std::string& request_id, const google::protobuf::Message& request, const Change& change) {
  QS_RETURN_IF_ERROR(ValidateOtherUser("user_id", user, other_id));
  const std::string other = absl::AsciiStrToLower(other_id);
  auto mutation = [&](db::WriteTx& tx) -> absl::StatusOr<v1::Friendship> {
    store_.LockPair(tx, user, other);
    store_.PurgeExpiredBetween(tx, user, other);
    QS_RETURN_IF_ERROR(change(tx, store_.LoadPair(tx, user, other)));
    return ViewOf(store_.LoadPair(tx, user, other), other, PairId(user, other));
  };
  if (request_id.empty()) return database_.Write(mutation);
  return api::RunIdempotent<v1::Friendship>(
      database_,
      api::IdempotencyKey{absl::StrCat(kService, method, ":", user), request_id, request},
      mutation);
}

absl::Status FriendHandler::Accept(db::WriteTx& tx, const std::string& accepter,
                                   const std::string& requester, const std::string& request_id) {
  // The requester's count does not change (a request becomes a friend).
  QS_RETURN_IF_ERROR(
      CheckFriendLimit(store_.CountFriendsAndOutgoing(tx, accepter), settings_.friend_limit));
  store_.DeleteRequest(tx, requester, accepter);
  store_.InsertFriendship(tx, accepter, requester);
  store_.RecordHistory(tx, accepter, requester, v1::FRIEND_HISTORY_ACTION_ACCEPTED);
  v1::FriendRequestAccepted accepted;
  accepted.set_pair_id(PairId(accepter, requester));
  accepted.set_request_id(request_id);
  accepted.set_requester_id(requester);
  accepted.set_accepter_id(accepter);
  events::AppendEvent(tx, kSource, accepted.pair_id(), accepted);
  return absl::OkStatus();
}

grpc::Status FriendHandler::SendFriendRequest(grpc::ServerContext* context,
                                              const v1::SendFriendRequestRequest* request,
                                              v1::Friendship* response) {
  return HandleAsUser(*context, response, [&](const std::string& user) {
    const std::string other = absl::AsciiStrToLower(request->user_id());
    return Mutate(
        "SendFriendRequest", user, request->user_id(), request->request_id(), *request,
        [&](db::WriteTx& tx, const PairFacts& facts) -> absl::Status {
          QS_ASSIGN_OR_RETURN(SendOutcome outcome, DecideSend(facts, other));
          if (outcome == SendOutcome::kAcceptTheirs) {
            return Accept(tx, user, other, facts.received->id);
          }
          QS_RETURN_IF_ERROR(
              CheckFriendLimit(store_.CountFriendsAndOutgoing(tx, user), settings_.friend_limit));
          v1::FriendRequestSent sent;
          sent.set_pair_id(PairId(user, other));
          sent.set_request_id(store_.InsertRequest(tx, user, other, settings_.request_ttl));
          sent.set_requester_id(user);
          sent.set_recipient_id(other);
          store_.RecordHistory(tx, user, other, v1::FRIEND_HISTORY_ACTION_REQUESTED);
          events::AppendEvent(tx, kSource, sent.pair_id(), sent);
          return absl::OkStatus();
        });
  });
}

grpc::Status FriendHandler::AcceptFriendRequest(grpc::ServerContext* context,
                                                const v1::AcceptFriendRequestRequest* request,
                                                v1::Friendship* response) {
  return HandleAsUser(*context, response, [&](const std::string& user) {
    const std::string other = absl::AsciiStrToLower(request->user_id());
    return Mutate("AcceptFriendRequest", user, request->user_id(), request->request_id(), *request,
                  [&](db::WriteTx& tx, const PairFacts& facts) -> absl::Status {
                    QS_RETURN_IF_ERROR(DecideAccept(facts, other));
                    return Accept(tx, user, other, facts.received->id);
                  });
  });
}

grpc::Status FriendHandler::DeclineFriendRequest(grpc::ServerContext* context,
                                                 const v1::DeclineFriendRequestRequest* request,
                                                 v1::Friendship* response) {
  return HandleAsUser(*context, response, [&](const std::string& user) {
    const std::string other = absl::AsciiStrToLower(request->user_id());
    return Mutate("DeclineFriendRequest", user, request->user_id(), request->request_id(), *request,
                  [&](db::WriteTx& tx, const PairFacts& facts) -> absl::Status {
                    QS_RETURN_IF_ERROR(DecideDecline(facts, other));
                    store_.DeleteRequest(tx, other, user);
                    store_.RecordHistory(tx, user, other, v1::FRIEND_HISTORY_ACTION_DECLINED);
                    return absl::OkStatus();
                  });
  });
}

grpc::Status FriendHandler::CancelFriendRequest(grpc::ServerContext* context,
                                                const v1::CancelFriendRequestRequest* request,
                                                v1::Friendship* response) {
  return HandleAsUser(*context, response, [&](const std::string& user) {
    const std::string other = absl::AsciiStrToLower(request->user_id());
    return Mutate("CancelFriendRequest", user, request->user_id(), request->request_id(), *request,
                  [&](db::WriteTx& tx, const PairFacts& facts) -> absl::Status {
                    QS_RETURN_IF_ERROR(DecideCancel(facts, other));
                    store_.DeleteRequest(tx, user, other);
                    store_.RecordHistory(tx, user, other, v1::FRIEND_HISTORY_ACTION_CANCELLED);
                    return absl::OkStatus();
                  });
  });
}

grpc::Status FriendHandler::RemoveFriend(grpc::ServerContext* context,
                                         const v1::RemoveFriendRequest* request,
                                         v1::Friendship* response) {
  return HandleAsUser(*context, response, [&](const std::string& user) {
    const std::string other = absl::AsciiStrToLower(request->user_id());
    return Mutate("RemoveFriend", user, request->user_id(), request->request_id(), *request,
                  [&](db::WriteTx& tx, const PairFacts& facts) -> absl::Status {
                    QS_RETURN_IF_ERROR(DecideRemove(facts, other));
                    store_.DeleteFriendship(tx, user, other);
                    store_.RecordHistory(tx, user, other, v1::FRIEND_HISTORY_ACTION_REMOVED);
                    v1::FriendRemoved removed;
                    removed.set_pair_id(PairId(user, other));
                    removed.set_remover_id(user);
                    removed.set_removed_id(other);
                    events::AppendEvent(tx, kSource, removed.pair_id(), removed);
                    return absl::OkStatus();
                  });
  });
}

grpc::Status FriendHandler::BlockUser(grpc::ServerContext* context,
                                      const v1::BlockUserRequest* request,
                                      v1::Friendship* response) {
  return HandleAsUser(*context, response, [&](const std::string& user) {
    const std::string other = absl::AsciiStrToLower(request->user_id());
    return Mutate("BlockUser", user, request->user_id(), request->request_id(), *request,
                  [&](db::WriteTx& tx, const PairFacts& facts) -> absl::Status {
                    QS_RETURN_IF_ERROR(DecideBlock(facts, other));
                    v1::UserBlocked blocked;
                    blocked.set_pair_id(PairId(user, other));
                    blocked.set_blocker_id(user);
                    blocked.set_blocked_id(other);
                    blocked.set_ended_friendship(store_.DeleteFriendship(tx, user, other));
                    blocked.set_removed_request(store_.DeleteRequestsBetween(tx, user, other));
                    store_.InsertBlock(tx, user, other);
                    store_.RecordHistory(tx, user, other, v1::FRIEND_HISTORY_ACTION_BLOCKED);
                    events::AppendEvent(tx, kSource, blocked.pair_id(), blocked);
                    return absl::OkStatus();
                  });
  });
}

grpc::Status FriendHandler::UnblockUser(grpc::ServerContext* context,
                                        const v1::UnblockUserRequest* request,
                                        v1::Friendship* response) {
  return HandleAsUser(*context, response, [&](const std::string& user) {
    const std::string other = absl::AsciiStrToLower(request->user_id());
    return Mutate("UnblockUser", user, request->user_id(), request->request_id(), *request,
                  [&](db::WriteTx& tx, const PairFacts& facts) -> absl::Status {
                    QS_RETURN_IF_ERROR(DecideUnblock(facts, other));
                    store_.DeleteBlock(tx, user, other);
                    store_.RecordHistory(tx, user, other, v1::FRIEND_HISTORY_ACTION_UNBLOCKED);
                    return absl::OkStatus();
                  });
  });
}

grpc::Status FriendHandler::GetFriendship(grpc::ServerContext* context,
                                          const v1::GetFriendshipRequest* request,
                                          v1::Friendship* response) {
  return HandleAsUser(
      *context, response, [&](const std::string& user) -> absl::StatusOr<v1::Friendship> {
        QS_RETURN_IF_ERROR(ValidateOtherUser("user_id", user, request->user_id()));
        const std::string other = absl::AsciiStrToLower(request->user_id());
        // The primary: the caller's own change of a moment ago shows at once.
        return database_.ReadFromPrimary([&](db::ReadTx& tx) -> absl::StatusOr<v1::Friendship> {
          return ViewOf(store_.LoadPair(tx, user, other), other, PairId(user, other));
        });
      });
}

grpc::Status FriendHandler::ListMutualFriends(grpc::ServerContext* context,
                                              const v1::ListMutualFriendsRequest* request,
                                              v1::ListMutualFriendsResponse* response) {
  return HandleAsUser(*context, response, [&](const std::string& user) -> absl::Status {
    QS_RETURN_IF_ERROR(ValidateOtherUser("user_id", user, request->user_id()));
    const std::string other = absl::AsciiStrToLower(request->user_id());
    QS_ASSIGN_OR_RETURN(
        api::KeysetPage page,
        api::KeysetPage::Open(page_tokens_,
                              absl::StrCat(kService, "ListMutualFriends|", user, "|", other),
                              request->page_size(), request->page_token()));
    QS_ASSIGN_OR_RETURN(
        std::vector<std::string> ids,
        database_.Read([&](db::ReadTx& tx) -> absl::StatusOr<std::vector<std::string>> {
          const PairFacts facts = store_.LoadPair(tx, user, other);
          if (facts.caller_blocks_since_micros || facts.other_blocks_since_micros) {
            return absl::FailedPreconditionError(
                absl::StrCat("a block stands between you and user ", other,
                             "; mutual friends are shown only without one"));
          }
          return store_.ListMutual(tx, user, other, page.after(), page.fetch_limit());
        }));
    response->set_next_page_token(page.Close(ids, [](const std::string& last) {
      return api::KeysetPosition{0, last};
    }));
    for (std::string& id : ids) response->add_user_ids(std::move(id));
    return absl::OkStatus();
  });
}

void FriendHandler::ServeAsyncMethods(grpc_util::MethodTable& methods) {
  // The listings: one statement each on the replica, answered from the read
  // path's callback without a worker. (ListMutualFriends reads the pair
  // first and stays blocking.)
  grpc_util::ServeAsyncAsUser(
      methods, &v1::FriendService::Service::ListFriends,
      [this](const v1::ListFriendsRequest& request, const std::string& user,
             grpc_util::Reply<v1::ListFriendsRequest, v1::ListFriendsResponse> reply) {
        QS_REPLY_IF_ERROR(reply, ValidateListState(request.state()));
        absl::StatusOr<api::KeysetPage> page = api::KeysetPage::Open(
            page_tokens_, absl::StrCat(kService, "ListFriends|", user, "|", request.state()),
            request.page_size(), request.page_token());
        QS_REPLY_IF_ERROR(reply, page.status());
        FriendStore::ListAsync(
            database_.async_reads(), user, request.state(), page->after(), page->fetch_limit(),
            reply.deadline(),
            grpc_util::ReplyWithPage(
                reply, *page, &v1::ListFriendsResponse::mutable_friendships,
                [](const v1::Friendship& last) {
                  return api::KeysetPosition{db::TimestampMicros(last.since()), last.user_id()};
                }));
      });
  grpc_util::ServeAsyncAsUser(
      methods, &v1::FriendService::Service::SuggestFriends,
      [this](const v1::SuggestFriendsRequest& request, const std::string& user,
             grpc_util::Reply<v1::SuggestFriendsRequest, v1::SuggestFriendsResponse> reply) {
        absl::StatusOr<api::KeysetPage> page =
            api::KeysetPage::Open(page_tokens_, absl::StrCat(kService, "SuggestFriends|", user),
                                  request.page_size(), request.page_token());
        QS_REPLY_IF_ERROR(reply, page.status());
        SuggestionStore::SuggestAsync(
            database_.async_reads(), user, page->after(), page->fetch_limit(),
            settings_.suggestion_list_size, reply.deadline(),
            grpc_util::ReplyWithPage(
                reply, *page, &v1::SuggestFriendsResponse::mutable_suggestions,
                [](const v1::FriendSuggestion& last) {
                  return api::KeysetPosition{last.mutual_friend_count(), last.user_id()};
                }));
      });
  grpc_util::ServeAsyncAsUser(
      methods, &v1::FriendService::Service::ListFriendHistory,
      [this](const v1::ListFriendHistoryRequest& request, const std::string& user,
             grpc_util::Reply<v1::ListFriendHistoryRequest, v1::ListFriendHistoryResponse> reply) {
        std::optional<std::string> other;
        if (!request.other_user_id().empty()) {
          QS_REPLY_IF_ERROR(reply,
                            ValidateOtherUser("other_user_id", user, request.other_user_id()));
          other = absl::AsciiStrToLower(request.other_user_id());
        }
        absl::StatusOr<api::KeysetPage> page = api::KeysetPage::Open(
            page_tokens_,
            absl::StrCat(kService, "ListFriendHistory|", user, "|", other.value_or("")),
            request.page_size(), request.page_token());
        QS_REPLY_IF_ERROR(reply, page.status());
        FriendStore::ListHistoryAsync(
            database_.async_reads(), user, other, page->after(), page->fetch_limit(),
            reply.deadline(),
            grpc_util::ReplyWithPage(
                reply, *page, &v1::ListFriendHistoryResponse::mutable_entries,
                [](const v1::FriendHistoryEntry& last) {
                  return api::KeysetPosition{db::TimestampMicros(last.created_at()), last.id()};
                }));
      });
}

void FriendHandler::SweepExpired() {
  while (!expiry_sweeper_.StopRequested()) {
    absl::StatusOr<size_t> deleted =
        database_.Write([&](db::WriteTx& tx) -> absl::StatusOr<size_t> {
          return store_.DeleteExpired(tx, settings_.expiry_batch_size).size();
        });
    if (!deleted.ok()) {
      spdlog::warn("expired friend requests not swept: {}", deleted.status().ToString());
      return;
    }
    if (*deleted > 0) spdlog::info("swept {} expired friend requests", *deleted);
    if (*deleted < static_cast<size_t>(settings_.expiry_batch_size)) return;
  }
}

}  // namespace qs::social
