// Protobuf's own invalid-UTF-8 log line, read back from real parses of a
// real message on this thread, and only this thread.
#include "common/grpc/invalid_utf8_capture.h"

#include <string>
#include <thread>
#include <vector>

#include "google/protobuf/stubs/logging.h"
#include "gtest/gtest.h"
#include "tests/common/grpc/request_shapes.pb.h"

namespace qs::grpc_util {
namespace {

// What the handler installed before the capture receives: every line.
std::vector<std::string>* forwarded_lines = new std::vector<std::string>;

void RecordingLogHandler(google::protobuf::LogLevel, const char*, int, const std::string& line) {
  forwarded_lines->push_back(line);
}

// Installs a recording handler, then the capture over it, once for the binary.
class CaptureEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    google::protobuf::SetLogHandler(&RecordingLogHandler);
    CaptureInvalidUtf8ParseErrors();
    CaptureInvalidUtf8ParseErrors();  // A second call must not wrap itself.
  }
};
const auto* const environment = ::testing::AddGlobalTestEnvironment(new CaptureEnvironment);

// A ShapesRequest on the wire whose `title` (field 1) holds `bytes`.
std::string RequestWithTitle(const std::string& bytes) {
  return std::string("\x0a", 1) + static_cast<char>(bytes.size()) + bytes;
}

bool Parses(const std::string& wire) {
  ::shapes::v1::ShapesRequest request;
  return request.ParseFromString(wire);
}

TEST(InvalidUtf8FieldInLogLineTest, ReadsTheFieldOfProtobufsParseErrorLine) {
  EXPECT_EQ(InvalidUtf8FieldInLogLine(
                "String field 'quest.v1.CreatePuzzleRequest.title' contains invalid UTF-8 data "
                "when parsing a protocol buffer. Use the 'bytes' type if you intend to send raw "
                "bytes. "),
            "quest.v1.CreatePuzzleRequest.title");
  EXPECT_EQ(InvalidUtf8FieldInLogLine("String field contains invalid UTF-8 data when parsing a "
                                      "protocol buffer. Use the 'bytes' type ..."),
            "");
}

TEST(InvalidUtf8FieldInLogLineTest, IgnoresEveryOtherLine) {
  // Serializing is the server's own output, not a request.
  EXPECT_EQ(InvalidUtf8FieldInLogLine("String field 'a.B.c' contains invalid UTF-8 data when "
                                      "serializing a protocol buffer. ..."),
            std::nullopt);
  EXPECT_EQ(InvalidUtf8FieldInLogLine("Can't parse message of type \"a.B\" because it is "
                                      "missing required fields: c"),
            std::nullopt);
  EXPECT_EQ(InvalidUtf8FieldInLogLine("String field 'a.B.c contains invalid UTF-8 data when "
                                      "parsing a protocol buffer."),
            std::nullopt);
  EXPECT_EQ(InvalidUtf8FieldInLogLine(""), std::nullopt);
}

TEST(CaptureTest, AFailedParseLeavesItsFieldOnThisThreadOnce) {
  ASSERT_FALSE(Parses(RequestWithTitle("\xC3\x28")));
  EXPECT_EQ(TakeInvalidUtf8Field(), "shapes.v1.ShapesRequest.title");
  EXPECT_EQ(TakeInvalidUtf8Field(), std::nullopt);
}

TEST(CaptureTest, NamesTheTypeThatHoldsANestedField) {
  ::shapes::v1::ShapesRequest request;
  request.add_notes()->set_text("fine");
  request.add_notes()->set_text("\xFF");  // Serializing only logs; the bytes go out.
  std::string wire = request.SerializeAsString();
  ForgetInvalidUtf8Field();
  ASSERT_FALSE(Parses(wire));
  EXPECT_EQ(TakeInvalidUtf8Field(), "shapes.v1.Note.text");
}

TEST(CaptureTest, AValidOrMalformedRequestCapturesNothing) {
  ASSERT_TRUE(Parses(RequestWithTitle("ok \xE2\x82\xAC")));
  EXPECT_EQ(TakeInvalidUtf8Field(), std::nullopt);
  ASSERT_FALSE(Parses(std::string("\x0a\x09trunc", 7)));  // Length past the end.
  EXPECT_EQ(TakeInvalidUtf8Field(), std::nullopt);
}

TEST(CaptureTest, AnotherThreadsParseIsNotSeenHere) {
  std::optional<std::string> seen_there;
  std::thread other([&] {
    EXPECT_FALSE(Parses(RequestWithTitle("\xFF")));
    seen_there = TakeInvalidUtf8Field();
  });
  other.join();
  EXPECT_EQ(seen_there, "shapes.v1.ShapesRequest.title");
  EXPECT_EQ(TakeInvalidUtf8Field(), std::nullopt);
}

TEST(CaptureTest, ForgetClears) {
  ASSERT_FALSE(Parses(RequestWithTitle("\xFF")));
  ForgetInvalidUtf8Field();
  EXPECT_EQ(TakeInvalidUtf8Field(), std::nullopt);
}

TEST(CaptureTest, EveryLineStillReachesThePreviousHandler) {
  forwarded_lines->clear();
  ASSERT_FALSE(Parses(RequestWithTitle("\xFF")));
  ForgetInvalidUtf8Field();
  ASSERT_EQ(forwarded_lines->size(), 1u);
  EXPECT_NE(forwarded_lines->front().find("'shapes.v1.ShapesRequest.title'"), std::string::npos);
}

}  // namespace
}  // namespace qs::grpc_util
