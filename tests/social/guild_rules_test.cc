// Pure guild rules (social/guild_rules.cc): request checks, the roles
// matrix of member management, joining and leaving.
#include "social/guild_rules.h"

#include <optional>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace qs::social {
namespace {

using namespace ::social::v1;  // NOLINT
using Code = absl::StatusCode;

constexpr Membership kOwner{GUILD_ROLE_OWNER, GUILD_MEMBER_STATE_MEMBER};
constexpr Membership kAdmin{GUILD_ROLE_ADMIN, GUILD_MEMBER_STATE_MEMBER};
constexpr Membership kMember{GUILD_ROLE_MEMBER, GUILD_MEMBER_STATE_MEMBER};
constexpr Membership kRequest{GUILD_ROLE_MEMBER, GUILD_MEMBER_STATE_JOIN_REQUEST};
constexpr Membership kBanned{GUILD_ROLE_MEMBER, GUILD_MEMBER_STATE_BANNED};

bool StartsWith(const absl::Status& status, const std::string& prefix) {
  return std::string(status.message()).rfind(prefix, 0) == 0;
}

TEST(GuildRulesTest, CreateChecksNameDescriptionAndMaximum) {
  CreateGuildRequest request;
  request.set_name("Dragons");
  EXPECT_EQ(*ValidateCreateGuild(request), kDefaultMaxMembers);
  request.set_max_members(5);
  EXPECT_EQ(*ValidateCreateGuild(request), 5);
  for (const std::string& bad :
       std::vector<std::string>{"", " lead", "trail ", std::string(65, 'x'), "a\tb", "\xff"}) {
    request.set_name(bad);
    EXPECT_TRUE(StartsWith(ValidateCreateGuild(request).status(), "name:")) << bad;
  }
  request.set_name("Dragons");
  request.set_max_members(10001);
  EXPECT_TRUE(StartsWith(ValidateCreateGuild(request).status(), "max_members:"));
  request.set_max_members(-1);
  EXPECT_TRUE(StartsWith(ValidateCreateGuild(request).status(), "max_members:"));
  request.set_max_members(0);
  request.set_description(std::string(1025, 'd'));
  EXPECT_TRUE(StartsWith(ValidateCreateGuild(request).status(), "description:"));
}

TEST(GuildRulesTest, UpdateChecksOnlyTheFieldsSet) {
  UpdateGuildRequest request;
  EXPECT_TRUE(StartsWith(ValidateUpdateGuild(request), "guild_id:"));
  request.set_guild_id("3f0c5a8e-9d1b-4c7e-8a41-2b6f0e9d7c13");
  EXPECT_TRUE(ValidateUpdateGuild(request).ok());
  request.set_max_members(0);
  EXPECT_TRUE(StartsWith(ValidateUpdateGuild(request), "max_members:"));
  request.set_max_members(3);
  request.set_name("");
  EXPECT_TRUE(StartsWith(ValidateUpdateGuild(request), "name:"));
  EXPECT_EQ(CheckMaxMembers(2, 3).code(), Code::kFailedPrecondition);
  EXPECT_TRUE(CheckMaxMembers(3, 3).ok());
}

TEST(GuildRulesTest, LikePatternAndUntil) {
  EXPECT_EQ(EscapeLikePattern("a%b_c\\d"), "a\\%b\\_c\\\\d");
  EXPECT_TRUE(StartsWith(ValidateNamePrefix(std::string(65, 'x')), "name_prefix:"));
  EXPECT_TRUE(ValidateUntil("until", 0, 100, false).ok());
  EXPECT_TRUE(StartsWith(ValidateUntil("until", 0, 100, true), "until:"));
  EXPECT_TRUE(StartsWith(ValidateUntil("until", 100, 100, false), "until:"));
  EXPECT_TRUE(ValidateUntil("until", 101, 100, true).ok());
}

// Who may do what to whom: every action by owner, admin, member, requester
// and stranger on the owner, an admin, a member, a requester, a banned user
// and a user without a row.
struct Case {
  MemberAction action;
  std::optional<Membership> actor;
  std::optional<Membership> target;
  bool self;
  Code expected;
};

TEST(GuildRulesTest, RolesMatrix) {
  using A = MemberAction;
  const std::optional<Membership> none;
  const std::vector<Case> cases = {
      // Only managers manage.
      {A::kKick, kMember, kMember, false, Code::kPermissionDenied},
      {A::kKick, kRequest, kMember, false, Code::kPermissionDenied},
      {A::kKick, kBanned, kMember, false, Code::kPermissionDenied},
      {A::kKick, none, kMember, false, Code::kPermissionDenied},
      {A::kApprove, kMember, kRequest, false, Code::kPermissionDenied},
      {A::kMute, kMember, kMember, false, Code::kPermissionDenied},
      // The owner acts on anyone below.
      {A::kKick, kOwner, kAdmin, false, Code::kOk},
      {A::kKick, kOwner, kMember, false, Code::kOk},
      {A::kKick, kOwner, kRequest, false, Code::kOk},
      {A::kKick, kOwner, kBanned, false, Code::kFailedPrecondition},
      {A::kKick, kOwner, none, false, Code::kNotFound},
      {A::kBan, kOwner, kAdmin, false, Code::kOk},
      {A::kBan, kOwner, none, false, Code::kOk},
      {A::kBan, kOwner, kBanned, false, Code::kOk},
      {A::kUnban, kOwner, kBanned, false, Code::kOk},
      {A::kUnban, kOwner, kMember, false, Code::kFailedPrecondition},
      {A::kUnban, kOwner, none, false, Code::kNotFound},
      {A::kApprove, kOwner, kRequest, false, Code::kOk},
      {A::kApprove, kOwner, kMember, false, Code::kFailedPrecondition},
      {A::kApprove, kOwner, none, false, Code::kNotFound},
      {A::kReject, kAdmin, kRequest, false, Code::kOk},
      {A::kReject, kAdmin, kBanned, false, Code::kFailedPrecondition},
      {A::kPromote, kOwner, kMember, false, Code::kOk},
      {A::kPromote, kOwner, kAdmin, false, Code::kFailedPrecondition},
      {A::kPromote, kOwner, kRequest, false, Code::kFailedPrecondition},
      {A::kDemote, kOwner, kAdmin, false, Code::kOk},
      {A::kDemote, kOwner, kMember, false, Code::kFailedPrecondition},
      {A::kTransfer, kOwner, kAdmin, false, Code::kOk},
      {A::kTransfer, kOwner, kMember, false, Code::kOk},
      {A::kTransfer, kOwner, kRequest, false, Code::kFailedPrecondition},
      {A::kTransfer, kOwner, none, false, Code::kNotFound},
      {A::kMute, kOwner, kAdmin, false, Code::kOk},
      {A::kUnmute, kOwner, kMember, false, Code::kOk},
      {A::kMute, kOwner, kBanned, false, Code::kFailedPrecondition},
      // Admins act on members and requesters, never on admins or the owner.
      {A::kKick, kAdmin, kMember, false, Code::kOk},
      {A::kBan, kAdmin, kRequest, false, Code::kOk},
      {A::kPromote, kAdmin, kMember, false, Code::kOk},
      {A::kMute, kAdmin, kMember, false, Code::kOk},
      {A::kKick, kAdmin, kAdmin, false, Code::kPermissionDenied},
      {A::kBan, kAdmin, kAdmin, false, Code::kPermissionDenied},
      {A::kMute, kAdmin, kAdmin, false, Code::kPermissionDenied},
      {A::kKick, kAdmin, kOwner, false, Code::kPermissionDenied},
      {A::kBan, kAdmin, kOwner, false, Code::kPermissionDenied},
      {A::kMute, kAdmin, kOwner, false, Code::kPermissionDenied},
      {A::kDemote, kAdmin, kAdmin, false, Code::kPermissionDenied},
      {A::kDemote, kAdmin, kOwner, false, Code::kPermissionDenied},
      {A::kTransfer, kAdmin, kMember, false, Code::kPermissionDenied},
      // Nobody acts on themselves; the owner must transfer first.
      {A::kKick, kOwner, kOwner, true, Code::kFailedPrecondition},
      {A::kBan, kOwner, kOwner, true, Code::kFailedPrecondition},
      {A::kDemote, kOwner, kOwner, true, Code::kFailedPrecondition},
      {A::kTransfer, kOwner, kOwner, true, Code::kFailedPrecondition},
      {A::kKick, kAdmin, kAdmin, true, Code::kFailedPrecondition},
      {A::kMute, kAdmin, kAdmin, true, Code::kFailedPrecondition},
  };
  for (const Case& c : cases) {
    const absl::Status status = CheckManage(c.action, c.actor, c.target, c.self);
    EXPECT_EQ(status.code(), c.expected)
        << ActionCode(c.action) << " by "
        << (c.actor ? GuildRoleCode(c.actor->role) + "/" + GuildMemberStateCode(c.actor->state)
                    : "stranger")
        << " on "
        << (c.target ? GuildRoleCode(c.target->role) + "/" + GuildMemberStateCode(c.target->state)
                     : "no row")
        << (c.self ? " (self)" : "") << ": " << status;
    EXPECT_FALSE(status.code() != Code::kOk && status.message().empty());
  }
  EXPECT_NE(CheckManage(A::kBan, kOwner, kOwner, true).message().find("transfer ownership first"),
            absl::string_view::npos);
}

TEST(GuildRulesTest, Join) {
  const std::optional<Membership> none;
  EXPECT_EQ(*DecideJoin(true, none, 1, 2), JoinOutcome::kBecomeMember);
  EXPECT_EQ(DecideJoin(true, none, 2, 2).status().code(), Code::kResourceExhausted);
  EXPECT_EQ(*DecideJoin(false, none, 2, 2), JoinOutcome::kRequest) << "a request may wait";
  EXPECT_EQ(*DecideJoin(true, kMember, 2, 2), JoinOutcome::kAlreadyMember);
  EXPECT_EQ(*DecideJoin(false, kRequest, 1, 2), JoinOutcome::kAlreadyRequested);
  EXPECT_EQ(DecideJoin(true, kBanned, 1, 2).status().code(), Code::kPermissionDenied);
  EXPECT_EQ(DecideJoin(false, kBanned, 1, 2).status().code(), Code::kPermissionDenied);
  EXPECT_EQ(CheckCapacity(99, 100).code(), Code::kOk);
  EXPECT_EQ(CheckCapacity(100, 100).code(), Code::kResourceExhausted);
}

TEST(GuildRulesTest, Leave) {
  const std::optional<Membership> none;
  EXPECT_EQ(*DecideLeave(kMember, 3), LeaveOutcome::kLeave);
  EXPECT_EQ(*DecideLeave(kAdmin, 3), LeaveOutcome::kLeave);
  EXPECT_EQ(*DecideLeave(kRequest, 3), LeaveOutcome::kWithdrawRequest);
  EXPECT_EQ(*DecideLeave(kOwner, 1), LeaveOutcome::kDisband);
  EXPECT_EQ(DecideLeave(kOwner, 2).status().code(), Code::kFailedPrecondition);
  EXPECT_EQ(DecideLeave(kBanned, 2).status().code(), Code::kFailedPrecondition);
  EXPECT_EQ(DecideLeave(none, 2).status().code(), Code::kFailedPrecondition);
}

TEST(GuildRulesTest, MemberListStates) {
  EXPECT_EQ(MemberListStates(GUILD_MEMBER_STATE_UNSPECIFIED, false)->size(), 1u);
  EXPECT_EQ(MemberListStates(GUILD_MEMBER_STATE_UNSPECIFIED, true)->size(), 2u)
      << "members and requests, banned left out";
  EXPECT_EQ(MemberListStates(GUILD_MEMBER_STATE_BANNED, false).status().code(),
            Code::kPermissionDenied);
  EXPECT_EQ(MemberListStates(GUILD_MEMBER_STATE_JOIN_REQUEST, false).status().code(),
            Code::kPermissionDenied);
  EXPECT_EQ((*MemberListStates(GUILD_MEMBER_STATE_BANNED, true))[0], GUILD_MEMBER_STATE_BANNED);
}

TEST(GuildRulesTest, CodesRoundTripAndSystemMessagesNameBoth) {
  for (GuildRole role : {GUILD_ROLE_OWNER, GUILD_ROLE_ADMIN, GUILD_ROLE_MEMBER}) {
    EXPECT_EQ(GuildRoleFromCode(GuildRoleCode(role)), role);
  }
  for (GuildMemberState state :
       {GUILD_MEMBER_STATE_MEMBER, GUILD_MEMBER_STATE_JOIN_REQUEST, GUILD_MEMBER_STATE_BANNED}) {
    EXPECT_EQ(GuildMemberStateFromCode(GuildMemberStateCode(state)), state);
  }
  EXPECT_EQ(GuildMemberStateCode(GUILD_MEMBER_STATE_JOIN_REQUEST), "join_request");
  EXPECT_EQ(SystemMessageText("kick", "alice", "bob"), "alice kicked bob");
  EXPECT_EQ(SystemMessageText("join", "bob", "bob"), "bob joined the guild");
}

}  // namespace
}  // namespace qs::social
