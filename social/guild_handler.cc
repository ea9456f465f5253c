#include "social/guild_handler.h"

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
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

namespace qs::social {
namespace {

using grpc_util::HandleAsUser;
using v1::MembershipResponse;

constexpr char kSource[] = "social";

std::optional<Membership> AsMembership(const std::optional<StoredMember>& row) {
  if (!row.has_value()) return std::nullopt;
  return Membership{row->member.role(), row->member.state()};
}

bool IsMemberRow(const std::optional<StoredMember>& row) {
  return row.has_value() && row->member.state() == v1::GUILD_MEMBER_STATE_MEMBER;
}

int64_t NowMicros() { return absl::ToUnixMicros(absl::Now()); }

int64_t MicrosOrZero(bool present, const google::protobuf::Timestamp& timestamp) {
  return present ? db::TimestampMicros(timestamp) : 0;
}

void AppendRemoved(db::WriteTx& tx, const std::string& guild_id, const std::string& user_id,
                   const std::string& actor_id, v1::GuildMemberRemoved::Reason reason) {
  v1::GuildMemberRemoved removed;
  removed.set_guild_id(guild_id);
  removed.set_user_id(user_id);
  removed.set_actor_id(actor_id);
  removed.set_reason(reason);
  events::AppendEvent(tx, kSource, guild_id, removed);
}

void AppendJoined(db::WriteTx& tx, const std::string& guild_id, const std::string& user_id,
                  const std::string& approved_by) {
  v1::GuildMemberJoined joined;
  joined.set_guild_id(guild_id);
  joined.set_user_id(user_id);
  joined.set_approved_by(approved_by);
  events::AppendEvent(tx, kSource, guild_id, joined);
}

// The caller's guild-scoped checks of a read: the guild exists, and whether
// the caller manages it.
absl::StatusOr<bool> CallerManages(GuildStore& store, db::ReadTx& tx, const std::string& guild_id,
                                   const std::string& user) {
  QS_RETURN_IF_ERROR(store.Get(tx, guild_id).status());
  return IsManager(AsMembership(store.GetMember(tx, guild_id, user)));
}

}  // namespace

void GuildHandler::Record(db::WriteTx& tx, const std::string& guild_id, const std::string& actor_id,
                          const std::string& action, const std::string& target_id,
                          const std::string& details, bool announce) {
  store_.Audit(tx, guild_id, actor_id, action, target_id, details);
  if (announce) {
    chat_.PostGuildSystemMessage(tx, guild_id, SystemMessageText(action, actor_id, target_id));
  }
}

void GuildHandler::End(db::WriteTx& tx, const v1::Guild& guild, const std::string& actor_id,
                       v1::GuildDeleted::Reason reason) {
  v1::GuildDeleted deleted;
  deleted.set_guild_id(guild.id());
  deleted.set_name(guild.name());
  deleted.set_deleted_by(actor_id);
  deleted.set_reason(reason);
  for (std::string& id : store_.MemberIds(tx, guild.id())) deleted.add_former_member_ids(id);
  events::AppendEvent(tx, kSource, guild.id(), deleted);
  store_.Delete(tx, guild.id());
}

absl::StatusOr<MembershipResponse> GuildHandler::Respond(db::WriteTx& tx,
                                                         const std::string& guild_id,
                                                         const std::string& user_id) {
  MembershipResponse response;
  QS_ASSIGN_OR_RETURN(*response.mutable_guild(), store_.Lock(tx, guild_id));
  if (std::optional<StoredMember> row = store_.GetMember(tx, guild_id, user_id)) {
    *response.mutable_member() = std::move(row->member);
  }
  return response;
}

grpc::Status GuildHandler::CreateGuild(grpc::ServerContext* context,
                                       const v1::CreateGuildRequest* request, v1::Guild* response) {
  return HandleAsUser(
      *context, response, [&](const std::string& user) -> absl::StatusOr<v1::Guild> {
        QS_ASSIGN_OR_RETURN(const int max_members, ValidateCreateGuild(*request));
        return database_.Write([&](db::WriteTx& tx) -> absl::StatusOr<v1::Guild> {
          std::optional<std::string> id = store_.Create(
              tx, user, request->name(), request->description(), request->open(), max_members);
          if (!id.has_value()) {
            return absl::AlreadyExistsError(absl::StrCat(
                "name: a guild named \"", request->name(),
                "\" exists already (names are case-insensitive); choose another name"));
          }
          Record(tx, *id, user, "create", "", request->name(), false);
          return store_.Lock(tx, *id);
        });
      });
}

grpc::Status GuildHandler::GetGuild(grpc::ServerContext* context,
                                    const v1::GetGuildRequest* request, v1::Guild* response) {
  return HandleAsUser(*context, response, [&](const std::string&) -> absl::StatusOr<v1::Guild> {
    QS_RETURN_IF_ERROR(api::RequireUuid("guild_id", request->guild_id()));
    const std::string guild_id = absl::AsciiStrToLower(request->guild_id());
    return database_.ReadConfirmingMiss([&](db::ReadTx& tx) { return store_.Get(tx, guild_id); });
  });
}

grpc::Status GuildHandler::UpdateGuild(grpc::ServerContext* context,
                                       const v1::UpdateGuildRequest* request, v1::Guild* response) {
  return HandleAsUser(
      *context, response, [&](const std::string& user) -> absl::StatusOr<v1::Guild> {
        QS_RETURN_IF_ERROR(ValidateUpdateGuild(*request));
        const std::string guild_id = absl::AsciiStrToLower(request->guild_id());
        GuildChanges changes;
        std::vector<std::string> changed;
        if (request->has_name()) changes.name = request->name(), changed.push_back("name");
        if (request->has_description()) {
          changes.description = request->description(), changed.push_back("description");
        }
        if (request->has_open()) changes.open = request->open(), changed.push_back("open");
        if (request->has_max_members()) {
          changes.max_members = request->max_members(), changed.push_back("max_members");
        }
        return database_.Write([&](db::WriteTx& tx) -> absl::StatusOr<v1::Guild> {
          QS_ASSIGN_OR_RETURN(v1::Guild guild, store_.Lock(tx, guild_id));
          if (!IsManager(AsMembership(store_.GetMember(tx, guild_id, user)))) {
            return absl::PermissionDeniedError(
                "only the guild's owner and admins can update it; ask one of them");
          }
          if (changes.max_members.has_value()) {
            QS_RETURN_IF_ERROR(CheckMaxMembers(*changes.max_members, guild.member_count()));
          }
          if (changes.name.has_value() && store_.NameTaken(tx, *changes.name, guild_id)) {
            return absl::AlreadyExistsError(absl::StrCat(
                "name: a guild named \"", *changes.name,
                "\" exists already (names are case-insensitive); choose another name"));
          }
          if (changed.empty()) return guild;
          store_.Update(tx, guild_id, changes);
          Record(tx, guild_id, user, "update", "", absl::StrJoin(changed, ","), false);
          return store_.Lock(tx, guild_id);
        });
      });
}

grpc::Status GuildHandler::DeleteGuild(grpc::ServerContext* context,
                                       const v1::DeleteGuildRequest* request,
                                       v1::DeleteGuildResponse* response) {
  return HandleAsUser(
      *context, response, [&](const std::string& user) -> absl::StatusOr<v1::DeleteGuildResponse> {
        QS_RETURN_IF_ERROR(api::RequireUuid("guild_id", request->guild_id()));
        const std::string guild_id = absl::AsciiStrToLower(request->guild_id());
        return database_.Write([&](db::WriteTx& tx) -> absl::StatusOr<v1::DeleteGuildResponse> {
          QS_ASSIGN_OR_RETURN(v1::Guild guild, store_.Lock(tx, guild_id));
          if (guild.owner_id() != user) {
            return absl::PermissionDeniedError("only the guild's owner can delete it");
          }
          End(tx, guild, user, v1::GuildDeleted::REASON_DELETED_BY_OWNER);
          return v1::DeleteGuildResponse();
        });
      });
}

void GuildHandler::ServeAsyncMethods(grpc_util::MethodTable& methods) {
  // The guild listings: one statement each on the replica, answered from
  // the read path's callback without a worker. (The member and audit
  // listings check the guild and the caller's role first, and confirm a
  // miss on the primary: they stay blocking.)
  grpc_util::ServeAsyncAsUser(
      methods, &v1::GuildService::Service::SearchGuilds,
      [this](const v1::SearchGuildsRequest& request, const std::string& /*user*/,
             grpc_util::Reply<v1::SearchGuildsRequest, v1::SearchGuildsResponse> reply) {
        QS_REPLY_IF_ERROR(reply, ValidateNamePrefix(request.name_prefix()));
        absl::StatusOr<api::KeysetPage> page = api::KeysetPage::Open(
            page_tokens_,
            absl::StrCat("social.v1.GuildService/SearchGuilds|", request.name_prefix()),
            request.page_size(), request.page_token());
        QS_REPLY_IF_ERROR(reply, page.status());
        GuildStore::SearchAsync(database_.async_reads(), request.name_prefix(), page->after(),
                                page->fetch_limit(), reply.deadline(),
                                grpc_util::ReplyWithPage(
                                    reply, *page, &v1::SearchGuildsResponse::mutable_guilds,
                                    [](const NamedGuild& last) {
                                      return api::KeysetPosition{0, last.guild.id(), last.name_key};
                                    },
                                    &NamedGuild::guild));
      });
  grpc_util::ServeAsyncAsUser(
      methods, &v1::GuildService::Service::ListUserGuilds,
      [this](const v1::ListUserGuildsRequest& request, const std::string& user,
             grpc_util::Reply<v1::ListUserGuildsRequest, v1::ListUserGuildsResponse> reply) {
        std::string target = request.user_id().empty() ? user : request.user_id();
        QS_REPLY_IF_ERROR(reply, api::RequireUuid("user_id", target));
        target = absl::AsciiStrToLower(target);
        absl::StatusOr<api::KeysetPage> page = api::KeysetPage::Open(
            page_tokens_, absl::StrCat("social.v1.GuildService/ListUserGuilds|", target),
            request.page_size(), request.page_token());
        QS_REPLY_IF_ERROR(reply, page.status());
        GuildStore::ListUserGuildsAsync(
            database_.async_reads(), target, page->after(), page->fetch_limit(), reply.deadline(),
            grpc_util::ReplyWithPage(reply, *page, &v1::ListUserGuildsResponse::mutable_guilds,
                                     [](const v1::UserGuild& last) {
                                       return api::KeysetPosition{
                                           db::TimestampMicros(last.member().joined_at()),
                                           last.guild().id()};
                                     }));
      });
}

grpc::Status GuildHandler::JoinGuild(grpc::ServerContext* context,
                                     const v1::JoinGuildRequest* request,
                                     MembershipResponse* response) {
  return HandleAsUser(
      *context, response, [&](const std::string& user) -> absl::StatusOr<MembershipResponse> {
        QS_RETURN_IF_ERROR(api::RequireUuid("guild_id", request->guild_id()));
        const std::string guild_id = absl::AsciiStrToLower(request->guild_id());
        return database_.Write([&](db::WriteTx& tx) -> absl::StatusOr<MembershipResponse> {
          QS_ASSIGN_OR_RETURN(v1::Guild guild, store_.Lock(tx, guild_id));
          std::optional<StoredMember> row = store_.GetMember(tx, guild_id, user);
          const bool expired_ban = row.has_value() && row->ban_expired;
          QS_ASSIGN_OR_RETURN(
              const JoinOutcome outcome,
              DecideJoin(guild.open(), expired_ban ? std::nullopt : AsMembership(row),
                         guild.member_count(), guild.max_members()));
          if (expired_ban) store_.RemoveMember(tx, guild_id, user);
          switch (outcome) {
            case JoinOutcome::kAlreadyMember:
            case JoinOutcome::kAlreadyRequested:
              break;
            case JoinOutcome::kBecomeMember:
              store_.AddMember(tx, guild_id, user, v1::GUILD_ROLE_MEMBER,
                               v1::GUILD_MEMBER_STATE_MEMBER);
              store_.AddToMemberCount(tx, guild_id, +1);
              AppendJoined(tx, guild_id, user, "");
              Record(tx, guild_id, user, "join", user, "", true);
              break;
            case JoinOutcome::kRequest: {
              store_.AddMember(tx, guild_id, user, v1::GUILD_ROLE_MEMBER,
                               v1::GUILD_MEMBER_STATE_JOIN_REQUEST);
              v1::GuildJoinRequested requested;
              requested.set_guild_id(guild_id);
              requested.set_user_id(user);
              for (std::string& id : store_.ManagerIds(tx, guild_id)) requested.add_admin_ids(id);
              events::AppendEvent(tx, kSource, guild_id, requested);
              Record(tx, guild_id, user, "request", user, "", false);
              break;
            }
          }
          return Respond(tx, guild_id, user);
        });
      });
}

grpc::Status GuildHandler::LeaveGuild(grpc::ServerContext* context,
                                      const v1::LeaveGuildRequest* request,
                                      MembershipResponse* response) {
  return HandleAsUser(
      *context, response, [&](const std::string& user) -> absl::StatusOr<MembershipResponse> {
        QS_RETURN_IF_ERROR(api::RequireUuid("guild_id", request->guild_id()));
        const std::string guild_id = absl::AsciiStrToLower(request->guild_id());
        return database_.Write([&](db::WriteTx& tx) -> absl::StatusOr<MembershipResponse> {
          QS_ASSIGN_OR_RETURN(v1::Guild guild, store_.Lock(tx, guild_id));
          QS_ASSIGN_OR_RETURN(const LeaveOutcome outcome,
                              DecideLeave(AsMembership(store_.GetMember(tx, guild_id, user)),
                                          guild.member_count()));
          switch (outcome) {
            case LeaveOutcome::kWithdrawRequest:
              store_.RemoveMember(tx, guild_id, user);
              Record(tx, guild_id, user, "withdraw", user, "", false);
              break;
            case LeaveOutcome::kLeave:
              store_.RemoveMember(tx, guild_id, user);
              store_.AddToMemberCount(tx, guild_id, -1);
              AppendRemoved(tx, guild_id, user, user, v1::GuildMemberRemoved::REASON_LEAVE);
              Record(tx, guild_id, user, "leave", user, "", true);
              break;
            case LeaveOutcome::kDisband: {
              End(tx, guild, user, v1::GuildDeleted::REASON_LAST_MEMBER_LEFT);
              MembershipResponse disbanded;
              disbanded.set_disbanded(true);
              return disbanded;
            }
          }
          return Respond(tx, guild_id, user);
        });
      });
}

grpc::Status GuildHandler::Manage(grpc::ServerContext* context, const std::string& guild_id_in,
                                  const std::string& user_id_in, MemberAction action,
                                  const absl::Status& validate, const ApplyFn& apply,
                                  MembershipResponse* response) {
  return HandleAsUser(
      *context, response, [&](const std::string& user) -> absl::StatusOr<MembershipResponse> {
        QS_RETURN_IF_ERROR(api::FirstError({api::RequireUuid("guild_id", guild_id_in),
                                            api::RequireUuid("user_id", user_id_in), validate}));
        const std::string guild_id = absl::AsciiStrToLower(guild_id_in);
        const std::string target_id = absl::AsciiStrToLower(user_id_in);
        return database_.Write([&](db::WriteTx& tx) -> absl::StatusOr<MembershipResponse> {
          QS_ASSIGN_OR_RETURN(v1::Guild guild, store_.Lock(tx, guild_id));
          const std::optional<StoredMember> actor = store_.GetMember(tx, guild_id, user);
          const std::optional<StoredMember> target =
              target_id == user ? actor : store_.GetMember(tx, guild_id, target_id);
          QS_RETURN_IF_ERROR(
              CheckManage(action, AsMembership(actor), AsMembership(target), target_id == user));
          QS_RETURN_IF_ERROR(apply(tx, Target{guild, user, target_id, target}));
          return Respond(tx, guild_id, target_id);
        });
      });
}

grpc::Status GuildHandler::ApproveJoinRequest(grpc::ServerContext* context,
                                              const v1::GuildMemberRequest* request,
                                              MembershipResponse* response) {
  return Manage(
      context, request->guild_id(), request->user_id(), MemberAction::kApprove, absl::OkStatus(),
      [&](db::WriteTx& tx, const Target& t) -> absl::Status {
        QS_RETURN_IF_ERROR(CheckCapacity(t.guild.member_count(), t.guild.max_members()));
        store_.MakeMember(tx, t.guild.id(), t.user_id);
        store_.AddToMemberCount(tx, t.guild.id(), +1);
        AppendJoined(tx, t.guild.id(), t.user_id, t.actor_id);
        Record(tx, t.guild.id(), t.actor_id, "approve", t.user_id, "", true);
        return absl::OkStatus();
      },
      response);
}

grpc::Status GuildHandler::RejectJoinRequest(grpc::ServerContext* context,
                                             const v1::GuildMemberRequest* request,
                                             MembershipResponse* response) {
  return DropRow(context, *request, MemberAction::kReject, response);
}

grpc::Status GuildHandler::KickMember(grpc::ServerContext* context,
                                      const v1::GuildMemberRequest* request,
                                      MembershipResponse* response) {
  return Manage(
      context, request->guild_id(), request->user_id(), MemberAction::kKick, absl::OkStatus(),
      [&](db::WriteTx& tx, const Target& t) -> absl::Status {
        store_.RemoveMember(tx, t.guild.id(), t.user_id);
        const bool was_member = CountOut(tx, t, v1::GuildMemberRemoved::REASON_KICK);
        Record(tx, t.guild.id(), t.actor_id, "kick", t.user_id, was_member ? "" : "join request",
               was_member);
        return absl::OkStatus();
      },
      response);
}

grpc::Status GuildHandler::BanMember(grpc::ServerContext* context,
                                     const v1::BanMemberRequest* request,
                                     MembershipResponse* response) {
  const int64_t until = MicrosOrZero(request->has_until(), request->until());
  return Manage(
      context, request->guild_id(), request->user_id(), MemberAction::kBan,
      api::FirstError({api::RequireMaxLength("reason", request->reason(), kMaxBanReasonBytes),
                       api::RequireValidUtf8("reason", request->reason()),
                       ValidateUntil("until", until, NowMicros(), false)}),
      [&](db::WriteTx& tx, const Target& t) -> absl::Status {
        store_.Ban(tx, t.guild.id(), t.user_id, request->reason(), until);
        const bool was_member = CountOut(tx, t, v1::GuildMemberRemoved::REASON_BAN);
        Record(tx, t.guild.id(), t.actor_id, "ban", t.user_id,
               absl::StrCat(request->reason(),
                            until == 0 ? ""
                                       : absl::StrCat(" (until ",
                                                      absl::FormatTime(absl::FromUnixMicros(until),
                                                                       absl::UTCTimeZone()),
                                                      ")")),
               was_member);
        return absl::OkStatus();
      },
      response);
}

grpc::Status GuildHandler::UnbanMember(grpc::ServerContext* context,
                                       const v1::GuildMemberRequest* request,
                                       MembershipResponse* response) {
  return DropRow(context, *request, MemberAction::kUnban, response);
}

grpc::Status GuildHandler::PromoteMember(grpc::ServerContext* context,
                                         const v1::GuildMemberRequest* request,
                                         MembershipResponse* response) {
  return ChangeRole(context, *request, MemberAction::kPromote, v1::GUILD_ROLE_ADMIN, response);
}

grpc::Status GuildHandler::DemoteMember(grpc::ServerContext* context,
                                        const v1::GuildMemberRequest* request,
                                        MembershipResponse* response) {
  return ChangeRole(context, *request, MemberAction::kDemote, v1::GUILD_ROLE_MEMBER, response);
}

grpc::Status GuildHandler::DropRow(grpc::ServerContext* context,
                                   const v1::GuildMemberRequest& request, MemberAction action,
                                   MembershipResponse* response) {
  return Manage(
      context, request.guild_id(), request.user_id(), action, absl::OkStatus(),
      [&](db::WriteTx& tx, const Target& t) -> absl::Status {
        store_.RemoveMember(tx, t.guild.id(), t.user_id);
        Record(tx, t.guild.id(), t.actor_id, ActionCode(action), t.user_id, "", false);
        return absl::OkStatus();
      },
      response);
}

bool GuildHandler::CountOut(db::WriteTx& tx, const Target& t,
                            v1::GuildMemberRemoved::Reason reason) {
  if (!IsMemberRow(t.row)) return false;
  store_.AddToMemberCount(tx, t.guild.id(), -1);
  AppendRemoved(tx, t.guild.id(), t.user_id, t.actor_id, reason);
  return true;
}

grpc::Status GuildHandler::ChangeRole(grpc::ServerContext* context,
                                      const v1::GuildMemberRequest& request, MemberAction action,
                                      v1::GuildRole role, MembershipResponse* response) {
  return Manage(
      context, request.guild_id(), request.user_id(), action, absl::OkStatus(),
      [&](db::WriteTx& tx, const Target& t) -> absl::Status {
        store_.SetRole(tx, t.guild.id(), t.user_id, role);
        Record(tx, t.guild.id(), t.actor_id, ActionCode(action), t.user_id, "", true);
        return absl::OkStatus();
      },
      response);
}

grpc::Status GuildHandler::TransferOwnership(grpc::ServerContext* context,
                                             const v1::GuildMemberRequest* request,
                                             MembershipResponse* response) {
  return Manage(
      context, request->guild_id(), request->user_id(), MemberAction::kTransfer, absl::OkStatus(),
      [&](db::WriteTx& tx, const Target& t) -> absl::Status {
        store_.SetRole(tx, t.guild.id(), t.actor_id, v1::GUILD_ROLE_ADMIN);
        store_.SetRole(tx, t.guild.id(), t.user_id, v1::GUILD_ROLE_OWNER);
        store_.SetOwner(tx, t.guild.id(), t.user_id);
        Record(tx, t.guild.id(), t.actor_id, "transfer", t.user_id, "", true);
        return absl::OkStatus();
      },
      response);
}

grpc::Status GuildHandler::MuteMember(grpc::ServerContext* context,
                                      const v1::MuteMemberRequest* request,
                                      MembershipResponse* response) {
  const int64_t until = MicrosOrZero(request->has_until(), request->until());
  return Manage(
      context, request->guild_id(), request->user_id(), MemberAction::kMute,
      ValidateUntil("until", until, NowMicros(), true),
      [&](db::WriteTx& tx, const Target& t) -> absl::Status {
        store_.SetMutedUntil(tx, t.guild.id(), t.user_id, until);
        Record(tx, t.guild.id(), t.actor_id, "mute", t.user_id,
               absl::StrCat("until ",
                            absl::FormatTime(absl::FromUnixMicros(until), absl::UTCTimeZone())),
               true);
        return absl::OkStatus();
      },
      response);
}

grpc::Status GuildHandler::UnmuteMember(grpc::ServerContext* context,
                                        const v1::GuildMemberRequest* request,
                                        MembershipResponse* response) {
  return Manage(
      context, request->guild_id(), request->user_id(), MemberAction::kUnmute, absl::OkStatus(),
      [&](db::WriteTx& tx, const Target& t) -> absl::Status {
        store_.SetMutedUntil(tx, t.guild.id(), t.user_id, 0);
        Record(tx, t.guild.id(), t.actor_id, "unmute", t.user_id, "", true);
        return absl::OkStatus();
      },
      response);
}

grpc::Status GuildHandler::ListGuildMembers(grpc::ServerContext* context,
                                            const v1::ListGuildMembersRequest* request,
                                            v1::ListGuildMembersResponse* response) {
  return HandleAsUser(*context, response, [&](const std::string& user) -> absl::Status {
    QS_RETURN_IF_ERROR(api::FirstError(
        {api::RequireUuid("guild_id", request->guild_id()),
         api::RequireKnownEnumIfSet("state", request->state(), v1::GuildMemberState_IsValid)}));
    const std::string guild_id = absl::AsciiStrToLower(request->guild_id());
    QS_ASSIGN_OR_RETURN(
        api::KeysetPage page,
        api::KeysetPage::Open(page_tokens_,
                              absl::StrCat("social.v1.GuildService/ListGuildMembers|", guild_id,
                                           "|", static_cast<int>(request->state())),
                              request->page_size(), request->page_token()));
    using Page = std::vector<v1::GuildMember>;
    QS_ASSIGN_OR_RETURN(
        Page members, database_.ReadConfirmingMiss([&](db::ReadTx& tx) -> absl::StatusOr<Page> {
          QS_ASSIGN_OR_RETURN(const bool manager, CallerManages(store_, tx, guild_id, user));
          QS_ASSIGN_OR_RETURN(const std::vector<v1::GuildMemberState> states,
                              MemberListStates(request->state(), manager));
          return store_.ListMembers(tx, guild_id, states, page.after(), page.fetch_limit());
        }));
    response->set_next_page_token(page.Close(members, [](const v1::GuildMember& last) {
      return api::KeysetPosition{db::TimestampMicros(last.joined_at()), last.user_id()};
    }));
    for (v1::GuildMember& member : members) *response->add_members() = std::move(member);
    return absl::OkStatus();
  });
}

grpc::Status GuildHandler::ListGuildAuditLog(grpc::ServerContext* context,
                                             const v1::ListGuildAuditLogRequest* request,
                                             v1::ListGuildAuditLogResponse* response) {
  return HandleAsUser(*context, response, [&](const std::string& user) -> absl::Status {
    QS_RETURN_IF_ERROR(api::RequireUuid("guild_id", request->guild_id()));
    const std::string guild_id = absl::AsciiStrToLower(request->guild_id());
    QS_ASSIGN_OR_RETURN(
        api::KeysetPage page,
        api::KeysetPage::Open(page_tokens_,
                              absl::StrCat("social.v1.GuildService/ListGuildAuditLog|", guild_id),
                              request->page_size(), request->page_token()));
    using Page = std::vector<v1::GuildAuditEntry>;
    QS_ASSIGN_OR_RETURN(
        Page entries, database_.ReadConfirmingMiss([&](db::ReadTx& tx) -> absl::StatusOr<Page> {
          QS_ASSIGN_OR_RETURN(const bool manager, CallerManages(store_, tx, guild_id, user));
          if (!manager) {
            return absl::PermissionDeniedError(
                "only the guild's owner and admins can read its audit log");
          }
          return store_.ListAudit(tx, guild_id, page.after(), page.fetch_limit());
        }));
    response->set_next_page_token(page.Close(entries, [](const v1::GuildAuditEntry& last) {
      return api::KeysetPosition{db::TimestampMicros(last.created_at()), last.id()};
    }));
    for (v1::GuildAuditEntry& entry : entries) *response->add_entries() = std::move(entry);
    return absl::OkStatus();
  });
}

}  // namespace qs::social
