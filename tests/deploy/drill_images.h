// Whether the service images a drill is about to run were built from the
// checkout under test: deploy/images/build.sh labels each image with
// org.opencontainers.image.revision = `git rev-parse HEAD` (+ "-dirty" when
// the working tree had changes). Old `:dev` images left on a runner would
// otherwise let the drill pass against code that is not the code under test.
//
//   absl::Status fresh = CheckImagesMatchCheckout(
//       {"localhost/quest-ecosystem/quest:dev", ...}, RepoRoot());
//   // FAILED_PRECONDITION "... run deploy/images/build.sh" when one is older
#ifndef QS_TESTS_DEPLOY_DRILL_IMAGES_H_
#define QS_TESTS_DEPLOY_DRILL_IMAGES_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace qs::drill {

inline constexpr char kRevisionLabel[] = "org.opencontainers.image.revision";

// The revision build.sh would label an image with from `repo` now:
// `git rev-parse HEAD`, with "-dirty" when `git status --porcelain` lists
// anything.
absl::StatusOr<std::string> CheckoutRevision(const std::string& repo);

// Pure: whether an image labelled `label` counts as built from a checkout
// at `revision` (CheckoutRevision's answer). Equal, or — in a modified
// checkout ("<head>-dirty") — also an image of the same HEAD built from a
// modified tree: the label cannot tell which modifications, so a dirty
// checkout is trusted to have been rebuilt (run_drill.sh always builds
// first). An image of another commit never counts.
bool RevisionMatches(const std::string& label, const std::string& revision);

// OK when every image in `images` exists and RevisionMatches the checkout
// `repo`; FAILED_PRECONDITION naming each image, its label and the
// checkout's revision, and saying to run deploy/images/build.sh.
absl::Status CheckImagesMatchCheckout(const std::vector<std::string>& images,
                                      const std::string& repo);

}  // namespace qs::drill

#endif  // QS_TESTS_DEPLOY_DRILL_IMAGES_H_
