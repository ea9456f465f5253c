#include "social/guild_store.h"

#include "absl/strings/str_cat.h"
#include "common/db/keyset_sql.h"
#include "common/db/row_mapping.h"
#include "pqxx/pqxx"
#include "social/guild_rules.h"

namespace qs::social {
namespace {

// Hot statements, prepared on every connection (PreparedStatements).
constexpr char kLockGuild[] = "social_guild_lock";
constexpr char kGetMember[] = "social_guild_member_get";
// The guild listings, on the async read path. Planned per call: the
// optional keyset position ($2 = '' on a first page) decides between an
// index seek and a scan from the top.
constexpr char kSearch[] = "social_guild_search";
constexpr char kListUserGuilds[] = "social_guild_list_of_user";

const std::string& GuildColumns() {
  static const std::string* columns = new std::string(
      absl::StrCat("g.id::text, g.name, g.description, g.open, g.max_members, g.member_count, "
                   "g.owner_id::text, ",
                   db::MicrosSql("g.created_at"), ", ", db::MicrosSql("g.updated_at")));
  return *columns;
}
constexpr int kGuildColumnCount = 9;

const std::string& MemberColumns() {
  static const std::string* columns = new std::string(
      absl::StrCat("m.guild_id::text, m.user_id::text, m.role, m.state, m.ban_reason, ",
                   db::MicrosOrZeroSql("m.banned_until"), ", ",
                   db::MicrosOrZeroSql("m.muted_until"), ", ", db::MicrosSql("m.joined_at"),
                   ", (m.state = 'banned' AND m.banned_until IS NOT NULL "
                   "AND m.banned_until <= clock_timestamp())"));
  return *columns;
}

v1::Guild GuildFromRow(const pqxx::row& row, int first = 0) {
  v1::Guild guild;
  guild.set_id(row[first + 0].as<std::string>());
  guild.set_name(row[first + 1].as<std::string>());
  guild.set_description(row[first + 2].as<std::string>());
  guild.set_open(row[first + 3].as<bool>());
  guild.set_max_members(row[first + 4].as<int>());
  guild.set_member_count(row[first + 5].as<int>());
  guild.set_owner_id(row[first + 6].as<std::string>());
  db::SetTimestamp(row[first + 7].as<int64_t>(), guild.mutable_created_at());
  db::SetTimestamp(row[first + 8].as<int64_t>(), guild.mutable_updated_at());
  return guild;
}

StoredMember MemberFromRow(const pqxx::row& row, int first = 0) {
  StoredMember stored;
  v1::GuildMember& member = stored.member;
  member.set_guild_id(row[first + 0].as<std::string>());
  member.set_user_id(row[first + 1].as<std::string>());
  member.set_role(GuildRoleFromCode(row[first + 2].as<std::string>()));
  member.set_state(GuildMemberStateFromCode(row[first + 3].as<std::string>()));
  member.set_ban_reason(row[first + 4].as<std::string>());
  db::SetTimestampIfSet(row[first + 5].as<int64_t>(), member,
                        &v1::GuildMember::mutable_banned_until);
  db::SetTimestampIfSet(row[first + 6].as<int64_t>(), member,
                        &v1::GuildMember::mutable_muted_until);
  db::SetTimestamp(row[first + 7].as<int64_t>(), member.mutable_joined_at());
  stored.ban_expired = row[first + 8].as<bool>();
  return stored;
}

absl::Status GuildNotFound(const std::string& guild_id) {
  return absl::NotFoundError(absl::StrCat("guild_id: guild ", guild_id, " not found"));
}

template <typename Tx>
std::optional<StoredMember> LoadMember(Tx& tx, const std::string& guild_id,
                                       const std::string& user_id) {
  pqxx::result rows = tx.QueryPrepared(kGetMember, guild_id, user_id);
  if (rows.empty()) return std::nullopt;
  return MemberFromRow(rows[0]);
}

std::string StateArray(const std::vector<v1::GuildMemberState>& states) {
  std::vector<std::string> codes;
  for (v1::GuildMemberState state : states) codes.push_back(GuildMemberStateCode(state));
  return db::ArrayLiteral(codes);
}

}  // namespace

std::vector<db::PreparedStatement> GuildStore::PreparedStatements() {
  return {
      {kLockGuild, absl::StrCat("SELECT ", GuildColumns(),
                                " FROM guilds g WHERE g.id = $1 "
                                "FOR UPDATE")},
      {kGetMember, absl::StrCat("SELECT ", MemberColumns(),
                                " FROM guild_members m WHERE m.guild_id = $1 AND m.user_id = $2")},
      // COLLATE "C" throughout: the order, the keyset comparison and LIKE
      // all use the byte order of guilds_name_key_c_idx, one index range
      // scan. $1 the escaped prefix, $2/$3 the position (id, name_key).
      {kSearch,
       absl::StrCat(
           "SELECT ", GuildColumns(),
           ", g.name_key FROM guilds g WHERE g.name_key COLLATE \"C\" LIKE lower($1) || '%' AND ",
           db::KeysetSql("g.name_key COLLATE \"C\"", "g.id", ">", "$3::text COLLATE \"C\"", "$2"),
           " ORDER BY g.name_key COLLATE \"C\", g.id LIMIT $4"),
       db::Planning::kPerCall},
      // $1 the user, $2/$3 the position (guild id, joined_at micros).
      {kListUserGuilds,
       absl::StrCat("SELECT ", GuildColumns(), ", ", MemberColumns(),
                    " FROM guild_members m JOIN guilds g ON g.id = m.guild_id "
                    "WHERE m.user_id = $1 AND m.state = 'member' AND ",
                    db::KeysetBeforeSql("m.joined_at", "m.guild_id"),
                    " ORDER BY m.joined_at DESC, m.guild_id DESC LIMIT $4"),
       db::Planning::kPerCall},
  };
}

std::optional<std::string> GuildStore::Create(db::WriteTx& tx, const std::string& owner_id,
                                              const std::string& name,
                                              const std::string& description, bool open,
                                              int max_members) {
  pqxx::result rows = tx.Query(
      "INSERT INTO guilds (name, name_key, description, open, max_members, member_count, "
      "owner_id) VALUES ($1, lower($1), $2, $3, $4, 1, $5) "
      "ON CONFLICT (name_key) DO NOTHING RETURNING id::text",
      name, description, open, max_members, owner_id);
  if (rows.empty()) return std::nullopt;
  std::string id = rows[0][0].as<std::string>();
  AddMember(tx, id, owner_id, v1::GUILD_ROLE_OWNER, v1::GUILD_MEMBER_STATE_MEMBER);
  return id;
}

absl::StatusOr<v1::Guild> GuildStore::Get(db::ReadTx& tx, const std::string& guild_id) {
  pqxx::result rows =
      tx.Query(absl::StrCat("SELECT ", GuildColumns(), " FROM guilds g WHERE g.id = $1"), guild_id);
  if (rows.empty()) return GuildNotFound(guild_id);
  return GuildFromRow(rows[0]);
}

absl::StatusOr<v1::Guild> GuildStore::Lock(db::WriteTx& tx, const std::string& guild_id) {
  pqxx::result rows = tx.QueryPrepared(kLockGuild, guild_id);
  if (rows.empty()) return GuildNotFound(guild_id);
  return GuildFromRow(rows[0]);
}

bool GuildStore::NameTaken(db::WriteTx& tx, const std::string& name, const std::string& except_id) {
  return tx
      .Query("SELECT EXISTS (SELECT 1 FROM guilds WHERE name_key = lower($1) AND id <> $2::uuid)",
             name, except_id)[0][0]
      .as<bool>();
}

void GuildStore::Update(db::WriteTx& tx, const std::string& guild_id, const GuildChanges& changes) {
  tx.Query(
      "UPDATE guilds SET "
      "name = CASE WHEN $2 THEN $3 ELSE name END, "
      "name_key = CASE WHEN $2 THEN lower($3) ELSE name_key END, "
      "description = CASE WHEN $4 THEN $5 ELSE description END, "
      "open = CASE WHEN $6 THEN $7 ELSE open END, "
      "max_members = CASE WHEN $8 THEN $9 ELSE max_members END, "
      "updated_at = clock_timestamp() WHERE id = $1",
      guild_id, changes.name.has_value(), changes.name.value_or(""),
      changes.description.has_value(), changes.description.value_or(""), changes.open.has_value(),
      changes.open.value_or(false), changes.max_members.has_value(),
      changes.max_members.value_or(0));
}

void GuildStore::SetOwner(db::WriteTx& tx, const std::string& guild_id,
                          const std::string& owner_id) {
  tx.Query("UPDATE guilds SET owner_id = $2, updated_at = clock_timestamp() WHERE id = $1",
           guild_id, owner_id);
}

void GuildStore::Delete(db::WriteTx& tx, const std::string& guild_id) {
  tx.Query("DELETE FROM guilds WHERE id = $1", guild_id);
}

std::vector<std::string> GuildStore::MemberIds(db::WriteTx& tx, const std::string& guild_id) {
  std::vector<std::string> ids;
  for (const pqxx::row& row : tx.Query("SELECT user_id::text FROM guild_members "
                                       "WHERE guild_id = $1 AND state = 'member' ORDER BY user_id",
                                       guild_id)) {
    ids.push_back(row[0].as<std::string>());
  }
  return ids;
}

std::vector<std::string> GuildStore::ManagerIds(db::WriteTx& tx, const std::string& guild_id) {
  std::vector<std::string> ids;
  for (const pqxx::row& row :
       tx.Query("SELECT user_id::text FROM guild_members WHERE guild_id = $1 "
                "AND state = 'member' AND role IN ('owner', 'admin') ORDER BY user_id",
                guild_id)) {
    ids.push_back(row[0].as<std::string>());
  }
  return ids;
}

void GuildStore::AddToMemberCount(db::WriteTx& tx, const std::string& guild_id, int delta) {
  tx.Query("UPDATE guilds SET member_count = member_count + $2 WHERE id = $1", guild_id, delta);
}

std::optional<StoredMember> GuildStore::GetMember(db::ReadTx& tx, const std::string& guild_id,
                                                  const std::string& user_id) {
  return LoadMember(tx, guild_id, user_id);
}

std::optional<StoredMember> GuildStore::GetMember(db::WriteTx& tx, const std::string& guild_id,
                                                  const std::string& user_id) {
  return LoadMember(tx, guild_id, user_id);
}

void GuildStore::AddMember(db::WriteTx& tx, const std::string& guild_id, const std::string& user_id,
                           v1::GuildRole role, v1::GuildMemberState state) {
  tx.Query("INSERT INTO guild_members (guild_id, user_id, role, state) VALUES ($1, $2, $3, $4)",
           guild_id, user_id, GuildRoleCode(role), GuildMemberStateCode(state));
}

void GuildStore::MakeMember(db::WriteTx& tx, const std::string& guild_id,
                            const std::string& user_id) {
  tx.Query(
      "UPDATE guild_members SET state = 'member', joined_at = clock_timestamp() "
      "WHERE guild_id = $1 AND user_id = $2",
      guild_id, user_id);
}

void GuildStore::Ban(db::WriteTx& tx, const std::string& guild_id, const std::string& user_id,
                     const std::string& reason, int64_t until_micros) {
  tx.Query(
      absl::StrCat("INSERT INTO guild_members (guild_id, user_id, role, state, ban_reason, "
                   "banned_until) VALUES ($1, $2, 'member', 'banned', $3, CASE WHEN $4::bigint = 0 "
                   "THEN NULL ELSE ",
                   db::TimestampSql("$4"),
                   " END) ON CONFLICT (guild_id, user_id) DO UPDATE SET role = 'member', "
                   "state = 'banned', ban_reason = EXCLUDED.ban_reason, "
                   "banned_until = EXCLUDED.banned_until, muted_until = NULL, "
                   "joined_at = clock_timestamp()"),
      guild_id, user_id, reason, until_micros);
}

void GuildStore::SetRole(db::WriteTx& tx, const std::string& guild_id, const std::string& user_id,
                         v1::GuildRole role) {
  tx.Query("UPDATE guild_members SET role = $3 WHERE guild_id = $1 AND user_id = $2", guild_id,
           user_id, GuildRoleCode(role));
}

void GuildStore::SetMutedUntil(db::WriteTx& tx, const std::string& guild_id,
                               const std::string& user_id, int64_t until_micros) {
  tx.Query(absl::StrCat(
               "UPDATE guild_members SET muted_until = CASE WHEN $3::bigint = 0 THEN NULL ELSE ",
               db::TimestampSql("$3"), " END WHERE guild_id = $1 AND user_id = $2"),
           guild_id, user_id, until_micros);
}

void GuildStore::RemoveMember(db::WriteTx& tx, const std::string& guild_id,
                              const std::string& user_id) {
  tx.Query("DELETE FROM guild_members WHERE guild_id = $1 AND user_id = $2", guild_id, user_id);
}

void GuildStore::Audit(db::WriteTx& tx, const std::string& guild_id, const std::string& actor_id,
                       const std::string& action, const std::string& target_id,
                       const std::string& details) {
  tx.Query(
      "INSERT INTO guild_audit_log (guild_id, actor_id, action, target_id, details) "
      "VALUES ($1, $2, $3, nullif($4, '')::uuid, $5)",
      guild_id, actor_id, action, target_id, details);
}

void GuildStore::SearchAsync(db::AsyncReadPool& reads, const std::string& prefix,
                             const std::optional<api::KeysetPosition>& after, int limit,
                             absl::Time deadline, db::RowsDone<NamedGuild> done) {
  db::QueryRows<NamedGuild>(
      reads, kSearch,
      db::AsyncParams(EscapeLikePattern(prefix), db::KeysetIdParam(after),
                      db::KeysetTextParam(after), limit),
      deadline,
      [](const pqxx::row& row) {
        return NamedGuild{GuildFromRow(row), row[kGuildColumnCount].as<std::string>()};
      },
      std::move(done));
}

void GuildStore::ListUserGuildsAsync(db::AsyncReadPool& reads, const std::string& user_id,
                                     const std::optional<api::KeysetPosition>& after, int limit,
                                     absl::Time deadline, db::RowsDone<v1::UserGuild> done) {
  db::QueryRows<v1::UserGuild>(
      reads, kListUserGuilds,
      db::AsyncParams(user_id, db::KeysetIdParam(after), db::KeysetKeyParam(after), limit),
      deadline,
      [](const pqxx::row& row) {
        v1::UserGuild entry;
        *entry.mutable_guild() = GuildFromRow(row);
        *entry.mutable_member() = MemberFromRow(row, kGuildColumnCount).member;
        return entry;
      },
      std::move(done));
}

std::vector<v1::GuildMember> GuildStore::ListMembers(
    db::ReadTx& tx, const std::string& guild_id, const std::vector<v1::GuildMemberState>& states,
    const std::optional<api::KeysetPosition>& after, int limit) {
  pqxx::result rows = tx.Query(
      absl::StrCat("SELECT ", MemberColumns(),
                   " FROM guild_members m WHERE m.guild_id = $1 AND m.state = ANY($2::text[]) AND ",
                   db::KeysetAfterSql("m.joined_at", "m.user_id", "$3", "$4"),
                   " ORDER BY m.joined_at, m.user_id LIMIT $5"),
      guild_id, StateArray(states), db::KeysetIdParam(after), db::KeysetKeyParam(after), limit);
  std::vector<v1::GuildMember> members;
  for (const pqxx::row& row : rows) members.push_back(MemberFromRow(row).member);
  return members;
}

std::vector<v1::GuildAuditEntry> GuildStore::ListAudit(
    db::ReadTx& tx, const std::string& guild_id, const std::optional<api::KeysetPosition>& after,
    int limit) {
  pqxx::result rows = tx.Query(
      absl::StrCat("SELECT id::text, guild_id::text, actor_id::text, action, "
                   "coalesce(target_id::text, ''), details, ",
                   db::MicrosSql("created_at"), " FROM guild_audit_log WHERE guild_id = $1 AND ",
                   db::KeysetBeforeSql("created_at", "id"),
                   " ORDER BY created_at DESC, id DESC LIMIT $4"),
      guild_id, db::KeysetIdParam(after), db::KeysetKeyParam(after), limit);
  std::vector<v1::GuildAuditEntry> entries;
  for (const pqxx::row& row : rows) {
    v1::GuildAuditEntry& entry = entries.emplace_back();
    entry.set_id(row[0].as<std::string>());
    entry.set_guild_id(row[1].as<std::string>());
    entry.set_actor_id(row[2].as<std::string>());
    entry.set_action(row[3].as<std::string>());
    entry.set_target_id(row[4].as<std::string>());
    entry.set_details(row[5].as<std::string>());
    db::SetTimestamp(row[6].as<int64_t>(), entry.mutable_created_at());
  }
  return entries;
}

}  // namespace qs::social
