#include "social/chat_store.h"

#include <tuple>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/db/keyset_sql.h"
#include "common/db/row_mapping.h"
#include "common/events/outbox.h"
#include "pqxx/pqxx"
#include "proto/social/v1/events.pb.h"
#include "social/chat_rules.h"

namespace qs::social {
namespace {

// Hot reads, prepared on every connection (PreparedStatements).
constexpr char kGetChannel[] = "social_chat_channel_get";
constexpr char kGetMessage[] = "social_chat_message_get";
constexpr char kGetChannelForUser[] = "social_chat_channel_for_user";
constexpr char kListMessagesForward[] = "social_chat_messages_forward";
constexpr char kListMessagesBackward[] = "social_chat_messages_backward";
// ListChannels' read, on the async read path; planned per call (the
// optional keyset position, $2 = '' on a first page).
constexpr char kListChannels[] = "social_chat_channels_of_user";

constexpr char kChannelColumns[] =
    "id::text, kind, coalesce(user_low_id::text, ''), coalesce(user_high_id::text, ''), "
    "coalesce(guild_id::text, ''), last_sequence";

// The message columns of table alias `m` (13 columns).
std::string MessageColumns(absl::string_view m) {
  return absl::StrCat(m, ".id::text, ", m, ".channel_id::text, ", m, ".sequence, coalesce(", m,
                      ".sender_id::text, ''), ", m, ".kind, ", m, ".text, coalesce(", m,
                      ".metadata::text, ''), coalesce(", m, ".client_message_id, ''), ", m,
                      ".edited, ", m, ".deleted, ", db::MicrosSql(absl::StrCat(m, ".created_at")),
                      ", ", db::MicrosOrZeroSql(absl::StrCat(m, ".edited_at")), ", ",
                      db::MicrosOrZeroSql(absl::StrCat(m, ".deleted_at")));
}

const std::string& Columns() {
  static const std::string* columns = new std::string(MessageColumns("chat_messages"));
  return *columns;
}

StoredChannel ChannelFromRow(const pqxx::row& row) {
  StoredChannel channel;
  channel.id = row[0].as<std::string>();
  channel.kind = ChannelKindCodes().FromCode(row[1].as<std::string>());
  channel.user_low_id = row[2].as<std::string>();
  channel.user_high_id = row[3].as<std::string>();
  channel.guild_id = row[4].as<std::string>();
  channel.last_sequence = row[5].as<int64_t>();
  return channel;
}

// The message in the 13 columns of `row` from `first` on (MessageColumns).
v1::ChatMessage MessageFromRow(const pqxx::row& row, int first = 0) {
  v1::ChatMessage m;
  m.set_id(row[first + 0].as<std::string>());
  m.set_channel_id(row[first + 1].as<std::string>());
  m.set_sequence(row[first + 2].as<int64_t>());
  m.set_sender_id(row[first + 3].as<std::string>());
  m.set_kind(MessageKindCodes().FromCode(row[first + 4].as<std::string>()));
  m.set_text(row[first + 5].as<std::string>());
  m.set_metadata_json(row[first + 6].as<std::string>());
  m.set_client_message_id(row[first + 7].as<std::string>());
  m.set_edited(row[first + 8].as<bool>());
  m.set_deleted(row[first + 9].as<bool>());
  db::SetTimestamp(row[first + 10].as<int64_t>(), m.mutable_created_at());
  db::SetTimestampIfSet(row[first + 11].as<int64_t>(), m, &v1::ChatMessage::mutable_edited_at);
  db::SetTimestampIfSet(row[first + 12].as<int64_t>(), m, &v1::ChatMessage::mutable_deleted_at);
  return m;
}

// The channel `where` picks and what the user $2 is in it (12 columns:
// ChannelForUserFromRow), then `more_columns`, from chat_channels and
// `more_joins`. Plain reads: no row locks.
std::string ChannelForUserSql(absl::string_view where, absl::string_view more_columns = "",
                              absl::string_view more_joins = "") {
  return absl::StrCat(
      "SELECT ", kChannelColumns,
      ", g.guild_exists, g.has_row, g.member_role, g.member_state, g.muted_micros,"
      " kind = 'direct' AND $2::uuid IN (user_low_id, user_high_id) AND EXISTS ("
      "   SELECT 1 FROM user_blocks b"
      "   WHERE (b.blocker_id = user_low_id AND b.blocked_id = user_high_id)"
      "   OR (b.blocker_id = user_high_id AND b.blocked_id = user_low_id))",
      more_columns,
      " FROM chat_channels CROSS JOIN LATERAL ("
      "   SELECT EXISTS (SELECT 1 FROM guilds WHERE guilds.id = chat_channels.guild_id)"
      "     AS guild_exists, m.user_id IS NOT NULL AS has_row,"
      "     coalesce(m.role, '') AS member_role, coalesce(m.state, '') AS member_state,"
      "     CASE WHEN m.muted_until > clock_timestamp() THEN ",
      db::MicrosSql("m.muted_until"),
      " ELSE 0 END AS muted_micros"
      "   FROM (VALUES (1)) AS one LEFT JOIN guild_members m"
      "     ON m.guild_id = chat_channels.guild_id AND m.user_id = $2::uuid) g",
      more_joins, " WHERE ", where);
}

ChannelForUser ChannelForUserFromRow(const pqxx::row& row) {
  return ChannelForUser{
      .channel = ChannelFromRow(row),
      .standing = GuildStanding{row[6].as<bool>(), row[7].as<bool>(), row[8].as<std::string>(),
                                row[9].as<std::string>(), row[10].as<int64_t>()},
      .blocked = row[11].as<bool>(),
  };
}

// $1 the channel, $2 the user, $3 the sequence; returns the mark.
constexpr char kMarkReadSql[] =
    "INSERT INTO channel_read_marks (channel_id, user_id, last_read_sequence) "
    "VALUES ($1, $2, $3) ON CONFLICT (channel_id, user_id) DO UPDATE SET "
    "last_read_sequence = greatest(channel_read_marks.last_read_sequence, "
    "EXCLUDED.last_read_sequence), updated_at = clock_timestamp() "
    "RETURNING last_read_sequence";

// The class of PrepareSend's advisory locks (pg_advisory_xact_lock(class,
// key)): one per (channel, sender, client message id), hashed.
constexpr int32_t kSendLockClass = 0x43534e44;  // "CSND"

// The chat_channels rows a send target names, $1 the target (a direct
// channel: $1 the lower user, $4 the higher).
absl::string_view SendTargetWhere(SendTarget::Kind kind) {
  switch (kind) {
    case SendTarget::Kind::kDirect:
      return "chat_channels.user_low_id = $1::uuid AND chat_channels.user_high_id = $4::uuid";
    case SendTarget::Kind::kGuild:
      return "chat_channels.guild_id = $1::uuid";
    default:
      return "chat_channels.id = $1::uuid";
  }
}

// The channel of a send target made when missing; nothing for kChannel.
// Params as SendTargetWhere.
absl::string_view CreateSendTargetSql(SendTarget::Kind kind) {
  switch (kind) {
    case SendTarget::Kind::kDirect:
      // DO NOTHING waits for a concurrent creator, then leaves its channel.
      return "INSERT INTO chat_channels (kind, user_low_id, user_high_id) "
             "VALUES ('direct', $1::uuid, $4::uuid) "
             "ON CONFLICT (user_low_id, user_high_id) DO NOTHING";
    case SendTarget::Kind::kGuild:
      // Only for a guild that exists: a missing one is NOT_FOUND, not a
      // foreign key violation.
      return "INSERT INTO chat_channels (kind, guild_id) "
             "SELECT 'guild', id FROM guilds WHERE id = $1::uuid "
             "ON CONFLICT (guild_id) DO NOTHING";
    default:
      return "";
  }
}

// PrepareSend's read, params as SendTargetWhere plus $2 the sender and $3
// the client message id. Columns: ChannelForUserSql's 12; 12 the recipients
// of a guild channel (comma-separated UUIDs); 13 whether the sender's
// message with the client id exists; 14..26 that message.
std::string PrepareSendSqlOf(SendTarget::Kind kind) {
  return ChannelForUserSql(
      SendTargetWhere(kind),
      ", coalesce((SELECT string_agg(r.user_id::text, ',' ORDER BY r.user_id) "
      "FROM guild_members r WHERE r.guild_id = chat_channels.guild_id AND r.state = 'member' "
      "AND r.user_id <> $2::uuid), ''), earlier.e_id IS NOT NULL, earlier.*",
      absl::StrCat(" LEFT JOIN LATERAL (SELECT ", MessageColumns("e"),
                   " FROM chat_messages e WHERE e.channel_id = chat_channels.id "
                   "AND e.sender_id = $2::uuid AND e.client_message_id = $3::text) "
                   "AS earlier(e_id, e_channel_id, e_sequence, e_sender_id, e_kind, e_text, "
                   "e_metadata, e_client_message_id, e_edited, e_deleted, e_created_at, "
                   "e_edited_at, e_deleted_at) ON true"));
}

const std::string& PrepareSendSql(SendTarget::Kind kind) {
  static const std::string* const sql[] = {
      new std::string(PrepareSendSqlOf(SendTarget::Kind::kChannel)),
      new std::string(PrepareSendSqlOf(SendTarget::Kind::kDirect)),
      new std::string(PrepareSendSqlOf(SendTarget::Kind::kGuild)),
  };
  return *sql[static_cast<int>(kind)];
}

std::optional<StoredChannel> FirstChannel(const pqxx::result& rows) {
  if (rows.empty()) return std::nullopt;
  return ChannelFromRow(rows[0]);
}

absl::Status MessageNotFound(const std::string& id) {
  return absl::NotFoundError(absl::StrCat("message ", id, " not found"));
}

// Who may read a new message of `channel`, the sender excluded.
std::vector<std::string> Recipients(db::WriteTx& tx, const StoredChannel& channel,
                                    const std::string& sender_id) {
  std::vector<std::string> recipients;
  if (channel.kind == v1::CHANNEL_KIND_DIRECT) {
    for (const std::string* user : {&channel.user_low_id, &channel.user_high_id}) {
      if (*user != sender_id) recipients.push_back(*user);
    }
    return recipients;
  }
  pqxx::result rows = tx.Query(
      "SELECT user_id::text FROM guild_members WHERE guild_id = $1::uuid AND state = 'member' "
      "AND user_id::text <> $2 ORDER BY user_id",
      channel.guild_id, sender_id);
  recipients.reserve(rows.size());
  for (const pqxx::row& row : rows) recipients.push_back(row[0].as<std::string>());
  return recipients;
}

// $1 the user, $2/$3 the position (channel id, last_message_at micros;
// "" = first page), $4 the limit.
std::string ListChannelsSql() {
  // Each of the three ways a user takes part is its own index range, read
  // in page order and cut at the page size before they are merged: one
  // statement with OR over them was planned as scans of whole tables
  // (1.2 s per call at 10k users in tests/bench/run.sh --service=social).
  const std::string after_clause =
      absl::StrCat(" AND ", db::KeysetBeforeSql("c.last_message_at", "c.id"),
                   " ORDER BY c.last_message_at DESC, c.id DESC LIMIT $4");
  return absl::StrCat(
      "WITH page AS (SELECT * FROM ("
      "  (SELECT c.* FROM chat_channels c WHERE c.user_low_id = $1::uuid",
      after_clause,
      ") UNION ALL "
      "  (SELECT c.* FROM chat_channels c WHERE c.user_high_id = $1::uuid",
      after_clause,
      ") UNION ALL "
      "  (SELECT c.* FROM guild_members g JOIN chat_channels c ON c.guild_id = g.guild_id "
      "   WHERE g.user_id = $1::uuid AND g.state = 'member'",
      after_clause,
      ")) c ORDER BY c.last_message_at DESC, c.id DESC LIMIT $4) "
      "SELECT c.id::text, c.kind, coalesce(c.user_low_id::text, ''), "
      "coalesce(c.user_high_id::text, ''), coalesce(c.guild_id::text, ''), c.last_sequence, ",
      db::MicrosSql("c.last_message_at"), ", ", db::MicrosSql("c.created_at"),
      ", coalesce(r.last_read_sequence, 0), m.id IS NOT NULL, ", MessageColumns("m"),
      " FROM page c "
      "LEFT JOIN channel_read_marks r ON r.channel_id = c.id AND r.user_id = $1::uuid "
      "LEFT JOIN chat_messages m ON m.channel_id = c.id AND m.sequence = c.last_sequence "
      "ORDER BY c.last_message_at DESC, c.id DESC");
}

}  // namespace

std::vector<db::PreparedStatement> ChatStore::PreparedStatements() {
  return {
      {kGetChannel, absl::StrCat("SELECT ", kChannelColumns, " FROM chat_channels WHERE id = $1")},
      {kGetMessage, absl::StrCat("SELECT ", Columns(), " FROM chat_messages WHERE id = $1")},
      // $1 channel, $2 user. One row for a channel that exists.
      {kGetChannelForUser, ChannelForUserSql("chat_channels.id = $1")},
      // Both directions are a range scan of the (channel_id, sequence) key.
      {kListMessagesForward,
       absl::StrCat("SELECT ", Columns(),
                    " FROM chat_messages WHERE channel_id = $1 AND sequence >= $2"
                    " ORDER BY sequence LIMIT $3")},
      {kListMessagesBackward,
       absl::StrCat("SELECT ", Columns(),
                    " FROM chat_messages WHERE channel_id = $1 AND sequence <= $2"
                    " ORDER BY sequence DESC LIMIT $3")},
      {kListChannels, ListChannelsSql(), db::Planning::kPerCall},
  };
}

v1::ChatMessage ChatStore::PostGuildSystemMessage(db::WriteTx& tx, const std::string& guild_id,
                                                  const std::string& text) {
  const StoredChannel channel = FindOrCreateGuildChannel(tx, guild_id);
  return Append(tx, channel, NewMessage{.text = text}, Recipients(tx, channel, ""));
}

StoredChannel ChatStore::FindOrCreateGuildChannel(db::WriteTx& tx, const std::string& guild_id) {
  if (std::optional<StoredChannel> created = FirstChannel(
          tx.Query(absl::StrCat("INSERT INTO chat_channels (kind, guild_id) VALUES ('guild', $1) "
                                "ON CONFLICT (guild_id) DO NOTHING RETURNING ",
                                kChannelColumns),
                   guild_id))) {
    return *created;
  }
  return ChannelFromRow(
      tx.Query(absl::StrCat("SELECT ", kChannelColumns, " FROM chat_channels WHERE guild_id = $1"),
               guild_id)[0]);
}

absl::StatusOr<StoredChannel> ChatStore::GetChannel(db::TransactionBase& tx,
                                                    const std::string& channel_id) {
  std::optional<StoredChannel> channel = FirstChannel(tx.QueryPrepared(kGetChannel, channel_id));
  if (!channel) return absl::NotFoundError(absl::StrCat("channel ", channel_id, " not found"));
  return *channel;
}

absl::StatusOr<ChannelForUser> ChatStore::GetChannelForUser(db::TransactionBase& tx,
                                                            const std::string& channel_id,
                                                            const std::string& user_id) {
  pqxx::result rows = tx.QueryPrepared(kGetChannelForUser, channel_id, user_id);
  if (rows.empty()) return absl::NotFoundError(absl::StrCat("channel ", channel_id, " not found"));
  return ChannelForUserFromRow(rows[0]);
}

std::optional<StoredChannel> ChatStore::FindDirectChannel(db::TransactionBase& tx,
                                                          const std::string& user_a,
                                                          const std::string& user_b) {
  const auto [low, high] = SortedPair(user_a, user_b);
  return FirstChannel(tx.Query(absl::StrCat("SELECT ", kChannelColumns,
                                            " FROM chat_channels "
                                            "WHERE user_low_id = $1 AND user_high_id = $2"),
                               low, high));
}

GuildStanding ChatStore::StandingInGuild(db::TransactionBase& tx, const std::string& guild_id,
                                         const std::string& user_id) {
  pqxx::row row = tx.Query(
      absl::StrCat("SELECT EXISTS (SELECT 1 FROM guilds WHERE id = $1::uuid), m.user_id IS NOT "
                   "NULL, coalesce(m.role, ''), coalesce(m.state, ''), "
                   "CASE WHEN m.muted_until > clock_timestamp() THEN ",
                   db::MicrosSql("m.muted_until"),
                   " ELSE 0 END "
                   "FROM (VALUES (1)) AS one "
                   "LEFT JOIN guild_members m ON m.guild_id = $1::uuid AND m.user_id = $2::uuid"),
      guild_id, user_id)[0];
  return GuildStanding{row[0].as<bool>(), row[1].as<bool>(), row[2].as<std::string>(),
                       row[3].as<std::string>(), row[4].as<int64_t>()};
}

bool ChatStore::BlockedEitherWay(db::TransactionBase& tx, const std::string& user_a,
                                 const std::string& user_b) {
  return tx
      .Query(
          "SELECT EXISTS (SELECT 1 FROM user_blocks WHERE "
          "(blocker_id = $1::uuid AND blocked_id = $2::uuid) OR "
          "(blocker_id = $2::uuid AND blocked_id = $1::uuid))",
          user_a, user_b)[0][0]
      .as<bool>();
}

std::optional<SendContext> ChatStore::PrepareSend(db::WriteTx& tx, const SendTarget& target,
                                                  const std::string& sender_id,
                                                  const std::string& client_message_id) {
  // $1 (and $4) the target as SendTargetWhere, $2 the sender, $3 the client id.
  std::string key = target.id, high;
  if (target.kind == SendTarget::Kind::kDirect) {
    std::tie(key, high) = SortedPair(sender_id, target.id);
  }
  // Calls `run` with the target's parameters ($4 only for a direct one:
  // an unused parameter would have no type).
  const auto with_params = [&](const auto& run) {
    return target.kind == SendTarget::Kind::kDirect ? run(key, sender_id, client_message_id, high)
                                                    : run(key, sender_id, client_message_id);
  };
  // Each deferred statement below runs before the read, with a snapshot of
  // its own (READ COMMITTED): the read sees a channel another send created
  // meanwhile, and the message of the send the lock waited for.
  if (target.kind != SendTarget::Kind::kChannel) {
    const std::string create(CreateSendTargetSql(target.kind));
    with_params([&](const auto&... params) { tx.Defer(create, params...); });
  }
  if (!client_message_id.empty()) {
    const std::string lock =
        absl::StrCat("SELECT pg_advisory_xact_lock(", kSendLockClass,
                     ", hashtext(chat_channels.id::text || '|' || $2::text || '|' || $3::text)) "
                     "FROM chat_channels WHERE ",
                     SendTargetWhere(target.kind));
    with_params([&](const auto&... params) { tx.Defer(lock, params...); });
  }
  pqxx::result rows = with_params(
      [&](const auto&... params) { return tx.Query(PrepareSendSql(target.kind), params...); });
  if (rows.empty()) return std::nullopt;
  const pqxx::row& row = rows[0];
  SendContext context{.target = ChannelForUserFromRow(row)};
  if (row[13].as<bool>()) context.earlier = MessageFromRow(row, 14);
  const StoredChannel& channel = context.target.channel;
  if (channel.kind == v1::CHANNEL_KIND_DIRECT) {
    for (const std::string* user : {&channel.user_low_id, &channel.user_high_id}) {
      if (*user != sender_id) context.recipients.push_back(*user);
    }
  } else {
    context.recipients = absl::StrSplit(row[12].as<std::string>(), ',', absl::SkipEmpty());
  }
  return context;
}

v1::ChatMessage ChatStore::Append(db::WriteTx& tx, const StoredChannel& channel,
                                  const NewMessage& message,
                                  const std::vector<std::string>& recipients) {
  // The row lock the UPDATE takes serialises the channel's senders until
  // the transaction ends; the INSERT's clock_timestamp() is read after it,
  // so created_at grows with sequence (SequenceAtTime relies on it).
  const bool system = message.sender_id.empty();
  v1::ChatMessage stored = MessageFromRow(tx.Query(
      absl::StrCat("WITH next AS (UPDATE chat_channels SET last_sequence = last_sequence + 1, "
                   "last_message_at = clock_timestamp() WHERE id = $1::uuid "
                   "RETURNING id, last_sequence) "
                   "INSERT INTO chat_messages (channel_id, sequence, sender_id, kind, "
                   "text, metadata, client_message_id) "
                   "SELECT next.id, next.last_sequence, nullif($2::text, '')::uuid, $3::text, "
                   "$4::text, nullif($5::text, '')::jsonb, nullif($6::text, '') FROM next "
                   "RETURNING ",
                   Columns()),
      channel.id, message.sender_id,
      MessageKindCodes().Code(system ? v1::MESSAGE_KIND_SYSTEM : v1::MESSAGE_KIND_TEXT),
      message.text, message.metadata_json, message.client_message_id)[0]);
  if (!system) tx.Defer(kMarkReadSql, channel.id, message.sender_id, stored.sequence());

  v1::ChatMessageSent event;
  event.set_message_id(stored.id());
  event.set_channel_id(channel.id);
  event.set_channel_kind(ChannelKindCodes().Code(channel.kind));
  event.set_guild_id(channel.guild_id);
  event.set_sequence(stored.sequence());
  event.set_sender_id(message.sender_id);
  for (const std::string& recipient : recipients) event.add_recipient_ids(recipient);
  events::AppendEvent(tx, "social", channel.id, event);
  return stored;
}

absl::StatusOr<v1::ChatMessage> ChatStore::GetMessage(db::TransactionBase& tx,
                                                      const std::string& message_id) {
  pqxx::result rows = tx.QueryPrepared(kGetMessage, message_id);
  if (rows.empty()) return MessageNotFound(message_id);
  return MessageFromRow(rows[0]);
}

absl::StatusOr<v1::ChatMessage> ChatStore::GetMessageForUpdate(db::WriteTx& tx,
                                                               const std::string& message_id) {
  pqxx::result rows =
      tx.Query(absl::StrCat("SELECT ", Columns(), " FROM chat_messages WHERE id = $1 FOR UPDATE"),
               message_id);
  if (rows.empty()) return MessageNotFound(message_id);
  return MessageFromRow(rows[0]);
}

v1::ChatMessage ChatStore::Edit(db::WriteTx& tx, const std::string& message_id,
                                const std::string& text) {
  // One statement, one clock reading: the edit row's edited_at is the
  // message's edited_at (ListMessageEdits' last entry is the current edit).
  // Both parts see the snapshot before it, so the edit keeps the old text.
  return MessageFromRow(
      tx.Query(absl::StrCat("WITH edit AS (INSERT INTO chat_message_edits "
                            "(chat_message_id, previous_text, edited_at) "
                            "SELECT id, text, clock_timestamp() FROM chat_messages WHERE id = $1 "
                            "RETURNING edited_at) "
                            "UPDATE chat_messages SET text = $2, edited = true, "
                            "edited_at = (SELECT edited_at FROM edit) WHERE id = $1 RETURNING ",
                            Columns()),
               message_id, text)[0]);
}

v1::ChatMessage ChatStore::Delete(db::WriteTx& tx, const std::string& message_id) {
  tx.Query("DELETE FROM chat_message_edits WHERE chat_message_id = $1", message_id);
  return MessageFromRow(
      tx.Query(absl::StrCat("UPDATE chat_messages SET text = '', metadata = NULL, deleted = true, "
                            "deleted_at = coalesce(deleted_at, clock_timestamp()) WHERE id = $1 "
                            "RETURNING ",
                            Columns()),
               message_id)[0]);
}

std::vector<v1::MessageEdit> ChatStore::ListEdits(db::ReadTx& tx, const std::string& message_id,
                                                  const std::optional<api::KeysetPosition>& after,
                                                  int limit) {
  // A range of chat_message_edits_chat_message_id_idx; the join on the
  // message keeps a deleted message's history out even if a row survived.
  pqxx::result rows = tx.Query(
      absl::StrCat("SELECT e.id::text, e.previous_text, ", db::MicrosSql("e.edited_at"),
                   " FROM chat_message_edits e JOIN chat_messages m ON m.id = e.chat_message_id "
                   "AND NOT m.deleted WHERE e.chat_message_id = $1 AND ",
                   db::KeysetAfterSql("e.edited_at", "e.id"),
                   " ORDER BY e.edited_at, e.id LIMIT $4"),
      message_id, db::KeysetIdParam(after), db::KeysetKeyParam(after), limit);
  std::vector<v1::MessageEdit> edits;
  edits.reserve(rows.size());
  for (const pqxx::row& row : rows) {
    v1::MessageEdit& edit = edits.emplace_back();
    edit.set_id(row[0].as<std::string>());
    edit.set_previous_text(row[1].as<std::string>());
    db::SetTimestamp(row[2].as<int64_t>(), edit.mutable_edited_at());
  }
  return edits;
}

std::vector<v1::ChatMessage> ChatStore::ListMessages(db::ReadTx& tx, const std::string& channel_id,
                                                     const MessageRange& range) {
  pqxx::result rows = tx.QueryPrepared(range.forward ? kListMessagesForward : kListMessagesBackward,
                                       channel_id, range.from, range.limit);
  std::vector<v1::ChatMessage> messages;
  messages.reserve(rows.size());
  for (const pqxx::row& row : rows) messages.push_back(MessageFromRow(row));
  return messages;
}

int64_t ChatStore::SequenceAtTime(db::ReadTx& tx, const std::string& channel_id, int64_t micros,
                                  bool forward) {
  if (forward) {
    return tx
        .Query(absl::StrCat("SELECT coalesce((SELECT sequence FROM chat_messages "
                            "WHERE channel_id = $1 AND created_at >= ",
                            db::TimestampSql("$2"),
                            " ORDER BY created_at, sequence LIMIT 1), "
                            "(SELECT last_sequence + 1 FROM chat_channels WHERE id = $1), 1)"),
               channel_id, micros)[0][0]
        .as<int64_t>();
  }
  return tx
      .Query(absl::StrCat("SELECT coalesce((SELECT sequence FROM chat_messages "
                          "WHERE channel_id = $1 AND created_at <= ",
                          db::TimestampSql("$2"),
                          " ORDER BY created_at DESC, sequence DESC LIMIT 1), 0)"),
             channel_id, micros)[0][0]
      .as<int64_t>();
}

int64_t ChatStore::MarkRead(db::WriteTx& tx, const std::string& channel_id,
                            const std::string& user_id, int64_t sequence) {
  return tx.Query(kMarkReadSql, channel_id, user_id, sequence)[0][0].as<int64_t>();
}

void ChatStore::ListChannelsAsync(db::AsyncReadPool& reads, const std::string& user_id,
                                  const std::optional<api::KeysetPosition>& after, int limit,
                                  absl::Time deadline, db::RowsDone<ChannelListEntry> done) {
  db::QueryRows<ChannelListEntry>(
      reads, kListChannels,
      db::AsyncParams(user_id, db::KeysetIdParam(after), db::KeysetKeyParam(after), limit),
      deadline,
      [user_id](const pqxx::row& row) {
        ChannelListEntry entry;
        v1::Channel& c = entry.channel;
        c.set_id(row[0].as<std::string>());
        c.set_kind(ChannelKindCodes().FromCode(row[1].as<std::string>()));
        if (c.kind() == v1::CHANNEL_KIND_DIRECT) {
          const std::string low = row[2].as<std::string>();
          c.set_peer_user_id(low == user_id ? row[3].as<std::string>() : low);
        }
        c.set_guild_id(row[4].as<std::string>());
        c.set_last_sequence(row[5].as<int64_t>());
        entry.last_message_at_micros = row[6].as<int64_t>();
        db::SetTimestamp(entry.last_message_at_micros, c.mutable_last_message_at());
        db::SetTimestamp(row[7].as<int64_t>(), c.mutable_created_at());
        c.set_last_read_sequence(row[8].as<int64_t>());
        c.set_unread_count(UnreadCount(c.last_sequence(), c.last_read_sequence()));
        if (row[9].as<bool>()) *c.mutable_last_message() = MessageFromRow(row, 10);
        return entry;
      },
      std::move(done));
}

}  // namespace qs::social
