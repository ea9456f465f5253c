// The metrics endpoint of the real quest binary (against the real primary,
// replica and NATS): scraped over HTTP before and after real gRPC calls,
// the per-RPC series move by exactly the calls made; the pool, event stream
// and process series are there; bad settings stop start-up.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/api/uuid.h"
#include "proto/quest/v1/puzzles.grpc.pb.h"
#include "tests/support/http_get.h"
#include "tests/support/service_fixture.h"
#include "tests/support/test_infra.h"

namespace qs::testing {
namespace {

namespace qv1 = ::quest::v1;

// Every sample of a scrape by its series (name and labels as written).
std::map<std::string, double> Samples(const std::string& text) {
  std::map<std::string, double> samples;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (line.empty() || line[0] == '#') continue;
    const size_t space = line.rfind(' ');
    double value = 0;
    if (space != absl::string_view::npos && absl::SimpleAtod(line.substr(space + 1), &value)) {
      samples[std::string(line.substr(0, space))] = value;
    }
  }
  return samples;
}

std::string GetPuzzleSeries(const std::string& name, const std::string& code = "") {
  return absl::StrCat(name, "{", code.empty() ? "" : absl::StrCat("grpc_code=\"", code, "\","),
                      "grpc_method=\"GetPuzzle\",grpc_service=\"quest.v1.PuzzleService\","
                      "grpc_type=\"unary\"}");
}

class MetricsEndpointTest : public ServiceFixture {
 protected:
  static void SetUpTestSuite() {
    metrics_port_ = FreeLoopbackPort();
    StartSharedServer("quest",
                      {{"METRICS_LISTEN_ADDRESS", absl::StrCat("127.0.0.1:", metrics_port_)}});
    puzzles_ = qv1::PuzzleService::NewStub(channel());
  }
  static void TearDownTestSuite() {
    puzzles_.reset();
    StopSharedServer();
  }

  static std::map<std::string, double> Scrape() {
    const std::string text = HttpGet(metrics_port_, "/metrics");
    EXPECT_FALSE(text.empty()) << "no answer from the metrics endpoint";
    return Samples(text);
  }

  inline static int metrics_port_ = 0;
  inline static std::unique_ptr<qv1::PuzzleService::Stub> puzzles_;
};

TEST_F(MetricsEndpointTest, RpcSeriesMoveByExactlyTheCallsMade) {
  const std::string author = api::NewUuidV4();
  qv1::CreatePuzzleRequest create;
  create.set_title("Metrics fork");
  create.set_kind(qv1::PUZZLE_KIND_CHESS);
  create.add_themes("fork");
  create.set_rating(1500);
  create.set_content("position");
  create.set_solution("Nc7+");
  create.set_publish(true);
  qv1::Puzzle puzzle;
  ASSERT_TRUE(puzzles_->CreatePuzzle(As(author).get(), create, &puzzle).ok());

  const std::map<std::string, double> before = Scrape();
  const auto moved = [&](const std::map<std::string, double>& after, const std::string& series) {
    EXPECT_EQ(after.count(series), 1u) << series << " is missing";
    const auto was = before.find(series);
    return after.at(series) - (was == before.end() ? 0 : was->second);
  };
  ASSERT_EQ(before.count(GetPuzzleSeries("grpc_server_handled_total", "NOT_FOUND")), 1u)
      << "every code's series exists before it happens";

  for (int i = 0; i < 3; ++i) {
    qv1::GetPuzzleRequest get;
    get.set_puzzle_id(puzzle.id());
    qv1::Puzzle got;
    ASSERT_TRUE(puzzles_->GetPuzzle(As(author).get(), get, &got).ok());
  }
  qv1::GetPuzzleRequest bad;
  bad.set_puzzle_id("not-a-uuid");
  qv1::Puzzle ignored;
  grpc::Status refused = puzzles_->GetPuzzle(As(author).get(), bad, &ignored);
  ASSERT_EQ(refused.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << refused.error_message();

  // Recorded before each answer was sent: no waiting needed.
  const std::map<std::string, double> after = Scrape();
  EXPECT_EQ(moved(after, GetPuzzleSeries("grpc_server_handled_total", "OK")), 3);
  EXPECT_EQ(moved(after, GetPuzzleSeries("grpc_server_handled_total", "INVALID_ARGUMENT")), 1);
  EXPECT_EQ(moved(after, GetPuzzleSeries("grpc_server_handled_total", "NOT_FOUND")), 0);
  EXPECT_EQ(moved(after, GetPuzzleSeries("grpc_server_started_total")), 4);
  EXPECT_EQ(moved(after, GetPuzzleSeries("grpc_server_handling_seconds_count")), 4);
  EXPECT_GT(moved(after, GetPuzzleSeries("grpc_server_handling_seconds_sum")), 0);
  EXPECT_EQ(moved(after,
                  "grpc_server_handled_total{grpc_code=\"OK\",grpc_method=\"CreatePuzzle\","
                  "grpc_service=\"quest.v1.PuzzleService\",grpc_type=\"unary\"}"),
            0)
      << "other methods' series did not move";
}

TEST_F(MetricsEndpointTest, PoolEventStreamAndProcessSeriesAreThere) {
  const std::map<std::string, double> samples = Scrape();
  // Each blocking pool by name and node: writes, reads, and reads fallen
  // back to the primary.
  for (const auto& [pool, node] :
       std::vector<std::pair<std::string, std::string>>{{"quest-write", "primary"},
                                                        {"quest-read", "replica"},
                                                        {"quest-read-fallback", "primary"}}) {
    const std::string labels = absl::StrCat("pool=\"", pool, "\",node=\"", node, "\"");
    for (const char* state : {"idle", "in_use", "opening"}) {
      EXPECT_EQ(
          samples.count(absl::StrCat("db_pool_connections{", labels, ",state=\"", state, "\"}")),
          1u)
          << labels << " " << state;
    }
    EXPECT_EQ(samples.count(absl::StrCat("db_pool_waiting{", labels, "}")), 1u) << labels;
    EXPECT_EQ(samples.count(absl::StrCat("db_pool_acquire_wait_seconds_count{", labels, "}")), 1u)
        << labels;
  }
  EXPECT_GE(samples.at("db_pool_size{pool=\"quest-write\",node=\"primary\"}"), 1)
      << "DB_MIN_CONNECTIONS=1 is open once SERVING";
  EXPECT_GE(samples.at("db_pool_size{pool=\"quest-read\",node=\"replica\"}"), 1);
  EXPECT_GE(samples.at("db_pool_acquire_wait_seconds_count{pool=\"quest-write\",node=\"primary\"}"),
            1)
      << "start-up (migrations, readiness) acquired write connections";
  EXPECT_EQ(
      samples.count("db_async_read_open_connections{pool=\"quest-read-async\",node=\"replica\"}"),
      1u);
  // Both nodes up: breakers closed, reads on the replica.
  for (const char* node : {"primary", "replica"}) {
    EXPECT_EQ(samples.at(absl::StrCat("db_breaker_state{node=\"", node, "\",state=\"closed\"}")), 1)
        << node;
    EXPECT_EQ(samples.at(absl::StrCat("db_breaker_state{node=\"", node, "\",state=\"open\"}")), 0)
        << node;
  }
  EXPECT_EQ(samples.at("db_reads_on_primary"), 0);
  EXPECT_GE(samples.at("db_reads_total{node=\"replica\"}"), 1) << "the readiness probe reads";
  ASSERT_EQ(samples.count("events_outbox_depth"), 1u);
  EXPECT_GE(samples.at("events_outbox_depth"), 0);
  EXPECT_EQ(samples.count("events_relay_connected"), 1u);
  ASSERT_EQ(samples.count("process_resident_memory_bytes"), 1u);
  EXPECT_GT(samples.at("process_resident_memory_bytes"), 0);
  EXPECT_GT(samples.at("process_threads"), 1);
  EXPECT_GT(samples.at("process_open_fds"), 0);
  EXPECT_GE(samples.at("process_cpu_seconds_total"), 0);
}

TEST_F(MetricsEndpointTest, ABadAddressStopsStartUpNamingTheVariable) {
  auto process = ServiceProcess::Start(std::getenv("QUEST_BINARY"), [] {
    auto env = ServiceProcess::DefaultEnv("quest");
    env["METRICS_LISTEN_ADDRESS"] = "localhost:9464";
    return env;
  }());
  std::optional<int> exit_code = process->WaitForExit(absl::Seconds(10));
  ASSERT_TRUE(exit_code.has_value());
  EXPECT_EQ(*exit_code, 2);
  EXPECT_NE(process->Log().find("config error: METRICS_LISTEN_ADDRESS:"), std::string::npos)
      << process->Log();
}

TEST_F(MetricsEndpointTest, AnAddressInUseStopsStartUpWithOneClearLine) {
  // The shared server holds metrics_port_.
  auto env = ServiceProcess::DefaultEnv("quest");
  env["METRICS_LISTEN_ADDRESS"] = absl::StrCat("127.0.0.1:", metrics_port_);
  auto process = ServiceProcess::Start(std::getenv("QUEST_BINARY"), env);
  std::optional<int> exit_code = process->WaitForExit(absl::Seconds(30));
  ASSERT_TRUE(exit_code.has_value());
  EXPECT_EQ(*exit_code, 1);
  const std::string log = process->Log();
  EXPECT_NE(log.find(absl::StrCat(
                "not serving: METRICS_LISTEN_ADDRESS: cannot listen on 127.0.0.1:", metrics_port_)),
            std::string::npos)
      << log;
  EXPECT_EQ(log.find("health: SERVING"), std::string::npos) << log;
}

}  // namespace
}  // namespace qs::testing
