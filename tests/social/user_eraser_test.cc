// social's part of the right to erasure (social/user_eraser.h) through the
// real social binary: data of a user and of another made through the API,
// ops.v1.Privacy/EraseUser, then every table of social_db scanned for his id.
#include <set>
#include <string>

#include "common/api/uuid.h"
#include "gtest/gtest.h"
#include "proto/social/v1/guilds.grpc.pb.h"
#include "tests/common/privacy/user_data.h"
#include "tests/support/service_fixture.h"

namespace qs::testing {
namespace {

constexpr const char* kDatabase = "social_db";

class SocialUserEraserTest : public ServiceFixture {
 protected:
  static void SetUpTestSuite() {
    StartSharedServer("social", {{"PRIVACY_ADMIN_TOKEN", kPrivacyAdminToken}});
  }
  static void TearDownTestSuite() { StopSharedServer(); }

  static pqxx::result Guild(const std::string& guild_id) {
    return QueryPrimary(kDatabase,
                        "SELECT owner_id::text, member_count, "
                        "(SELECT role FROM guild_members m WHERE m.guild_id = g.id "
                        " AND m.user_id = g.owner_id) FROM guilds g WHERE id = $1",
                        guild_id);
  }

  const std::string user_ = api::NewUuidV4();
  const std::string other_ = api::NewUuidV4();
};

TEST_F(SocialUserEraserTest, DeletesHisRowsHandsHisGuildOverAndLeavesTheOtherUsersAlone) {
  CreateSocialData(channel(), user_, other_);
  const std::string his_guild =
      QueryPrimary(kDatabase, "SELECT id::text FROM guilds WHERE owner_id = $1", user_)[0][0]
          .as<std::string>();
  const std::string their_guild =
      QueryPrimary(kDatabase, "SELECT id::text FROM guilds WHERE owner_id = $1", other_)[0][0]
          .as<std::string>();
  ASSERT_EQ(Guild(their_guild)[0][1].as<int>(), 2);
  ExpectEraseLeavesOnlyUserErased(
      channel(), kDatabase, user_, other_,
      {"friend_requests", "friendships", "user_blocks", "friendship_events", "guilds",
       "guild_members", "guild_audit_log", "chat_channels", "chat_messages", "channel_read_marks",
       "outbox_events"});

  // His guild passed to the other member; he left the other's guild.
  pqxx::result handed_over = Guild(his_guild);
  ASSERT_EQ(handed_over.size(), 1u);
  EXPECT_EQ(handed_over[0][0].as<std::string>(), other_);
  EXPECT_EQ(handed_over[0][1].as<int>(), 1);
  EXPECT_EQ(handed_over[0][2].as<std::string>(), "owner");
  EXPECT_EQ(Guild(their_guild)[0][1].as<int>(), 1);
  // His message in the other's guild channel is a deleted message now; the
  // channel's sequence keeps no gap and the other's message stays.
  pqxx::result messages = QueryPrimary(
      kDatabase,
      "SELECT m.sequence, m.deleted, m.text, m.sender_id = $2::uuid FROM chat_messages m "
      "JOIN chat_channels c ON c.id = m.channel_id WHERE c.guild_id = $1 "
      "AND m.kind = 'text' ORDER BY m.sequence",
      their_guild, other_);
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_TRUE(messages[0][1].as<bool>());
  EXPECT_EQ(messages[0][2].as<std::string>(), "");
  EXPECT_FALSE(messages[0][3].as<bool>());
  EXPECT_FALSE(messages[1][1].as<bool>());
  EXPECT_EQ(messages[1][2].as<std::string>(), "welcome");

  ::ops::v1::EraseUserResponse erased;
  grpc::Status status = EraseUser(channel(), user_, &erased);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(erased.erasure().rows_erased(), 0) << "nothing left to erase";
}

TEST_F(SocialUserEraserTest, AGuildWithNoOneElseIsDeleted) {
  CreateSocialData(channel(), user_, other_);
  // The other user leaves the guild the erased user owns.
  const std::string his_guild =
      QueryPrimary(kDatabase, "SELECT id::text FROM guilds WHERE owner_id = $1", user_)[0][0]
          .as<std::string>();
  auto guilds = ::social::v1::GuildService::NewStub(channel());
  ::social::v1::LeaveGuildRequest leave;
  leave.set_guild_id(his_guild);
  ::social::v1::MembershipResponse left;
  ASSERT_TRUE(guilds->LeaveGuild(As(other_).get(), leave, &left).ok());

  ASSERT_TRUE(EraseUser(channel(), user_).ok());
  EXPECT_TRUE(QueryPrimary(kDatabase, "SELECT 1 FROM guilds WHERE id = $1", his_guild).empty());
  EXPECT_TRUE(QueryPrimary(kDatabase, "SELECT 1 FROM chat_channels WHERE guild_id = $1", his_guild)
                  .empty());
  EXPECT_EQ(ScanDatabase(kDatabase, user_, other_).TablesMentioningUser(),
            std::set<std::string>{"outbox_events"});
}

}  // namespace
}  // namespace qs::testing
