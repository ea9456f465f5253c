#include "quest/puzzle_rules.h"

#include <string>
#include <utility>

#include "gtest/gtest.h"

namespace qs::quest {
namespace {

using namespace ::quest::v1;  // NOLINT: enum names read better unqualified here.

CreatePuzzleRequest ValidCreate() {
  CreatePuzzleRequest request;
  request.set_title("Knight fork");
  request.set_kind(PUZZLE_KIND_CHESS);
  request.add_themes("fork");
  request.set_rating(1500);
  request.set_content("r1bqkb1r/...");
  request.set_solution("Nc7+");
  return request;
}

void ExpectInvalid(const absl::Status& status, const std::string& field) {
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_EQ(status.message().rfind(field + ":", 0), 0u) << status;
}

TEST(PuzzleRulesTest, AcceptsAValidCreate) { EXPECT_TRUE(ValidateCreate(ValidCreate()).ok()); }

TEST(PuzzleRulesTest, RejectsEachBadCreateFieldByName) {
  auto with = [](auto mutate) {
    CreatePuzzleRequest request = ValidCreate();
    mutate(request);
    return ValidateCreate(request);
  };
  ExpectInvalid(with([](auto& r) { r.set_title("  "); }), "title");
  ExpectInvalid(with([](auto& r) { r.set_title(std::string(201, 'x')); }), "title");
  ExpectInvalid(with([](auto& r) { r.set_kind(PUZZLE_KIND_UNSPECIFIED); }), "kind");
  ExpectInvalid(with([](auto& r) { r.set_kind(static_cast<PuzzleKind>(42)); }), "kind");
  ExpectInvalid(with([](auto& r) { r.add_themes("Bad Theme"); }), "themes");
  ExpectInvalid(with([](auto& r) { r.add_themes(""); }), "themes");
  ExpectInvalid(with([](auto& r) {
                  for (int i = 0; i < 10; ++i) r.add_themes("t");
                }),
                "themes");
  ExpectInvalid(with([](auto& r) { r.set_rating(99); }), "rating");
  ExpectInvalid(with([](auto& r) { r.set_rating(4001); }), "rating");
  ExpectInvalid(with([](auto& r) { r.set_content(""); }), "content");
  absl::Status big = with([](auto& r) { r.set_content(std::string(kMaxContentBytes + 1, 'x')); });
  ExpectInvalid(big, "content");
  EXPECT_NE(big.message().find("65536"), std::string::npos) << "states the limit";
  ExpectInvalid(with([](auto& r) { r.set_solution(""); }), "solution");
}

TEST(PuzzleRulesTest, UpdateNeedsIdAndVersionAndChecksOnlySetFields) {
  UpdatePuzzleRequest request;
  ExpectInvalid(ValidateUpdate(request), "puzzle_id");
  request.set_puzzle_id("3f0c5a8e-9d1b-4c7e-8a41-2b6f0e9d7c13");
  ExpectInvalid(ValidateUpdate(request), "version");
  request.set_version(1);
  EXPECT_TRUE(ValidateUpdate(request).ok());
  request.set_title("");
  ExpectInvalid(ValidateUpdate(request), "title");
  request.clear_title();
  request.add_themes("x");
  ExpectInvalid(ValidateUpdate(request), "themes");
  request.set_update_themes(true);
  EXPECT_TRUE(ValidateUpdate(request).ok());
}

TEST(PuzzleRulesTest, StatusLifeCycle) {
  EXPECT_TRUE(CheckTransition(PUZZLE_STATUS_DRAFT, PUZZLE_STATUS_PUBLISHED).ok());
  EXPECT_TRUE(CheckTransition(PUZZLE_STATUS_DRAFT, PUZZLE_STATUS_ARCHIVED).ok());
  EXPECT_TRUE(CheckTransition(PUZZLE_STATUS_PUBLISHED, PUZZLE_STATUS_ARCHIVED).ok());
  for (auto [from, to] : {std::pair{PUZZLE_STATUS_PUBLISHED, PUZZLE_STATUS_DRAFT},
                          std::pair{PUZZLE_STATUS_ARCHIVED, PUZZLE_STATUS_PUBLISHED},
                          std::pair{PUZZLE_STATUS_ARCHIVED, PUZZLE_STATUS_DRAFT}}) {
    EXPECT_EQ(CheckTransition(from, to).code(), absl::StatusCode::kFailedPrecondition);
  }
}

TEST(PuzzleRulesTest, EnumCodesRoundTrip) {
  for (int k = 1; PuzzleKind_IsValid(k); ++k) {
    EXPECT_EQ(KindFromCode(KindCode(static_cast<PuzzleKind>(k))), k);
  }
  for (int s = 1; PuzzleStatus_IsValid(s); ++s) {
    EXPECT_EQ(StatusFromCode(StatusCode(static_cast<PuzzleStatus>(s))), s);
  }
}

TEST(PuzzleRulesTest, ListLimits) {
  ListPuzzlesRequest request;
  EXPECT_TRUE(ValidateList(request).ok());
  request.set_page_size(101);
  ExpectInvalid(ValidateList(request), "page_size");
  request.set_page_size(10);
  request.set_min_rating(50);
  ExpectInvalid(ValidateList(request), "min_rating");
}

constexpr char kAuthor[] = "3f0c5a8e-9d1b-4c7e-8a41-2b6f0e9d7c13";
constexpr char kPlayer[] = "7b1e2c3d-4f5a-4b6c-8d7e-9f0a1b2c3d4e";
constexpr char kPuzzle[] = "a8e3f0c5-9d1b-4c7e-8a41-2b6f0e9d7c13";

TEST(PuzzleRulesTest, DraftsAreVisibleToTheirAuthorOnly) {
  EXPECT_TRUE(VisibleTo(PUZZLE_STATUS_DRAFT, kAuthor, kAuthor));
  EXPECT_FALSE(VisibleTo(PUZZLE_STATUS_DRAFT, kAuthor, kPlayer));
  EXPECT_FALSE(VisibleTo(PUZZLE_STATUS_DRAFT, kAuthor, ""));
  for (PuzzleStatus status : {PUZZLE_STATUS_PUBLISHED, PUZZLE_STATUS_ARCHIVED}) {
    EXPECT_TRUE(VisibleTo(status, kAuthor, kAuthor));
    EXPECT_TRUE(VisibleTo(status, kAuthor, kPlayer));
  }
}

TEST(PuzzleRulesTest, OnlyPublishedPuzzlesArePlayableAndForeignDraftsDoNotExist) {
  EXPECT_TRUE(CheckPlayable(kPuzzle, PUZZLE_STATUS_PUBLISHED, kAuthor, kPlayer).ok());
  EXPECT_TRUE(CheckPlayable(kPuzzle, PUZZLE_STATUS_PUBLISHED, kAuthor, kAuthor).ok());

  absl::Status foreign = CheckPlayable(kPuzzle, PUZZLE_STATUS_DRAFT, kAuthor, kPlayer);
  EXPECT_EQ(foreign.code(), absl::StatusCode::kNotFound) << foreign;
  EXPECT_EQ(foreign.message(), std::string("puzzle ") + kPuzzle + " not found")
      << "the same answer as for an id that does not exist";

  absl::Status own = CheckPlayable(kPuzzle, PUZZLE_STATUS_DRAFT, kAuthor, kAuthor);
  EXPECT_EQ(own.code(), absl::StatusCode::kFailedPrecondition) << own;
  EXPECT_EQ(own.message(), "puzzle_id: the puzzle is draft, not published");

  for (const std::string& user : {std::string(kAuthor), std::string(kPlayer)}) {
    absl::Status archived = CheckPlayable(kPuzzle, PUZZLE_STATUS_ARCHIVED, kAuthor, user);
    EXPECT_EQ(archived.code(), absl::StatusCode::kFailedPrecondition) << archived;
    EXPECT_EQ(archived.message(), "puzzle_id: the puzzle is archived, not published");
  }
}

TEST(PuzzleRulesTest, AnswersMatchWithSurroundingWhiteSpaceAsideAndCaseKept) {
  EXPECT_TRUE(AnswerMatches("Nc7+", "Nc7+"));
  EXPECT_TRUE(AnswerMatches("  Nc7+\n", "Nc7+"));
  EXPECT_TRUE(AnswerMatches("\t Nc7+ \r\n", " Nc7+\t"));
  EXPECT_TRUE(AnswerMatches("Nc7+", "\v\fNc7+\n"));
  EXPECT_FALSE(AnswerMatches("nc7+", "Nc7+")) << "case-sensitive";
  EXPECT_FALSE(AnswerMatches("Nc7 +", "Nc7+")) << "inner white space counts";
  EXPECT_TRUE(AnswerMatches("e4  e5", " e4  e5 "));
  EXPECT_FALSE(AnswerMatches("e4 e5", "e4  e5"));
  EXPECT_FALSE(AnswerMatches("Nc7", "Nc7+"));
  EXPECT_FALSE(AnswerMatches("", "Nc7+"));
  EXPECT_FALSE(AnswerMatches("   ", "Nc7+"));
  // Only ASCII white space is trimmed.
  EXPECT_FALSE(AnswerMatches("Nc7+\u00a0", "Nc7+"));
}

TEST(PuzzleRulesTest, AnswersAreLimitedTo4KiBNamingTheField) {
  EXPECT_TRUE(ValidateAnswer("").ok());
  EXPECT_TRUE(ValidateAnswer(std::string(kMaxAnswerBytes, 'x')).ok());
  absl::Status long_answer = ValidateAnswer(std::string(kMaxAnswerBytes + 1, 'x'));
  ExpectInvalid(long_answer, "answer");
  EXPECT_NE(long_answer.message().find("4096"), std::string::npos) << long_answer;
  EXPECT_NE(long_answer.message().find("4097"), std::string::npos) << long_answer;
}

TEST(PuzzleRulesTest, EachBandHasItsRatingWindow) {
  auto window = [](DifficultyBand band) {
    const RatingWindow w = WindowOf(band);
    return std::pair{w.low, w.high};
  };
  EXPECT_EQ(window(DIFFICULTY_BAND_EASIER), (std::pair{-400, -100}));
  EXPECT_EQ(window(DIFFICULTY_BAND_SIMILAR), (std::pair{-150, 150}));
  EXPECT_EQ(window(DIFFICULTY_BAND_HARDER), (std::pair{100, 400}));
  EXPECT_EQ(window(DIFFICULTY_BAND_UNSPECIFIED), window(DIFFICULTY_BAND_SIMILAR))
      << "no band: around the player's rating";
}

}  // namespace
}  // namespace qs::quest
