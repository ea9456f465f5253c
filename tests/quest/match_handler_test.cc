// quest.v1.MatchService through a real gRPC client against the real quest
// binary: the state machine, winners, history, join races, bad input.
#include <atomic>
#include <thread>

#include "tests/quest/quest_server_fixture.h"
#include "tests/support/start_barrier.h"

namespace qs::testing {
namespace {

using namespace ::quest::v1;  // NOLINT

class MatchServiceTest : public QuestServerFixture {
 protected:
  Match NewMatch(MatchMode mode, int max_players, int puzzles) {
    CreateMatchRequest request;
    request.set_mode(mode);
    request.set_max_players(max_players);
    for (int i = 0; i < puzzles; ++i) request.add_puzzle_ids(Published().id());
    Match match;
    grpc::Status status = matches_->CreateMatch(As(host_).get(), request, &match);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return match;
  }

  grpc::Status Act(grpc::Status (MatchService::Stub::*rpc)(grpc::ClientContext*,
                                                           const MatchRequest&, Match*),
                   const std::string& match_id, const std::string& user, Match* out) {
    MatchRequest request;
    request.set_match_id(match_id);
    return (matches_.get()->*rpc)(As(user).get(), request, out);
  }
  grpc::Status Join(const std::string& id, const std::string& user, Match* out) {
    return Act(&MatchService::Stub::JoinMatch, id, user, out);
  }
  grpc::Status Start(const std::string& id, const std::string& user, Match* out) {
    return Act(&MatchService::Stub::StartMatch, id, user, out);
  }
  grpc::Status Leave(const std::string& id, const std::string& user, Match* out) {
    return Act(&MatchService::Stub::LeaveMatch, id, user, out);
  }
  grpc::Status Answer(const Match& match, int puzzle, const std::string& answer,
                      const std::string& user, SubmitMatchAnswerResponse* out) {
    SubmitMatchAnswerRequest request;
    request.set_match_id(match.id());
    request.set_puzzle_id(match.puzzle_ids(puzzle));
    request.set_answer(answer);
    return matches_->SubmitMatchAnswer(As(user).get(), request, out);
  }

  static const MatchParticipant& Of(const Match& match, const std::string& user) {
    for (const MatchParticipant& p : match.participants()) {
      if (p.user_id() == user) return p;
    }
    static MatchParticipant none;
    ADD_FAILURE() << user << " is not in the match";
    return none;
  }

  const std::string host_ = api::NewUuidV4();
  const std::string guest_ = api::NewUuidV4();
};

TEST_F(MatchServiceTest, HeadToHeadFromWaitingToFinishedWithAWinner) {
  Match match = NewMatch(MATCH_MODE_HEAD_TO_HEAD, 0, 2);
  EXPECT_EQ(match.status(), MATCH_STATUS_WAITING);
  EXPECT_EQ(match.max_players(), 2);
  EXPECT_EQ(match.participants_size(), 1);
  Match out;
  EXPECT_EQ(Start(match.id(), host_, &out).error_code(), grpc::StatusCode::FAILED_PRECONDITION)
      << "alone";
  ASSERT_TRUE(Join(match.id(), guest_, &out).ok());
  ASSERT_TRUE(Join(match.id(), guest_, &out).ok()) << "joining twice is harmless";
  EXPECT_EQ(out.participants_size(), 2);
  EXPECT_EQ(Join(match.id(), player_, &out).error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(Start(match.id(), guest_, &out).error_code(), grpc::StatusCode::PERMISSION_DENIED);

  SubmitMatchAnswerResponse answer;
  EXPECT_EQ(Answer(match, 0, "Nc7+", host_, &answer).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION)
      << "not started";
  ASSERT_TRUE(Start(match.id(), host_, &out).ok());
  EXPECT_EQ(out.status(), MATCH_STATUS_IN_PROGRESS);
  EXPECT_EQ(Join(match.id(), player_, &out).error_code(), grpc::StatusCode::FAILED_PRECONDITION);

  ASSERT_TRUE(Answer(match, 0, "Nc7+", host_, &answer).ok());
  EXPECT_TRUE(answer.correct());
  EXPECT_GT(answer.score(), 0);
  EXPECT_EQ(Answer(match, 0, "Nc7+", host_, &answer).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION)
      << "answered twice";
  ASSERT_TRUE(Answer(match, 1, "Nc7+", host_, &answer).ok());
  ASSERT_TRUE(Answer(match, 0, "wrong", guest_, &answer).ok());
  EXPECT_FALSE(answer.correct());
  EXPECT_EQ(answer.match().status(), MATCH_STATUS_IN_PROGRESS);
  ASSERT_TRUE(Answer(match, 1, "Nc7+", guest_, &answer).ok());
  const Match& finished = answer.match();
  EXPECT_EQ(finished.status(), MATCH_STATUS_FINISHED);
  EXPECT_EQ(finished.winner_id(), host_);
  EXPECT_EQ(Of(finished, host_).rank(), 1);
  EXPECT_EQ(Of(finished, guest_).rank(), 2);
  EXPECT_EQ(Of(finished, host_).solved_count(), 2);
  EXPECT_EQ(Of(finished, guest_).solved_count(), 1);
  EXPECT_EQ(Answer(match, 1, "Nc7+", guest_, &answer).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION)
      << "the match is over";
  EXPECT_EQ(Leave(match.id(), guest_, &out).error_code(), grpc::StatusCode::FAILED_PRECONDITION);

  auto events = OutboxEvents(kDatabase, match.id());
  ASSERT_EQ(events.size(), 1u);
  ::quest::v1::MatchFinished event;
  ASSERT_TRUE(events[0].payload().UnpackTo(&event));
  EXPECT_EQ(event.winner_id(), host_);
  EXPECT_EQ(event.participants_size(), 2);

  // Finished matches stay queryable as each player's history.
  ListMatchesRequest history;
  history.set_user_id(guest_);
  history.set_status(MATCH_STATUS_FINISHED);
  ListMatchesResponse listed;
  ASSERT_TRUE(Eventually([&] {
    listed.Clear();
    return matches_->ListMatches(As(player_).get(), history, &listed).ok() &&
           listed.matches_size() == 1;
  }));
  EXPECT_EQ(listed.matches(0).id(), match.id());
  EXPECT_EQ(Of(listed.matches(0), guest_).rank(), 2);
  Match fetched;
  ASSERT_TRUE(Act(&MatchService::Stub::GetMatch, match.id(), player_, &fetched).ok());
  EXPECT_EQ(fetched.winner_id(), host_);
}

TEST_F(MatchServiceTest, ConcurrentJoinsNeverOverfillAMatch) {
  Match match = NewMatch(MATCH_MODE_GROUP, 4, 1);
  std::atomic<int> joined{0}, full{0};
  RunTogether(10, [&](int) {
    Match out;
    grpc::Status status = Join(match.id(), api::NewUuidV4(), &out);
    if (status.ok()) ++joined;
    if (status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) ++full;
  });
  EXPECT_EQ(joined.load(), 3);
  EXPECT_EQ(full.load(), 7);
  // In the database itself: never more participants than max_players.
  pqxx::result rows =
      QueryPrimary(kDatabase,
                   "SELECT (SELECT count(*) FROM match_participants p WHERE p.match_id = m.id), "
                   "  m.max_players FROM matches m WHERE m.id = $1",
                   match.id());
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_LE(rows[0][0].as<int>(), rows[0][1].as<int>());
  EXPECT_EQ(rows[0][0].as<int>(), 4);
  Match now;
  EXPECT_TRUE(Eventually([&] {
    return Act(&MatchService::Stub::GetMatch, match.id(), host_, &now).ok() &&
           now.participants_size() == 4;
  })) << now.DebugString();
}

TEST_F(MatchServiceTest, LeavingCancelsAnEmptyMatchAndForfeitsARunningOne) {
  Match lonely = NewMatch(MATCH_MODE_GROUP, 3, 1);
  Match out;
  ASSERT_TRUE(Leave(lonely.id(), host_, &out).ok());
  EXPECT_EQ(out.status(), MATCH_STATUS_CANCELLED);

  Match match = NewMatch(MATCH_MODE_GROUP, 3, 1);
  ASSERT_TRUE(Join(match.id(), guest_, &out).ok());
  ASSERT_TRUE(Join(match.id(), player_, &out).ok());
  ASSERT_TRUE(Start(match.id(), host_, &out).ok());
  SubmitMatchAnswerResponse answer;
  ASSERT_TRUE(Answer(match, 0, "Nc7+", player_, &answer).ok());
  ASSERT_TRUE(Leave(match.id(), player_, &out).ok()) << "forfeits with the best score";
  EXPECT_EQ(out.status(), MATCH_STATUS_IN_PROGRESS);
  ASSERT_TRUE(Answer(match, 0, "wrong", host_, &answer).ok());
  ASSERT_TRUE(Answer(match, 0, "wrong", guest_, &answer).ok());
  const Match& finished = answer.match();
  EXPECT_EQ(finished.status(), MATCH_STATUS_FINISHED);
  EXPECT_EQ(Of(finished, player_).rank(), 3) << "who left ranks after who stayed";
  EXPECT_TRUE(Of(finished, player_).left());
}

// No match reply carries a solution: every reply of a whole match, from
// creation to the end, serialised, never contains the unique solutions.
TEST_F(MatchServiceTest, NoMatchReplyCarriesASolution) {
  std::vector<std::string> solutions;
  CreateMatchRequest create;
  create.set_mode(MATCH_MODE_GROUP);
  create.set_max_players(3);
  for (int i = 0; i < 2; ++i) {
    solutions.push_back("secret-" + api::NewUuidV4());
    CreatePuzzleRequest puzzle = NewPuzzle();
    puzzle.set_solution(solutions.back());
    puzzle.set_publish(true);
    create.add_puzzle_ids(Create(puzzle, author_).id());
  }
  int replies = 0;
  auto expect_secret = [&](const google::protobuf::Message& reply, const grpc::Status& status,
                           const char* rpc) {
    ++replies;
    EXPECT_TRUE(status.ok()) << rpc << ": " << status.error_message();
    const std::string bytes = reply.SerializeAsString();
    for (const std::string& solution : solutions) {
      EXPECT_EQ(bytes.find(solution), std::string::npos) << rpc << " leaked a solution";
      EXPECT_EQ(status.error_message().find(solution), std::string::npos) << rpc;
    }
  };
  Match match;
  expect_secret(match, matches_->CreateMatch(As(host_).get(), create, &match), "CreateMatch");
  Match out;
  expect_secret(out, Join(match.id(), guest_, &out), "JoinMatch");
  expect_secret(out, Join(match.id(), player_, &out), "JoinMatch");
  expect_secret(out, Start(match.id(), host_, &out), "StartMatch");
  SubmitMatchAnswerResponse answer;
  for (int puzzle = 0; puzzle < 2; ++puzzle) {
    expect_secret(answer, Answer(match, puzzle, solutions[puzzle], host_, &answer),
                  "SubmitMatchAnswer (right)");
    EXPECT_TRUE(answer.correct());
    expect_secret(answer, Answer(match, puzzle, "wrong", guest_, &answer),
                  "SubmitMatchAnswer (wrong)");
    EXPECT_FALSE(answer.correct());
  }
  expect_secret(out, Leave(match.id(), player_, &out), "LeaveMatch");
  EXPECT_EQ(out.status(), MATCH_STATUS_FINISHED);
  expect_secret(out, Act(&MatchService::Stub::GetMatch, match.id(), guest_, &out), "GetMatch");
  ListMatchesRequest history;
  history.set_user_id(host_);
  ListMatchesResponse listed;
  ASSERT_TRUE(Eventually([&] {
    listed.Clear();
    return matches_->ListMatches(As(host_).get(), history, &listed).ok() &&
           listed.matches_size() == 1;
  }));
  expect_secret(listed, matches_->ListMatches(As(host_).get(), history, &listed), "ListMatches");
  EXPECT_EQ(replies, 11);
}

TEST_F(MatchServiceTest, BadInputIsRejectedPrecisely) {
  Match out;
  CreateMatchRequest request;
  request.add_puzzle_ids(Published().id());
  EXPECT_EQ(matches_->CreateMatch(As(host_).get(), request, &out).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT)
      << "mode missing";
  request.set_mode(MATCH_MODE_GROUP);
  request.set_max_players(3);
  request.add_puzzle_ids(Create(NewPuzzle(), author_).id());  // a draft
  EXPECT_EQ(matches_->CreateMatch(As(host_).get(), request, &out).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(Join("not-a-match", guest_, &out).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Join(api::NewUuidV4(), guest_, &out).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Join(api::NewUuidV4(), "", &out).error_code(), grpc::StatusCode::UNAUTHENTICATED);

  Match match = NewMatch(MATCH_MODE_HEAD_TO_HEAD, 2, 1);
  ASSERT_TRUE(Join(match.id(), guest_, &out).ok());
  ASSERT_TRUE(Start(match.id(), host_, &out).ok());
  SubmitMatchAnswerResponse answer;
  EXPECT_EQ(Answer(match, 0, "Nc7+", player_, &answer).error_code(),
            grpc::StatusCode::PERMISSION_DENIED)
      << "not a player";
  SubmitMatchAnswerRequest foreign;
  foreign.set_match_id(match.id());
  foreign.set_puzzle_id(Published().id());
  EXPECT_EQ(matches_->SubmitMatchAnswer(As(host_).get(), foreign, &answer).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT)
      << "a puzzle of another match";
}

}  // namespace
}  // namespace qs::testing
