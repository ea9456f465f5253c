// The collectors' output as Prometheus reads it (the text exposition
// format), from inputs the test controls.
#include <unistd.h>

#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "common/metrics/database_collector.h"
#include "common/metrics/event_stream_collector.h"
#include "common/metrics/metric_families.h"
#include "common/metrics/process_collector.h"
#include "common/metrics/rpc_metrics.h"
#include "gmock/gmock.h"
#include "grpcpp/server_context.h"
#include "gtest/gtest.h"
#include "prometheus/registry.h"
#include "prometheus/text_serializer.h"
#include "proto/ops/v1/diagnostics.pb.h"

namespace qs::metrics {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string Text(const std::vector<prometheus::MetricFamily>& families) {
  return prometheus::TextSerializer().Serialize(families);
}

// The value of the sample line starting with `series` (name and labels as
// the text format writes them), or -1 when there is none.
double ValueOf(const std::string& text, const std::string& series) {
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (absl::ConsumePrefix(&line, series + " ")) {
      double value = 0;
      if (absl::SimpleAtod(line, &value)) return value;
    }
  }
  return -1;
}

TEST(ParseProcStatTest, CountsFieldsFromTheLastParenthesis) {
  // A command name with spaces and a ')' of its own.
  const std::string line =
      "4242 (quest server) x) S 1 4242 4242 0 -1 4194560 1000 0 0 0 150 50 0 0 20 0 7 0 "
      "123456 104857600 2560 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0";
  std::optional<ProcStat> stat = ParseProcStat(line);
  ASSERT_TRUE(stat.has_value());
  EXPECT_EQ(stat->utime_ticks, 150u);
  EXPECT_EQ(stat->stime_ticks, 50u);
  EXPECT_EQ(stat->threads, 7);
  EXPECT_EQ(stat->start_ticks, 123456u);
  EXPECT_EQ(stat->virtual_bytes, 104857600u);
  EXPECT_EQ(stat->resident_pages, 2560);
  EXPECT_FALSE(ParseProcStat("4242 (quest) S 1 2 3").has_value());
  EXPECT_FALSE(ParseProcStat("no parenthesis").has_value());
}

TEST(ProcessCollectorTest, ReportsThisProcessUnderTheStandardNames) {
  const std::string text = Text(ProcessCollector().Collect());
  EXPECT_GT(ValueOf(text, "process_resident_memory_bytes"), 1e6) << text;
  EXPECT_GT(ValueOf(text, "process_virtual_memory_bytes"), 1e6);
  EXPECT_GE(ValueOf(text, "process_threads"), 1);
  EXPECT_GE(ValueOf(text, "process_open_fds"), 3) << "stdin, stdout, stderr";
  EXPECT_GT(ValueOf(text, "process_max_fds"), 0);
  EXPECT_GE(ValueOf(text, "process_cpu_seconds_total"), 0);
  const double started = ValueOf(text, "process_start_time_seconds");
  const double now = static_cast<double>(time(nullptr));
  EXPECT_GT(started, now - 3600) << "this test started within the hour";
  EXPECT_LE(started, now + 1);
  EXPECT_THAT(text, HasSubstr("# TYPE process_cpu_seconds_total counter"));
  EXPECT_THAT(text, HasSubstr("# TYPE process_resident_memory_bytes gauge"));
}

TEST(MetricFamiliesTest, AHistogramsBucketsAreCumulativeUpToInfinity) {
  prometheus::MetricFamily family = HistogramFamily("db_pool_acquire_wait_seconds", "Waits.");
  AddHistogram(family, {{"pool", "write"}}, {0.001, 0.01}, {5, 3, 2}, 0.25);
  const std::string text = Text({family});
  EXPECT_EQ(ValueOf(text, "db_pool_acquire_wait_seconds_bucket{pool=\"write\",le=\"0.001\"}"), 5);
  EXPECT_EQ(ValueOf(text, "db_pool_acquire_wait_seconds_bucket{pool=\"write\",le=\"0.01\"}"), 8);
  EXPECT_EQ(ValueOf(text, "db_pool_acquire_wait_seconds_bucket{pool=\"write\",le=\"+Inf\"}"), 10);
  EXPECT_EQ(ValueOf(text, "db_pool_acquire_wait_seconds_count{pool=\"write\"}"), 10);
  EXPECT_EQ(ValueOf(text, "db_pool_acquire_wait_seconds_sum{pool=\"write\"}"), 0.25);
}

TEST(EventStreamFamiliesTest, MapsTheStatusAndEachConsumer) {
  ::ops::v1::EventStreamStatus status;
  status.set_enabled(true);
  status.set_relay_connected(true);
  status.set_outbox_depth(12);
  status.set_oldest_unpublished_age_seconds(3.5);
  status.set_published(40);
  status.set_dead_letters(1);
  ::ops::v1::ConsumerStatus* social = status.add_consumers();
  social->set_source("social");
  social->set_pending(7);
  social->set_ack_pending(2);
  social->set_applied(30);
  social->set_duplicates(4);
  const std::string text = Text(EventStreamFamilies(status));
  EXPECT_EQ(ValueOf(text, "events_enabled"), 1);
  EXPECT_EQ(ValueOf(text, "events_relay_connected"), 1);
  EXPECT_EQ(ValueOf(text, "events_outbox_depth"), 12);
  EXPECT_EQ(ValueOf(text, "events_outbox_oldest_unpublished_age_seconds"), 3.5);
  EXPECT_EQ(ValueOf(text, "events_published_total"), 40);
  EXPECT_EQ(ValueOf(text, "events_dead_letters"), 1);
  EXPECT_EQ(ValueOf(text, "events_consumer_pending{source=\"social\"}"), 7);
  EXPECT_EQ(ValueOf(text, "events_consumer_ack_pending{source=\"social\"}"), 2);
  EXPECT_EQ(ValueOf(text, "events_consumer_applied_total{source=\"social\"}"), 30);
  EXPECT_EQ(ValueOf(text, "events_consumer_duplicates_total{source=\"social\"}"), 4);
}

TEST(EventStreamFamiliesTest, DisabledSaysSoAndNothingElse) {
  const std::string text = Text(EventStreamFamilies(::ops::v1::EventStreamStatus()));
  EXPECT_EQ(ValueOf(text, "events_enabled"), 0);
  EXPECT_THAT(text, Not(HasSubstr("events_outbox_depth")));
}

TEST(PoolFamiliesTest, EachPoolByNameAndNodeWithItsWaitHistogram) {
  PoolSample write{"quest-write", db::ReadNode::kPrimary, {}};
  write.stats.idle = 3;
  write.stats.in_use = 2;
  write.stats.opening = 1;
  write.stats.waiting = 4;
  write.stats.acquire_wait.counts[0] = 10;                                  // <= 0.1 ms
  write.stats.acquire_wait.counts[db::AcquireWaitHistogram::kBuckets] = 1;  // > 5 s
  write.stats.acquire_wait.count = 11;
  write.stats.acquire_wait.sum_seconds = 6.5;
  db::Database::AsyncPoolView async{"quest-read-async", db::ReadNode::kReplica, {}};
  async.stats.open_connections = 4;
  async.stats.calls = 99;
  const std::string text = Text(PoolFamilies({write}, {async}));
  const std::string labels = "pool=\"quest-write\",node=\"primary\"";
  EXPECT_EQ(ValueOf(text, "db_pool_connections{" + labels + ",state=\"idle\"}"), 3) << text;
  EXPECT_EQ(ValueOf(text, "db_pool_connections{" + labels + ",state=\"in_use\"}"), 2);
  EXPECT_EQ(ValueOf(text, "db_pool_connections{" + labels + ",state=\"opening\"}"), 1);
  EXPECT_EQ(ValueOf(text, "db_pool_size{" + labels + "}"), 6);
  EXPECT_EQ(ValueOf(text, "db_pool_waiting{" + labels + "}"), 4);
  EXPECT_EQ(ValueOf(text, "db_pool_acquire_wait_seconds_bucket{" + labels + ",le=\"0.0001\"}"), 10);
  EXPECT_EQ(ValueOf(text, "db_pool_acquire_wait_seconds_bucket{" + labels + ",le=\"5\"}"), 10);
  EXPECT_EQ(ValueOf(text, "db_pool_acquire_wait_seconds_bucket{" + labels + ",le=\"+Inf\"}"), 11);
  EXPECT_EQ(ValueOf(text, "db_pool_acquire_wait_seconds_sum{" + labels + "}"), 6.5);
  const std::string async_labels = "{pool=\"quest-read-async\",node=\"replica\"}";
  EXPECT_EQ(ValueOf(text, "db_async_read_open_connections" + async_labels), 4);
  EXPECT_EQ(ValueOf(text, "db_async_read_calls_total" + async_labels), 99);
}

TEST(RoutingFamiliesTest, ReplicaDownShowsInTheBreakerAndTheReason) {
  db::ReadRoutingStatus status;
  status.replica.breaker.state = db::BreakerState::kOpen;
  status.replica.breaker.times_opened = 2;
  status.replica.breaker.consecutive_failures = 5;
  status.reads_on_primary = true;
  status.reason = db::PrimaryReadsReason::kReplicaDown;
  status.reads_on_primary_since = absl::FromUnixSeconds(1796170000);
  status.lag_known = true;
  status.replica_lag = absl::Milliseconds(250);
  status.reads_on_replica = 7;
  status.reads_on_primary_total = 9;
  status.fallbacks = 8;
  const std::string text = Text(RoutingFamilies(status));
  EXPECT_EQ(ValueOf(text, "db_breaker_state{node=\"replica\",state=\"open\"}"), 1) << text;
  EXPECT_EQ(ValueOf(text, "db_breaker_state{node=\"replica\",state=\"closed\"}"), 0);
  EXPECT_EQ(ValueOf(text, "db_breaker_state{node=\"primary\",state=\"closed\"}"), 1);
  EXPECT_EQ(ValueOf(text, "db_breaker_opened_total{node=\"replica\"}"), 2);
  EXPECT_EQ(ValueOf(text, "db_breaker_consecutive_failures{node=\"replica\"}"), 5);
  EXPECT_EQ(ValueOf(text, "db_reads_on_primary"), 1);
  EXPECT_EQ(ValueOf(text, "db_reads_on_primary_reason{reason=\"replica_down\"}"), 1);
  EXPECT_EQ(ValueOf(text, "db_reads_on_primary_reason{reason=\"replica_lagging\"}"), 0);
  EXPECT_EQ(ValueOf(text, "db_reads_on_primary_since_seconds"), 1796170000);
  EXPECT_EQ(ValueOf(text, "db_replica_lag_seconds"), 0.25);
  EXPECT_EQ(ValueOf(text, "db_reads_total{node=\"replica\"}"), 7);
  EXPECT_EQ(ValueOf(text, "db_reads_total{node=\"primary\"}"), 9);
  EXPECT_EQ(ValueOf(text, "db_read_fallbacks_total"), 8);
}

TEST(RoutingFamiliesTest, AHealthyReplicaHasNoSinceAndAnUnknownLagNoSample) {
  const std::string text = Text(RoutingFamilies(db::ReadRoutingStatus()));
  EXPECT_EQ(ValueOf(text, "db_reads_on_primary"), 0);
  EXPECT_THAT(text, Not(HasSubstr("db_reads_on_primary_since_seconds ")));
  EXPECT_THAT(text, Not(HasSubstr("db_replica_lag_seconds ")));
}

class RpcMetricsTest : public ::testing::Test {
 protected:
  std::string Scrape() const { return Text(registry_.Collect()); }

  // Links the service's descriptor in, which RpcMetrics finds by name.
  const google::protobuf::Descriptor* linked_ = ::ops::v1::ProbeRequest::descriptor();
  prometheus::Registry registry_;
  RpcMetrics metrics_{registry_, {"ops.v1.Diagnostics"}};
  grpc::ServerContext context_;
  base::CallContext call_;
};

constexpr char kProbe[] =
    "{grpc_code=\"%s\",grpc_method=\"Probe\",grpc_service=\"ops.v1.Diagnostics\","
    "grpc_type=\"unary\"}";

std::string Handled(const char* code) {
  return "grpc_server_handled_total" + absl::StrReplaceAll(kProbe, {{"%s", code}});
}

TEST_F(RpcMetricsTest, EverySeriesOfEveryMethodExistsAtZeroFromTheStart) {
  const std::string text = Scrape();
  for (const char* code : {"OK", "INVALID_ARGUMENT", "UNAVAILABLE", "UNAUTHENTICATED"}) {
    EXPECT_EQ(ValueOf(text, Handled(code)), 0) << code << "\n" << text;
  }
  EXPECT_EQ(ValueOf(text,
                    "grpc_server_started_total{grpc_method=\"GetServiceInfo\","
                    "grpc_service=\"ops.v1.Diagnostics\",grpc_type=\"unary\"}"),
            0);
  EXPECT_EQ(ValueOf(text,
                    "grpc_server_handling_seconds_count{grpc_method=\"Probe\","
                    "grpc_service=\"ops.v1.Diagnostics\",grpc_type=\"unary\"}"),
            0);
}

TEST_F(RpcMetricsTest, CountsEachCallUnderItsMethodAndCode) {
  const std::string probe = "/ops.v1.Diagnostics/Probe";
  ASSERT_TRUE(metrics_.OnStart(probe, context_, call_).ok());
  metrics_.OnFinish(probe, context_, call_, grpc::Status::OK, 0.0007);
  ASSERT_TRUE(metrics_.OnStart(probe, context_, call_).ok());
  metrics_.OnFinish(probe, context_, call_,
                    grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "hold_ms: too long"), 0.2);
  // Refused before its body: handled, not started.
  metrics_.OnFinish(probe, context_, call_, grpc::Status(grpc::StatusCode::UNAVAILABLE, "draining"),
                    0.00001);
  const std::string text = Scrape();
  const std::string labels =
      "{grpc_method=\"Probe\",grpc_service=\"ops.v1.Diagnostics\",grpc_type=\"unary\"";
  EXPECT_EQ(ValueOf(text, "grpc_server_started_total" + labels + "}"), 2);
  EXPECT_EQ(ValueOf(text, Handled("OK")), 1);
  EXPECT_EQ(ValueOf(text, Handled("INVALID_ARGUMENT")), 1);
  EXPECT_EQ(ValueOf(text, Handled("UNAVAILABLE")), 1);
  EXPECT_EQ(ValueOf(text, Handled("NOT_FOUND")), 0);
  EXPECT_EQ(ValueOf(text, "grpc_server_handling_seconds_count" + labels + "}"), 3);
  EXPECT_EQ(ValueOf(text, "grpc_server_handling_seconds_bucket" + labels + ",le=\"0.0005\"}"), 1);
  EXPECT_EQ(ValueOf(text, "grpc_server_handling_seconds_bucket" + labels + ",le=\"0.001\"}"), 2);
  EXPECT_EQ(ValueOf(text, "grpc_server_handling_seconds_bucket" + labels + ",le=\"0.25\"}"), 3);
}

TEST_F(RpcMetricsTest, AnUnknownPathCountsAsUnknownNotAsANewSeries) {
  metrics_.OnFinish("/evil.Service/" + std::string(100, 'x'), context_, call_,
                    grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "unknown method"), 0.0001);
  const std::string text = Scrape();
  EXPECT_EQ(ValueOf(text,
                    "grpc_server_handled_total{grpc_code=\"UNIMPLEMENTED\","
                    "grpc_method=\"unknown\",grpc_service=\"unknown\",grpc_type=\"unary\"}"),
            1);
  EXPECT_THAT(text, Not(HasSubstr("evil")));
}

}  // namespace
}  // namespace qs::metrics
