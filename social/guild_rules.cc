#include "social/guild_rules.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/api/validation.h"
#include "common/db/enum_codes.h"

namespace qs::social {
namespace {

const db::EnumCodes<v1::GuildRole>& RoleCodes() {
  static const auto* codes = new db::EnumCodes<v1::GuildRole>({{v1::GUILD_ROLE_OWNER, "owner"},
                                                               {v1::GUILD_ROLE_ADMIN, "admin"},
                                                               {v1::GUILD_ROLE_MEMBER, "member"}});
  return *codes;
}

const db::EnumCodes<v1::GuildMemberState>& StateCodes() {
  static const auto* codes = new db::EnumCodes<v1::GuildMemberState>(
      {{v1::GUILD_MEMBER_STATE_MEMBER, "member"},
       {v1::GUILD_MEMBER_STATE_JOIN_REQUEST, "join_request"},
       {v1::GUILD_MEMBER_STATE_BANNED, "banned"}});
  return *codes;
}

// The verb of an action in messages: "kick", "approve the join request of".
const char* Verb(MemberAction action) {
  switch (action) {
    case MemberAction::kApprove:
      return "approve join requests";
    case MemberAction::kReject:
      return "reject join requests";
    case MemberAction::kKick:
      return "kick members";
    case MemberAction::kBan:
      return "ban users";
    case MemberAction::kUnban:
      return "unban users";
    case MemberAction::kPromote:
      return "promote members";
    case MemberAction::kDemote:
      return "demote admins";
    case MemberAction::kTransfer:
      return "transfer ownership";
    case MemberAction::kMute:
      return "mute members";
    case MemberAction::kUnmute:
      return "unmute members";
  }
  return "manage members";
}

// The state the target's row must be in; nullopt for kBan (anyone).
std::optional<v1::GuildMemberState> RequiredState(MemberAction action) {
  switch (action) {
    case MemberAction::kApprove:
    case MemberAction::kReject:
      return v1::GUILD_MEMBER_STATE_JOIN_REQUEST;
    case MemberAction::kUnban:
      return v1::GUILD_MEMBER_STATE_BANNED;
    case MemberAction::kBan:
      return std::nullopt;
    default:
      return v1::GUILD_MEMBER_STATE_MEMBER;
  }
}

}  // namespace

absl::Status ValidateGuildName(absl::string_view field, absl::string_view name) {
  if (name.empty()) return absl::InvalidArgumentError(absl::StrCat(field, ": must not be empty"));
  if (name.size() > kMaxGuildNameBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": at most ", kMaxGuildNameBytes, " bytes"));
  }
  if (absl::Status utf8 = api::RequireValidUtf8(field, name); !utf8.ok()) return utf8;
  for (char c : name) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ": must not contain control characters"));
    }
  }
  if (absl::ascii_isspace(name.front()) || absl::ascii_isspace(name.back())) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": must not start or end with whitespace"));
  }
  return absl::OkStatus();
}

absl::StatusOr<int> ValidateCreateGuild(const v1::CreateGuildRequest& request) {
  if (absl::Status s = api::FirstError(
          {ValidateGuildName("name", request.name()),
           api::RequireMaxLength("description", request.description(), kMaxGuildDescriptionBytes),
           api::RequireValidUtf8("description", request.description()),
           api::RequireInRangeIfSet("max_members", request.max_members(), 1, kMaxMaxMembers)});
      !s.ok()) {
    return s;
  }
  return request.max_members() == 0 ? kDefaultMaxMembers : request.max_members();
}

absl::Status ValidateUpdateGuild(const v1::UpdateGuildRequest& request) {
  return api::FirstError(
      {api::RequireUuid("guild_id", request.guild_id()),
       request.has_name() ? ValidateGuildName("name", request.name()) : absl::OkStatus(),
       request.has_description()
           ? api::FirstError({api::RequireMaxLength("description", request.description(),
                                                    kMaxGuildDescriptionBytes),
                              api::RequireValidUtf8("description", request.description())})
           : absl::OkStatus(),
       request.has_max_members()
           ? api::RequireInRange("max_members", int64_t{request.max_members()}, 1, kMaxMaxMembers)
           : absl::OkStatus()});
}

absl::Status CheckMaxMembers(int max_members, int member_count) {
  if (max_members < member_count) {
    return absl::FailedPreconditionError(
        absl::StrCat("max_members: ", max_members, " is below the current member count ",
                     member_count, "; remove members first or choose at least ", member_count));
  }
  return absl::OkStatus();
}

absl::Status ValidateNamePrefix(absl::string_view prefix) {
  return api::FirstError({api::RequireMaxLength("name_prefix", prefix, kMaxGuildNameBytes),
                          api::RequireValidUtf8("name_prefix", prefix)});
}

std::string EscapeLikePattern(absl::string_view prefix) {
  std::string escaped;
  escaped.reserve(prefix.size());
  for (char c : prefix) {
    if (c == '%' || c == '_' || c == '\\') escaped.push_back('\\');
    escaped.push_back(c);
  }
  return escaped;
}

absl::Status ValidateUntil(absl::string_view field, int64_t until_micros, int64_t now_micros,
                           bool required) {
  if (until_micros == 0) {
    return required ? absl::InvalidArgumentError(absl::StrCat(field, ": is required"))
                    : absl::OkStatus();
  }
  if (until_micros <= now_micros) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": must be in the future"));
  }
  return absl::OkStatus();
}

bool IsManager(const std::optional<Membership>& membership) {
  return membership.has_value() && membership->state == v1::GUILD_MEMBER_STATE_MEMBER &&
         (membership->role == v1::GUILD_ROLE_OWNER || membership->role == v1::GUILD_ROLE_ADMIN);
}

std::string ActionCode(MemberAction action) {
  static const auto* codes = new db::EnumCodes<MemberAction>({
      {MemberAction::kApprove, "approve"},
      {MemberAction::kReject, "reject"},
      {MemberAction::kKick, "kick"},
      {MemberAction::kBan, "ban"},
      {MemberAction::kUnban, "unban"},
      {MemberAction::kPromote, "promote"},
      {MemberAction::kDemote, "demote"},
      {MemberAction::kTransfer, "transfer"},
      {MemberAction::kMute, "mute"},
      {MemberAction::kUnmute, "unmute"},
  });
  return codes->Code(action);
}

absl::Status CheckManage(MemberAction action, const std::optional<Membership>& actor,
                         const std::optional<Membership>& target, bool self) {
  const bool owner_only = action == MemberAction::kDemote || action == MemberAction::kTransfer;
  if (!IsManager(actor)) {
    return absl::PermissionDeniedError(absl::StrCat(
        "only the guild's owner", owner_only ? "" : " and admins", " can ", Verb(action)));
  }
  const bool actor_is_owner = actor->role == v1::GUILD_ROLE_OWNER;
  if (owner_only && !actor_is_owner) {
    return absl::PermissionDeniedError(
        absl::StrCat("only the guild's owner can ", Verb(action), "; ask the owner"));
  }
  if (self) {
    if (actor_is_owner && (action == MemberAction::kKick || action == MemberAction::kBan ||
                           action == MemberAction::kDemote)) {
      return absl::FailedPreconditionError(
          "the owner cannot be kicked, banned or demoted; transfer ownership first "
          "(TransferOwnership)");
    }
    return absl::FailedPreconditionError(
        absl::StrCat("you cannot ", ActionCode(action), " yourself",
                     action == MemberAction::kKick ? "; use LeaveGuild to leave" : ""));
  }
  const std::optional<v1::GuildMemberState> required = RequiredState(action);
  if (required.has_value() && !target.has_value()) {
    switch (*required) {
      case v1::GUILD_MEMBER_STATE_JOIN_REQUEST:
        return absl::NotFoundError("user_id: no join request from this user in this guild");
      case v1::GUILD_MEMBER_STATE_BANNED:
        return absl::NotFoundError("user_id: this user is not banned from this guild");
      default:
        return absl::NotFoundError("user_id: this user is not a member of this guild");
    }
  }
  if (target.has_value()) {
    if (target->role == v1::GUILD_ROLE_OWNER) {
      // Only the owner themselves could act on the owner, and `self` was handled.
      return absl::PermissionDeniedError(
          "an admin cannot act on the guild's owner; ask the owner to transfer ownership");
    }
    if (target->role == v1::GUILD_ROLE_ADMIN && !actor_is_owner) {
      return absl::PermissionDeniedError(
          "an admin cannot act on another admin; ask the guild's owner");
    }
  }
  if (action == MemberAction::kKick) {
    if (target->state == v1::GUILD_MEMBER_STATE_BANNED) {
      return absl::FailedPreconditionError(
          "user_id: this user is banned, not a member; use UnbanMember to lift the ban");
    }
    return absl::OkStatus();
  }
  if (required.has_value() && target->state != *required) {
    switch (*required) {
      case v1::GUILD_MEMBER_STATE_JOIN_REQUEST:
        return absl::FailedPreconditionError(
            absl::StrCat("user_id: this user has no pending join request (they are ",
                         GuildMemberStateCode(target->state), ")"));
      case v1::GUILD_MEMBER_STATE_BANNED:
        return absl::FailedPreconditionError(
            absl::StrCat("user_id: this user is not banned (they are ",
                         GuildMemberStateCode(target->state), ")"));
      default:
        return absl::FailedPreconditionError(
            absl::StrCat("user_id: this user is not a member (they are ",
                         GuildMemberStateCode(target->state), "); approve or unban them first"));
    }
  }
  if (action == MemberAction::kPromote && target->role != v1::GUILD_ROLE_MEMBER) {
    return absl::FailedPreconditionError(
        "user_id: this user is an admin already; use TransferOwnership to make them the owner");
  }
  if (action == MemberAction::kDemote && target->role != v1::GUILD_ROLE_ADMIN) {
    return absl::FailedPreconditionError("user_id: this user is not an admin");
  }
  return absl::OkStatus();
}

absl::StatusOr<JoinOutcome> DecideJoin(bool open, const std::optional<Membership>& current,
                                       int member_count, int max_members) {
  if (current.has_value()) {
    switch (current->state) {
      case v1::GUILD_MEMBER_STATE_MEMBER:
        return JoinOutcome::kAlreadyMember;
      case v1::GUILD_MEMBER_STATE_JOIN_REQUEST:
        return JoinOutcome::kAlreadyRequested;
      default:
        return absl::PermissionDeniedError(
            "you are banned from this guild; you can join again when the ban ends or an admin "
            "lifts it");
    }
  }
  if (!open) return JoinOutcome::kRequest;
  if (absl::Status capacity = CheckCapacity(member_count, max_members); !capacity.ok()) {
    return capacity;
  }
  return JoinOutcome::kBecomeMember;
}

absl::Status CheckCapacity(int member_count, int max_members) {
  if (member_count >= max_members) {
    return absl::ResourceExhaustedError(
        absl::StrCat("the guild is full (", max_members,
                     " members); an admin can raise max_members or remove members"));
  }
  return absl::OkStatus();
}

absl::StatusOr<LeaveOutcome> DecideLeave(const std::optional<Membership>& current,
                                         int member_count) {
  if (!current.has_value()) {
    return absl::FailedPreconditionError("you are not a member of this guild");
  }
  switch (current->state) {
    case v1::GUILD_MEMBER_STATE_JOIN_REQUEST:
      return LeaveOutcome::kWithdrawRequest;
    case v1::GUILD_MEMBER_STATE_MEMBER:
      break;
    default:
      return absl::FailedPreconditionError(
          "you are banned from this guild, not a member: there is nothing to leave");
  }
  if (member_count <= 1) return LeaveOutcome::kDisband;
  if (current->role == v1::GUILD_ROLE_OWNER) {
    return absl::FailedPreconditionError(
        "the owner cannot leave while others remain; transfer ownership first "
        "(TransferOwnership)");
  }
  return LeaveOutcome::kLeave;
}

absl::StatusOr<std::vector<v1::GuildMemberState>> MemberListStates(v1::GuildMemberState requested,
                                                                   bool caller_is_manager) {
  switch (requested) {
    case v1::GUILD_MEMBER_STATE_UNSPECIFIED:
      if (!caller_is_manager) return std::vector{v1::GUILD_MEMBER_STATE_MEMBER};
      return std::vector{v1::GUILD_MEMBER_STATE_MEMBER, v1::GUILD_MEMBER_STATE_JOIN_REQUEST};
    case v1::GUILD_MEMBER_STATE_MEMBER:
      return std::vector{v1::GUILD_MEMBER_STATE_MEMBER};
    default:
      if (!caller_is_manager) {
        return absl::PermissionDeniedError(
            "state: only the guild's owner and admins can list join requests and bans");
      }
      return std::vector{requested};
  }
}

std::string SystemMessageText(absl::string_view action, absl::string_view actor_id,
                              absl::string_view target_id) {
  if (action == "join") return absl::StrCat(target_id, " joined the guild");
  if (action == "leave") return absl::StrCat(target_id, " left the guild");
  if (action == "approve") {
    return absl::StrCat(actor_id, " approved the join request of ", target_id);
  }
  if (action == "kick") return absl::StrCat(actor_id, " kicked ", target_id);
  if (action == "ban") return absl::StrCat(actor_id, " banned ", target_id);
  if (action == "unban") return absl::StrCat(actor_id, " lifted the ban of ", target_id);
  if (action == "promote") return absl::StrCat(actor_id, " made ", target_id, " an admin");
  if (action == "demote") {
    return absl::StrCat(actor_id, " made ", target_id, " a member (no longer admin)");
  }
  if (action == "transfer") {
    return absl::StrCat(actor_id, " transferred ownership to ", target_id);
  }
  if (action == "mute") return absl::StrCat(actor_id, " muted ", target_id);
  if (action == "unmute") return absl::StrCat(actor_id, " unmuted ", target_id);
  return absl::StrCat(actor_id, " ", action, " ", target_id);
}

std::string GuildRoleCode(v1::GuildRole role) { return RoleCodes().Code(role); }
v1::GuildRole GuildRoleFromCode(absl::string_view code) { return RoleCodes().FromCode(code); }
std::string GuildMemberStateCode(v1::GuildMemberState state) { return StateCodes().Code(state); }
v1::GuildMemberState GuildMemberStateFromCode(absl::string_view code) {
  return StateCodes().FromCode(code);
}

}  // namespace qs::social
