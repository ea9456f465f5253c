// social.v1.ChatService: validate, authorise (chat_rules.h), call the store,
// map. Which node each RPC reads is part of its contract (chat.proto):
// SendMessage, EditMessage, DeleteMessage and MarkChannelRead read and write
// the primary in one transaction; ListMessages, ListMessageEdits and
// ListChannels read the replica (ListMessages and ListMessageEdits confirm a
// channel or message the replica does not know yet on the primary, so one
// created by the caller a moment ago is never NOT_FOUND); ListChannels runs
// non-blocking (ServeAsyncMethods).
#ifndef QS_SOCIAL_CHAT_HANDLER_H_
#define QS_SOCIAL_CHAT_HANDLER_H_

#include <string>

#include "absl/status/statusor.h"
#include "common/api/page_token.h"
#include "common/db/database.h"
#include "common/grpc/method_table.h"
#include "proto/social/v1/chat.grpc.pb.h"
#include "social/chat_rules.h"
#include "social/chat_settings.h"
#include "social/chat_store.h"

namespace qs::social {

class ChatHandler final : public v1::ChatService::Service {
 public:
  ChatHandler(db::Database& database, api::PageTokenCodec page_tokens, ChatSettings settings)
      : database_(database), page_tokens_(std::move(page_tokens)), settings_(settings) {}

  // ListChannels runs here, non-blocking (common/grpc/method_table.h).
  void ServeAsyncMethods(grpc_util::MethodTable& methods);

  grpc::Status SendMessage(grpc::ServerContext* context, const v1::SendMessageRequest* request,
                           v1::SendMessageResponse* response) override;
  grpc::Status ListMessages(grpc::ServerContext* context, const v1::ListMessagesRequest* request,
                            v1::ListMessagesResponse* response) override;
  grpc::Status EditMessage(grpc::ServerContext* context, const v1::EditMessageRequest* request,
                           v1::EditMessageResponse* response) override;
  grpc::Status DeleteMessage(grpc::ServerContext* context, const v1::DeleteMessageRequest* request,
                             v1::DeleteMessageResponse* response) override;
  grpc::Status MarkChannelRead(grpc::ServerContext* context,
                               const v1::MarkChannelReadRequest* request,
                               v1::MarkChannelReadResponse* response) override;
  grpc::Status ListMessageEdits(grpc::ServerContext* context,
                                const v1::ListMessageEditsRequest* request,
                                v1::ListMessageEditsResponse* response) override;

 private:
  // What `user` may do in `channel`, from the guild's members or the pair's
  // blocks.
  ChannelAccess AccessOf(db::TransactionBase& tx, const StoredChannel& channel,
                         const std::string& user);
  // The channel `user` may read (one statement), PERMISSION_DENIED when
  // they may not, NOT_FOUND when there is none.
  absl::StatusOr<StoredChannel> ReadableChannel(db::TransactionBase& tx,
                                                const std::string& channel_id,
                                                const std::string& user);

  db::Database& database_;
  api::PageTokenCodec page_tokens_;
  ChatSettings settings_;
  ChatStore store_;
};

}  // namespace qs::social

#endif  // QS_SOCIAL_CHAT_HANDLER_H_
