// The one absl::Status -> grpc::Status mapping (common/grpc/status.cc).
#include "common/grpc/status.h"

#include <memory>
#include <sstream>
#include <string>

#include "absl/strings/cord.h"
#include "gtest/gtest.h"
#include "spdlog/sinks/ostream_sink.h"
#include "spdlog/spdlog.h"

namespace qs::grpc_util {
namespace {

TEST(ToGrpcStatusTest, OkIsOk) {
  ::grpc::Status status = ToGrpcStatus(absl::OkStatus());
  EXPECT_TRUE(status.ok());
  EXPECT_EQ(status.error_message(), "");
}

TEST(ToGrpcStatusTest, KeepsCodeAndMessageOfEveryCallerFacingError) {
  for (absl::StatusCode code :
       {absl::StatusCode::kCancelled, absl::StatusCode::kInvalidArgument,
        absl::StatusCode::kDeadlineExceeded, absl::StatusCode::kNotFound,
        absl::StatusCode::kAlreadyExists, absl::StatusCode::kPermissionDenied,
        absl::StatusCode::kResourceExhausted, absl::StatusCode::kFailedPrecondition,
        absl::StatusCode::kAborted, absl::StatusCode::kOutOfRange, absl::StatusCode::kUnimplemented,
        absl::StatusCode::kUnavailable, absl::StatusCode::kDataLoss,
        absl::StatusCode::kUnauthenticated}) {
    const std::string message = "title: at most 200 bytes (" + absl::StatusCodeToString(code) + ")";
    ::grpc::Status status = ToGrpcStatus(absl::Status(code, message));
    EXPECT_EQ(static_cast<int>(status.error_code()), static_cast<int>(code))
        << absl::StatusCodeToString(code);
    EXPECT_EQ(status.error_message(), message);
  }
}

TEST(ToGrpcStatusTest, CodesAreNumericallyTheSameInBothLibraries) {
  // The mapping casts the number; these spot checks pin the assumption.
  EXPECT_EQ(static_cast<int>(::grpc::StatusCode::INVALID_ARGUMENT),
            static_cast<int>(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(static_cast<int>(::grpc::StatusCode::UNAUTHENTICATED),
            static_cast<int>(absl::StatusCode::kUnauthenticated));
  EXPECT_EQ(static_cast<int>(::grpc::StatusCode::DATA_LOSS),
            static_cast<int>(absl::StatusCode::kDataLoss));
}

TEST(ToGrpcStatusTest, EmptyMessageStaysEmpty) {
  ::grpc::Status status = ToGrpcStatus(absl::NotFoundError(""));
  EXPECT_EQ(status.error_code(), ::grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(status.error_message(), "");
}

TEST(ToGrpcStatusTest, PayloadsNeverReachTheCaller) {
  absl::Status error = absl::AbortedError("version is stale");
  error.SetPayload("type.example/detail", absl::Cord("server-side detail"));
  ::grpc::Status status = ToGrpcStatus(error);
  EXPECT_EQ(status.error_message(), "version is stale");
  EXPECT_EQ(status.error_details(), "");
}

class InternalErrorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    previous_ = spdlog::default_logger();
    spdlog::set_default_logger(std::make_shared<spdlog::logger>(
        "test", std::make_shared<spdlog::sinks::ostream_sink_st>(log_)));
  }
  void TearDown() override { spdlog::set_default_logger(previous_); }

  std::ostringstream log_;
  std::shared_ptr<spdlog::logger> previous_;
};

TEST_F(InternalErrorTest, InternalAndUnknownBecomeAGenericInternalError) {
  for (const absl::Status& error :
       {absl::InternalError("pqxx: relation \"puzzles\" does not exist at 10.0.0.5"),
        absl::UnknownError("pqxx: relation \"puzzles\" does not exist at 10.0.0.5")}) {
    ::grpc::Status status = ToGrpcStatus(error);
    // UNKNOWN is reported as INTERNAL too: callers see one code for "our fault".
    EXPECT_EQ(status.error_code(), ::grpc::StatusCode::INTERNAL) << error;
    EXPECT_EQ(status.error_message(), "internal error") << error;
    EXPECT_EQ(status.error_details(), "");
  }
}

TEST_F(InternalErrorTest, TheDetailsGoToTheLog) {
  ToGrpcStatus(absl::InternalError("pqxx: connection to 10.0.0.5 lost"));
  spdlog::default_logger()->flush();
  EXPECT_NE(log_.str().find("connection to 10.0.0.5 lost"), std::string::npos) << log_.str();
  EXPECT_NE(log_.str().find("error"), std::string::npos) << log_.str();
}

}  // namespace
}  // namespace qs::grpc_util
