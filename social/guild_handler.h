// social.v1.GuildService: guilds and their membership (guild_rules.h) over
// guild_store.h. Every change locks the guild row first and keeps
// member_count in the same transaction, so concurrent joins, approvals,
// kicks and leaves never let the count drift from the rows or pass
// max_members. Each change writes its audit entry, its outbox event
// (GuildMemberJoined, GuildJoinRequested, GuildMemberRemoved) and, for a
// membership change, a system message in the guild channel, all in the
// change's transaction. A guild's end (DeleteGuild, or the last member
// leaving) writes GuildDeleted instead: audit trail and channel go with it.
// SearchGuilds and ListUserGuilds read the replica non-blocking
// (ServeAsyncMethods).
#ifndef QS_SOCIAL_GUILD_HANDLER_H_
#define QS_SOCIAL_GUILD_HANDLER_H_

#include <functional>
#include <optional>
#include <string>

#include "common/api/page_token.h"
#include "common/db/database.h"
#include "common/grpc/method_table.h"
#include "proto/social/v1/events.pb.h"
#include "proto/social/v1/guilds.grpc.pb.h"
#include "social/chat_store.h"
#include "social/guild_rules.h"
#include "social/guild_store.h"

namespace qs::social {

class GuildHandler final : public v1::GuildService::Service {
 public:
  GuildHandler(db::Database& database, api::PageTokenCodec page_tokens)
      : database_(database), page_tokens_(std::move(page_tokens)) {}

  // SearchGuilds and ListUserGuilds run here, non-blocking
  // (common/grpc/method_table.h).
  void ServeAsyncMethods(grpc_util::MethodTable& methods);

  grpc::Status CreateGuild(grpc::ServerContext* context, const v1::CreateGuildRequest* request,
                           v1::Guild* response) override;
  grpc::Status GetGuild(grpc::ServerContext* context, const v1::GetGuildRequest* request,
                        v1::Guild* response) override;
  grpc::Status UpdateGuild(grpc::ServerContext* context, const v1::UpdateGuildRequest* request,
                           v1::Guild* response) override;
  grpc::Status DeleteGuild(grpc::ServerContext* context, const v1::DeleteGuildRequest* request,
                           v1::DeleteGuildResponse* response) override;
  grpc::Status JoinGuild(grpc::ServerContext* context, const v1::JoinGuildRequest* request,
                         v1::MembershipResponse* response) override;
  grpc::Status LeaveGuild(grpc::ServerContext* context, const v1::LeaveGuildRequest* request,
                          v1::MembershipResponse* response) override;
  grpc::Status ApproveJoinRequest(grpc::ServerContext* context,
                                  const v1::GuildMemberRequest* request,
                                  v1::MembershipResponse* response) override;
  grpc::Status RejectJoinRequest(grpc::ServerContext* context,
                                 const v1::GuildMemberRequest* request,
                                 v1::MembershipResponse* response) override;
  grpc::Status KickMember(grpc::ServerContext* context, const v1::GuildMemberRequest* request,
                          v1::MembershipResponse* response) override;
  grpc::Status BanMember(grpc::ServerContext* context, const v1::BanMemberRequest* request,
                         v1::MembershipResponse* response) override;
  grpc::Status UnbanMember(grpc::ServerContext* context, const v1::GuildMemberRequest* request,
                           v1::MembershipResponse* response) override;
  grpc::Status PromoteMember(grpc::ServerContext* context, const v1::GuildMemberRequest* request,
                             v1::MembershipResponse* response) override;
  grpc::Status DemoteMember(grpc::ServerContext* context, const v1::GuildMemberRequest* request,
                            v1::MembershipResponse* response) override;
  grpc::Status TransferOwnership(grpc::ServerContext* context,
                                 const v1::GuildMemberRequest* request,
                                 v1::MembershipResponse* response) override;
  grpc::Status MuteMember(grpc::ServerContext* context, const v1::MuteMemberRequest* request,
                          v1::MembershipResponse* response) override;
  grpc::Status UnmuteMember(grpc::ServerContext* context, const v1::GuildMemberRequest* request,
                            v1::MembershipResponse* response) override;
  grpc::Status ListGuildMembers(grpc::ServerContext* context,
                                const v1::ListGuildMembersRequest* request,
                                v1::ListGuildMembersResponse* response) override;
  grpc::Status ListGuildAuditLog(grpc::ServerContext* context,
                                 const v1::ListGuildAuditLogRequest* request,
                                 v1::ListGuildAuditLogResponse* response) override;

 private:
  // What a member-management change works on: the locked guild, the
  // actor, and the target's row before the change (nullopt: none).
  struct Target {
    const v1::Guild& guild;
    const std::string& actor_id;
    const std::string& user_id;
    const std::optional<StoredMember>& row;
  };
  using ApplyFn = std::function<absl::Status(db::WriteTx&, const Target&)>;

  // Validates the ids, locks the guild, checks `action` with CheckManage,
  // runs `apply` and answers with the guild and the target's row after it.
  // `validate` runs before any database work.
  grpc::Status Manage(grpc::ServerContext* context, const std::string& guild_id,
                      const std::string& user_id, MemberAction action, const absl::Status& validate,
                      const ApplyFn& apply, v1::MembershipResponse* response);
  // RejectJoinRequest / UnbanMember: the target's row goes (no count change:
  // neither a request nor a ban is a member).
  grpc::Status DropRow(grpc::ServerContext* context, const v1::GuildMemberRequest& request,
                       MemberAction action, v1::MembershipResponse* response);
  // After a kick or ban: when the target was a member (not a join request),
  // the count drops and GuildMemberRemoved is written. Returns whether it was.
  bool CountOut(db::WriteTx& tx, const Target& t, v1::GuildMemberRemoved::Reason reason);
  // PromoteMember / DemoteMember: `user_id` gets `role`.
  grpc::Status ChangeRole(grpc::ServerContext* context, const v1::GuildMemberRequest& request,
                          MemberAction action, v1::GuildRole role,
                          v1::MembershipResponse* response);
  // The one way a guild ends, for DeleteGuild and for the last member's
  // LeaveGuild alike: GuildDeleted (with the members it had) into the
  // outbox, then the guild row goes, and with it (ON DELETE CASCADE) its
  // members, join requests, bans, audit trail and guild channel with every
  // message. `guild` must be locked in `tx`.
  void End(db::WriteTx& tx, const v1::Guild& guild, const std::string& actor_id,
           v1::GuildDeleted::Reason reason);
  // The guild (locked) and `user_id`'s row after a change.
  absl::StatusOr<v1::MembershipResponse> Respond(db::WriteTx& tx, const std::string& guild_id,
                                                 const std::string& user_id);
  // The audit entry of a change and, when `announce`, its system message in
  // the guild channel.
  void Record(db::WriteTx& tx, const std::string& guild_id, const std::string& actor_id,
              const std::string& action, const std::string& target_id, const std::string& details,
              bool announce);

  db::Database& database_;
  api::PageTokenCodec page_tokens_;
  GuildStore store_;
  ChatStore chat_;
};

}  // namespace qs::social

#endif  // QS_SOCIAL_GUILD_HANDLER_H_
