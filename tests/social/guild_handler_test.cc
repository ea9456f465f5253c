// social.v1.GuildService through a real gRPC client against the real social
// binary: guild life cycle, membership, the roles matrix, bans and their
// expiry, disbanding, search paging, audit trail, events, system messages,
// and races at capacity checked in SQL on the primary.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/api/uuid.h"
#include "proto/social/v1/events.pb.h"
#include "tests/social/social_server_fixture.h"
#include "tests/support/start_barrier.h"

namespace qs::testing {
namespace {

using namespace ::social::v1;  // NOLINT
using grpc::StatusCode;

using MemberRpc = grpc::Status (GuildService::Stub::*)(grpc::ClientContext*,
                                                       const GuildMemberRequest&,
                                                       MembershipResponse*);

class GuildServiceTest : public SocialServerFixture {
 protected:
  static std::string User() { return api::NewUuidV4(); }
  // A name no other test (or run) uses.
  static std::string UniqueName(const std::string& stem) {
    return absl::StrCat(stem, " ", api::NewUuidV4().substr(0, 8));
  }

  Guild Create(const std::string& owner, bool open, int max_members = 0,
               const std::string& name = "") {
    CreateGuildRequest request;
    request.set_name(name.empty() ? UniqueName("Guild") : name);
    request.set_description("a test guild");
    request.set_open(open);
    request.set_max_members(max_members);
    Guild guild;
    grpc::Status status = guilds_->CreateGuild(As(owner).get(), request, &guild);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return guild;
  }

  grpc::Status Join(const std::string& guild_id, const std::string& user,
                    MembershipResponse* out = nullptr) {
    JoinGuildRequest request;
    request.set_guild_id(guild_id);
    MembershipResponse ignored;
    return guilds_->JoinGuild(As(user).get(), request, out ? out : &ignored);
  }
  grpc::Status Leave(const std::string& guild_id, const std::string& user,
                     MembershipResponse* out = nullptr) {
    LeaveGuildRequest request;
    request.set_guild_id(guild_id);
    MembershipResponse ignored;
    return guilds_->LeaveGuild(As(user).get(), request, out ? out : &ignored);
  }
  grpc::Status Act(MemberRpc rpc, const std::string& guild_id, const std::string& actor,
                   const std::string& target, MembershipResponse* out = nullptr) {
    GuildMemberRequest request;
    request.set_guild_id(guild_id);
    request.set_user_id(target);
    MembershipResponse ignored;
    return (guilds_.get()->*rpc)(As(actor).get(), request, out ? out : &ignored);
  }
  grpc::Status Ban(const std::string& guild_id, const std::string& actor, const std::string& target,
                   absl::Duration for_how_long = absl::ZeroDuration(),
                   MembershipResponse* out = nullptr) {
    BanMemberRequest request;
    request.set_guild_id(guild_id);
    request.set_user_id(target);
    request.set_reason("spam");
    if (for_how_long > absl::ZeroDuration()) {
      const absl::Time until = absl::Now() + for_how_long;
      request.mutable_until()->set_seconds(absl::ToUnixSeconds(until));
      request.mutable_until()->set_nanos(static_cast<int>(
          absl::ToInt64Nanoseconds(until - absl::FromUnixSeconds(absl::ToUnixSeconds(until)))));
    }
    MembershipResponse ignored;
    return guilds_->BanMember(As(actor).get(), request, out ? out : &ignored);
  }
  grpc::Status Mute(const std::string& guild_id, const std::string& actor,
                    const std::string& target, int64_t until_seconds) {
    MuteMemberRequest request;
    request.set_guild_id(guild_id);
    request.set_user_id(target);
    request.mutable_until()->set_seconds(until_seconds);
    MembershipResponse ignored;
    return guilds_->MuteMember(As(actor).get(), request, &ignored);
  }

  // Every membership row of the guild and its count, as one string: a
  // rejected call must leave it as it was.
  static std::string Snapshot(const std::string& guild_id) {
    std::string out;
    for (const auto& row : QueryPrimary(
             kDatabase,
             "SELECT coalesce(string_agg(user_id || ':' || role || ':' || state || ':' || "
             "coalesce(muted_until::text, '') || coalesce(banned_until::text, ''), ',' "
             "ORDER BY user_id), '') || '|' || (SELECT member_count || '/' || max_members || "
             "'/' || owner_id FROM guilds WHERE id = $1) FROM guild_members WHERE guild_id = $1",
             guild_id)) {
      out += row[0].is_null() ? "<no guild>" : row[0].as<std::string>();
    }
    return out;
  }

  // The invariant: member_count = the MEMBER rows <= max_members.
  static void ExpectCountMatchesRows(const std::string& guild_id) {
    pqxx::result rows = QueryPrimary(
        kDatabase,
        "SELECT g.member_count, g.max_members, (SELECT count(*) FROM guild_members m "
        "WHERE m.guild_id = g.id AND m.state = 'member') FROM guilds g WHERE g.id = $1",
        guild_id);
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0][0].as<int64_t>(), rows[0][2].as<int64_t>()) << "count drifted from rows";
    EXPECT_LE(rows[0][0].as<int64_t>(), rows[0][1].as<int64_t>()) << "above max_members";
  }

  static int64_t CountWhere(const std::string& sql, const std::string& guild_id) {
    return QueryPrimary(kDatabase, sql, guild_id)[0][0].as<int64_t>();
  }

  static std::vector<std::string> EventTypes(const std::string& guild_id) {
    std::vector<std::string> types;
    for (const auto& envelope : OutboxEvents(kDatabase, guild_id)) types.push_back(envelope.type());
    return types;
  }

  static std::vector<std::string> SystemMessages(const std::string& guild_id) {
    std::vector<std::string> texts;
    for (const auto& row : QueryPrimary(kDatabase,
                                        "SELECT m.text FROM chat_messages m JOIN chat_channels c "
                                        "ON c.id = m.channel_id WHERE c.guild_id = $1 "
                                        "AND m.kind = 'system' ORDER BY m.sequence",
                                        guild_id)) {
      texts.push_back(row[0].as<std::string>());
    }
    return texts;
  }
};

TEST_F(GuildServiceTest, CreateGetUpdateDelete) {
  const std::string owner = User();
  const std::string name = UniqueName("Dragons");
  Guild guild = Create(owner, true, 0, name);
  EXPECT_EQ(guild.name(), name);
  EXPECT_EQ(guild.max_members(), 100) << "default";
  EXPECT_EQ(guild.member_count(), 1);
  EXPECT_EQ(guild.owner_id(), owner);
  EXPECT_TRUE(guild.has_created_at());

  Guild got;
  GetGuildRequest get;
  get.set_guild_id(guild.id());
  ASSERT_TRUE(guilds_->GetGuild(As(User()).get(), get, &got).ok()) << "just created: no miss";
  EXPECT_EQ(got.id(), guild.id());

  // Same name in another case: ALREADY_EXISTS, nothing created.
  CreateGuildRequest dup;
  dup.set_name(absl::AsciiStrToUpper(name));
  Guild ignored;
  grpc::Status status = guilds_->CreateGuild(As(User()).get(), dup, &ignored);
  EXPECT_EQ(status.error_code(), StatusCode::ALREADY_EXISTS);
  EXPECT_NE(status.error_message().find("choose another name"), std::string::npos);
  EXPECT_EQ(
      QueryPrimary(kDatabase, "SELECT count(*) FROM guilds WHERE name_key = lower($1)", name)[0][0]
          .as<int64_t>(),
      1);

  UpdateGuildRequest update;
  update.set_guild_id(guild.id());
  update.set_description("new words");
  update.set_open(false);
  update.set_max_members(7);
  Guild updated;
  ASSERT_TRUE(guilds_->UpdateGuild(As(owner).get(), update, &updated).ok());
  EXPECT_EQ(updated.description(), "new words");
  EXPECT_FALSE(updated.open());
  EXPECT_EQ(updated.max_members(), 7);
  EXPECT_EQ(updated.name(), name) << "unset fields stay";

  const std::string member = User();
  update.set_open(true);
  ASSERT_TRUE(guilds_->UpdateGuild(As(owner).get(), update, &updated).ok());
  ASSERT_TRUE(Join(guild.id(), member).ok());
  update.clear_description();
  update.clear_open();
  update.set_max_members(1);
  status = guilds_->UpdateGuild(As(owner).get(), update, &updated);
  EXPECT_EQ(status.error_code(), StatusCode::FAILED_PRECONDITION) << "below the count of 2";
  EXPECT_EQ(status.error_message().rfind("max_members:", 0), 0u);
  EXPECT_EQ(guilds_->UpdateGuild(As(member).get(), update, &updated).error_code(),
            StatusCode::PERMISSION_DENIED);
  UpdateGuildRequest rename;
  rename.set_guild_id(guild.id());
  rename.set_name(Create(User(), true).name());
  EXPECT_EQ(guilds_->UpdateGuild(As(owner).get(), rename, &updated).error_code(),
            StatusCode::ALREADY_EXISTS);
  rename.set_name(name + " II");
  ASSERT_TRUE(guilds_->UpdateGuild(As(owner).get(), rename, &updated).ok());
  EXPECT_EQ(updated.name(), name + " II");

  DeleteGuildRequest del;
  del.set_guild_id(guild.id());
  DeleteGuildResponse deleted;
  EXPECT_EQ(guilds_->DeleteGuild(As(member).get(), del, &deleted).error_code(),
            StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(guilds_->DeleteGuild(As(owner).get(), del, &deleted).ok());
  // GetGuild reads the replica: the delete shows once it has replayed it.
  EXPECT_TRUE(Eventually([&] {
    return guilds_->GetGuild(As(owner).get(), get, &got).error_code() == StatusCode::NOT_FOUND;
  }));
  EXPECT_EQ(CountWhere("SELECT count(*) FROM guild_members WHERE guild_id = $1", guild.id()), 0);
  EXPECT_EQ(CountWhere("SELECT count(*) FROM guild_audit_log WHERE guild_id = $1", guild.id()), 0);
  EXPECT_EQ(guilds_->DeleteGuild(As(owner).get(), del, &deleted).error_code(),
            StatusCode::NOT_FOUND);
}

TEST_F(GuildServiceTest, BadInputNamesTheFieldAndNeedsAUser) {
  Guild guild;
  CreateGuildRequest create;
  create.set_name("ok name");
  EXPECT_EQ(guilds_->CreateGuild(As("").get(), create, &guild).error_code(),
            StatusCode::UNAUTHENTICATED);
  struct Bad {
    CreateGuildRequest request;
    std::string field;
  };
  std::vector<Bad> bad(4);
  bad[0].request.set_name("");
  bad[0].field = "name";
  bad[1].request.set_name(std::string(65, 'n'));
  bad[1].field = "name";
  bad[2].request.set_name("x");
  bad[2].request.set_max_members(10001);
  bad[2].field = "max_members";
  bad[3].request.set_name("y");
  bad[3].request.set_description(std::string(1025, 'd'));
  bad[3].field = "description";
  for (const Bad& b : bad) {
    grpc::Status status = guilds_->CreateGuild(As(User()).get(), b.request, &guild);
    EXPECT_EQ(status.error_code(), StatusCode::INVALID_ARGUMENT) << b.field;
    EXPECT_EQ(status.error_message().rfind(b.field + ":", 0), 0u) << status.error_message();
  }
  MembershipResponse out;
  EXPECT_EQ(Join("not-a-uuid", User(), &out).error_code(), StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Join(api::NewUuidV4(), User(), &out).error_code(), StatusCode::NOT_FOUND);
  const Guild real = Create(User(), true);
  grpc::Status status = Act(&GuildService::Stub::KickMember, real.id(), real.owner_id(), "bob");
  EXPECT_EQ(status.error_code(), StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message().rfind("user_id:", 0), 0u);
  EXPECT_EQ(Mute(real.id(), real.owner_id(), User(), 1000).error_code(),
            StatusCode::INVALID_ARGUMENT)
      << "a mute in the past";
  ListGuildMembersRequest list;
  list.set_guild_id(real.id());
  list.set_page_token("garbage");
  ListGuildMembersResponse members;
  status = guilds_->ListGuildMembers(As(User()).get(), list, &members);
  EXPECT_EQ(status.error_code(), StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message().rfind("page_token:", 0), 0u);
}

TEST_F(GuildServiceTest, OpenJoinClosedRequestApproveRejectWithEventsAndMessages) {
  const std::string owner = User(), alice = User(), bob = User(), carol = User();
  const Guild open = Create(owner, true);
  MembershipResponse out;
  ASSERT_TRUE(Join(open.id(), alice, &out).ok());
  EXPECT_EQ(out.member().state(), GUILD_MEMBER_STATE_MEMBER);
  EXPECT_EQ(out.member().role(), GUILD_ROLE_MEMBER);
  EXPECT_EQ(out.guild().member_count(), 2);
  ASSERT_TRUE(Join(open.id(), alice, &out).ok()) << "joining again is harmless";
  EXPECT_EQ(out.guild().member_count(), 2);
  EXPECT_EQ(EventTypes(open.id()), std::vector<std::string>{"social.v1.GuildMemberJoined"});
  ExpectCountMatchesRows(open.id());

  const Guild closed = Create(owner, false);
  ASSERT_TRUE(Join(closed.id(), bob, &out).ok());
  EXPECT_EQ(out.member().state(), GUILD_MEMBER_STATE_JOIN_REQUEST);
  EXPECT_EQ(out.guild().member_count(), 1) << "a request is not a member";
  ASSERT_TRUE(Join(closed.id(), carol).ok());
  EXPECT_EQ(Act(&GuildService::Stub::ApproveJoinRequest, closed.id(), bob, carol).error_code(),
            StatusCode::PERMISSION_DENIED)
      << "a requester cannot approve";
  ASSERT_TRUE(Act(&GuildService::Stub::ApproveJoinRequest, closed.id(), owner, bob, &out).ok());
  EXPECT_EQ(out.member().state(), GUILD_MEMBER_STATE_MEMBER);
  EXPECT_EQ(out.guild().member_count(), 2);
  EXPECT_EQ(Act(&GuildService::Stub::ApproveJoinRequest, closed.id(), owner, bob).error_code(),
            StatusCode::FAILED_PRECONDITION)
      << "not a request any more";
  ASSERT_TRUE(Act(&GuildService::Stub::RejectJoinRequest, closed.id(), owner, carol, &out).ok());
  EXPECT_FALSE(out.has_member()) << "the request is gone";
  EXPECT_EQ(Act(&GuildService::Stub::RejectJoinRequest, closed.id(), owner, carol).error_code(),
            StatusCode::NOT_FOUND);
  ExpectCountMatchesRows(closed.id());

  std::vector<::events::v1::EventEnvelope> events = OutboxEvents(kDatabase, closed.id());
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].type(), "social.v1.GuildJoinRequested");
  ::social::v1::GuildJoinRequested requested;
  ASSERT_TRUE(events[0].payload().UnpackTo(&requested));
  EXPECT_EQ(std::vector<std::string>(requested.admin_ids().begin(), requested.admin_ids().end()),
            std::vector<std::string>{owner})
      << "the request names who may approve it";
  EXPECT_EQ(events[2].type(), "social.v1.GuildMemberJoined");
  GuildMemberJoined joined;
  ASSERT_TRUE(events[2].payload().UnpackTo(&joined));
  EXPECT_EQ(joined.user_id(), bob);
  EXPECT_EQ(joined.approved_by(), owner);

  const std::vector<std::string> texts = SystemMessages(closed.id());
  ASSERT_EQ(texts.size(), 1u);
  EXPECT_EQ(texts[0], absl::StrCat(owner, " approved the join request of ", bob));
  EXPECT_EQ(SystemMessages(open.id()), std::vector<std::string>{alice + " joined the guild"});
}

// Who may do what to whom, through the API, with the rows unchanged after
// every rejected call.
TEST_F(GuildServiceTest, RolesMatrix) {
  enum Who { kOwner, kAdmin, kAdmin2, kMember, kMember2, kRequester, kBanned, kStranger };
  struct Case {
    const char* name;
    MemberRpc rpc;
    Who actor;
    Who target;
    StatusCode expected;
  };
  using S = GuildService::Stub;
  const std::vector<Case> cases = {
      {"member kicks member", &S::KickMember, kMember, kMember2, StatusCode::PERMISSION_DENIED},
      {"stranger kicks member", &S::KickMember, kStranger, kMember, StatusCode::PERMISSION_DENIED},
      {"requester approves self", &S::ApproveJoinRequest, kRequester, kRequester,
       StatusCode::PERMISSION_DENIED},
      {"member approves", &S::ApproveJoinRequest, kMember, kRequester,
       StatusCode::PERMISSION_DENIED},
      {"admin kicks member", &S::KickMember, kAdmin, kMember, StatusCode::OK},
      {"admin kicks requester", &S::KickMember, kAdmin, kRequester, StatusCode::OK},
      {"admin kicks admin", &S::KickMember, kAdmin, kAdmin2, StatusCode::PERMISSION_DENIED},
      {"admin kicks owner", &S::KickMember, kAdmin, kOwner, StatusCode::PERMISSION_DENIED},
      {"admin promotes member", &S::PromoteMember, kAdmin, kMember, StatusCode::OK},
      {"admin demotes admin", &S::DemoteMember, kAdmin, kAdmin2, StatusCode::PERMISSION_DENIED},
      {"admin demotes owner", &S::DemoteMember, kAdmin, kOwner, StatusCode::PERMISSION_DENIED},
      {"admin unmutes admin", &S::UnmuteMember, kAdmin, kAdmin2, StatusCode::PERMISSION_DENIED},
      {"admin approves", &S::ApproveJoinRequest, kAdmin, kRequester, StatusCode::OK},
      {"admin transfers", &S::TransferOwnership, kAdmin, kMember, StatusCode::PERMISSION_DENIED},
      {"admin unbans", &S::UnbanMember, kAdmin, kBanned, StatusCode::OK},
      {"admin kicks banned", &S::KickMember, kAdmin, kBanned, StatusCode::FAILED_PRECONDITION},
      {"admin kicks stranger", &S::KickMember, kAdmin, kStranger, StatusCode::NOT_FOUND},
      {"admin kicks self", &S::KickMember, kAdmin, kAdmin, StatusCode::FAILED_PRECONDITION},
      {"owner kicks admin", &S::KickMember, kOwner, kAdmin, StatusCode::OK},
      {"owner demotes admin", &S::DemoteMember, kOwner, kAdmin, StatusCode::OK},
      {"owner demotes member", &S::DemoteMember, kOwner, kMember, StatusCode::FAILED_PRECONDITION},
      {"owner promotes admin", &S::PromoteMember, kOwner, kAdmin, StatusCode::FAILED_PRECONDITION},
      {"owner promotes requester", &S::PromoteMember, kOwner, kRequester,
       StatusCode::FAILED_PRECONDITION},
      {"owner kicks self", &S::KickMember, kOwner, kOwner, StatusCode::FAILED_PRECONDITION},
      {"owner demotes self", &S::DemoteMember, kOwner, kOwner, StatusCode::FAILED_PRECONDITION},
      {"owner transfers to requester", &S::TransferOwnership, kOwner, kRequester,
       StatusCode::FAILED_PRECONDITION},
      {"owner transfers to stranger", &S::TransferOwnership, kOwner, kStranger,
       StatusCode::NOT_FOUND},
      {"owner unbans member", &S::UnbanMember, kOwner, kMember, StatusCode::FAILED_PRECONDITION},
      {"owner rejects member", &S::RejectJoinRequest, kOwner, kMember,
       StatusCode::FAILED_PRECONDITION},
      {"banned kicks member", &S::KickMember, kBanned, kMember, StatusCode::PERMISSION_DENIED},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    // A fresh guild per case: owner, two admins, two members, a requester
    // and a banned user.
    std::vector<std::string> who(8);
    for (std::string& id : who) id = User();
    const Guild guild = Create(who[kOwner], true);
    for (Who w : {kAdmin, kAdmin2, kMember, kMember2, kBanned}) {
      ASSERT_TRUE(Join(guild.id(), who[w]).ok());
    }
    for (Who w : {kAdmin, kAdmin2}) {
      ASSERT_TRUE(Act(&S::PromoteMember, guild.id(), who[kOwner], who[w]).ok());
    }
    ASSERT_TRUE(Ban(guild.id(), who[kOwner], who[kBanned]).ok());
    UpdateGuildRequest close;
    close.set_guild_id(guild.id());
    close.set_open(false);
    Guild ignored;
    ASSERT_TRUE(guilds_->UpdateGuild(As(who[kOwner]).get(), close, &ignored).ok());
    ASSERT_TRUE(Join(guild.id(), who[kRequester]).ok());

    const std::string before = Snapshot(guild.id());
    grpc::Status status = Act(c.rpc, guild.id(), who[c.actor], who[c.target]);
    EXPECT_EQ(status.error_code(), c.expected) << status.error_message();
    if (!status.ok()) {
      EXPECT_FALSE(status.error_message().empty());
      EXPECT_EQ(Snapshot(guild.id()), before) << "a rejected call changed nothing";
    } else {
      EXPECT_NE(Snapshot(guild.id()), before);
    }
    ExpectCountMatchesRows(guild.id());
  }
}

TEST_F(GuildServiceTest, OwnerMustTransferBeforeLeavingAndTransferSwapsRoles) {
  const std::string owner = User(), heir = User();
  const Guild guild = Create(owner, true);
  ASSERT_TRUE(Join(guild.id(), heir).ok());
  grpc::Status status = Leave(guild.id(), owner);
  EXPECT_EQ(status.error_code(), StatusCode::FAILED_PRECONDITION);
  EXPECT_NE(status.error_message().find("transfer ownership first"), std::string::npos);
  EXPECT_EQ(Ban(guild.id(), owner, owner).error_code(), StatusCode::FAILED_PRECONDITION);

  MembershipResponse out;
  ASSERT_TRUE(Act(&GuildService::Stub::TransferOwnership, guild.id(), owner, heir, &out).ok());
  EXPECT_EQ(out.member().role(), GUILD_ROLE_OWNER);
  EXPECT_EQ(out.guild().owner_id(), heir);
  EXPECT_EQ(
      QueryPrimary(kDatabase, "SELECT role FROM guild_members WHERE guild_id = $1 AND user_id = $2",
                   guild.id(), owner)[0][0]
          .as<std::string>(),
      "admin");
  EXPECT_EQ(CountWhere("SELECT count(*) FROM guild_members WHERE guild_id = $1 AND role = 'owner'",
                       guild.id()),
            1);
  ASSERT_TRUE(Leave(guild.id(), owner, &out).ok()) << "no longer the owner";
  EXPECT_FALSE(out.has_member());
  EXPECT_EQ(out.guild().member_count(), 1);
  EXPECT_EQ(Leave(guild.id(), owner).error_code(), StatusCode::FAILED_PRECONDITION)
      << "not a member any more";
  ExpectCountMatchesRows(guild.id());

  std::vector<::events::v1::EventEnvelope> events = OutboxEvents(kDatabase, guild.id());
  ASSERT_FALSE(events.empty());
  GuildMemberRemoved removed;
  ASSERT_TRUE(events.back().payload().UnpackTo(&removed));
  EXPECT_EQ(removed.reason(), GuildMemberRemoved::REASON_LEAVE);
  EXPECT_EQ(removed.user_id(), owner);
}

class GuildEndTest : public GuildServiceTest {
 protected:
  // What is left of a guild after its end, in SQL: its row, every
  // membership row (members, join requests, bans), its audit trail, its
  // channel, that channel's messages and read marks. All zero once it ended.
  static std::string Remains(const std::string& guild_id, const std::string& channel_id) {
    return QueryPrimary(
               kDatabase,
               "SELECT (SELECT count(*) FROM guilds WHERE id = $1) || ' guild, ' || "
               "(SELECT count(*) FROM guild_members WHERE guild_id = $1) || ' members, ' || "
               "(SELECT count(*) FROM guild_audit_log WHERE guild_id = $1) || ' audit, ' || "
               "(SELECT count(*) FROM chat_channels WHERE guild_id = $1 OR id = $2) || "
               "' channel, ' || (SELECT count(*) FROM chat_messages WHERE channel_id = $2) || "
               "' messages, ' || "
               "(SELECT count(*) FROM channel_read_marks WHERE channel_id = $2) || ' read marks'",
               guild_id, channel_id)[0][0]
        .as<std::string>();
  }

  // A guild of `owner` with `members` joined (each announced in the guild
  // channel), a banned user, a pending join request and a message of the
  // owner's in the channel; returns the guild and its channel id.
  std::pair<Guild, std::string> Populated(const std::string& owner,
                                          const std::vector<std::string>& members) {
    Guild guild = Create(owner, true);
    for (const std::string& member : members) EXPECT_TRUE(Join(guild.id(), member).ok());
    EXPECT_TRUE(Ban(guild.id(), owner, User()).ok());
    UpdateGuildRequest close;
    close.set_guild_id(guild.id());
    close.set_open(false);
    Guild closed;
    EXPECT_TRUE(guilds_->UpdateGuild(As(owner).get(), close, &closed).ok());
    EXPECT_TRUE(Join(guild.id(), User()).ok()) << "a join request";
    SendMessageRequest send;
    send.set_guild_id(guild.id());
    send.set_text("bye all");
    SendMessageResponse sent;
    grpc::Status status = chat_->SendMessage(As(owner).get(), send, &sent);
    EXPECT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(
        Remains(guild.id(), sent.message().channel_id()),
        absl::StrCat("1 guild, ", members.size() + 3, " members, ", members.size() + 4,
                     " audit, 1 channel, ", sent.message().sequence(), " messages, 1 read marks"))
        << "arranged";
    return {closed, sent.message().channel_id()};
  }

  // The guild's one GuildDeleted event, after `events_before` others.
  static GuildDeleted DeletedEvent(const std::string& guild_id, size_t events_before) {
    std::vector<::events::v1::EventEnvelope> events = OutboxEvents(kDatabase, guild_id);
    EXPECT_EQ(events.size(), events_before + 1) << "the end writes exactly one event";
    GuildDeleted deleted;
    if (events.empty()) return deleted;
    EXPECT_EQ(events.back().type(), "social.v1.GuildDeleted");
    EXPECT_EQ(events.back().aggregate_id(), guild_id);
    EXPECT_TRUE(events.back().payload().UnpackTo(&deleted));
    return deleted;
  }
};

TEST_F(GuildEndTest, DeleteGuildWritesGuildDeletedAndTakesEverythingWithIt) {
  const std::string owner = User();
  std::vector<std::string> members = {User(), User(), User()};
  const auto [guild, channel_id] = Populated(owner, members);
  const size_t events_before = OutboxEvents(kDatabase, guild.id()).size();

  DeleteGuildRequest del;
  del.set_guild_id(absl::AsciiStrToUpper(guild.id()));
  DeleteGuildResponse response;
  grpc::Status status = guilds_->DeleteGuild(As(owner).get(), del, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();

  const GuildDeleted deleted = DeletedEvent(guild.id(), events_before);
  EXPECT_EQ(deleted.guild_id(), guild.id());
  EXPECT_EQ(deleted.name(), guild.name());
  EXPECT_EQ(deleted.deleted_by(), owner);
  EXPECT_EQ(deleted.reason(), GuildDeleted::REASON_DELETED_BY_OWNER);
  members.push_back(owner);
  std::sort(members.begin(), members.end());
  EXPECT_EQ(std::vector<std::string>(deleted.former_member_ids().begin(),
                                     deleted.former_member_ids().end()),
            members)
      << "members only (no join request, no ban), by id";
  EXPECT_EQ(Remains(guild.id(), channel_id),
            "0 guild, 0 members, 0 audit, 0 channel, 0 messages, 0 read marks");
}

TEST_F(GuildEndTest, TheLastMemberLeavingEndsTheGuildTheSameWay) {
  const std::string owner = User();
  const auto [guild, channel_id] = Populated(owner, {});
  const size_t events_before = OutboxEvents(kDatabase, guild.id()).size();

  MembershipResponse out;
  ASSERT_TRUE(Leave(guild.id(), owner, &out).ok());
  EXPECT_TRUE(out.disbanded());
  EXPECT_FALSE(out.has_guild());
  EXPECT_FALSE(out.has_member());

  const GuildDeleted deleted = DeletedEvent(guild.id(), events_before);
  EXPECT_EQ(deleted.guild_id(), guild.id());
  EXPECT_EQ(deleted.name(), guild.name());
  EXPECT_EQ(deleted.deleted_by(), owner);
  EXPECT_EQ(deleted.reason(), GuildDeleted::REASON_LAST_MEMBER_LEFT);
  EXPECT_EQ(std::vector<std::string>(deleted.former_member_ids().begin(),
                                     deleted.former_member_ids().end()),
            std::vector<std::string>{owner});
  EXPECT_EQ(Remains(guild.id(), channel_id),
            "0 guild, 0 members, 0 audit, 0 channel, 0 messages, 0 read marks");
  EXPECT_EQ(Join(guild.id(), User()).error_code(), StatusCode::NOT_FOUND);
}

TEST_F(GuildEndTest, RefusedDeletesChangeNothingAndWriteNoEvent) {
  const std::string owner = User(), admin = User();
  const auto [guild, channel_id] = Populated(owner, {admin});
  ASSERT_TRUE(Act(&GuildService::Stub::PromoteMember, guild.id(), owner, admin).ok());
  const std::string before = Remains(guild.id(), channel_id) + Snapshot(guild.id());
  const size_t events_before = OutboxEvents(kDatabase, guild.id()).size();

  DeleteGuildRequest del;
  DeleteGuildResponse response;
  del.set_guild_id("not-a-guild");
  grpc::Status status = guilds_->DeleteGuild(As(owner).get(), del, &response);
  EXPECT_EQ(status.error_code(), StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message().rfind("guild_id:", 0), 0u) << status.error_message();
  del.set_guild_id(api::NewUuidV4());
  EXPECT_EQ(guilds_->DeleteGuild(As(owner).get(), del, &response).error_code(),
            StatusCode::NOT_FOUND);
  del.set_guild_id(guild.id());
  EXPECT_EQ(guilds_->DeleteGuild(As(admin).get(), del, &response).error_code(),
            StatusCode::PERMISSION_DENIED)
      << "only the owner deletes";
  EXPECT_EQ(guilds_->DeleteGuild(As(User()).get(), del, &response).error_code(),
            StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(guilds_->DeleteGuild(As("").get(), del, &response).error_code(),
            StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(Remains(guild.id(), channel_id) + Snapshot(guild.id()), before);
  EXPECT_EQ(OutboxEvents(kDatabase, guild.id()).size(), events_before);
}

TEST_F(GuildServiceTest, BansKeepUsersOutUntilLiftedOrExpired) {
  const std::string owner = User(), troll = User(), outsider = User();
  const Guild guild = Create(owner, true);
  ASSERT_TRUE(Join(guild.id(), troll).ok());
  MembershipResponse out;
  // 3 s: the checks below must finish inside it even on a loaded machine.
  ASSERT_TRUE(Ban(guild.id(), owner, troll, absl::Seconds(3), &out).ok());
  EXPECT_EQ(out.member().state(), GUILD_MEMBER_STATE_BANNED);
  EXPECT_EQ(out.member().ban_reason(), "spam");
  EXPECT_TRUE(out.member().has_banned_until());
  const MembershipResponse banned = out;
  EXPECT_EQ(out.guild().member_count(), 1) << "a banned member is removed";
  ExpectCountMatchesRows(guild.id());
  grpc::Status status = Join(guild.id(), troll);
  EXPECT_EQ(status.error_code(), StatusCode::PERMISSION_DENIED);
  EXPECT_NE(status.error_message().find("ban"), std::string::npos);

  // A preventive ban of someone who never joined, without expiry.
  ASSERT_TRUE(Ban(guild.id(), owner, outsider).ok());
  EXPECT_EQ(Join(guild.id(), outsider).error_code(), StatusCode::PERMISSION_DENIED);

  // Until just past the ban's end, as the server stated it.
  const absl::Time banned_until = absl::FromUnixSeconds(banned.member().banned_until().seconds()) +
                                  absl::Nanoseconds(banned.member().banned_until().nanos());
  absl::SleepFor(banned_until - absl::Now() + absl::Milliseconds(200));
  ASSERT_TRUE(Join(guild.id(), troll, &out).ok()) << "the ban expired";
  EXPECT_EQ(out.member().state(), GUILD_MEMBER_STATE_MEMBER);
  EXPECT_FALSE(out.member().has_banned_until());
  EXPECT_EQ(Join(guild.id(), outsider).error_code(), StatusCode::PERMISSION_DENIED)
      << "no expiry: still banned";
  ASSERT_TRUE(Act(&GuildService::Stub::UnbanMember, guild.id(), owner, outsider).ok());
  ASSERT_TRUE(Join(guild.id(), outsider).ok());
  ExpectCountMatchesRows(guild.id());

  GuildMemberRemoved removed;
  bool saw_ban = false;
  for (const auto& envelope : OutboxEvents(kDatabase, guild.id())) {
    if (envelope.payload().UnpackTo(&removed) &&
        removed.reason() == GuildMemberRemoved::REASON_BAN) {
      saw_ban = true;
      EXPECT_EQ(removed.user_id(), troll);
      EXPECT_EQ(removed.actor_id(), owner);
    }
  }
  EXPECT_TRUE(saw_ban);
  EXPECT_EQ(
      CountWhere("SELECT count(*) FROM guild_members WHERE guild_id = $1 AND state = 'banned'",
                 guild.id()),
      0);

  // Banned from a closed guild: no request either.
  const Guild closed = Create(owner, false);
  ASSERT_TRUE(Ban(closed.id(), owner, troll).ok());
  EXPECT_EQ(Join(closed.id(), troll).error_code(), StatusCode::PERMISSION_DENIED);
}

TEST_F(GuildServiceTest, MuteAndUnmuteAreWhatChatReads) {
  const std::string owner = User(), chatty = User();
  const Guild guild = Create(owner, true);
  ASSERT_TRUE(Join(guild.id(), chatty).ok());
  const int64_t until = absl::ToUnixSeconds(absl::Now() + absl::Hours(1));
  ASSERT_TRUE(Mute(guild.id(), owner, chatty, until).ok());
  // Chat's query.
  pqxx::result row =
      QueryPrimary(kDatabase,
                   "SELECT state, extract(epoch FROM muted_until)::bigint FROM guild_members "
                   "WHERE guild_id = $1 AND user_id = $2",
                   guild.id(), chatty);
  ASSERT_EQ(row.size(), 1u);
  EXPECT_EQ(row[0][0].as<std::string>(), "member");
  EXPECT_EQ(row[0][1].as<int64_t>(), until);
  MembershipResponse out;
  ASSERT_TRUE(Act(&GuildService::Stub::UnmuteMember, guild.id(), owner, chatty, &out).ok());
  EXPECT_FALSE(out.member().has_muted_until());
  EXPECT_TRUE(QueryPrimary(kDatabase,
                           "SELECT muted_until FROM guild_members WHERE guild_id = $1 AND "
                           "user_id = $2",
                           guild.id(), chatty)[0][0]
                  .is_null());
  const std::vector<std::string> texts = SystemMessages(guild.id());
  ASSERT_GE(texts.size(), 2u);
  EXPECT_EQ(texts[texts.size() - 2], absl::StrCat(owner, " muted ", chatty));
  EXPECT_EQ(texts.back(), absl::StrCat(owner, " unmuted ", chatty));
}

TEST_F(GuildServiceTest, KicksAreAnnouncedAndAudited) {
  const std::string owner = User(), admin = User(), member = User();
  const Guild guild = Create(owner, true);
  ASSERT_TRUE(Join(guild.id(), admin).ok());
  ASSERT_TRUE(Join(guild.id(), member).ok());
  ASSERT_TRUE(Act(&GuildService::Stub::PromoteMember, guild.id(), owner, admin).ok());
  ASSERT_TRUE(Act(&GuildService::Stub::KickMember, guild.id(), admin, member).ok());
  EXPECT_EQ(SystemMessages(guild.id()).back(), absl::StrCat(admin, " kicked ", member));
  GuildMemberRemoved removed;
  ASSERT_TRUE(OutboxEvents(kDatabase, guild.id()).back().payload().UnpackTo(&removed));
  EXPECT_EQ(removed.reason(), GuildMemberRemoved::REASON_KICK);
  EXPECT_EQ(removed.actor_id(), admin);

  ListGuildAuditLogRequest request;
  request.set_guild_id(guild.id());
  request.set_page_size(2);
  ListGuildAuditLogResponse page;
  EXPECT_EQ(guilds_->ListGuildAuditLog(As(member).get(), request, &page).error_code(),
            StatusCode::PERMISSION_DENIED);
  std::vector<std::string> actions;
  ASSERT_TRUE(Eventually([&] {
    actions.clear();
    request.clear_page_token();
    do {
      page.Clear();
      if (!guilds_->ListGuildAuditLog(As(admin).get(), request, &page).ok()) return false;
      for (const GuildAuditEntry& e : page.entries()) actions.push_back(e.action());
      request.set_page_token(page.next_page_token());
    } while (!page.next_page_token().empty());
    return actions.size() == 5;
  })) << actions.size();
  EXPECT_EQ(actions, (std::vector<std::string>{"kick", "promote", "join", "join", "create"}))
      << "newest first";
}

TEST_F(GuildServiceTest, SearchPagesByNamePrefixCaseInsensitively) {
  const std::string stem = absl::StrCat("Srch", api::NewUuidV4().substr(0, 6));
  std::set<std::string> names;
  for (int i = 0; i < 5; ++i) {
    names.insert(
        Create(User(), true, 0, absl::StrCat(stem, " ", std::string(1, static_cast<char>('a' + i))))
            .name());
  }
  Create(User(), true, 0, absl::StrCat(stem, "_x"));  // the wildcard must stay literal
  SearchGuildsRequest request;
  request.set_name_prefix(absl::AsciiStrToLower(stem) + " ");
  request.set_page_size(2);
  std::vector<std::string> found;
  ASSERT_TRUE(Eventually([&] {
    found.clear();
    request.clear_page_token();
    int pages = 0;
    SearchGuildsResponse page;
    do {
      page.Clear();
      if (!guilds_->SearchGuilds(As(User()).get(), request, &page).ok()) return false;
      for (const Guild& g : page.guilds()) found.push_back(g.name());
      request.set_page_token(page.next_page_token());
      ++pages;
    } while (!page.next_page_token().empty() && pages < 10);
    return found.size() == 5;
  }));
  EXPECT_EQ(found, std::vector<std::string>(names.begin(), names.end())) << "in name order";
  request.set_name_prefix(stem + "_");
  request.clear_page_token();
  SearchGuildsResponse page;
  ASSERT_TRUE(Eventually([&] {
    return guilds_->SearchGuilds(As(User()).get(), request, &page).ok() && page.guilds_size() == 1;
  }));
  EXPECT_EQ(page.guilds(0).name(), stem + "_x") << "'_' is not a wildcard";
  request.set_page_token("x");
  EXPECT_EQ(guilds_->SearchGuilds(As(User()).get(), request, &page).error_code(),
            StatusCode::INVALID_ARGUMENT);
}

TEST_F(GuildServiceTest, ListUserGuildsAndMembersByState) {
  const std::string owner = User(), member = User(), requester = User(), banned = User();
  const Guild a = Create(owner, true);
  const Guild b = Create(owner, true);
  ASSERT_TRUE(Join(a.id(), member).ok());
  ASSERT_TRUE(Join(b.id(), member).ok());
  ASSERT_TRUE(Ban(a.id(), owner, banned).ok());
  UpdateGuildRequest close;
  close.set_guild_id(a.id());
  close.set_open(false);
  Guild ignored;
  ASSERT_TRUE(guilds_->UpdateGuild(As(owner).get(), close, &ignored).ok());
  ASSERT_TRUE(Join(a.id(), requester).ok());

  ListUserGuildsRequest mine;
  mine.set_page_size(1);
  std::vector<std::string> ids;
  ASSERT_TRUE(Eventually([&] {
    ids.clear();
    mine.clear_page_token();
    ListUserGuildsResponse page;
    do {
      page.Clear();
      if (!guilds_->ListUserGuilds(As(member).get(), mine, &page).ok()) return false;
      for (const UserGuild& g : page.guilds()) ids.push_back(g.guild().id());
      mine.set_page_token(page.next_page_token());
    } while (!page.next_page_token().empty());
    return ids.size() == 2;
  }));
  EXPECT_EQ(ids, (std::vector<std::string>{b.id(), a.id()})) << "newest membership first";

  auto list = [&](const std::string& as, GuildMemberState state, std::set<std::string>* users) {
    ListGuildMembersRequest request;
    request.set_guild_id(a.id());
    request.set_state(state);
    request.set_page_size(2);
    users->clear();
    ListGuildMembersResponse page;
    do {
      page.Clear();
      grpc::Status status = guilds_->ListGuildMembers(As(as).get(), request, &page);
      if (!status.ok()) return status;
      for (const GuildMember& m : page.members()) users->insert(m.user_id());
      request.set_page_token(page.next_page_token());
    } while (!page.next_page_token().empty());
    return grpc::Status::OK;
  };
  std::set<std::string> users;
  ASSERT_TRUE(Eventually([&] {
    return list(owner, GUILD_MEMBER_STATE_UNSPECIFIED, &users).ok() && users.size() == 3;
  }));
  EXPECT_EQ(users, (std::set<std::string>{owner, member, requester})) << "banned left out";
  ASSERT_TRUE(list(owner, GUILD_MEMBER_STATE_BANNED, &users).ok());
  EXPECT_EQ(users, std::set<std::string>{banned});
  ASSERT_TRUE(list(member, GUILD_MEMBER_STATE_UNSPECIFIED, &users).ok());
  EXPECT_EQ(users, (std::set<std::string>{owner, member})) << "requests are for managers";
  EXPECT_EQ(list(member, GUILD_MEMBER_STATE_BANNED, &users).error_code(),
            StatusCode::PERMISSION_DENIED);
}

TEST_F(GuildServiceTest, ConcurrentJoinsAtCapacityNeverOverfill) {
  const std::string owner = User();
  const Guild guild = Create(owner, true, 5);
  constexpr int kThreads = 16;
  std::vector<std::string> users(kThreads);
  for (std::string& u : users) u = User();
  std::atomic<int> joined{0}, full{0}, other{0};
  RunTogether(kThreads, [&](int i) {
    grpc::Status status = Join(guild.id(), users[i]);
    if (status.ok()) {
      ++joined;
    } else if (status.error_code() == StatusCode::RESOURCE_EXHAUSTED) {
      ++full;
    } else {
      ++other;
      ADD_FAILURE() << status.error_code() << " " << status.error_message();
    }
  });
  EXPECT_EQ(joined.load(), 4) << "owner + 4 = max 5";
  EXPECT_EQ(full.load(), kThreads - 4);
  EXPECT_EQ(other.load(), 0);
  EXPECT_EQ(CountWhere("SELECT member_count FROM guilds WHERE id = $1", guild.id()), 5);
  ExpectCountMatchesRows(guild.id());
  EXPECT_EQ(CountWhere("SELECT count(*) FROM outbox_events WHERE aggregate_id = $1 AND "
                       "envelope IS NOT NULL",
                       guild.id()),
            4)
      << "one GuildMemberJoined per join";
}

TEST_F(GuildServiceTest, ConcurrentApprovalsKicksAndLeavesKeepTheCount) {
  const std::string owner = User(), admin = User();
  const Guild guild = Create(owner, true, 6);
  ASSERT_TRUE(Join(guild.id(), admin).ok());
  ASSERT_TRUE(Act(&GuildService::Stub::PromoteMember, guild.id(), owner, admin).ok());
  std::vector<std::string> leavers = {User(), User()};
  for (const std::string& u : leavers) ASSERT_TRUE(Join(guild.id(), u).ok());
  UpdateGuildRequest close;
  close.set_guild_id(guild.id());
  close.set_open(false);
  Guild ignored;
  ASSERT_TRUE(guilds_->UpdateGuild(As(owner).get(), close, &ignored).ok());
  constexpr int kRequests = 8;
  std::vector<std::string> requesters(kRequests);
  for (std::string& u : requesters) {
    u = User();
    ASSERT_TRUE(Join(guild.id(), u).ok());
  }
  // 4 members now, 2 free places, 8 requests: owner and admin approve every
  // request at once while the two leavers leave and half the requests are
  // kicked.
  std::atomic<int> approved{0};
  const int threads = kRequests * 2 + kRequests / 2 + 2;
  RunTogether(threads, [&](int i) {
    grpc::Status status;
    if (i < kRequests * 2) {
      const std::string& actor = i % 2 == 0 ? owner : admin;
      status = Act(&GuildService::Stub::ApproveJoinRequest, guild.id(), actor, requesters[i / 2]);
      if (status.ok()) ++approved;
    } else if (i < kRequests * 2 + kRequests / 2) {
      status = Act(&GuildService::Stub::KickMember, guild.id(), admin,
                   requesters[(i - kRequests * 2) * 2]);
    } else {
      status = Leave(guild.id(), leavers[i - kRequests * 2 - kRequests / 2]);
    }
    EXPECT_NE(status.error_code(), StatusCode::UNKNOWN);
    EXPECT_NE(status.error_code(), StatusCode::INTERNAL) << status.error_message();
  });
  ExpectCountMatchesRows(guild.id());
  EXPECT_LE(CountWhere("SELECT member_count FROM guilds WHERE id = $1", guild.id()), 6);
  // A kick may hit a request that was just approved: that removal is a
  // GuildMemberRemoved(KICK) event; a kicked request has none.
  int kicked_members = 0;
  GuildMemberRemoved removed;
  for (const auto& envelope : OutboxEvents(kDatabase, guild.id())) {
    if (envelope.payload().UnpackTo(&removed) &&
        removed.reason() == GuildMemberRemoved::REASON_KICK) {
      ++kicked_members;
    }
  }
  EXPECT_EQ(CountWhere("SELECT count(*) FROM guild_members WHERE guild_id = $1 AND "
                       "state = 'member'",
                       guild.id()),
            2 + approved.load() - kicked_members)
      << "owner + admin + the approved who were not kicked";
  EXPECT_LE(approved.load(), 4 + kicked_members)
      << "2 free places, 2 that left, and the places of kicked members";
}

}  // namespace
}  // namespace qs::testing
