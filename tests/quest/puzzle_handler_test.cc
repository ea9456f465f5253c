// quest.v1.PuzzleService through a real gRPC client against the real quest
// binary, on the real primary + replica.
#include <set>
#include <thread>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "tests/quest/quest_server_fixture.h"
#include "tests/support/start_barrier.h"

namespace qs::testing {
namespace {

using namespace ::quest::v1;  // NOLINT

class PuzzleServiceTest : public QuestServerFixture {
 protected:
  // Every page of a feed query, following next_page_token.
  std::vector<Puzzle> AllPages(ListPuzzlesRequest request, const std::string& user,
                               const std::function<void()>& between_pages = nullptr) {
    std::vector<Puzzle> all;
    while (true) {
      ListPuzzlesResponse page;
      grpc::Status status = puzzles_->ListPuzzles(As(user).get(), request, &page);
      EXPECT_TRUE(status.ok()) << status.error_message();
      if (!status.ok()) break;
      all.insert(all.end(), page.puzzles().begin(), page.puzzles().end());
      if (page.next_page_token().empty()) break;
      request.set_page_token(page.next_page_token());
      if (between_pages) between_pages();
    }
    return all;
  }
};

TEST_F(PuzzleServiceTest, CreateThenGetNeverReturnsTheSolution) {
  Puzzle created = Create(NewPuzzle(), author_);
  EXPECT_EQ(created.author_id(), author_);
  EXPECT_EQ(created.status(), PUZZLE_STATUS_DRAFT);
  EXPECT_EQ(created.version(), 1);
  EXPECT_EQ(created.play_count(), 0);
  EXPECT_GT(created.created_at().seconds(), 0);
  Puzzle fetched;
  ASSERT_TRUE(GetPuzzle(created.id(), author_, &fetched).ok());
  EXPECT_EQ(fetched.SerializeAsString(), created.SerializeAsString());
  EXPECT_EQ(fetched.DebugString().find("Nc7+"), std::string::npos);
}

// Solutions never leave the server: every puzzle and attempt reply along a
// puzzle's life, serialised, lacks its unique solution (and so do errors).
TEST_F(PuzzleServiceTest, NoPuzzleOrAttemptReplyCarriesTheSolution) {
  const std::string solution = "secret-" + api::NewUuidV4();
  int replies = 0;
  auto expect_secret = [&](const google::protobuf::Message& reply, const grpc::Status& status,
                           const char* rpc) {
    ++replies;
    EXPECT_TRUE(status.ok()) << rpc << ": " << status.error_message();
    EXPECT_EQ(reply.SerializeAsString().find(solution), std::string::npos)
        << rpc << " leaked the solution";
    EXPECT_EQ(status.error_message().find(solution), std::string::npos) << rpc;
  };
  CreatePuzzleRequest create = NewPuzzle();
  create.set_solution(solution);
  Puzzle puzzle;
  expect_secret(puzzle, puzzles_->CreatePuzzle(As(author_).get(), create, &puzzle), "CreatePuzzle");
  UpdatePuzzleRequest publish;
  publish.set_puzzle_id(puzzle.id());
  publish.set_version(puzzle.version());
  publish.set_status(PUZZLE_STATUS_PUBLISHED);
  expect_secret(puzzle, puzzles_->UpdatePuzzle(As(author_).get(), publish, &puzzle),
                "UpdatePuzzle");
  Puzzle fetched;
  expect_secret(fetched, GetPuzzle(puzzle.id(), player_, &fetched), "GetPuzzle");

  ListPuzzlesRequest feed;
  feed.set_theme(theme_);
  ASSERT_TRUE(Eventually([&] { return AllPages(feed, player_).size() == 1; }));
  for (const std::string& user : {player_, author_}) {
    ListPuzzlesResponse page;
    expect_secret(page, puzzles_->ListPuzzles(As(user).get(), feed, &page), "ListPuzzles");
    EXPECT_EQ(page.puzzles_size(), 1);
  }
  GetNextPuzzleRequest next_request;
  next_request.set_theme(theme_);
  Puzzle next;
  expect_secret(next, puzzles_->GetNextPuzzle(As(player_).get(), next_request, &next),
                "GetNextPuzzle");

  for (const std::string& answer : {std::string("wrong"), solution}) {
    StartAttemptRequest start;
    start.set_puzzle_id(puzzle.id());
    Attempt attempt;
    expect_secret(attempt, attempts_->StartAttempt(As(player_).get(), start, &attempt),
                  "StartAttempt");
    SubmitAttemptRequest submit;
    submit.set_attempt_id(attempt.id());
    submit.set_answer(answer);
    submit.set_request_id(api::NewUuidV4());
    SubmitAttemptResponse result;
    expect_secret(result, attempts_->SubmitAttempt(As(player_).get(), submit, &result),
                  "SubmitAttempt");
    EXPECT_EQ(result.attempt().verdict(), answer == solution ? VERDICT_CORRECT : VERDICT_INCORRECT);
    // The replay of a retry is the stored response: still no solution.
    expect_secret(result, attempts_->SubmitAttempt(As(player_).get(), submit, &result),
                  "SubmitAttempt (replayed)");
  }
  ListAttemptsRequest history;
  ListAttemptsResponse attempts;
  ASSERT_TRUE(Eventually([&] {
    attempts.Clear();
    return attempts_->ListAttempts(As(player_).get(), history, &attempts).ok() &&
           attempts.attempts_size() == 2;
  }));
  expect_secret(attempts, attempts_->ListAttempts(As(player_).get(), history, &attempts),
                "ListAttempts");
  ArchivePuzzleRequest archive;
  archive.set_puzzle_id(puzzle.id());
  archive.set_version(puzzle.version());
  expect_secret(puzzle, puzzles_->ArchivePuzzle(As(author_).get(), archive, &puzzle),
                "ArchivePuzzle");
  EXPECT_EQ(replies, 14);
}

TEST_F(PuzzleServiceTest, DraftsAreInvisibleToOthersUntilPublished) {
  Puzzle draft = Create(NewPuzzle(), author_);
  Puzzle seen;
  EXPECT_EQ(GetPuzzle(draft.id(), player_, &seen).error_code(), grpc::StatusCode::NOT_FOUND);
  UpdatePuzzleRequest publish;
  publish.set_puzzle_id(draft.id());
  publish.set_version(draft.version());
  publish.set_status(PUZZLE_STATUS_PUBLISHED);
  Puzzle published;
  ASSERT_TRUE(puzzles_->UpdatePuzzle(As(author_).get(), publish, &published).ok());
  EXPECT_EQ(published.version(), 2);
  EXPECT_TRUE(GetPuzzle(draft.id(), player_, &seen).ok());
}

TEST_F(PuzzleServiceTest, ActingUserIsRequired) {
  Puzzle out;
  EXPECT_EQ(puzzles_->CreatePuzzle(As("").get(), NewPuzzle(), &out).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(puzzles_->CreatePuzzle(As("not-a-uuid").get(), NewPuzzle(), &out).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  // The non-blocking reads check it before any work as well.
  ListPuzzlesResponse page;
  for (const std::string& user : {std::string(), std::string("not-a-uuid")}) {
    EXPECT_EQ(puzzles_->ListPuzzles(As(user).get(), ListPuzzlesRequest(), &page).error_code(),
              grpc::StatusCode::UNAUTHENTICATED)
        << "'" << user << "'";
    EXPECT_EQ(GetPuzzle(api::NewUuidV4(), user, &out).error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
  }
}

TEST_F(PuzzleServiceTest, BadListRequestsAreInvalidArgumentNamingTheField) {
  struct Case {
    std::function<void(ListPuzzlesRequest&)> mutate;
    std::string field;
  };
  std::vector<Case> cases = {
      {[](auto& r) { r.set_status(static_cast<PuzzleStatus>(42)); }, "status"},
      {[](auto& r) { r.set_min_rating(-5); }, "min_rating"},
      {[](auto& r) { r.set_max_rating(1000000); }, "max_rating"},
      {[](auto& r) { r.set_theme(std::string(1000, 'a')); }, "theme"},
      {[](auto& r) { r.set_page_size(-1); }, "page_size"},
      {[](auto& r) { r.set_page_token("not a token"); }, "page_token"},
  };
  for (const Case& bad : cases) {
    ListPuzzlesRequest request;
    request.set_theme(theme_);
    bad.mutate(request);
    ListPuzzlesResponse out;
    grpc::Status status = puzzles_->ListPuzzles(As(player_).get(), request, &out);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << bad.field;
    EXPECT_EQ(status.error_message().rfind(bad.field + ":", 0), 0u) << status.error_message();
    EXPECT_EQ(out.puzzles_size(), 0);
  }
}

// Drafts are listed to their author only; the other filters combine.
TEST_F(PuzzleServiceTest, ListFiltersCombineAndDraftsAreTheCallersOwn) {
  auto titles = [&](ListPuzzlesRequest request, const std::string& user) {
    request.set_theme(theme_);
    std::set<std::string> found;
    for (const Puzzle& puzzle : AllPages(request, user)) found.insert(puzzle.title());
    return found;
  };
  for (auto [title, rating, publish] :
       {std::make_tuple("low", 900, true), std::make_tuple("mid", 1500, true),
        std::make_tuple("high", 2100, true), std::make_tuple("draft", 1500, false)}) {
    CreatePuzzleRequest request = NewPuzzle(title);
    request.set_rating(rating);
    request.set_publish(publish);
    Create(request, author_);
  }
  ListPuzzlesRequest drafts;
  drafts.set_status(PUZZLE_STATUS_DRAFT);
  ASSERT_TRUE(Eventually([&] { return titles(drafts, author_).size() == 1; }));
  ListPuzzlesRequest published;
  ASSERT_TRUE(Eventually([&] { return titles(published, player_).size() == 3; }));
  EXPECT_EQ(titles(drafts, author_), std::set<std::string>{"draft"});
  EXPECT_TRUE(titles(drafts, player_).empty()) << "someone else's drafts";
  ListPuzzlesRequest range;
  range.set_min_rating(1000);
  EXPECT_EQ(titles(range, player_), (std::set<std::string>{"mid", "high"}));
  range.set_max_rating(2000);
  EXPECT_EQ(titles(range, player_), std::set<std::string>{"mid"});
  range.set_status(PUZZLE_STATUS_DRAFT);
  EXPECT_EQ(titles(range, author_), std::set<std::string>{"draft"});
  range.set_min_rating(1600);
  EXPECT_TRUE(titles(range, author_).empty());
}

TEST_F(PuzzleServiceTest, BadInputIsInvalidArgumentAndChangesNothing) {
  struct Case {
    std::function<void(CreatePuzzleRequest&)> mutate;
    std::string field;
  };
  std::vector<Case> cases = {
      {[](auto& r) { r.set_title(""); }, "title"},
      {[](auto& r) { r.set_kind(static_cast<PuzzleKind>(99)); }, "kind"},
      {[](auto& r) { r.set_rating(0); }, "rating"},
      {[](auto& r) { r.set_content(std::string(64 * 1024 + 1, 'x')); }, "content"},
      {[](auto& r) { r.add_themes("NoCaps"); }, "themes"},
      {[](auto& r) { r.clear_solution(); }, "solution"},
  };
  for (const Case& bad : cases) {
    CreatePuzzleRequest request = NewPuzzle();
    bad.mutate(request);
    Puzzle out;
    grpc::Status status = puzzles_->CreatePuzzle(As(author_).get(), request, &out);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << bad.field;
    EXPECT_EQ(status.error_message().rfind(bad.field + ":", 0), 0u) << status.error_message();
  }
  // A control row proves the replica is current before checking for absence.
  Create(NewPuzzle("control"), author_);
  ListPuzzlesRequest drafts;
  drafts.set_status(PUZZLE_STATUS_DRAFT);
  ASSERT_TRUE(Eventually([&] { return !AllPages(drafts, author_).empty(); }));
  EXPECT_EQ(AllPages(drafts, author_).size(), 1u) << "a rejected create wrote a row";

  Puzzle out;
  EXPECT_EQ(GetPuzzle("nope", author_, &out).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(GetPuzzle(api::NewUuidV4(), author_, &out).error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(PuzzleServiceTest, UpdateUsesOptimisticConcurrencyAndAuthorship) {
  Puzzle puzzle = Create(NewPuzzle(), author_);
  UpdatePuzzleRequest rename;
  rename.set_puzzle_id(puzzle.id());
  rename.set_version(1);
  rename.set_title("Royal fork");
  Puzzle renamed;
  ASSERT_TRUE(puzzles_->UpdatePuzzle(As(author_).get(), rename, &renamed).ok());
  EXPECT_EQ(renamed.title(), "Royal fork");
  EXPECT_EQ(renamed.version(), 2);
  EXPECT_EQ(renamed.rating(), 1500) << "unset fields keep their value";

  Puzzle out;
  rename.set_title("Lost update");  // still version 1
  grpc::Status stale = puzzles_->UpdatePuzzle(As(author_).get(), rename, &out);
  EXPECT_EQ(stale.error_code(), grpc::StatusCode::ABORTED) << stale.error_message();

  // Published, so others can see it, but only the author may change it.
  UpdatePuzzleRequest publish;
  publish.set_puzzle_id(puzzle.id());
  publish.set_version(2);
  publish.set_status(PUZZLE_STATUS_PUBLISHED);
  ASSERT_TRUE(puzzles_->UpdatePuzzle(As(author_).get(), publish, &out).ok());
  rename.set_version(3);
  EXPECT_EQ(puzzles_->UpdatePuzzle(As(player_).get(), rename, &out).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);

  UpdatePuzzleRequest unpublish;
  unpublish.set_puzzle_id(puzzle.id());
  unpublish.set_version(3);
  unpublish.set_status(PUZZLE_STATUS_DRAFT);
  EXPECT_EQ(puzzles_->UpdatePuzzle(As(author_).get(), unpublish, &out).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  Puzzle unchanged;
  ASSERT_TRUE(Eventually([&] {
    return GetPuzzle(puzzle.id(), author_, &unchanged).ok() && unchanged.version() == 3;
  }));
  EXPECT_EQ(unchanged.title(), "Royal fork");
  EXPECT_EQ(unchanged.status(), PUZZLE_STATUS_PUBLISHED);
}

TEST_F(PuzzleServiceTest, ArchivedPuzzlesLeaveTheFeedAndStayFrozen) {
  CreatePuzzleRequest request = NewPuzzle();
  request.set_publish(true);
  Puzzle puzzle = Create(request, author_);
  ListPuzzlesRequest feed;
  feed.set_theme(theme_);
  EXPECT_TRUE(Eventually([&] { return AllPages(feed, player_).size() == 1; }));

  ArchivePuzzleRequest archive;
  archive.set_puzzle_id(puzzle.id());
  archive.set_version(puzzle.version());
  Puzzle archived;
  ASSERT_TRUE(puzzles_->ArchivePuzzle(As(author_).get(), archive, &archived).ok());
  EXPECT_EQ(archived.status(), PUZZLE_STATUS_ARCHIVED);
  EXPECT_TRUE(Eventually([&] { return AllPages(feed, player_).empty(); }));

  UpdatePuzzleRequest rename;
  rename.set_puzzle_id(puzzle.id());
  rename.set_version(archived.version());
  rename.set_title("again");
  Puzzle out;
  EXPECT_EQ(puzzles_->UpdatePuzzle(As(author_).get(), rename, &out).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  archive.set_version(archived.version());
  EXPECT_EQ(puzzles_->ArchivePuzzle(As(author_).get(), archive, &out).error_code(),
            grpc::StatusCode::OK)
      << "archiving twice is a no-op transition";
}

TEST_F(PuzzleServiceTest, FeedPagesNeverSkipOrRepeatWhileRowsAreInserted) {
  std::set<std::string> originals;
  for (int i = 0; i < 25; ++i) {
    CreatePuzzleRequest request = NewPuzzle(absl::StrCat("p", i));
    request.set_publish(true);
    request.set_rating(1000 + i);
    originals.insert(Create(request, author_).id());
  }
  ListPuzzlesRequest feed;
  feed.set_theme(theme_);
  feed.set_page_size(7);
  // Start paging once the replica has every original row.
  ASSERT_TRUE(Eventually([&] { return AllPages(feed, player_).size() == 25; }));
  int inserted = 0;
  std::vector<Puzzle> seen = AllPages(feed, player_, [&] {
    CreatePuzzleRequest request = NewPuzzle(absl::StrCat("late", inserted++));
    request.set_publish(true);
    Create(request, author_);
  });
  std::set<std::string> ids;
  for (const Puzzle& puzzle : seen) {
    EXPECT_TRUE(ids.insert(puzzle.id()).second) << "repeated " << puzzle.id();
  }
  for (const std::string& id : originals) EXPECT_TRUE(ids.count(id)) << "skipped " << id;
  for (size_t i = 1; i < seen.size(); ++i) {
    EXPECT_GE(seen[i - 1].created_at().seconds() * 1000000000LL + seen[i - 1].created_at().nanos(),
              seen[i].created_at().seconds() * 1000000000LL + seen[i].created_at().nanos())
        << "newest first";
  }

  // Rating range filter.
  feed.set_min_rating(1010);
  feed.set_max_rating(1014);
  feed.set_page_size(0);
  EXPECT_EQ(AllPages(feed, player_).size(), 5u);
}

TEST_F(PuzzleServiceTest, ForeignOrTamperedPageTokensAreRejected) {
  for (int i = 0; i < 3; ++i) {
    CreatePuzzleRequest request = NewPuzzle();
    request.set_publish(true);
    Create(request, author_);
  }
  ListPuzzlesRequest feed;
  feed.set_theme(theme_);
  feed.set_page_size(1);
  ASSERT_TRUE(Eventually([&] { return AllPages(feed, player_).size() == 3; }));
  ListPuzzlesResponse first;
  ASSERT_TRUE(puzzles_->ListPuzzles(As(player_).get(), feed, &first).ok());
  ASSERT_FALSE(first.next_page_token().empty());

  ListPuzzlesResponse out;
  ListPuzzlesRequest other_filter = feed;
  other_filter.set_page_token(first.next_page_token());
  other_filter.set_min_rating(200);
  grpc::Status foreign = puzzles_->ListPuzzles(As(player_).get(), other_filter, &out);
  EXPECT_EQ(foreign.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(foreign.error_message().rfind("page_token:", 0), 0u);

  ListPuzzlesRequest tampered = feed;
  std::string token = first.next_page_token();
  token[token.size() / 2] = token[token.size() / 2] == 'A' ? 'B' : 'A';
  tampered.set_page_token(token);
  EXPECT_EQ(puzzles_->ListPuzzles(As(player_).get(), tampered, &out).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);

  feed.set_page_size(101);
  EXPECT_EQ(puzzles_->ListPuzzles(As(player_).get(), feed, &out).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

}  // namespace
}  // namespace qs::testing

namespace qs::testing {
namespace {

using namespace ::quest::v1;  // NOLINT

class PuzzleDiscoveryTest : public QuestServerFixture {
 protected:
  grpc::Status Next(DifficultyBand band, const std::string& user, Puzzle* out) {
    GetNextPuzzleRequest request;
    request.set_theme(theme_);
    request.set_band(band);
    return puzzles_->GetNextPuzzle(As(user).get(), request, out);
  }
  grpc::Status Daily(const std::string& date, DailyPuzzle* out) {
    GetDailyPuzzleRequest request;
    request.set_date(date);
    return puzzles_->GetDailyPuzzle(As(player_).get(), request, out);
  }
};

TEST_F(PuzzleDiscoveryTest, NextPuzzleFollowsTheBandAndSkipsSeenPuzzles) {
  Puzzle similar = Published(1520);
  Puzzle easier = Published(1250);
  Puzzle harder = Published(1760);
  Published(3000);  // out of every band of a new (1500) player
  Puzzle next;
  grpc::Status first = Next(DIFFICULTY_BAND_SIMILAR, player_, &next);
  ASSERT_TRUE(first.ok()) << first.error_message();
  EXPECT_EQ(next.id(), similar.id());
  ASSERT_TRUE(Next(DIFFICULTY_BAND_UNSPECIFIED, player_, &next).ok());
  EXPECT_EQ(next.id(), similar.id()) << "SIMILAR is the default";
  ASSERT_TRUE(Next(DIFFICULTY_BAND_EASIER, player_, &next).ok());
  EXPECT_EQ(next.id(), easier.id());
  ASSERT_TRUE(Next(DIFFICULTY_BAND_HARDER, player_, &next).ok());
  EXPECT_EQ(next.id(), harder.id());
  EXPECT_EQ(next.DebugString().find("Nc7+"), std::string::npos);

  StartAttemptRequest start;
  start.set_puzzle_id(similar.id());
  Attempt attempt;
  ASSERT_TRUE(attempts_->StartAttempt(As(player_).get(), start, &attempt).ok());
  EXPECT_EQ(Next(DIFFICULTY_BAND_SIMILAR, player_, &next).error_code(), grpc::StatusCode::NOT_FOUND)
      << "the only similar puzzle was just seen";

  GetNextPuzzleRequest bad;
  bad.set_band(static_cast<DifficultyBand>(9));
  EXPECT_EQ(puzzles_->GetNextPuzzle(As(player_).get(), bad, &next).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(PuzzleDiscoveryTest, DailyPuzzleIsFixedPerDayAndTheSameForConcurrentCallers) {
  for (int i = 0; i < 3; ++i) Published();
  // A past day of this test alone, asked by several callers at once.
  absl::CivilDay day = absl::CivilDay(2001, 1, 1) + std::stoul(UniqueSuffix()) % 7000;
  const std::string date = absl::FormatCivilTime(day);
  constexpr int kCallers = 6;
  std::vector<std::string> chosen(kCallers);
  RunTogether(kCallers, [&](int i) {
    DailyPuzzle daily;
    grpc::Status status = Daily(date, &daily);
    chosen[i] = status.ok() ? daily.puzzle().id() : status.error_message();
  });
  for (const std::string& id : chosen) EXPECT_EQ(id, chosen[0]);
  EXPECT_TRUE(api::IsUuid(chosen[0])) << chosen[0];
  // In the database itself: one row for the day, the puzzle every caller got.
  pqxx::result rows =
      QueryPrimary(kDatabase, "SELECT puzzle_id FROM daily_puzzles WHERE day = $1", date);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0][0].as<std::string>(), chosen[0]);

  DailyPuzzle today, again;
  ASSERT_TRUE(Daily("", &today).ok());
  ASSERT_TRUE(Daily(today.date(), &again).ok());
  EXPECT_EQ(today.puzzle().id(), again.puzzle().id());
  EXPECT_NE(today.puzzle().id(), chosen[0]) << "a puzzle is daily once";
  EXPECT_EQ(today.puzzle().status(), PUZZLE_STATUS_PUBLISHED);

  DailyPuzzle ignored;
  EXPECT_EQ(Daily("2026-13-01", &ignored).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Daily("2999-01-01", &ignored).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

}  // namespace
}  // namespace qs::testing
