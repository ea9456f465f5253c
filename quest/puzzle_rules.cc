#include "quest/puzzle_rules.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/api/keyset_page.h"
#include "common/api/validation.h"
#include "common/db/enum_codes.h"

namespace qs::quest {
namespace {

using v1::PuzzleKind;
using v1::PuzzleStatus;

const db::EnumCodes<PuzzleKind>& KindCodes() {
  static const auto* codes = new db::EnumCodes<PuzzleKind>({
      {v1::PUZZLE_KIND_LOGIC, "logic"},
      {v1::PUZZLE_KIND_WORD, "word"},
      {v1::PUZZLE_KIND_MATH, "math"},
      {v1::PUZZLE_KIND_PATTERN, "pattern"},
      {v1::PUZZLE_KIND_CHESS, "chess"},
  });
  return *codes;
}

const db::EnumCodes<PuzzleStatus>& StatusCodes() {
  static const auto* codes = new db::EnumCodes<PuzzleStatus>({
      {v1::PUZZLE_STATUS_DRAFT, "draft"},
      {v1::PUZZLE_STATUS_PUBLISHED, "published"},
      {v1::PUZZLE_STATUS_ARCHIVED, "archived"},
  });
  return *codes;
}

absl::Status ValidateThemes(const google::protobuf::RepeatedPtrField<std::string>& themes) {
  if (themes.size() > kMaxThemes) {
    return absl::InvalidArgumentError(
        absl::StrCat("themes: at most ", kMaxThemes, ", got ", themes.size()));
  }
  for (const std::string& theme : themes) {
    bool valid = !theme.empty() && theme.size() <= kMaxThemeBytes;
    for (char c : theme) {
      valid = valid && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-');
    }
    if (!valid) {
      return absl::InvalidArgumentError(
          absl::StrCat("themes: \"", theme.substr(0, kMaxThemeBytes),
                       "\" must be 1..32 characters of a-z, 0-9 and -"));
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateTitle(const std::string& title) {
  return api::FirstError({api::RequireNonEmpty("title", title),
                          api::RequireMaxLength("title", title, kMaxTitleBytes)});
}

absl::Status ValidateContent(const std::string& content) {
  return api::FirstError({api::RequireNonEmpty("content", content),
                          api::RequireMaxLength("content", content, kMaxContentBytes)});
}

absl::Status ValidateSolution(const std::string& solution) {
  return api::FirstError({api::RequireNonEmpty("solution", solution),
                          api::RequireMaxLength("solution", solution, kMaxSolutionBytes)});
}

absl::Status ValidateRating(int rating) {
  return api::RequireInRange("rating", int64_t{rating}, kMinRating, kMaxRating);
}

absl::Status ValidateKind(int kind) {
  return api::RequireKnownEnum("kind", kind, v1::PuzzleKind_IsValid);
}

}  // namespace

absl::Status ValidateCreate(const v1::CreatePuzzleRequest& request) {
  return api::FirstError({ValidateTitle(request.title()), ValidateKind(request.kind()),
                          ValidateThemes(request.themes()), ValidateRating(request.rating()),
                          ValidateContent(request.content()),
                          ValidateSolution(request.solution())});
}

absl::Status ValidateUpdate(const v1::UpdatePuzzleRequest& request) {
  absl::Status status = api::FirstError(
      {api::RequireUuid("puzzle_id", request.puzzle_id()),
       api::RequireInRange("version", request.version(), int64_t{1}, INT64_MAX),
       request.has_title() ? ValidateTitle(request.title()) : absl::OkStatus(),
       request.has_kind() ? ValidateKind(request.kind()) : absl::OkStatus(),
       request.update_themes() ? ValidateThemes(request.themes()) : absl::OkStatus(),
       request.has_rating() ? ValidateRating(request.rating()) : absl::OkStatus(),
       request.has_content() ? ValidateContent(request.content()) : absl::OkStatus(),
       request.has_solution() ? ValidateSolution(request.solution()) : absl::OkStatus(),
       request.has_status()
           ? api::RequireKnownEnum("status", request.status(), v1::PuzzleStatus_IsValid)
           : absl::OkStatus()});
  if (!status.ok()) return status;
  if (!request.update_themes() && request.themes_size() > 0) {
    return absl::InvalidArgumentError("themes: set update_themes to replace them");
  }
  return absl::OkStatus();
}

absl::Status ValidateList(const v1::ListPuzzlesRequest& request) {
  return api::FirstError(
      {api::RequireKnownEnumIfSet("status", request.status(), v1::PuzzleStatus_IsValid),
       api::RequireInRangeIfSet("min_rating", request.min_rating(), kMinRating, kMaxRating),
       api::RequireInRangeIfSet("max_rating", request.max_rating(), kMinRating, kMaxRating),
       api::RequireMaxLength("theme", request.theme(), kMaxThemeBytes),
       api::ValidatePageSize(request.page_size())});
}

bool VisibleTo(PuzzleStatus status, const std::string& author_id, const std::string& user) {
  return status != v1::PUZZLE_STATUS_DRAFT || author_id == user;
}

absl::Status CheckPlayable(const std::string& puzzle_id, PuzzleStatus status,
                           const std::string& author_id, const std::string& user) {
  if (!VisibleTo(status, author_id, user)) {
    return absl::NotFoundError(absl::StrCat("puzzle ", puzzle_id, " not found"));
  }
  if (status != v1::PUZZLE_STATUS_PUBLISHED) {
    return absl::FailedPreconditionError(
        absl::StrCat("puzzle_id: the puzzle is ", StatusCode(status), ", not published"));
  }
  return absl::OkStatus();
}

absl::Status ValidateAnswer(const std::string& answer) {
  return api::RequireMaxLength("answer", answer, kMaxAnswerBytes);
}

bool AnswerMatches(absl::string_view answer, absl::string_view solution) {
  return absl::StripAsciiWhitespace(answer) == absl::StripAsciiWhitespace(solution);
}

RatingWindow WindowOf(v1::DifficultyBand band) {
  switch (band) {
    case v1::DIFFICULTY_BAND_EASIER:
      return {-400, -100};
    case v1::DIFFICULTY_BAND_HARDER:
      return {100, 400};
    default:
      return {-150, 150};  // unset or SIMILAR: around the rating
  }
}

absl::Status CheckTransition(PuzzleStatus from, PuzzleStatus to) {
  if (from == to) return absl::OkStatus();
  const bool allowed = (from == v1::PUZZLE_STATUS_DRAFT &&
                        (to == v1::PUZZLE_STATUS_PUBLISHED || to == v1::PUZZLE_STATUS_ARCHIVED)) ||
                       (from == v1::PUZZLE_STATUS_PUBLISHED && to == v1::PUZZLE_STATUS_ARCHIVED);
  if (allowed) return absl::OkStatus();
  return absl::FailedPreconditionError(
      absl::StrCat("status: a ", StatusCode(from), " puzzle cannot become ", StatusCode(to)));
}

void ApplyUpdate(const v1::UpdatePuzzleRequest& request, v1::Puzzle& puzzle,
                 std::string& solution) {
  if (request.has_title()) puzzle.set_title(request.title());
  if (request.has_kind()) puzzle.set_kind(request.kind());
  if (request.update_themes()) *puzzle.mutable_themes() = request.themes();
  if (request.has_rating()) puzzle.set_rating(request.rating());
  if (request.has_content()) puzzle.set_content(request.content());
  if (request.has_solution()) solution = request.solution();
  if (request.has_status()) puzzle.set_status(request.status());
}

std::string KindCode(PuzzleKind kind) { return KindCodes().Code(kind); }
PuzzleKind KindFromCode(const std::string& code) { return KindCodes().FromCode(code); }
std::string StatusCode(PuzzleStatus status) { return StatusCodes().Code(status); }
PuzzleStatus StatusFromCode(const std::string& code) { return StatusCodes().FromCode(code); }

}  // namespace qs::quest
