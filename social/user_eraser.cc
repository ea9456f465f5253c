#include "social/user_eraser.h"

#include "common/api/uuid.h"

namespace qs::social {
namespace {

// Guilds he owns: hand each to the longest-standing admin, else member;
// delete those he is alone in. Guild rows are locked first, as every
// membership change does (guild_store.h), so no join races the handover.
int64_t HandOverOwnedGuilds(db::WriteTx& tx, const std::string& user_id) {
  int64_t rows = 0;
  for (const auto& guild : tx.Query(
           "SELECT id::text FROM guilds WHERE owner_id = $1 ORDER BY id FOR UPDATE", user_id)) {
    const std::string guild_id = guild[0].as<std::string>();
    pqxx::result successor = tx.Query(
        "SELECT user_id::text FROM guild_members WHERE guild_id = $1 AND state = 'member' "
        "AND user_id <> $2 ORDER BY (role = 'admin') DESC, joined_at, user_id LIMIT 1",
        guild_id, user_id);
    if (successor.empty()) {
      rows += tx.Query("DELETE FROM guilds WHERE id = $1", guild_id).affected_rows();
      continue;
    }
    const std::string heir = successor[0][0].as<std::string>();
    tx.Query("UPDATE guild_members SET role = 'owner' WHERE guild_id = $1 AND user_id = $2",
             guild_id, heir);
    rows += tx.Query(
                  "UPDATE guilds SET owner_id = $2, updated_at = clock_timestamp() "
                  "WHERE id = $1",
                  guild_id, heir)
                .affected_rows();
  }
  return rows;
}

}  // namespace

absl::StatusOr<int64_t> EraseUser(db::WriteTx& tx, const std::string& user_id) {
  const std::string stand_in = api::NewUuidV4();
  int64_t rows = 0;
  // $1 is the user; anonymising statements also take $2, the stand-in.
  auto erase = [&](const char* sql) { rows += tx.Query(sql, user_id).affected_rows(); };
  auto anonymise = [&](const char* sql) {
    rows += tx.Query(sql, user_id, stand_in).affected_rows();
  };
  // The friend graph.
  erase("DELETE FROM friend_requests WHERE requester_id = $1 OR recipient_id = $1");
  erase("DELETE FROM friendships WHERE user_id = $1 OR friend_id = $1");
  erase("DELETE FROM user_blocks WHERE blocker_id = $1 OR blocked_id = $1");
  erase("DELETE FROM friendship_events WHERE actor_id = $1 OR subject_id = $1");
  erase("DELETE FROM friend_suggestion_lists WHERE user_id = $1");
  erase(
      "UPDATE friend_suggestion_lists SET candidate_ids = '{}', mutual_friend_counts = '{}', "
      "stale_since = coalesce(stale_since, clock_timestamp()) WHERE $1::uuid = ANY(candidate_ids)");
  // Guilds.
  rows += HandOverOwnedGuilds(tx, user_id);
  erase(
      "UPDATE guilds g SET member_count = g.member_count - 1 FROM guild_members m "
      "WHERE m.guild_id = g.id AND m.user_id = $1 AND m.state = 'member'");
  erase("DELETE FROM guild_members WHERE user_id = $1");
  anonymise(
      "UPDATE guild_audit_log SET "
      "actor_id = CASE WHEN actor_id = $1 THEN $2::uuid ELSE actor_id END, "
      "target_id = CASE WHEN target_id = $1 THEN $2::uuid ELSE target_id END, "
      "details = replace(details, $1::text, $2::text) "
      "WHERE actor_id = $1 OR target_id = $1 OR position($1::text IN details) > 0");
  // Chat.
  // A direct channel stays the other side's conversation, with the stand-in
  // as its second member (the pair kept in order for the CHECK).
  anonymise(
      "UPDATE chat_channels SET "
      "user_low_id = least(CASE WHEN user_low_id = $1 THEN $2::uuid ELSE user_low_id END, "
      "CASE WHEN user_high_id = $1 THEN $2::uuid ELSE user_high_id END), "
      "user_high_id = greatest(CASE WHEN user_low_id = $1 THEN $2::uuid ELSE user_low_id END, "
      "CASE WHEN user_high_id = $1 THEN $2::uuid ELSE user_high_id END) "
      "WHERE kind = 'direct' AND (user_low_id = $1 OR user_high_id = $1)");
  erase(
      "DELETE FROM chat_message_edits e USING chat_messages m "
      "WHERE m.id = e.chat_message_id AND m.sender_id = $1");
  anonymise(
      "UPDATE chat_messages SET sender_id = $2, text = '', metadata = NULL, "
      "client_message_id = NULL, deleted = true, "
      "deleted_at = coalesce(deleted_at, clock_timestamp()) WHERE sender_id = $1");
  anonymise(
      "UPDATE chat_messages SET text = replace(text, $1::text, $2::text), "
      "metadata = replace(metadata::text, $1::text, $2::text)::jsonb "
      "WHERE kind = 'system' AND (position($1::text IN text) > 0 "
      "OR position($1::text IN coalesce(metadata::text, '')) > 0)");
  erase("DELETE FROM channel_read_marks WHERE user_id = $1");
  return rows;
}

}  // namespace qs::social
