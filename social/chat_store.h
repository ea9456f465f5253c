// All SQL that writes chat_channels, chat_messages, chat_message_edits and
// channel_read_marks, and every read of them: the one place where their
// columns map to social.v1.ChatMessage / Channel. Reads may join the guild
// store's guild_members and the friend store's user_blocks (who may read and
// post); writes never touch another store's table. Every message written
// here also writes its social.v1.ChatMessageSent event to the outbox in the
// same transaction, so no message exists without its event.
//
// Sequences: appending a message increments chat_channels.last_sequence with
// an UPDATE ... RETURNING in the caller's transaction. The row lock it takes
// is held until that transaction ends, so senders to one channel are
// serialised from their number to their commit, and sequences are 1, 2, 3,
// ... without gaps or repeats (a rolled-back send gives its number back with
// the rollback). That is the only row a send locks, and it is taken by the
// send's last statement (Append): whatever else a send reads comes before,
// in one statement without locks (PrepareSend), and what it writes after the
// message travels with the COMMIT (WriteTx::Defer). So a send holds the
// channel for one round trip, its commit's; no gap-free numbering can hold it
// less, since the next number depends on whether this one commits.
//
// The guild service posts system messages in its own transaction:
//
//   ChatStore chat;
//   database.Write([&](db::WriteTx& tx) -> absl::Status {
//     ...add the member...
//     chat.PostGuildSystemMessage(tx, guild_id, absl::StrCat(name, " joined the guild"));
//     return absl::OkStatus();
//   });
//
// libpqxx exceptions propagate to Database::Read/Write. ListChannelsAsync
// runs on the async read path (common/db/async_rows.h). Stateless: one
// instance may be shared by every thread.
#ifndef QS_SOCIAL_CHAT_STORE_H_
#define QS_SOCIAL_CHAT_STORE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/api/keyset_position.h"
#include "common/db/async_read_pool.h"
#include "common/db/async_rows.h"
#include "common/db/database.h"
#include "common/db/prepared_statement.h"
#include "common/db/transaction.h"
#include "proto/social/v1/chat.pb.h"

namespace qs::social {

namespace v1 = ::social::v1;

// A channel as access checks see it.
struct StoredChannel {
  std::string id;
  v1::ChannelKind kind = v1::CHANNEL_KIND_UNSPECIFIED;
  // Direct channels: the two users, sorted; empty for guild channels.
  std::string user_low_id;
  std::string user_high_id;
  // Guild channels: the guild; empty for direct channels.
  std::string guild_id;
  int64_t last_sequence = 0;
};

// Where a user stands in a guild (from guild_members).
struct GuildStanding {
  bool guild_exists = false;
  // False when the user has no guild_members row.
  bool has_row = false;
  std::string role;   // "owner", "admin", "member"
  std::string state;  // "member", "join_request", "banned"
  // Microseconds since the epoch of muted_until when it is still ahead; 0
  // when the user is not muted now.
  int64_t muted_until_micros = 0;
};

struct ChannelForUser {
  StoredChannel channel;
  GuildStanding standing;  // guild channels
  bool blocked = false;    // direct channels, when the user is one of the pair
};

// The channel a SendMessage names: by id, or the direct channel of a pair or
// the channel of a guild, created for the first message.
struct SendTarget {
  enum class Kind { kChannel, kDirect, kGuild };
  Kind kind = Kind::kChannel;
  // kChannel: the channel id; kDirect: the recipient; kGuild: the guild id.
  std::string id;
};

// What a send reads before it writes (ChatStore::PrepareSend).
struct SendContext {
  // The channel and the sender's standing or blocks in it.
  ChannelForUser target;
  // The sender's message with the request's client_message_id, if any.
  std::optional<v1::ChatMessage> earlier;
  // Who may read the new message, the sender excluded (ChatMessageSent).
  std::vector<std::string> recipients;
};

// A message to append; sender_id empty for a system message.
struct NewMessage {
  std::string sender_id;
  std::string text;
  std::string metadata_json;      // "" = none
  std::string client_message_id;  // "" = none
};

// One page of a channel's history by sequence.
struct MessageRange {
  bool forward = false;
  // Forward: sequence >= from; backward: sequence <= from.
  int64_t from = 0;
  int limit = 20;
};

// A channel of a user's channel list, with its last activity (the keyset).
struct ChannelListEntry {
  v1::Channel channel;
  int64_t last_message_at_micros = 0;
};

class ChatStore {
 public:
  // Prepared once per connection (see ServiceDefinition).
  static std::vector<db::PreparedStatement> PreparedStatements();

  // Appends a system message to `guild_id`'s channel, creating the channel
  // when the guild has none, with the channel's next sequence, in `tx` (the
  // caller's transaction: it commits or rolls back with the caller's
  // change), plus its ChatMessageSent event. `text` should be valid UTF-8
  // without NUL (the caller's own text, not user input). The guild row must
  // exist (a foreign key). Holds the channel's row lock until `tx` ends.
  v1::ChatMessage PostGuildSystemMessage(db::WriteTx& tx, const std::string& guild_id,
                                         const std::string& text);

  // Everything `sender_id`'s send to `target` needs before it writes, in
  // one round trip (BEGIN and the statements below travel together): the
  // channel, created when a direct or guild target has none yet (safe
  // against concurrent first sends: all get the one channel; a guild
  // channel only for a guild that exists), what the sender is in it, the
  // recipients, and the sender's message with `client_message_id` when it
  // is not empty. A send with a client id first waits for any other open
  // send of the same sender, channel and client id (a transaction-scoped
  // advisory lock), so a retry racing its original sees the original's
  // message here. No row locks. nullopt when there is no such channel (or,
  // for kGuild, guild).
  std::optional<SendContext> PrepareSend(db::WriteTx& tx, const SendTarget& target,
                                         const std::string& sender_id,
                                         const std::string& client_message_id);
  // The guild's channel, created when missing (the guild must exist).
  StoredChannel FindOrCreateGuildChannel(db::WriteTx& tx, const std::string& guild_id);

  // NOT_FOUND when there is no such channel. Either transaction kind.
  absl::StatusOr<StoredChannel> GetChannel(db::TransactionBase& tx, const std::string& channel_id);
  // The direct channel of the pair if one exists.
  std::optional<StoredChannel> FindDirectChannel(db::TransactionBase& tx, const std::string& user_a,
                                                 const std::string& user_b);

  // The channel and what `user` is in it, in one statement: the guild
  // standing of a guild channel's reader, whether a direct channel's pair
  // blocks either way (only computed for a participant). NOT_FOUND when
  // there is no such channel.
  absl::StatusOr<ChannelForUser> GetChannelForUser(db::TransactionBase& tx,
                                                   const std::string& channel_id,
                                                   const std::string& user_id);

  // Reads of the other stores' tables, for access checks.
  GuildStanding StandingInGuild(db::TransactionBase& tx, const std::string& guild_id,
                                const std::string& user_id);
  // True while either user blocks the other.
  bool BlockedEitherWay(db::TransactionBase& tx, const std::string& user_a,
                        const std::string& user_b);

  // Appends `message` with the channel's next sequence (one statement,
  // which takes the channel's row lock: see Sequences above) and writes its
  // ChatMessageSent event to `recipients`. A user's message also moves the
  // sender's read mark to it (their own message is never unread). The
  // event and the read mark are deferred: they travel with the COMMIT.
  v1::ChatMessage Append(db::WriteTx& tx, const StoredChannel& channel, const NewMessage& message,
                         const std::vector<std::string>& recipients);

  // NOT_FOUND when there is no such message.
  absl::StatusOr<v1::ChatMessage> GetMessage(db::TransactionBase& tx,
                                             const std::string& message_id);
  absl::StatusOr<v1::ChatMessage> GetMessageForUpdate(db::WriteTx& tx,
                                                      const std::string& message_id);
  // Keeps the current text in chat_message_edits, writes `text`, marks it
  // edited. The caller checked that the message is not deleted.
  v1::ChatMessage Edit(db::WriteTx& tx, const std::string& message_id, const std::string& text);
  // Soft delete: text and metadata cleared and the edit history removed in
  // one transaction, so no reader sees a deleted message with earlier texts.
  v1::ChatMessage Delete(db::WriteTx& tx, const std::string& message_id);
  // The previous texts of a message that is not deleted, oldest first by
  // (edited_at, id), after `after` (key: edited_at in microseconds, id: the
  // edit's id). Nothing for a deleted message, whatever rows remain: the
  // check is in the same statement as the read.
  std::vector<v1::MessageEdit> ListEdits(db::ReadTx& tx, const std::string& message_id,
                                         const std::optional<api::KeysetPosition>& after,
                                         int limit);

  std::vector<v1::ChatMessage> ListMessages(db::ReadTx& tx, const std::string& channel_id,
                                            const MessageRange& range);
  // The sequence a page from `micros` starts at: backward, the last message
  // sent at or before it (0 when none); forward, the first at or after it
  // (last_sequence + 1 when none).
  int64_t SequenceAtTime(db::ReadTx& tx, const std::string& channel_id, int64_t micros,
                         bool forward);

  // Moves the user's mark up to `sequence`, never backward; returns the mark.
  int64_t MarkRead(db::WriteTx& tx, const std::string& channel_id, const std::string& user_id,
                   int64_t sequence);

  // The user's direct channels and the channels of the guilds they are a
  // member of, by (last_message_at, id) descending, after `after`. On the
  // replica, by `deadline`.
  static void ListChannelsAsync(db::AsyncReadPool& reads, const std::string& user_id,
                                const std::optional<api::KeysetPosition>& after, int limit,
                                absl::Time deadline, db::RowsDone<ChannelListEntry> done);
};

}  // namespace qs::social

#endif  // QS_SOCIAL_CHAT_STORE_H_
