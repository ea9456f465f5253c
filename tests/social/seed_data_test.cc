// The social seed-data tool on a scratch database migrated with social's
// migrations: the counts asked for, and every aggregate the service keeps
// (member counts, channel sequences, read marks) agreeing with the rows
// behind it, checked in SQL; the schema's CHECKs and the naming lint hold.
#include "social/seed_data.h"

#include <string>
#include <vector>

#include "common/db/database.h"
#include "common/migrate/migration_set.h"
#include "common/migrate/migrator.h"
#include "common/migrate/schema_lint.h"
#include "gtest/gtest.h"
#include "pqxx/pqxx"
#include "social/friend_rules.h"
#include "social/suggestion_store.h"
#include "tests/support/test_infra.h"

namespace qs::social {
namespace {

int64_t Scalar(pqxx::connection& connection, const std::string& sql) {
  pqxx::nontransaction tx(connection);
  return tx.exec1(sql)[0].as<int64_t>();
}

class SeedDataTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    db_ = new qs::testing::ScratchDatabase("social");
    auto migrations = migrate::LoadMigrationDirectories({"migrations/common", "migrations/social"});
    ASSERT_TRUE(migrations.ok()) << migrations.status();
    ASSERT_TRUE(migrate::Migrator(db_->Conninfo(), *migrations).Run().ok());
    options_ = SeedOptions::ForUsers(400);
    options_.friends_per_user = 12;
    options_.guilds = 15;
    options_.messages = 6000;
    options_.pending_requests = 30;
    options_.blocks = 10;
    options_.days = 5;
    options_.seed = 7;
    absl::StatusOr<SeedReport> report = SeedSocialDatabase(db_->Conninfo(), options_);
    ASSERT_TRUE(report.ok()) << report.status();
    report_ = new SeedReport(*report);
  }
  static void TearDownTestSuite() {
    delete report_;
    delete db_;
  }

  int64_t Count(const std::string& sql) {
    pqxx::connection connection(db_->Conninfo());
    return Scalar(connection, sql);
  }

  static qs::testing::ScratchDatabase* db_;
  static SeedOptions options_;
  static SeedReport* report_;
};

qs::testing::ScratchDatabase* SeedDataTest::db_ = nullptr;
SeedOptions SeedDataTest::options_;
SeedReport* SeedDataTest::report_ = nullptr;

TEST_F(SeedDataTest, ReportsTheRowsItWrote) {
  ASSERT_NE(report_, nullptr);
  EXPECT_EQ(report_->friendships, Count("SELECT count(*) FROM friendships"));
  EXPECT_EQ(report_->guild_members, Count("SELECT count(*) FROM guild_members"));
  EXPECT_EQ(report_->channels, Count("SELECT count(*) FROM chat_channels"));
  EXPECT_EQ(report_->read_marks, Count("SELECT count(*) FROM channel_read_marks"));
  EXPECT_EQ(report_->messages, options_.messages);
  EXPECT_EQ(Count("SELECT count(*) FROM chat_messages"), options_.messages);
  EXPECT_EQ(report_->rows,
            Count("SELECT (SELECT count(*) FROM friendships) + (SELECT count(*) FROM "
                  "friend_requests) + (SELECT count(*) FROM user_blocks) + (SELECT count(*) FROM "
                  "friendship_events) + (SELECT count(*) FROM guilds) + (SELECT count(*) FROM "
                  "guild_members) + (SELECT count(*) FROM guild_audit_log) + (SELECT count(*) "
                  "FROM chat_channels) + (SELECT count(*) FROM chat_messages) + (SELECT count(*) "
                  "FROM chat_message_edits) + (SELECT count(*) FROM channel_read_marks) + "
                  "(SELECT count(*) FROM friend_suggestion_lists)"));
}

TEST_F(SeedDataTest, FriendshipsAreTwoRowsPerPairWithinTheLimit) {
  ASSERT_NE(report_, nullptr);
  // Every row has its mirror, with the same time.
  EXPECT_EQ(Count("SELECT count(*) FROM friendships f WHERE NOT EXISTS (SELECT 1 FROM "
                  "friendships r WHERE r.user_id = f.friend_id AND r.friend_id = f.user_id "
                  "AND r.created_at = f.created_at)"),
            0);
  EXPECT_LE(Count("SELECT max(n) FROM (SELECT count(*) AS n FROM friendships GROUP BY user_id) d"),
            options_.friends_per_user);
  // About friends_per_user each: a few users late on the ring may be short.
  EXPECT_GE(Count("SELECT count(*) FROM friendships"),
            options_.users * options_.friends_per_user * 95 / 100);
  EXPECT_EQ(Count("SELECT count(DISTINCT user_id) FROM friendships"), options_.users);
  // Friends share friends: what ListMutualFriends and SuggestFriends read.
  EXPECT_GT(Count("SELECT count(*) FROM friendships a JOIN friendships b ON b.user_id = "
                  "a.friend_id JOIN friendships c ON c.user_id = a.user_id AND c.friend_id = "
                  "b.friend_id"),
            Count("SELECT count(*) FROM friendships"));
  // One 'accepted' history row per pair, under the pair's id.
  EXPECT_EQ(Count("SELECT count(*) FROM friendship_events WHERE action = 'accepted'"),
            report_->friendships / 2);
  pqxx::connection connection(db_->Conninfo());
  pqxx::nontransaction tx(connection);
  pqxx::row event = tx.exec1(
      "SELECT pair_id::text, actor_id::text, subject_id::text FROM friendship_events "
      "WHERE action = 'accepted' LIMIT 1");
  EXPECT_EQ(event[0].as<std::string>(),
            PairId(event[1].as<std::string>(), event[2].as<std::string>()));
  EXPECT_EQ(tx.exec1("SELECT count(*) FROM friendship_events e WHERE action = 'accepted' AND NOT "
                     "EXISTS (SELECT 1 FROM friendships f WHERE f.user_id = e.actor_id AND "
                     "f.friend_id = e.subject_id)")[0]
                .as<int64_t>(),
            0);
}

TEST_F(SeedDataTest, RequestsAndBlocksOnlyBetweenOtherwiseUnrelatedUsers) {
  ASSERT_NE(report_, nullptr);
  EXPECT_EQ(Count("SELECT count(*) FROM friend_requests"), options_.pending_requests);
  EXPECT_EQ(Count("SELECT count(*) FROM user_blocks"), options_.blocks);
  EXPECT_EQ(Count("SELECT count(*) FROM friend_requests WHERE expires_at <= now()"), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM friend_requests r JOIN friendships f ON f.user_id = "
                  "r.requester_id AND f.friend_id = r.recipient_id"),
            0);
  EXPECT_EQ(Count("SELECT count(*) FROM user_blocks b JOIN friendships f ON f.user_id = "
                  "b.blocker_id AND f.friend_id = b.blocked_id"),
            0);
  EXPECT_EQ(Count("SELECT count(*) FROM user_blocks b JOIN friend_requests r ON "
                  "(r.requester_id, r.recipient_id) IN ((b.blocker_id, b.blocked_id), "
                  "(b.blocked_id, b.blocker_id))"),
            0);
  EXPECT_EQ(Count("SELECT count(*) FROM friendship_events WHERE action = 'requested'"),
            options_.pending_requests);
  EXPECT_EQ(Count("SELECT count(*) FROM friendship_events WHERE action = 'blocked'"),
            options_.blocks);
}

// The seed writes the lists itself (in C++, for speed): they must be what
// the service's refresher computes from the same rows.
TEST_F(SeedDataTest, SuggestionListsAreWhatTheRefresherComputes) {
  EXPECT_EQ(Count("SELECT count(*) FROM friend_suggestion_lists"),
            Count("SELECT count(DISTINCT user_id) FROM friendships"));
  EXPECT_EQ(Count("SELECT count(*) FROM friend_suggestion_lists "
                  "WHERE stale_since IS NOT NULL OR computed_at IS NULL"),
            0);
  EXPECT_GT(
      Count("SELECT count(*) FROM friend_suggestion_lists WHERE cardinality(candidate_ids) > 0"),
      options_.users / 2);
  const std::string seeded_sql =
      "SELECT user_id::text, candidate_ids::text, mutual_friend_counts::text "
      "FROM friend_suggestion_lists ORDER BY user_id";
  pqxx::result seeded;
  {
    pqxx::connection connection(db_->Conninfo());
    pqxx::nontransaction tx(connection);
    seeded = tx.exec(seeded_sql);
  }
  std::vector<std::string> users;
  for (const pqxx::row& row : seeded) users.push_back(row[0].as<std::string>());

  db::Database database(db_->Config(), "seed-test");
  absl::Status refreshed = database.Write([&](db::WriteTx& tx) -> absl::Status {
    SuggestionStore().Refresh(tx, users, options_.suggestion_list_size);
    for (const pqxx::row& row : tx.Query(seeded_sql)) {
      const pqxx::row& before = seeded[row.num()];
      EXPECT_EQ(row[1].as<std::string>(), before[1].as<std::string>()) << before[0].c_str();
      EXPECT_EQ(row[2].as<std::string>(), before[2].as<std::string>()) << before[0].c_str();
    }
    return absl::AbortedError("rolled back: the seeded lists stay");
  });
  EXPECT_TRUE(absl::IsAborted(refreshed)) << refreshed;
}

TEST_F(SeedDataTest, GuildMemberCountsMatchTheirMembers) {
  ASSERT_NE(report_, nullptr);
  EXPECT_EQ(Count("SELECT count(*) FROM guilds"), options_.guilds);
  EXPECT_EQ(Count("SELECT count(*) FROM guilds g WHERE member_count <> (SELECT count(*) FROM "
                  "guild_members m WHERE m.guild_id = g.id AND m.state = 'member')"),
            0);
  // One owner each, the guild's owner_id, a member.
  EXPECT_EQ(Count("SELECT count(*) FROM guild_members WHERE role = 'owner'"), options_.guilds);
  EXPECT_EQ(Count("SELECT count(*) FROM guilds g JOIN guild_members m ON m.guild_id = g.id AND "
                  "m.user_id = g.owner_id AND m.role = 'owner' AND m.state = 'member'"),
            options_.guilds);
  EXPECT_GT(Count("SELECT count(*) FROM guild_members WHERE state = 'member' AND role <> 'owner'"),
            options_.users);
  // Join requests only in closed guilds.
  EXPECT_EQ(Count("SELECT count(*) FROM guild_members m JOIN guilds g ON g.id = m.guild_id WHERE "
                  "m.state = 'join_request' AND g.open"),
            0);
  EXPECT_EQ(Count("SELECT count(*) FROM guild_audit_log WHERE action = 'create'"), options_.guilds);
  EXPECT_EQ(Count("SELECT count(*) FROM guild_audit_log WHERE action IN ('join', 'request')"),
            report_->guild_members - options_.guilds);
}

TEST_F(SeedDataTest, ChannelSequencesAreGapFreeAndMatchTheirChannel) {
  ASSERT_NE(report_, nullptr);
  EXPECT_EQ(Count("SELECT count(*) FROM chat_channels WHERE kind = 'guild'"), options_.guilds);
  EXPECT_EQ(Count("SELECT count(*) FROM chat_channels WHERE kind = 'direct'"),
            report_->channels - options_.guilds);
  EXPECT_GT(Count("SELECT count(*) FROM chat_channels WHERE kind = 'direct'"), 0);
  // last_sequence = the number of messages = the highest sequence, from 1.
  EXPECT_EQ(Count("SELECT count(*) FROM chat_channels c LEFT JOIN (SELECT channel_id, count(*) "
                  "AS n, min(sequence) AS low, max(sequence) AS high, max(created_at) AS latest "
                  "FROM chat_messages GROUP BY channel_id) m ON m.channel_id = c.id WHERE "
                  "c.last_sequence <> coalesce(m.n, 0) OR c.last_sequence <> coalesce(m.high, 0) "
                  "OR coalesce(m.low, 1) <> 1 OR (m.n > 0 AND c.last_message_at <> m.latest)"),
            0);
  // A channel exists before its first message.
  EXPECT_EQ(Count("SELECT count(*) FROM chat_messages m JOIN chat_channels c ON c.id = "
                  "m.channel_id WHERE m.sequence = 1 AND m.created_at < c.created_at"),
            0);
  // created_at grows with sequence (ListMessages from a time relies on it).
  EXPECT_EQ(Count("SELECT count(*) FROM (SELECT created_at < lag(created_at) OVER (PARTITION BY "
                  "channel_id ORDER BY sequence) AS back FROM chat_messages) s WHERE back"),
            0);
  // Messages come from participants only.
  EXPECT_EQ(Count("SELECT count(*) FROM chat_messages m JOIN chat_channels c ON c.id = "
                  "m.channel_id WHERE c.kind = 'direct' AND m.sender_id NOT IN (c.user_low_id, "
                  "c.user_high_id)"),
            0);
  EXPECT_EQ(Count("SELECT count(*) FROM chat_messages m JOIN chat_channels c ON c.id = "
                  "m.channel_id WHERE c.kind = 'guild' AND NOT EXISTS (SELECT 1 FROM "
                  "guild_members g WHERE g.guild_id = c.guild_id AND g.user_id = m.sender_id AND "
                  "g.state = 'member')"),
            0);
  // Direct channels join friends.
  EXPECT_EQ(Count("SELECT count(*) FROM chat_channels c WHERE kind = 'direct' AND NOT EXISTS "
                  "(SELECT 1 FROM friendships f WHERE f.user_id = c.user_low_id AND f.friend_id = "
                  "c.user_high_id)"),
            0);
  // An edited message has its previous text; a deleted one has no text.
  EXPECT_EQ(Count("SELECT count(*) FROM chat_messages m WHERE m.edited <> EXISTS (SELECT 1 FROM "
                  "chat_message_edits e WHERE e.chat_message_id = m.id)"),
            0);
  EXPECT_GT(Count("SELECT count(*) FROM chat_messages WHERE edited"), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM chat_messages WHERE deleted AND (text <> '' OR "
                  "deleted_at IS NULL)"),
            0);
}

TEST_F(SeedDataTest, ReadMarksStayWithinTheChannelAndCoverOwnMessages) {
  ASSERT_NE(report_, nullptr);
  EXPECT_GT(report_->read_marks, 0);
  EXPECT_EQ(Count("SELECT count(*) FROM channel_read_marks r JOIN chat_channels c ON c.id = "
                  "r.channel_id WHERE r.last_read_sequence < 0 OR r.last_read_sequence > "
                  "c.last_sequence"),
            0);
  // The sender has read what they sent (SendMessage marks it read).
  EXPECT_EQ(Count("SELECT count(*) FROM (SELECT channel_id, sender_id, max(sequence) AS s FROM "
                  "chat_messages GROUP BY channel_id, sender_id) m LEFT JOIN channel_read_marks "
                  "r ON r.channel_id = m.channel_id AND r.user_id = m.sender_id WHERE "
                  "coalesce(r.last_read_sequence, 0) < m.s"),
            0);
  // Marks belong to participants.
  EXPECT_EQ(Count("SELECT count(*) FROM channel_read_marks r JOIN chat_channels c ON c.id = "
                  "r.channel_id WHERE CASE WHEN c.kind = 'direct' THEN r.user_id NOT IN "
                  "(c.user_low_id, c.user_high_id) ELSE NOT EXISTS (SELECT 1 FROM guild_members "
                  "g WHERE g.guild_id = c.guild_id AND g.user_id = r.user_id AND g.state = "
                  "'member') END"),
            0);
  // Some channels have unread messages for someone (ListChannels' counts).
  EXPECT_GT(Count("SELECT count(*) FROM channel_read_marks r JOIN chat_channels c ON c.id = "
                  "r.channel_id WHERE r.last_read_sequence < c.last_sequence"),
            0);
}

TEST_F(SeedDataTest, SchemaLintStillPasses) {
  ASSERT_NE(report_, nullptr);
  pqxx::connection connection(db_->Conninfo());
  pqxx::work tx(connection);
  absl::StatusOr<std::vector<std::string>> violations = migrate::LintSchema(tx);
  ASSERT_TRUE(violations.ok()) << violations.status();
  EXPECT_TRUE(violations->empty());
}

TEST(SeedOptionsTest, ForUsersKeepsIssueNinesProportions) {
  const SeedOptions options = SeedOptions::ForUsers(100'000);
  EXPECT_EQ(options.friends_per_user, 50);
  EXPECT_EQ(options.guilds, 10'000);
  EXPECT_EQ(options.messages, 10'000'000);
}

TEST(SeedOptionsTest, RejectsNonsenseSizes) {
  EXPECT_EQ(SeedSocialDatabase("host=unused", {.users = 1}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(
      SeedSocialDatabase("host=unused", {.users = 10, .friends_per_user = 10}).status().code(),
      absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(SeedSocialDatabase("host=unused", {.users = 10, .friends_per_user = 2, .guilds = 0})
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace qs::social
