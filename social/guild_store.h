// All SQL of `guilds`, `guild_members` and `guild_audit_log`: the one place
// where their columns map to social.v1 guild messages. libpqxx exceptions
// propagate to Database::Read/Write. SearchAsync and ListUserGuildsAsync
// run on the async read path (common/db/async_rows.h).
//
// Concurrency contract: every membership change runs in a WriteTx that
// first takes the guild row with Lock (SELECT ... FOR UPDATE), and changes
// member_count (AddToMemberCount) in that same transaction, so the count
// equals the MEMBER rows at every commit and the CHECK (member_count <=
// max_members) is the last guard. Stateless: one instance may be shared by
// every thread.
#ifndef QS_SOCIAL_GUILD_STORE_H_
#define QS_SOCIAL_GUILD_STORE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "common/api/keyset_position.h"
#include "common/db/async_read_pool.h"
#include "common/db/async_rows.h"
#include "common/db/database.h"
#include "common/db/prepared_statement.h"
#include "common/db/transaction.h"
#include "proto/social/v1/guilds.pb.h"

namespace qs::social {

namespace v1 = ::social::v1;

// One membership row, with whether a ban on it has expired (by the database
// clock): an expired ban counts as no row for joining.
struct StoredMember {
  v1::GuildMember member;
  bool ban_expired = false;
};

// A guild found by SearchGuilds, with its name_key (the page position).
struct NamedGuild {
  v1::Guild guild;
  std::string name_key;
};

// The changes of UpdateGuild; nullopt leaves a column as it is.
struct GuildChanges {
  std::optional<std::string> name;
  std::optional<std::string> description;
  std::optional<bool> open;
  std::optional<int> max_members;
};

class GuildStore {
 public:
  // The statements prepared on every connection (hot paths of every change).
  static std::vector<db::PreparedStatement> PreparedStatements();

  // Inserts the guild with `owner_id` as its owner and first member; returns
  // the id, or nullopt when the name is taken (case-insensitively).
  std::optional<std::string> Create(db::WriteTx& tx, const std::string& owner_id,
                                    const std::string& name, const std::string& description,
                                    bool open, int max_members);

  // The guild; NOT_FOUND when there is none. Lock takes its row for update.
  absl::StatusOr<v1::Guild> Get(db::ReadTx& tx, const std::string& guild_id);
  absl::StatusOr<v1::Guild> Lock(db::WriteTx& tx, const std::string& guild_id);

  // Whether another guild than `except_id` has this name (case-insensitively).
  bool NameTaken(db::WriteTx& tx, const std::string& name, const std::string& except_id);
  void Update(db::WriteTx& tx, const std::string& guild_id, const GuildChanges& changes);
  void SetOwner(db::WriteTx& tx, const std::string& guild_id, const std::string& owner_id);
  // Deletes the guild; its members and audit trail go with it (CASCADE), and
  // so does its chat channel (chat_channels.guild_id, CASCADE).
  void Delete(db::WriteTx& tx, const std::string& guild_id);
  // The users in state MEMBER, by user id.
  std::vector<std::string> MemberIds(db::WriteTx& tx, const std::string& guild_id);
  // The owner and admins in state MEMBER (who may approve a join request),
  // by user id.
  std::vector<std::string> ManagerIds(db::WriteTx& tx, const std::string& guild_id);
  void AddToMemberCount(db::WriteTx& tx, const std::string& guild_id, int delta);

  // The row of (guild, user), or nullopt.
  std::optional<StoredMember> GetMember(db::ReadTx& tx, const std::string& guild_id,
                                        const std::string& user_id);
  std::optional<StoredMember> GetMember(db::WriteTx& tx, const std::string& guild_id,
                                        const std::string& user_id);

  // Inserts a row (no row may exist for the pair).
  void AddMember(db::WriteTx& tx, const std::string& guild_id, const std::string& user_id,
                 v1::GuildRole role, v1::GuildMemberState state);
  // A join request becomes a member, joined now.
  void MakeMember(db::WriteTx& tx, const std::string& guild_id, const std::string& user_id);
  // The row becomes (or stays) a ban of the user, replacing reason and
  // expiry (0: none); inserted when missing.
  void Ban(db::WriteTx& tx, const std::string& guild_id, const std::string& user_id,
           const std::string& reason, int64_t until_micros);
  void SetRole(db::WriteTx& tx, const std::string& guild_id, const std::string& user_id,
               v1::GuildRole role);
  // 0 lifts the mute.
  void SetMutedUntil(db::WriteTx& tx, const std::string& guild_id, const std::string& user_id,
                     int64_t until_micros);
  void RemoveMember(db::WriteTx& tx, const std::string& guild_id, const std::string& user_id);

  // Appends to the guild's audit trail ("" target for none).
  void Audit(db::WriteTx& tx, const std::string& guild_id, const std::string& actor_id,
             const std::string& action, const std::string& target_id, const std::string& details);

  // Guilds whose name_key starts with `prefix` (lowered by the database),
  // by name_key then id, after `after` (its `text` is the name_key). On the
  // replica, by `deadline`.
  static void SearchAsync(db::AsyncReadPool& reads, const std::string& prefix,
                          const std::optional<api::KeysetPosition>& after, int limit,
                          absl::Time deadline, db::RowsDone<NamedGuild> done);
  // The user's memberships (state MEMBER), newest first; the position key
  // is joined_at in microseconds, its id the guild id. On the replica, by
  // `deadline`.
  static void ListUserGuildsAsync(db::AsyncReadPool& reads, const std::string& user_id,
                                  const std::optional<api::KeysetPosition>& after, int limit,
                                  absl::Time deadline, db::RowsDone<v1::UserGuild> done);
  // Rows of the guild in `states`, oldest first; key joined_at, id user_id.
  std::vector<v1::GuildMember> ListMembers(db::ReadTx& tx, const std::string& guild_id,
                                           const std::vector<v1::GuildMemberState>& states,
                                           const std::optional<api::KeysetPosition>& after,
                                           int limit);
  // The audit trail, newest first; key created_at, id the entry id.
  std::vector<v1::GuildAuditEntry> ListAudit(db::ReadTx& tx, const std::string& guild_id,
                                             const std::optional<api::KeysetPosition>& after,
                                             int limit);
};

}  // namespace qs::social

#endif  // QS_SOCIAL_GUILD_STORE_H_
