#include "social/chat_handler.h"

#include <cstdint>
#include <limits>
#include <optional>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/api/keyset_page.h"
#include "common/api/validation.h"
#include "common/base/status_macros.h"
#include "common/db/row_mapping.h"
#include "common/grpc/async_handler.h"
#include "common/grpc/handler.h"
#include "common/grpc/page_reply.h"
#include "proto/social/v1/social_methods.h"

namespace qs::social {
namespace {

using grpc_util::HandleAsUser;

absl::Status ValidateSend(const v1::SendMessageRequest& request, const std::string& user,
                          const ChatSettings& settings) {
  switch (request.target_case()) {
    case v1::SendMessageRequest::kChannelId:
      QS_RETURN_IF_ERROR(api::RequireUuid("channel_id", request.channel_id()));
      break;
    case v1::SendMessageRequest::kRecipientUserId:
      QS_RETURN_IF_ERROR(api::RequireUuid("recipient_user_id", request.recipient_user_id()));
      if (absl::AsciiStrToLower(request.recipient_user_id()) == user) {
        return absl::InvalidArgumentError(
            "recipient_user_id: is the acting user; a direct channel joins two users");
      }
      break;
    case v1::SendMessageRequest::kGuildId:
      QS_RETURN_IF_ERROR(api::RequireUuid("guild_id", request.guild_id()));
      break;
    default:
      return absl::InvalidArgumentError(
          "target: one of channel_id, recipient_user_id or guild_id is required");
  }
  return api::FirstError(
      {ValidateMessageText("text", request.text(), settings.max_message_bytes),
       ValidateMetadataJson("metadata_json", request.metadata_json()),
       ValidateClientMessageId("client_message_id", request.client_message_id())});
}

// The channel a validated request sends to, ids lower-cased.
SendTarget TargetOf(const v1::SendMessageRequest& request) {
  switch (request.target_case()) {
    case v1::SendMessageRequest::kChannelId:
      return {SendTarget::Kind::kChannel, absl::AsciiStrToLower(request.channel_id())};
    case v1::SendMessageRequest::kRecipientUserId:
      // Created even when the send is refused: the refusal rolls the
      // transaction back, channel included.
      return {SendTarget::Kind::kDirect, absl::AsciiStrToLower(request.recipient_user_id())};
    default:
      return {SendTarget::Kind::kGuild, absl::AsciiStrToLower(request.guild_id())};
  }
}

absl::Status GuildNotFound(const std::string& guild_id) {
  return absl::NotFoundError(absl::StrCat("guild ", guild_id, " not found"));
}

std::string ListMessagesScope(const std::string& user, const v1::ListMessagesRequest& request) {
  return absl::StrCat("social.v1.ChatService/ListMessages|", user, "|",
                      absl::AsciiStrToLower(request.channel_id()), "|", request.direction());
}

// What `user` may do in `channel`, given the standing and block read for it.
ChannelAccess AccessFrom(const StoredChannel& channel, const std::string& user,
                         const GuildStanding& standing, bool blocked) {
  ChannelAccess access;
  access.kind = channel.kind;
  if (channel.kind == v1::CHANNEL_KIND_DIRECT) {
    access.is_participant = user == channel.user_low_id || user == channel.user_high_id;
    access.blocked = access.is_participant && blocked;
  } else {
    access.guild_role = standing.role;
    access.guild_state = standing.state;
    access.muted_until_micros = standing.muted_until_micros;
  }
  return access;
}

}  // namespace

ChannelAccess ChatHandler::AccessOf(db::TransactionBase& tx, const StoredChannel& channel,
                                    const std::string& user) {
  if (channel.kind == v1::CHANNEL_KIND_DIRECT) {
    const bool participant = user == channel.user_low_id || user == channel.user_high_id;
    return AccessFrom(
        channel, user, GuildStanding{},
        participant && store_.BlockedEitherWay(tx, channel.user_low_id, channel.user_high_id));
  }
  return AccessFrom(channel, user, store_.StandingInGuild(tx, channel.guild_id, user), false);
}

absl::StatusOr<StoredChannel> ChatHandler::ReadableChannel(db::TransactionBase& tx,
                                                           const std::string& channel_id,
                                                           const std::string& user) {
  QS_ASSIGN_OR_RETURN(ChannelForUser found, store_.GetChannelForUser(tx, channel_id, user));
  QS_RETURN_IF_ERROR(MayRead(AccessFrom(found.channel, user, found.standing, found.blocked)));
  return found.channel;
}

grpc::Status ChatHandler::SendMessage(grpc::ServerContext* context,
                                      const v1::SendMessageRequest* request,
                                      v1::SendMessageResponse* response) {
  return HandleAsUser(
      *context, response, [&](const std::string& user) -> absl::StatusOr<v1::SendMessageResponse> {
        QS_RETURN_IF_ERROR(ValidateSend(*request, user, settings_));
        const SendTarget target = TargetOf(*request);
        return database_.Write([&](db::WriteTx& tx) -> absl::StatusOr<v1::SendMessageResponse> {
          // One read, then one write: the channel's row lock (the
          // sequence) is taken by the last statement before the COMMIT
          // (chat_store.h).
          std::optional<SendContext> context =
              store_.PrepareSend(tx, target, user, request->client_message_id());
          if (!context) {
            if (target.kind == SendTarget::Kind::kGuild) return GuildNotFound(target.id);
            return absl::NotFoundError(absl::StrCat("channel ", target.id, " not found"));
          }
          v1::SendMessageResponse reply;
          if (context->earlier) {
            *reply.mutable_message() = *std::move(context->earlier);
            reply.set_replayed(true);
            return reply;
          }
          const ChannelForUser& target_channel = context->target;
          QS_RETURN_IF_ERROR(MayPost(AccessFrom(target_channel.channel, user,
                                                target_channel.standing, target_channel.blocked)));
          *reply.mutable_message() =
              store_.Append(tx, target_channel.channel,
                            NewMessage{.sender_id = user,
                                       .text = request->text(),
                                       .metadata_json = request->metadata_json(),
                                       .client_message_id = request->client_message_id()},
                            context->recipients);
          return reply;
        });
      });
}

grpc::Status ChatHandler::ListMessages(grpc::ServerContext* context,
                                       const v1::ListMessagesRequest* request,
                                       v1::ListMessagesResponse* response) {
  return HandleAsUser(*context, response, [&](const std::string& user) -> absl::Status {
    QS_RETURN_IF_ERROR(
        api::FirstError({api::RequireUuid("channel_id", request->channel_id()),
                         v1::Direction_IsValid(request->direction())
                             ? absl::OkStatus()
                             : absl::InvalidArgumentError(
                                   absl::StrCat("direction: unknown value ", request->direction())),
                         request->start_case() == v1::ListMessagesRequest::kStartSequence
                             ? api::RequireInRange("start_sequence", request->start_sequence(), 1,
                                                   std::numeric_limits<int64_t>::max())
                             : absl::OkStatus()}));
    QS_ASSIGN_OR_RETURN(api::KeysetPage page,
                        api::KeysetPage::Open(page_tokens_, ListMessagesScope(user, *request),
                                              request->page_size(), request->page_token()));
    const std::string channel_id = absl::AsciiStrToLower(request->channel_id());
    const bool forward = request->direction() == v1::DIRECTION_FORWARD;

    struct Page {
      int64_t from = 0;
      std::vector<v1::ChatMessage> messages;
    };
    // No side effects: the read may run twice (a retry, then the primary
    // when the replica does not know the channel yet).
    QS_ASSIGN_OR_RETURN(
        Page result, database_.ReadConfirmingMiss([&](db::ReadTx& tx) -> absl::StatusOr<Page> {
          QS_ASSIGN_OR_RETURN(StoredChannel channel, ReadableChannel(tx, channel_id, user));
          Page read;
          if (page.after()) {
            read.from = forward ? page.after()->key + 1 : page.after()->key - 1;
          } else if (request->has_start_sequence()) {
            read.from = request->start_sequence();
          } else if (request->has_start_time()) {
            read.from = store_.SequenceAtTime(tx, channel_id,
                                              db::TimestampMicros(request->start_time()), forward);
          } else {
            read.from = forward ? 1 : std::numeric_limits<int64_t>::max();
          }
          read.messages = store_.ListMessages(
              tx, channel_id,
              MessageRange{.forward = forward, .from = read.from, .limit = page.fetch_limit()});
          return read;
        }));
    response->set_next_page_token(page.Close(result.messages, [](const v1::ChatMessage& m) {
      return api::KeysetPosition{m.sequence(), m.id()};
    }));
    response->set_start_sequence(
        result.from == std::numeric_limits<int64_t>::max()
            ? (result.messages.empty() ? 0 : result.messages.front().sequence())
            : result.from);
    for (v1::ChatMessage& m : result.messages) *response->add_messages() = std::move(m);
    return absl::OkStatus();
  });
}

grpc::Status ChatHandler::EditMessage(grpc::ServerContext* context,
                                      const v1::EditMessageRequest* request,
                                      v1::EditMessageResponse* response) {
  return HandleAsUser(
      *context, response, [&](const std::string& user) -> absl::StatusOr<v1::EditMessageResponse> {
        QS_RETURN_IF_ERROR(api::FirstError(
            {api::RequireUuid("message_id", request->message_id()),
             ValidateMessageText("text", request->text(), settings_.max_message_bytes)}));
        return database_.Write([&](db::WriteTx& tx) -> absl::StatusOr<v1::EditMessageResponse> {
          QS_ASSIGN_OR_RETURN(
              v1::ChatMessage message,
              store_.GetMessageForUpdate(tx, absl::AsciiStrToLower(request->message_id())));
          QS_ASSIGN_OR_RETURN(StoredChannel channel, store_.GetChannel(tx, message.channel_id()));
          QS_RETURN_IF_ERROR(MayRead(AccessOf(tx, channel, user)));
          QS_RETURN_IF_ERROR(MayEdit(message, user));
          v1::EditMessageResponse reply;
          *reply.mutable_message() = store_.Edit(tx, message.id(), request->text());
          return reply;
        });
      });
}

grpc::Status ChatHandler::DeleteMessage(grpc::ServerContext* context,
                                        const v1::DeleteMessageRequest* request,
                                        v1::DeleteMessageResponse* response) {
  return HandleAsUser(
      *context, response,
      [&](const std::string& user) -> absl::StatusOr<v1::DeleteMessageResponse> {
        QS_RETURN_IF_ERROR(api::RequireUuid("message_id", request->message_id()));
        return database_.Write([&](db::WriteTx& tx) -> absl::StatusOr<v1::DeleteMessageResponse> {
          QS_ASSIGN_OR_RETURN(
              v1::ChatMessage message,
              store_.GetMessageForUpdate(tx, absl::AsciiStrToLower(request->message_id())));
          QS_ASSIGN_OR_RETURN(StoredChannel channel, store_.GetChannel(tx, message.channel_id()));
          QS_RETURN_IF_ERROR(MayDelete(message, user, AccessOf(tx, channel, user)));
          v1::DeleteMessageResponse reply;
          *reply.mutable_message() =
              message.deleted() ? std::move(message) : store_.Delete(tx, message.id());
          return reply;
        });
      });
}

grpc::Status ChatHandler::MarkChannelRead(grpc::ServerContext* context,
                                          const v1::MarkChannelReadRequest* request,
                                          v1::MarkChannelReadResponse* response) {
  return HandleAsUser(
      *context, response,
      [&](const std::string& user) -> absl::StatusOr<v1::MarkChannelReadResponse> {
        QS_RETURN_IF_ERROR(
            api::FirstError({api::RequireUuid("channel_id", request->channel_id()),
                             api::RequireInRange("up_to_sequence", request->up_to_sequence(), 0,
                                                 std::numeric_limits<int64_t>::max())}));
        return database_.Write([&](db::WriteTx& tx) -> absl::StatusOr<v1::MarkChannelReadResponse> {
          QS_ASSIGN_OR_RETURN(
              StoredChannel channel,
              ReadableChannel(tx, absl::AsciiStrToLower(request->channel_id()), user));
          QS_RETURN_IF_ERROR(
              ValidateReadMark("up_to_sequence", request->up_to_sequence(), channel.last_sequence));
          v1::MarkChannelReadResponse reply;
          reply.set_last_read_sequence(
              store_.MarkRead(tx, channel.id, user,
                              RequestedMark(request->up_to_sequence(), channel.last_sequence)));
          reply.set_unread_count(UnreadCount(channel.last_sequence, reply.last_read_sequence()));
          return reply;
        });
      });
}

void ChatHandler::ServeAsyncMethods(grpc_util::MethodTable& methods) {
  // One statement on the replica, answered from the read path's callback
  // without a worker. (ListMessages and ListMessageEdits check the channel
  // and the caller's access first and confirm a miss on the primary: they
  // stay blocking.)
  grpc_util::ServeAsyncAsUser(
      methods, &v1::ChatService::Service::ListChannels,
      [this](const v1::ListChannelsRequest& request, const std::string& user,
             grpc_util::Reply<v1::ListChannelsRequest, v1::ListChannelsResponse> reply) {
        absl::StatusOr<api::KeysetPage> page = api::KeysetPage::Open(
            page_tokens_, absl::StrCat("social.v1.ChatService/ListChannels|", user),
            request.page_size(), request.page_token());
        QS_REPLY_IF_ERROR(reply, page.status());
        ChatStore::ListChannelsAsync(
            database_.async_reads(), user, page->after(), page->fetch_limit(), reply.deadline(),
            grpc_util::ReplyWithPage(
                reply, *page, &v1::ListChannelsResponse::mutable_channels,
                [](const ChannelListEntry& last) {
                  return api::KeysetPosition{last.last_message_at_micros, last.channel.id()};
                },
                &ChannelListEntry::channel));
      });
}

grpc::Status ChatHandler::ListMessageEdits(grpc::ServerContext* context,
                                           const v1::ListMessageEditsRequest* request,
                                           v1::ListMessageEditsResponse* response) {
  return HandleAsUser(*context, response, [&](const std::string& user) -> absl::Status {
    QS_RETURN_IF_ERROR(api::FirstError({api::RequireUuid("channel_id", request->channel_id()),
                                        api::RequireUuid("message_id", request->message_id())}));
    const std::string channel_id = absl::AsciiStrToLower(request->channel_id());
    const std::string message_id = absl::AsciiStrToLower(request->message_id());
    QS_ASSIGN_OR_RETURN(
        api::KeysetPage page,
        api::KeysetPage::Open(page_tokens_,
                              absl::StrCat("social.v1.ChatService/ListMessageEdits|", user, "|",
                                           channel_id, "|", message_id),
                              request->page_size(), request->page_token()));
    // No side effects: the read may run twice (a retry, then the primary on
    // a miss). The channel's access is checked before the message is looked
    // up, so an outsider learns nothing about the channel's messages.
    QS_ASSIGN_OR_RETURN(
        std::vector<v1::MessageEdit> edits,
        database_.ReadConfirmingMiss(
            [&](db::ReadTx& tx) -> absl::StatusOr<std::vector<v1::MessageEdit>> {
              QS_RETURN_IF_ERROR(ReadableChannel(tx, channel_id, user).status());
              QS_ASSIGN_OR_RETURN(v1::ChatMessage message, store_.GetMessage(tx, message_id));
              if (message.channel_id() != channel_id) {
                return absl::NotFoundError(absl::StrCat("message_id: message ", message_id,
                                                        " not found in channel ", channel_id));
              }
              return store_.ListEdits(tx, message_id, page.after(), page.fetch_limit());
            }));
    response->set_next_page_token(page.Close(edits, [](const v1::MessageEdit& last) {
      return api::KeysetPosition{db::TimestampMicros(last.edited_at()), last.id()};
    }));
    for (v1::MessageEdit& edit : edits) *response->add_edits() = std::move(edit);
    return absl::OkStatus();
  });
}

}  // namespace qs::social
