// Round trips to the write node per MatchService change, through the real
// binary: the server's own counters (db_write_round_trips_total and
// db_write_transactions_total on its metrics endpoint) around each call.
// Every change locks and loads the match in one round trip, defers its
// writes to the reload of the answer, and commits: 3 round trips; an
// answer reads its puzzle besides: 4; whatever the change settles (a
// finish with every rank and its event, a cancel) costs none more.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <string>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "tests/quest/quest_server_fixture.h"

namespace qs::testing {
namespace {

using namespace ::quest::v1;  // NOLINT

// The body of GET `path` on 127.0.0.1:`port` (HTTP/1.0: the server closes
// when done), or "" when the request fails. (As in
// tests/common/metrics/metrics_endpoint_test.cc.)
std::string HttpGet(int port, const std::string& path) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return "";
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string response;
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0) {
    const std::string request = absl::StrCat("GET ", path, " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n");
    if (write(fd, request.data(), request.size()) == static_cast<ssize_t>(request.size())) {
      char buffer[65536];
      ssize_t got;
      while ((got = read(fd, buffer, sizeof(buffer))) > 0) response.append(buffer, got);
    }
  }
  close(fd);
  const size_t body = response.find("\r\n\r\n");
  if (response.rfind("HTTP/1.", 0) != 0 || body == std::string::npos) return "";
  return response.substr(body + 4);
}

struct WriteCounters {
  double transactions = -1;
  double round_trips = -1;
};

class MatchRoundTripsTest : public QuestServerFixture {
 protected:
  static void SetUpTestSuite() {
    metrics_port_ = FreeLoopbackPort();
    // The puzzle period jobs, the server's only other writers, at their
    // slowest: after their first run they stay out of the counts.
    StartSharedServer("quest",
                      {{"METRICS_LISTEN_ADDRESS", absl::StrCat("127.0.0.1:", metrics_port_)},
                       {"PUZZLE_RATING_PERIOD_SECONDS", "86400"},
                       {"PUZZLE_PLAYS_FOLD_SECONDS", "3600"}});
    matches_ = MatchService::NewStub(channel());
    puzzles_ = PuzzleService::NewStub(channel());
  }
  static void TearDownTestSuite() {
    matches_.reset();
    puzzles_.reset();
    StopSharedServer();
  }

  static WriteCounters Scrape() {
    WriteCounters counters;
    for (absl::string_view line : absl::StrSplit(HttpGet(metrics_port_, "/metrics"), '\n')) {
      const size_t space = line.rfind(' ');
      if (space == absl::string_view::npos) continue;
      const absl::string_view name = line.substr(0, space);
      double* value = name == "db_write_transactions_total"  ? &counters.transactions
                      : name == "db_write_round_trips_total" ? &counters.round_trips
                                                             : nullptr;
      if (value != nullptr) EXPECT_TRUE(absl::SimpleAtod(line.substr(space + 1), value)) << line;
    }
    return counters;
  }

  // The round trips of `call` (one write transaction, which this checks),
  // once no other write is under way: the counters stood still for 300 ms.
  template <typename Call>
  int RoundTrips(Call&& call) {
    WriteCounters before = Scrape();
    EXPECT_TRUE(Eventually([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
      const WriteCounters now = Scrape();
      const bool still = now.transactions == before.transactions;
      before = now;
      return still;
    }));
    call();
    const WriteCounters after = Scrape();
    EXPECT_EQ(after.transactions - before.transactions, 1) << "one write transaction per change";
    return static_cast<int>(after.round_trips - before.round_trips);
  }

  grpc::Status Act(grpc::Status (MatchService::Stub::*rpc)(grpc::ClientContext*,
                                                           const MatchRequest&, Match*),
                   const std::string& match_id, const std::string& user, Match* out) {
    MatchRequest request;
    request.set_match_id(match_id);
    return (matches_.get()->*rpc)(As(user).get(), request, out);
  }

  inline static int metrics_port_ = 0;
  const std::string host_ = api::NewUuidV4();
  const std::string guest_ = api::NewUuidV4();
};

TEST_F(MatchRoundTripsTest, EachChangeIsThreeRoundTripsAndAnAnswerFour) {
  ASSERT_GE(Scrape().round_trips, 0) << "no db_write_round_trips_total on the metrics endpoint";
  CreateMatchRequest create;
  create.set_mode(MATCH_MODE_GROUP);
  create.set_max_players(3);
  const std::string puzzle = Published().id();
  create.add_puzzle_ids(puzzle);
  Match match;
  EXPECT_EQ(
      RoundTrips([&] { ASSERT_TRUE(matches_->CreateMatch(As(host_).get(), create, &match).ok()); }),
      3)
      << "BEGIN with the puzzles' check, the insert, COMMIT";
  const std::string id = match.id();
  Match out;
  EXPECT_EQ(
      RoundTrips([&] { ASSERT_TRUE(Act(&MatchService::Stub::JoinMatch, id, guest_, &out).ok()); }),
      3);
  EXPECT_EQ(
      RoundTrips([&] { ASSERT_TRUE(Act(&MatchService::Stub::JoinMatch, id, player_, &out).ok()); }),
      3);
  EXPECT_EQ(out.participants_size(), 3);
  EXPECT_EQ(RoundTrips([&] {
              EXPECT_EQ(
                  Act(&MatchService::Stub::JoinMatch, id, api::NewUuidV4(), &out).error_code(),
                  grpc::StatusCode::RESOURCE_EXHAUSTED);
            }),
            2)
      << "a refused change: the lock and load, ROLLBACK";
  EXPECT_EQ(
      RoundTrips([&] { ASSERT_TRUE(Act(&MatchService::Stub::StartMatch, id, host_, &out).ok()); }),
      3);

  auto answer = [&](const std::string& user, SubmitMatchAnswerResponse* response) {
    SubmitMatchAnswerRequest request;
    request.set_match_id(id);
    request.set_puzzle_id(puzzle);
    request.set_answer("Nc7+");
    ASSERT_TRUE(matches_->SubmitMatchAnswer(As(user).get(), request, response).ok());
  };
  SubmitMatchAnswerResponse answered;
  EXPECT_EQ(RoundTrips([&] { answer(host_, &answered); }), 4);
  EXPECT_EQ(answered.match().status(), MATCH_STATUS_IN_PROGRESS);
  EXPECT_EQ(RoundTrips(
                [&] { ASSERT_TRUE(Act(&MatchService::Stub::LeaveMatch, id, player_, &out).ok()); }),
            3);
  EXPECT_EQ(RoundTrips([&] { answer(guest_, &answered); }), 4)
      << "the last answer finishes the match: ranks and event deferred too";
  EXPECT_EQ(answered.match().status(), MATCH_STATUS_FINISHED);
  EXPECT_GT(answered.match().participants(0).rank(), 0);

  Match lonely;
  create.set_max_players(2);
  ASSERT_TRUE(matches_->CreateMatch(As(host_).get(), create, &lonely).ok());
  EXPECT_EQ(RoundTrips([&] {
              ASSERT_TRUE(Act(&MatchService::Stub::LeaveMatch, lonely.id(), host_, &out).ok());
            }),
            3)
      << "leaving cancels the match";
  EXPECT_EQ(out.status(), MATCH_STATUS_CANCELLED);
}

}  // namespace
}  // namespace qs::testing
