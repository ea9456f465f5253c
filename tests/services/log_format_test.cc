// LOG_FORMAT=json on the real quest binary: every line it writes to stderr,
// from start-up to exit, parses as one JSON object, and each call's line is
// an object with the call's fields; a bad LOG_FORMAT stops start-up.
#include <signal.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/api/uuid.h"
#include "common/json/json_object.h"
#include "proto/quest/v1/puzzles.grpc.pb.h"
#include "tests/support/service_fixture.h"

namespace qs::testing {
namespace {

namespace qv1 = ::quest::v1;

class LogFormatTest : public ServiceFixture {};

TEST_F(LogFormatTest, JsonMakesEveryLineAnObjectAndTheCallLineItsFields) {
  std::unique_ptr<ServiceProcess> quest = StartService("quest", {{"LOG_FORMAT", "json"}});
  auto puzzles = qv1::PuzzleService::NewStub(ChannelTo(*quest));
  const std::string user = api::NewUuidV4();
  const std::string trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";

  qv1::CreatePuzzleRequest create;
  create.set_title("JSON \"quoted\" fork");
  create.set_kind(qv1::PUZZLE_KIND_CHESS);
  create.set_rating(1500);
  create.set_content("position");
  create.set_solution("Nc7+");
  qv1::Puzzle puzzle;
  std::unique_ptr<grpc::ClientContext> traced = As(user);
  traced->AddMetadata("traceparent", absl::StrCat("00-", trace_id, "-00f067aa0ba902b7-01"));
  ASSERT_TRUE(puzzles->CreatePuzzle(traced.get(), create, &puzzle).ok());
  qv1::GetPuzzleRequest bad;
  bad.set_puzzle_id("not a \"uuid\"\n");
  qv1::Puzzle ignored;
  ASSERT_EQ(puzzles->GetPuzzle(As(user).get(), bad, &ignored).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);

  quest->Signal(SIGTERM);
  std::optional<int> exit_code = quest->WaitForExit(absl::Seconds(20));
  ASSERT_TRUE(exit_code.has_value());
  EXPECT_EQ(*exit_code, 0);

  const std::string log = quest->Log();
  std::map<std::string, google::protobuf::Struct> calls;  // By method.
  int lines = 0;
  for (absl::string_view line : absl::StrSplit(log, '\n', absl::SkipEmpty())) {
    ++lines;
    absl::StatusOr<google::protobuf::Struct> object = json::ParseJsonObject(line);
    ASSERT_TRUE(object.ok()) << "not a JSON object: " << line;
    EXPECT_EQ(json::StringField(*object, "service"), "quest") << line;
    EXPECT_TRUE(json::StringField(*object, "time").has_value()) << line;
    EXPECT_TRUE(json::StringField(*object, "level").has_value()) << line;
    if (json::StringField(*object, "event") == "rpc") {
      calls[*json::StringField(*object, "method")] = *object;
    } else {
      EXPECT_TRUE(json::StringField(*object, "message").has_value()) << line;
    }
  }
  EXPECT_GT(lines, 5) << "start-up, calls and shutdown were logged";

  const auto created = calls.find("/quest.v1.PuzzleService/CreatePuzzle");
  ASSERT_NE(created, calls.end()) << log;
  EXPECT_EQ(json::StringField(created->second, "code"), "OK");
  EXPECT_EQ(json::StringField(created->second, "trace_id"), trace_id);
  EXPECT_EQ(json::StringField(created->second, "level"), "info");
  EXPECT_EQ(json::StringField(created->second, "message"), "");
  EXPECT_GE(json::NumberField(created->second, "duration_ms").value_or(-1), 0);
  EXPECT_EQ(json::StringField(created->second, "peer").value_or("").rfind("ipv4:127.0.0.1:", 0),
            0u);
  EXPECT_TRUE(json::StringField(created->second, "user").has_value())
      << "present (empty until the acting user is known)";

  const auto refused = calls.find("/quest.v1.PuzzleService/GetPuzzle");
  ASSERT_NE(refused, calls.end()) << log;
  EXPECT_EQ(json::StringField(refused->second, "code"), "INVALID_ARGUMENT");
  EXPECT_EQ(json::StringField(refused->second, "level"), "warning");
  EXPECT_EQ(json::StringField(refused->second, "trace_id"), "");
  EXPECT_EQ(json::StringField(refused->second, "message").value_or("").rfind("puzzle_id", 0), 0u)
      << log;
}

TEST_F(LogFormatTest, ABadLogFormatStopsStartUpNamingTheVariable) {
  std::map<std::string, std::string> env = ServiceProcess::DefaultEnv("quest");
  env["LOG_FORMAT"] = "yaml";
  auto process = ServiceProcess::Start(std::getenv("QUEST_BINARY"), env);
  std::optional<int> exit_code = process->WaitForExit(absl::Seconds(10));
  ASSERT_TRUE(exit_code.has_value());
  EXPECT_EQ(*exit_code, 2);
  const std::string log = process->Log();
  EXPECT_NE(log.find("level=critical service=quest config error: LOG_FORMAT: must be text or "
                     "json, got \"yaml\""),
            std::string::npos)
      << log;
  EXPECT_EQ(log.find("starting quest"), std::string::npos) << log;
}

}  // namespace
}  // namespace qs::testing
