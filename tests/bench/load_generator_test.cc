// The engine against a real in-process gRPC server (a health service that
// can be made to stall): window accounting, error counting, in-flight limits
// and coordinated omission. Nothing here asserts speed.
#include "tests/bench/load_generator.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>

#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "gtest/gtest.h"

namespace qs::bench {
namespace {

using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;

// Serves Check one call at a time; call number `stall_at` holds everyone up
// for `stall`. Records the most calls it ever saw in flight.
class StallingHealth final : public grpc::health::v1::Health::Service {
 public:
  int stall_at = -1;
  absl::Duration stall;
  std::atomic<int> in_flight{0};
  std::atomic<int> max_in_flight{0};
  std::atomic<int> served{0};  // calls answered

  grpc::Status Check(grpc::ServerContext*, const HealthCheckRequest*,
                     HealthCheckResponse* response) override {
    const int now = ++in_flight;
    int seen = max_in_flight.load();
    while (now > seen && !max_in_flight.compare_exchange_weak(seen, now)) {
    }
    {
      std::lock_guard<std::mutex> one_at_a_time(mutex_);
      if (calls_++ == stall_at) absl::SleepFor(stall);
    }
    response->set_status(HealthCheckResponse::SERVING);
    --in_flight;
    ++served;
    return grpc::Status::OK;
  }

 private:
  std::mutex mutex_;
  int calls_ = 0;
};

class LoadGeneratorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(&health_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    channel_ = grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                                   grpc::InsecureChannelCredentials());
  }
  void TearDown() override { server_->Shutdown(); }

  static CallSpec Call(const std::string& method, double weight = 1) {
    return {method, method, weight, [](Random&) { return MakeRequest(HealthCheckRequest()); }};
  }

  StallingHealth health_;
  std::unique_ptr<grpc::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
};

constexpr char kCheck[] = "/grpc.health.v1.Health/Check";

TEST_F(LoadGeneratorTest, ClosedLoopNeverExceedsItsConcurrency) {
  LoadOptions options;
  options.concurrency = 3;
  options.warmup = absl::Milliseconds(100);
  options.duration = absl::Milliseconds(500);
  RunResult result = RunLoad(channel_, {"check", {Call(kCheck)}}, options);
  EXPECT_GT(result.calls, 0);
  EXPECT_EQ(result.ok, result.calls);
  EXPECT_TRUE(result.errors.empty());
  EXPECT_EQ(result.latency.count(), result.calls);
  EXPECT_EQ(result.calls_by_name[kCheck], result.calls);
  EXPECT_LE(health_.max_in_flight.load(), 3);
  EXPECT_DOUBLE_EQ(result.CallsPerSecond(), result.calls / 0.5);
}

TEST_F(LoadGeneratorTest, AFixedNumberOfCallsIsMeasuredBetweenTheHooksWithNothingInFlight) {
  LoadOptions options;
  options.concurrency = 5;
  options.calls = 500;
  options.warmup = absl::Milliseconds(100);
  int served_at_start = -1, served_at_end = -1, in_flight_at_start = -1, in_flight_at_end = -1;
  options.at_measure_start = [&] {
    served_at_start = health_.served.load();
    in_flight_at_start = health_.in_flight.load();
  };
  options.at_measure_end = [&] {
    served_at_end = health_.served.load();
    in_flight_at_end = health_.in_flight.load();
  };
  RunResult result = RunLoad(channel_, {"check", {Call(kCheck)}}, options);
  EXPECT_GT(served_at_start, 0) << "the warm-up sends calls before the window";
  EXPECT_EQ(in_flight_at_start, 0);
  EXPECT_EQ(in_flight_at_end, 0);
  EXPECT_EQ(served_at_end - served_at_start, 500);
  EXPECT_EQ(health_.served.load(), served_at_end) << "nothing is sent after the window";
  EXPECT_EQ(result.calls, 500);
  EXPECT_EQ(result.ok, 500);
  EXPECT_LE(health_.max_in_flight.load(), 5);
  ASSERT_GT(result.elapsed, absl::ZeroDuration());
  EXPECT_DOUBLE_EQ(result.CallsPerSecond(), 500 / absl::ToDoubleSeconds(result.elapsed));
  result.cpu_us_per_call = {{"service", 12.5}, {"postgres", 3}};
  const std::string json = ResultJson(result, {});
  EXPECT_NE(json.find("\"cpu_us_per_call\":{\"postgres\":3.00,\"service\":12.50}"),
            std::string::npos)
      << json;
}

TEST_F(LoadGeneratorTest, ATimedWindowWithHooksMeasuresEveryCallSentBetweenThem) {
  LoadOptions options;
  options.concurrency = 4;
  options.warmup = absl::Milliseconds(100);
  options.duration = absl::Milliseconds(300);
  int served_at_start = -1, served_at_end = -1, in_flight_at_start = -1, in_flight_at_end = -1;
  options.at_measure_start = [&] {
    served_at_start = health_.served.load();
    in_flight_at_start = health_.in_flight.load();
  };
  options.at_measure_end = [&] {
    served_at_end = health_.served.load();
    in_flight_at_end = health_.in_flight.load();
  };
  RunResult result = RunLoad(channel_, {"check", {Call(kCheck)}}, options);
  EXPECT_GT(served_at_start, 0) << "the warm-up sends calls before the window";
  EXPECT_EQ(in_flight_at_start, 0);
  EXPECT_EQ(in_flight_at_end, 0);
  EXPECT_GT(result.calls, 0);
  EXPECT_EQ(result.calls, served_at_end - served_at_start) << "calls counted = calls served";
  EXPECT_EQ(health_.served.load(), served_at_end) << "nothing is sent after the window";
  EXPECT_EQ(result.ok, result.calls);
  EXPECT_LE(health_.max_in_flight.load(), 4);
  EXPECT_GE(result.elapsed, absl::Milliseconds(300)) << "the window waits for its last calls";
  EXPECT_DOUBLE_EQ(result.CallsPerSecond(), result.calls / absl::ToDoubleSeconds(result.elapsed));
}

TEST_F(LoadGeneratorTest, ErrorsAreCountedByStatusCodeAndMixedByWeight) {
  LoadOptions options;
  options.concurrency = 4;
  options.warmup = absl::ZeroDuration();
  options.duration = absl::Milliseconds(500);
  RunResult result =
      RunLoad(channel_, {"mix", {Call(kCheck, 3), Call("/grpc.health.v1.Health/NoSuchMethod", 1)}},
              options);
  ASSERT_GT(result.calls, 100);
  const int64_t unimplemented = result.errors["UNIMPLEMENTED"];
  EXPECT_EQ(result.ok + unimplemented, result.calls);
  EXPECT_EQ(result.ok, result.calls_by_name[kCheck]);
  // Three to one, within a generous margin for the random mix.
  const double share = static_cast<double>(unimplemented) / result.calls;
  EXPECT_GT(share, 0.15);
  EXPECT_LT(share, 0.35);
  const std::string json = ResultJson(result, {{"group", "test"}, {"users", "1000"}});
  EXPECT_EQ(
      json.rfind("{\"group\":\"test\",\"users\":1000,\"scenario\":\"mix\",\"mode\":\"closed\"", 0),
      0u)
      << json;
  EXPECT_NE(json.find("\"UNIMPLEMENTED\":" + std::to_string(unimplemented)), std::string::npos);
  EXPECT_EQ(json.find("cpu_us_per_call"), std::string::npos) << "none measured, none written";
}

TEST_F(LoadGeneratorTest, OpenLoopKeepsItsScheduleAndChargesAStallToEveryDelayedCall) {
  // 200 calls/s; the 60th call (0.3 s in, inside the measured window)
  // stalls the server for 300 ms, delaying the ~60 calls due meanwhile.
  health_.stall_at = 60;
  health_.stall = absl::Milliseconds(300);
  LoadOptions options;
  options.mode = LoadOptions::Mode::kOpen;
  options.rate = 200;
  options.warmup = absl::Milliseconds(200);
  options.duration = absl::Seconds(1);
  RunResult open = RunLoad(channel_, {"check", {Call(kCheck)}}, options);
  // Calls 40..239 are due in the window, stall or not.
  EXPECT_EQ(open.calls, 200);
  EXPECT_EQ(open.ok, 200);
  EXPECT_GE(open.latency.Max(), absl::Milliseconds(250));
  EXPECT_GE(open.latency.Percentile(0.9), absl::Milliseconds(50))
      << "the calls queued behind the stall count from when they were due";
}

TEST_F(LoadGeneratorTest, ClosedLoopHidesTheSameStallInOneCall) {
  // The contrast that motivates open loop: one in flight, so the stall
  // delays a single measured call and the percentiles barely move.
  health_.stall_at = 60;
  health_.stall = absl::Milliseconds(300);
  LoadOptions options;
  options.concurrency = 1;
  options.warmup = absl::ZeroDuration();
  options.duration = absl::Seconds(1);
  RunResult closed = RunLoad(channel_, {"check", {Call(kCheck)}}, options);
  ASSERT_GT(closed.calls, 100);
  EXPECT_GE(closed.latency.Max(), absl::Milliseconds(250));
  EXPECT_LT(closed.latency.Percentile(0.9), absl::Milliseconds(50));
}

}  // namespace
}  // namespace qs::bench
