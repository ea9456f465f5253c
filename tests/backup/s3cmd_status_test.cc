// How s3cmd's failures are read. The texts are s3cmd 2.3's own formats
// (S3/Exceptions.py S3Error.__unicode__ "%d (%s): %s", printed by s3cmd's
// main as "ERROR: S3 error: %s"); the answers s3rver can give (403, 404,
// refused connections) are also exercised end to end in storage_test.
#include "deploy/backup/s3cmd_status.h"

#include "gtest/gtest.h"

namespace qs::backup {
namespace {

CommandResult Failed(int exit_code, const std::string& error_output) {
  CommandResult result;
  result.exit_code = exit_code;
  result.error_output = error_output;
  return result;
}

TEST(S3cmdHttpStatusTest, ReadsTheStatusOfAnS3ErrorLine) {
  EXPECT_EQ(S3cmdHttpStatus("WARNING: Retrying...\nERROR: S3 error: 403 (AccessDenied): Access "
                            "Denied\n"),
            403);
  EXPECT_EQ(S3cmdHttpStatus("ERROR: S3 error: 503 (Service Unavailable)\n"), 503);
  EXPECT_EQ(S3cmdHttpStatus("ERROR: Parameter problem: Source object does not exist.\n"),
            std::nullopt);
  EXPECT_EQ(S3cmdHttpStatus("ERROR: S3 error: (no status)\n"), std::nullopt);
  EXPECT_EQ(S3cmdHttpStatus("ERROR: S3 error: 4031 (x)\n"), std::nullopt);
}

// Exit code 1 (EX_GENERAL) carries no meaning of its own: the status line
// alone must decide.
TEST(S3cmdFailureCodeTest, TheHttpStatusDecidesWhatTheTextDoesNotSay) {
  EXPECT_EQ(S3cmdFailureCode(Failed(1, "ERROR: S3 error: 403 (Forbidden)\n")),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(S3cmdFailureCode(Failed(1,
                                    "ERROR: S3 error: 503 (SlowDown): Please reduce your "
                                    "request rate.\n")),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(S3cmdFailureCode(Failed(1, "ERROR: S3 error: 429 (Too Many Requests)\n")),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(S3cmdFailureCode(Failed(1, "ERROR: S3 error: 507 (Insufficient Storage)\n")),
            absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(S3cmdFailureCode(Failed(1, "ERROR: S3 error: 404 (Not Found)\n")),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(S3cmdFailureCode(Failed(1, "ERROR: S3 error: 500 (InternalError)\n")),
            absl::StatusCode::kInternal);
}

TEST(S3cmdFailureCodeTest, ExitCodesAndCodesInTheText) {
  EXPECT_EQ(S3cmdFailureCode(Failed(12,
                                    "ERROR: S3 error: 404 (NoSuchBucket): The specified "
                                    "bucket does not exist\n")),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(S3cmdFailureCode(Failed(77, "ERROR: S3 error: 403 (InvalidAccessKeyId)\n")),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(S3cmdFailureCode(Failed(111, "ERROR: [Errno 111] Connection refused\n")),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(S3cmdFailureCode(Failed(1, "ERROR: [Errno 28] No space left on device\n")),
            absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(S3cmdFailureCode(Failed(64,
                                    "ERROR: Parameter problem: Source object "
                                    "'s3://b/k' does not exist.\n")),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(S3cmdFailureCode(Failed(127, "cannot execute s3cmd: No such file or directory\n")),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(S3cmdFailureCode(Failed(1, "Traceback (most recent call last): ...\n")),
            absl::StatusCode::kInternal);
}

}  // namespace
}  // namespace qs::backup
