#include "tests/deploy/drill_images.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "deploy/backup/process.h"
#include "tests/deploy/drill_compose.h"

namespace qs::drill {
namespace {

constexpr char kDirtySuffix[] = "-dirty";

absl::StatusOr<std::string> Git(const std::string& repo, std::vector<std::string> args) {
  std::vector<std::string> argv = {"git", "-C", repo};
  argv.insert(argv.end(), args.begin(), args.end());
  absl::StatusOr<backup::CommandResult> result = backup::Run({.argv = argv});
  if (!result.ok()) return result.status();
  if (result->exit_code != 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        absl::StrJoin(argv, " "), " exited ", result->exit_code, ": ", result->error_output));
  }
  return result->output;
}

}  // namespace

absl::StatusOr<std::string> CheckoutRevision(const std::string& repo) {
  absl::StatusOr<std::string> head = Git(repo, {"rev-parse", "HEAD"});
  if (!head.ok()) return head.status();
  absl::StatusOr<std::string> changes = Git(repo, {"status", "--porcelain"});
  if (!changes.ok()) return changes.status();
  std::string revision(absl::StripAsciiWhitespace(*head));
  if (!absl::StripAsciiWhitespace(*changes).empty()) absl::StrAppend(&revision, kDirtySuffix);
  return revision;
}

bool RevisionMatches(const std::string& label, const std::string& revision) {
  absl::string_view head = revision;
  const bool dirty = absl::ConsumeSuffix(&head, kDirtySuffix);
  // No commit to compare with: nothing matches it.
  if (head.empty() || label.empty()) return false;
  if (label == revision) return true;
  if (!dirty) return false;
  // A modified checkout: its HEAD, built clean or modified.
  absl::string_view labelled = label;
  absl::ConsumeSuffix(&labelled, kDirtySuffix);
  return labelled == head;
}

absl::Status CheckImagesMatchCheckout(const std::vector<std::string>& images,
                                      const std::string& repo) {
  absl::StatusOr<std::string> revision = CheckoutRevision(repo);
  if (!revision.ok()) return revision.status();
  std::vector<std::string> stale;
  for (const std::string& image : images) {
    absl::StatusOr<std::string> label = ImageLabel(image, kRevisionLabel);
    if (!label.ok()) {
      stale.push_back(std::string(label.status().message()));
    } else if (!RevisionMatches(*label, *revision)) {
      stale.push_back(
          absl::StrCat(image, " has ", kRevisionLabel, "=", label->empty() ? "(none)" : *label));
    }
  }
  if (stale.empty()) return absl::OkStatus();
  return absl::FailedPreconditionError(
      absl::StrCat("the images are not of this checkout (", repo, " is at ", *revision,
                   "): ", absl::StrJoin(stale, "; "), ". Run deploy/images/build.sh"));
}

}  // namespace qs::drill
