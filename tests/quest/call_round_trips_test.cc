// Round trips to the write node per quest change, through the real binary:
// the server's own counters (db_write_round_trips_total and
// db_write_transactions_total on its metrics endpoint) around each call.
// - A match change locks and loads the match in one round trip, defers its
//   writes to the reload of the answer, and commits: 3 round trips; an
//   answer reads its puzzle besides: 4; whatever the change settles (a
//   finish with every rank and its event, a cancel) costs none more.
// - StartAttempt and SubmitAttempt are 2 each (the idempotency claim rides
//   with the submit's read).

#include <map>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "tests/quest/quest_server_fixture.h"
#include "tests/support/http_get.h"

namespace qs::testing {
namespace {

using namespace ::quest::v1;  // NOLINT

struct WriteCounters {
  double transactions = -1;
  double round_trips = -1;
};

class CallRoundTripsTest : public QuestServerFixture {
 protected:
  static void SetUpTestSuite() {
    metrics_port_ = FreeLoopbackPort();
    StartSharedServer("quest",
                      {{"METRICS_LISTEN_ADDRESS", absl::StrCat("127.0.0.1:", metrics_port_)}});
    matches_ = MatchService::NewStub(channel());
    puzzles_ = PuzzleService::NewStub(channel());
    attempts_ = AttemptService::NewStub(channel());
  }
  static void TearDownTestSuite() {
    matches_.reset();
    puzzles_.reset();
    attempts_.reset();
    StopSharedServer();
  }

  static WriteCounters Scrape() {
    WriteCounters counters;
    for (absl::string_view line : absl::StrSplit(HttpGet(metrics_port_, "/metrics"), '\n')) {
      const size_t space = line.rfind(' ');
      if (space == absl::string_view::npos) continue;
      const absl::string_view name = line.substr(0, space);
      // The calls' writes: the background jobs' are counted apart.
      double* value =
          name == "db_write_transactions_total{origin=\"call\"}"  ? &counters.transactions
          : name == "db_write_round_trips_total{origin=\"call\"}" ? &counters.round_trips
                                                                  : nullptr;
      if (value != nullptr) EXPECT_TRUE(absl::SimpleAtod(line.substr(space + 1), value)) << line;
    }
    return counters;
  }

  // Adds the round trips of `call` (one write transaction) to `counts` as
  // `step`.
  template <typename Call>
  void Count(const std::string& step, Call&& call) {
    const WriteCounters before = Scrape();
    call();
    const WriteCounters after = Scrape();
    EXPECT_EQ(after.transactions - before.transactions, 1) << step;
    counts_[step] = static_cast<int>(after.round_trips - before.round_trips);
  }

  grpc::Status Act(grpc::Status (MatchService::Stub::*rpc)(grpc::ClientContext*,
                                                           const MatchRequest&, Match*),
                   const std::string& match_id, const std::string& user, Match* out) {
    MatchRequest request;
    request.set_match_id(match_id);
    return (matches_.get()->*rpc)(As(user).get(), request, out);
  }

  // One match from creation to its end, and one cancelled: the round trips
  // of each step into counts_.
  void PlayAMatch() {
    const std::string host = api::NewUuidV4();
    const std::string guest = api::NewUuidV4();
    const std::string third = api::NewUuidV4();
    CreateMatchRequest create;
    create.set_mode(MATCH_MODE_GROUP);
    create.set_max_players(3);
    const std::string puzzle = Published().id();
    create.add_puzzle_ids(puzzle);
    Match match;
    Count("create",
          [&] { ASSERT_TRUE(matches_->CreateMatch(As(host).get(), create, &match).ok()); });
    const std::string id = match.id();
    Match out;
    Count("join", [&] { ASSERT_TRUE(Act(&MatchService::Stub::JoinMatch, id, guest, &out).ok()); });
    Count("join again",
          [&] { ASSERT_TRUE(Act(&MatchService::Stub::JoinMatch, id, guest, &out).ok()); });
    ASSERT_TRUE(Act(&MatchService::Stub::JoinMatch, id, third, &out).ok());
    Count("join a full match", [&] {
      EXPECT_EQ(Act(&MatchService::Stub::JoinMatch, id, api::NewUuidV4(), &out).error_code(),
                grpc::StatusCode::RESOURCE_EXHAUSTED);
    });
    Count("start", [&] { ASSERT_TRUE(Act(&MatchService::Stub::StartMatch, id, host, &out).ok()); });
    SubmitMatchAnswerResponse answered;
    auto answer = [&](const std::string& user) {
      SubmitMatchAnswerRequest request;
      request.set_match_id(id);
      request.set_puzzle_id(puzzle);
      request.set_answer("Nc7+");
      ASSERT_TRUE(matches_->SubmitMatchAnswer(As(user).get(), request, &answered).ok());
    };
    Count("answer", [&] { answer(host); });
    EXPECT_EQ(answered.match().status(), MATCH_STATUS_IN_PROGRESS);
    Count("leave a running match",
          [&] { ASSERT_TRUE(Act(&MatchService::Stub::LeaveMatch, id, third, &out).ok()); });
    Count("answer that finishes", [&] { answer(guest); });
    EXPECT_EQ(answered.match().status(), MATCH_STATUS_FINISHED);
    EXPECT_GT(answered.match().participants(0).rank(), 0);

    Match lonely;
    create.set_max_players(2);
    ASSERT_TRUE(matches_->CreateMatch(As(host).get(), create, &lonely).ok());
    Count("leave that cancels",
          [&] { ASSERT_TRUE(Act(&MatchService::Stub::LeaveMatch, lonely.id(), host, &out).ok()); });
    EXPECT_EQ(out.status(), MATCH_STATUS_CANCELLED);
  }

  inline static int metrics_port_ = 0;
  std::map<std::string, int> counts_;
};

TEST_F(CallRoundTripsTest, EachChangeIsThreeRoundTripsAndAnAnswerFour) {
  ASSERT_GE(Scrape().round_trips, 0) << "no db_write_round_trips_total on the metrics endpoint";
  PlayAMatch();
  // The lock and load with BEGIN, the reload that carries the deferred
  // writes, the COMMIT; create: the puzzles' check with BEGIN, the insert,
  // the COMMIT; an answer reads its puzzle besides; a refused change is
  // its lock and load and the ROLLBACK.
  EXPECT_EQ(counts_, (std::map<std::string, int>{{"create", 3},
                                                 {"join", 3},
                                                 {"join again", 3},
                                                 {"join a full match", 2},
                                                 {"start", 3},
                                                 {"answer", 4},
                                                 {"leave a running match", 3},
                                                 {"answer that finishes", 4},
                                                 {"leave that cancels", 3}}));
}

// A retry's claim fails its first round trip, which then rolls back; the
// stored response is read on the write node outside any write transaction.
TEST_F(CallRoundTripsTest, StartAndSubmitAreTwoRoundTripsEach) {
  const std::string user = api::NewUuidV4();
  StartAttemptRequest start;
  start.set_puzzle_id(Published().id());
  Attempt attempt;
  Count("start",
        [&] { ASSERT_TRUE(attempts_->StartAttempt(As(user).get(), start, &attempt).ok()); });
  SubmitAttemptRequest submit;
  submit.set_attempt_id(attempt.id());
  submit.set_answer("Nc7+");
  submit.set_request_id(api::NewUuidV4());
  SubmitAttemptResponse first;
  Count("submit",
        [&] { ASSERT_TRUE(attempts_->SubmitAttempt(As(user).get(), submit, &first).ok()); });
  SubmitAttemptResponse replayed;
  Count("retry",
        [&] { ASSERT_TRUE(attempts_->SubmitAttempt(As(user).get(), submit, &replayed).ok()); });
  EXPECT_EQ(replayed.SerializeAsString(), first.SerializeAsString());
  EXPECT_EQ(first.attempt().verdict(), VERDICT_CORRECT);
  EXPECT_EQ(counts_, (std::map<std::string, int>{{"start", 2}, {"submit", 2}, {"retry", 2}}));
}

}  // namespace
}  // namespace qs::testing
