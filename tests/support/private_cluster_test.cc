// PrivateCluster against real PostgreSQL: both nodes start, each stops and
// starts on its own, and the destructor leaves nothing behind.
#include "tests/support/private_cluster.h"

#include <filesystem>
#include <memory>
#include <string>

#include "gtest/gtest.h"

namespace qs::testing {
namespace {

using Node = PrivateCluster::Node;

TEST(PrivateClusterTest, NodesStopAndStartAndNothingIsLeftBehind) {
  std::string state_dir;
  std::filesystem::path cluster_dir;
  {
    absl::StatusOr<std::unique_ptr<PrivateCluster>> started = PrivateCluster::Start(15590, 15591);
    ASSERT_TRUE(started.ok()) << started.status();
    PrivateCluster& cluster = **started;
    state_dir = cluster.state_dir();
    cluster_dir = std::filesystem::canonical(state_dir + "/pg");

    EXPECT_EQ(*cluster.AdminSql(Node::kPrimary, "SELECT pg_is_in_recovery()"), "f");
    EXPECT_EQ(*cluster.AdminSql(Node::kReplica, "SELECT pg_is_in_recovery()"), "t");
    EXPECT_EQ(*cluster.AdminSql(Node::kReplica, "SELECT current_setting('port')"), "15591");
    EXPECT_FALSE(cluster.service_password("quest").empty());
    EXPECT_NE(cluster.service_password("quest"), cluster.service_password("social"));

    ASSERT_TRUE(cluster.StopReplica().ok());
    EXPECT_TRUE(absl::IsUnavailable(cluster.AdminSql(Node::kReplica, "SELECT 1").status()));
    EXPECT_EQ(*cluster.AdminSql(Node::kPrimary, "SELECT 1"), "1");
    ASSERT_TRUE(cluster.StartReplica().ok());
    EXPECT_EQ(*cluster.AdminSql(Node::kReplica, "SELECT 1"), "1");

    ASSERT_TRUE(cluster.StopPrimary(/*crash=*/true).ok());
    EXPECT_TRUE(absl::IsUnavailable(cluster.AdminSql(Node::kPrimary, "SELECT 1").status()));
    ASSERT_TRUE(cluster.StartPrimary().ok());
    EXPECT_EQ(*cluster.AdminSql(Node::kPrimary, "SELECT 1"), "1");
  }
  EXPECT_FALSE(std::filesystem::exists(state_dir));
  EXPECT_FALSE(std::filesystem::exists(cluster_dir));
}

}  // namespace
}  // namespace qs::testing
