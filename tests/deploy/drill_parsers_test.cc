// The drill's readers of NATS' /jsz, of a service's /metrics and of a
// notification instance's log, on answers of the shape those give (pure: the
// drill reads the real ones). The push lines are the log provider's own
// (DescribeForLog), so a change of their format fails here first.
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "notification/delivery/log_provider.h"
#include "tests/deploy/drill_metrics.h"
#include "tests/deploy/drill_nats.h"
#include "tests/deploy/drill_push_log.h"

namespace qs::drill {
namespace {

// The shape of nats-server 2.9's /jsz?accounts=true&streams=true&config=true.
constexpr char kJsz[] = R"({
  "server_id": "NABC", "now": "2026-12-02T06:40:00Z", "streams": 2,
  "meta_cluster": {"name": "quest-ecosystem", "leader": "nats-1", "cluster_size": 3},
  "account_details": [
    {"name": "$G", "id": "$G", "stream_detail": [
      {"name": "QUEST", "created": "2026-12-02T06:39:00Z",
       "cluster": {"name": "quest-ecosystem", "leader": "nats-2",
                   "replicas": [{"name": "nats-1", "current": true, "active": 1200},
                                {"name": "nats-3", "current": true, "active": 900}]},
       "config": {"name": "QUEST", "subjects": ["quest.>"], "num_replicas": 3},
       "state": {"messages": 41, "bytes": 9000, "first_seq": 1, "last_seq": 41}},
      {"name": "SOCIAL", "created": "2026-12-02T06:39:01Z",
       "config": {"name": "SOCIAL", "num_replicas": 1},
       "state": {"messages": 7, "last_seq": 12}}
    ]},
    {"name": "SYS", "id": "SYS"}
  ]
})";

TEST(ParseJszTest, ReadsReplicasLeaderFollowersAndState) {
  absl::StatusOr<std::vector<StreamReport>> streams = ParseJsz(kJsz);
  ASSERT_TRUE(streams.ok()) << streams.status();
  ASSERT_EQ(streams->size(), 2u);
  const StreamReport& quest = (*streams)[0];
  EXPECT_EQ(quest.name, "QUEST");
  EXPECT_EQ(quest.replicas, 3);
  EXPECT_EQ(quest.leader, "nats-2");
  EXPECT_EQ(quest.other_peers, (std::vector<std::string>{"nats-1", "nats-3"}));
  EXPECT_EQ(quest.messages, 41);
  EXPECT_EQ(quest.last_seq, 41);
  // Not clustered: no leader, no other peers, one replica.
  const StreamReport& social = (*streams)[1];
  EXPECT_EQ(social.name, "SOCIAL");
  EXPECT_EQ(social.replicas, 1);
  EXPECT_EQ(social.leader, "");
  EXPECT_TRUE(social.other_peers.empty());
  EXPECT_EQ(social.last_seq, 12);
}

TEST(ParseJszTest, RefusesWhatIsNotAJszAnswer) {
  EXPECT_FALSE(ParseJsz("<html>404</html>").ok());
  // Asked without accounts=true: no stream detail to judge replicas by.
  EXPECT_FALSE(ParseJsz(R"({"server_id": "N", "streams": 3})").ok());
}

TEST(NatsServiceOfTest, NodeOneIsTheNatsService) {
  EXPECT_EQ(NatsServiceOf("nats-1"), "nats");
  EXPECT_EQ(NatsServiceOf("nats-2"), "nats-2");
  EXPECT_EQ(NatsServiceOf("nats-3"), "nats-3");
}

// As prometheus-cpp prints it: labels sorted, one series per code.
constexpr char kMetrics[] = R"(# HELP grpc_server_handled_total Calls answered
# TYPE grpc_server_handled_total counter
grpc_server_handled_total{grpc_code="OK",grpc_method="SubmitAttempt",grpc_service="quest.v1.AttemptService",grpc_type="unary"} 17
grpc_server_handled_total{grpc_code="UNAVAILABLE",grpc_method="SubmitAttempt",grpc_service="quest.v1.AttemptService",grpc_type="unary"} 3
grpc_server_handled_total{grpc_code="OK",grpc_method="StartAttempt",grpc_service="quest.v1.AttemptService",grpc_type="unary"} 20
grpc_server_handled_total{grpc_code="OK",grpc_method="SubmitAttemptBatch",grpc_service="quest.v1.AttemptService",grpc_type="unary"} 5
grpc_server_started_total{grpc_method="SubmitAttempt",grpc_service="quest.v1.AttemptService",grpc_type="unary"} 99
grpc_server_handled_total{grpc_code="OK",grpc_method="SubmitAttempt",grpc_service="quest.v1.Other",grpc_type="unary"} 1e+03
)";

TEST(SumHandledTest, CountsOnlyTheSeriesOfThatMethodAndCode) {
  absl::StatusOr<int64_t> ok = SumHandled(kMetrics, "quest.v1.AttemptService", "SubmitAttempt");
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(*ok, 17);
  absl::StatusOr<int64_t> unavailable =
      SumHandled(kMetrics, "quest.v1.AttemptService", "SubmitAttempt", "UNAVAILABLE");
  ASSERT_TRUE(unavailable.ok());
  EXPECT_EQ(*unavailable, 3);
  absl::StatusOr<int64_t> other = SumHandled(kMetrics, "quest.v1.Other", "SubmitAttempt");
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(*other, 1000);
  absl::StatusOr<int64_t> none = SumHandled(kMetrics, "social.v1.FriendService", "SubmitAttempt");
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(*none, 0);
}

TEST(SumHandledTest, ABrokenSampleIsAnError) {
  EXPECT_FALSE(SumHandled("grpc_server_handled_total{grpc_code=\"OK\",grpc_method=\"M\","
                          "grpc_service=\"S\"} many\n",
                          "S", "M")
                   .ok());
}

// A log-provider line as the service logs it (spdlog's text pattern).
std::string SendLine(const std::string& delivery_id) {
  notification::delivery::PushMessage message;
  message.message_id = delivery_id;
  message.token = "drill-fcm-0123456789abcdef";
  message.title = "New friend request";
  message.data = {{"request_id", "r"}, {"requester_id", "u"}};
  return absl::StrCat("[2026-12-02 07:00:00.123] [info] ",
                      notification::delivery::DescribeForLog(message));
}

TEST(ParsePushLogTest, CountsEachDeliverysSends) {
  const std::string a = "6f1c0a4e-8d2b-4c1a-9f3e-2b7d5e8a1c00";
  const std::string b = "0d9e7c3b-1a2f-4e5d-8c6b-7a9f0e1d2c33";
  const PushLog log = ParsePushLog(
      absl::StrCat(SendLine(a), "\n[2026-12-02 07:00:00.200] [info] serving on 0.0.0.0:50051\n",
                   SendLine(b), "\n", SendLine(a), "\n"));
  EXPECT_EQ(log.lines, 3);
  EXPECT_EQ(log.sends, (std::map<std::string, int>{{a, 2}, {b, 1}}));
  EXPECT_TRUE(log.unrecorded.empty());
}

TEST(ParsePushLogTest, ReadsJsonLinesToo) {
  const std::string id = "6f1c0a4e-8d2b-4c1a-9f3e-2b7d5e8a1c00";
  notification::delivery::PushMessage message;
  message.message_id = id;
  message.token = "t0123456789";
  const PushLog log =
      ParsePushLog(absl::StrCat(R"({"level":"info","message":")",
                                notification::delivery::DescribeForLog(message), R"("})", "\n"));
  EXPECT_EQ(log.sends, (std::map<std::string, int>{{id, 1}}));
}

// delivery_worker.cc RecordWith's two warnings; other lines naming a
// delivery are not lost outcomes.
TEST(ParsePushLogTest, FindsOutcomesTheWorkerCouldNotRecord) {
  const PushLog log = ParsePushLog(
      "[w] [warning] delivery aaaa-1: outcome sent not recorded: UNAVAILABLE: connection lost\n"
      "[w] [warning] delivery bbbb-2: lease lost before recording sent (another worker took it "
      "over)\n"
      "[d] [debug] delivery cccc-3 given back unsent: 1s left on its lease, a send may take 40s\n"
      "[d] [debug] delivery dddd-4 to …abcdef via log: Delivered (200)\n");
  EXPECT_EQ(log.unrecorded, (std::set<std::string>{"aaaa-1", "bbbb-2"}));
  EXPECT_EQ(log.lines, 0);
}

}  // namespace
}  // namespace qs::drill
