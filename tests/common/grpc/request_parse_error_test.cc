// Field paths from a request type to the field protobuf named, and the
// status built from them, over the descriptors of request_shapes.proto.
#include "common/grpc/request_parse_error.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "google/protobuf/descriptor.h"
#include "gtest/gtest.h"
#include "tests/common/grpc/request_shapes.pb.h"

namespace qs::grpc_util {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr char kEcho[] = "/shapes.v1.Shapes/Echo";

const google::protobuf::FieldDescriptor& Field(const std::string& full_name) {
  const auto* field =
      google::protobuf::DescriptorPool::generated_pool()->FindFieldByName(full_name);
  EXPECT_NE(field, nullptr) << full_name;
  return *field;
}

std::vector<std::string> PathsTo(const std::string& full_name, size_t max_paths = 4) {
  return FieldPathsFrom(*::shapes::v1::ShapesRequest::descriptor(), Field(full_name), max_paths);
}

TEST(FieldPathsFromTest, AFieldOfTheRequestItself) {
  EXPECT_THAT(PathsTo("shapes.v1.ShapesRequest.title"), ElementsAre("title"));
  EXPECT_THAT(PathsTo("shapes.v1.ShapesRequest.tags"), ElementsAre("tags"));
  EXPECT_THAT(PathsTo("shapes.v1.ShapesRequest.channel_id"), ElementsAre("channel_id"));
}

TEST(FieldPathsFromTest, AFieldOfASubMessage) {
  EXPECT_THAT(PathsTo("shapes.v1.Settings.locale"), ElementsAre("settings.locale"));
}

TEST(FieldPathsFromTest, AMapsKeyAndValue) {
  EXPECT_THAT(PathsTo("shapes.v1.ShapesRequest.LabelsEntry.key"), ElementsAre("labels.key"));
  EXPECT_THAT(PathsTo("shapes.v1.ShapesRequest.LabelsEntry.value"), ElementsAre("labels.value"));
}

TEST(FieldPathsFromTest, ATypeUsedTwiceGivesBothPaths) {
  EXPECT_THAT(PathsTo("shapes.v1.Note.text"), ElementsAre("note.text", "notes.text"));
  EXPECT_THAT(PathsTo("shapes.v1.Note.text", 1), ElementsAre("note.text"));
}

TEST(FieldPathsFromTest, ARecursiveTypeEndsAtItsFirstLevel) {
  EXPECT_THAT(PathsTo("shapes.v1.Node.name"), ElementsAre("tree.name"));
}

TEST(FieldPathsFromTest, AnUnreachableFieldHasNoPath) {
  EXPECT_THAT(PathsTo("shapes.v1.Unrelated.text"), IsEmpty());
  EXPECT_THAT(PathsTo("shapes.v1.ShapesResponse.title"), IsEmpty());
}

TEST(RequestParseErrorStatusTest, NamesTheField) {
  grpc::Status status = RequestParseErrorStatus(kEcho, "shapes.v1.ShapesRequest.title");
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "title: must be valid UTF-8");
  EXPECT_EQ(RequestParseErrorStatus(kEcho, "shapes.v1.Settings.locale").error_message(),
            "settings.locale: must be valid UTF-8");
  EXPECT_EQ(RequestParseErrorStatus(kEcho, "shapes.v1.Note.text").error_message(),
            "note.text or notes.text: must be valid UTF-8");
  // Without the leading slash too.
  EXPECT_EQ(RequestParseErrorStatus("shapes.v1.Shapes/Watch", "shapes.v1.ShapesRequest.tags")
                .error_message(),
            "tags: must be valid UTF-8");
}

TEST(RequestParseErrorStatusTest, FallsBackToTheFullNameWhenNoPathIsKnown) {
  EXPECT_EQ(RequestParseErrorStatus(kEcho, "shapes.v1.Unrelated.text").error_message(),
            "shapes.v1.Unrelated.text: must be valid UTF-8");
  EXPECT_EQ(RequestParseErrorStatus("/no.such.Service/Call", "shapes.v1.ShapesRequest.title")
                .error_message(),
            "shapes.v1.ShapesRequest.title: must be valid UTF-8");
  EXPECT_EQ(RequestParseErrorStatus(kEcho, "no.such.field").error_message(),
            "no.such.field: must be valid UTF-8");
}

TEST(RequestParseErrorStatusTest, AnUnnamedStringField) {
  grpc::Status status = RequestParseErrorStatus(kEcho, "");
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "request: a string field must be valid UTF-8");
}

TEST(RequestParseErrorStatusTest, BytesThatAreNoMessageOfTheType) {
  grpc::Status status = RequestParseErrorStatus(kEcho, std::nullopt);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(),
            "request: not a valid shapes.v1.ShapesRequest message (malformed, or a string "
            "field that is not valid UTF-8)");
  EXPECT_EQ(RequestParseErrorStatus("garbage", std::nullopt).error_message(),
            "request: not a valid protobuf message (malformed, or a string field that is not "
            "valid UTF-8)");
}

}  // namespace
}  // namespace qs::grpc_util
