// Pure rules of guilds: request checks, who may do what to whom, joining
// and leaving, the text of audit entries and system messages. No I/O;
// unit-tested in tests/social/guild_rules_test.cc.
//
//   QS_ASSIGN_OR_RETURN(const int max_members, ValidateCreateGuild(request));
//   QS_RETURN_IF_ERROR(CheckManage(MemberAction::kKick, actor, target));
//   QS_ASSIGN_OR_RETURN(JoinOutcome outcome, DecideJoin(guild.open(), current, count, max));
#ifndef QS_SOCIAL_GUILD_RULES_H_
#define QS_SOCIAL_GUILD_RULES_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "proto/social/v1/guilds.pb.h"

namespace qs::social {

namespace v1 = ::social::v1;

inline constexpr size_t kMaxGuildNameBytes = 64;
inline constexpr size_t kMaxGuildDescriptionBytes = 1024;
inline constexpr size_t kMaxBanReasonBytes = 512;
inline constexpr int kDefaultMaxMembers = 100;
inline constexpr int kMaxMaxMembers = 10000;

// INVALID_ARGUMENT naming `field` unless `name` is 1..64 bytes without
// leading or trailing whitespace or control characters.
absl::Status ValidateGuildName(absl::string_view field, absl::string_view name);
// The guild's max_members after the default, or INVALID_ARGUMENT naming the field.
absl::StatusOr<int> ValidateCreateGuild(const v1::CreateGuildRequest& request);
// INVALID_ARGUMENT naming the field; OK when no field is set (a no-op update).
absl::Status ValidateUpdateGuild(const v1::UpdateGuildRequest& request);
// FAILED_PRECONDITION when `max_members` is below the current member count.
absl::Status CheckMaxMembers(int max_members, int member_count);
// INVALID_ARGUMENT "name_prefix: ..." for a prefix over 64 bytes.
absl::Status ValidateNamePrefix(absl::string_view prefix);
// `prefix` with LIKE's wildcards (% _ \) escaped by a backslash.
std::string EscapeLikePattern(absl::string_view prefix);

// A `until` timestamp of a ban or mute: INVALID_ARGUMENT naming `field` when
// it is not after `now_micros`, or when it is absent (0) and `required`.
absl::Status ValidateUntil(absl::string_view field, int64_t until_micros, int64_t now_micros,
                           bool required);

// One row of guild_members as the rules see it.
struct Membership {
  v1::GuildRole role = v1::GUILD_ROLE_MEMBER;
  v1::GuildMemberState state = v1::GUILD_MEMBER_STATE_MEMBER;
};

// Owner or admin, in state MEMBER.
bool IsManager(const std::optional<Membership>& membership);

// The member-management actions of owner and admins.
enum class MemberAction {
  kApprove,
  kReject,
  kKick,
  kBan,
  kUnban,
  kPromote,
  kDemote,
  kTransfer,
  kMute,
  kUnmute,
};

// The audit code of `action`: "approve", "kick", ... (as in GuildAuditEntry.action).
std::string ActionCode(MemberAction action);

// Whether `actor` may apply `action` to `target` (nullopt: no row);
// `self` when both are the same user. In this order:
// - PERMISSION_DENIED unless the actor is the owner or an admin (owner only
//   for kDemote and kTransfer);
// - FAILED_PRECONDITION for an action on oneself (the owner's: "transfer
//   ownership first");
// - NOT_FOUND when the target has no row the action needs (a join request
//   for approve/reject, a ban for unban, a member for the rest; kBan takes
//   anyone);
// - PERMISSION_DENIED when an admin acts on the owner or another admin;
// - FAILED_PRECONDITION when the target's state or role does not fit.
absl::Status CheckManage(MemberAction action, const std::optional<Membership>& actor,
                         const std::optional<Membership>& target, bool self);

// What JoinGuild does for a caller whose current row is `current` (nullopt:
// none, or a ban that expired).
enum class JoinOutcome {
  kAlreadyMember,     // nothing to do
  kAlreadyRequested,  // nothing to do
  kBecomeMember,      // open guild: insert a member, count + 1
  kRequest,           // closed guild: insert a join request
};
// PERMISSION_DENIED while banned; RESOURCE_EXHAUSTED when an open guild is full.
absl::StatusOr<JoinOutcome> DecideJoin(bool open, const std::optional<Membership>& current,
                                       int member_count, int max_members);

// RESOURCE_EXHAUSTED when one more member would exceed `max_members`.
absl::Status CheckCapacity(int member_count, int max_members);

// What LeaveGuild does for a caller whose row is `current`.
enum class LeaveOutcome {
  kWithdrawRequest,  // delete the join request
  kLeave,            // delete the member, count - 1
  kDisband,          // the last member leaves: delete the guild
};
// FAILED_PRECONDITION for a non-member, a banned user, and for the owner
// while others remain ("transfer ownership first").
absl::StatusOr<LeaveOutcome> DecideLeave(const std::optional<Membership>& current,
                                         int member_count);

// The states ListGuildMembers returns for `requested` (UNSPECIFIED: all but
// BANNED; only MEMBER for a caller who is not a manager). PERMISSION_DENIED
// when a non-manager asks for JOIN_REQUEST or BANNED.
absl::StatusOr<std::vector<v1::GuildMemberState>> MemberListStates(v1::GuildMemberState requested,
                                                                   bool caller_is_manager);

// The guild channel's system message for a membership change: "<actor>
// kicked <target>", "<user> joined the guild". User ids stand for users
// (the social service does not own names).
std::string SystemMessageText(absl::string_view action, absl::string_view actor_id,
                              absl::string_view target_id);

// Database codes ('owner', 'join_request', ...) and back.
std::string GuildRoleCode(v1::GuildRole role);
v1::GuildRole GuildRoleFromCode(absl::string_view code);
std::string GuildMemberStateCode(v1::GuildMemberState state);
v1::GuildMemberState GuildMemberStateFromCode(absl::string_view code);

}  // namespace qs::social

#endif  // QS_SOCIAL_GUILD_RULES_H_
