#include "common/service/json_log_formatter.h"

#include <string>

#include "common/json/json_object.h"
#include "common/service/logging.h"
#include "gtest/gtest.h"
#include "spdlog/details/log_msg.h"

namespace qs::service {
namespace {

std::string Format(JsonLogFormatter::Payload payload, spdlog::level::level_enum level,
                   const std::string& text) {
  JsonLogFormatter formatter("quest", payload);
  spdlog::details::log_msg message("quest", level, spdlog::string_view_t(text));
  spdlog::memory_buf_t out;
  formatter.format(message, out);
  return fmt::to_string(out);
}

TEST(JsonLogFormatterTest, AMessageBecomesOneParsableLineWhateverItHolds) {
  const std::string text = "say \"hi\"\n\tand \\ then \x01 and \xFF end";
  const std::string line = Format(JsonLogFormatter::Payload::kMessage, spdlog::level::warn, text);
  ASSERT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1) << "one line";
  absl::StatusOr<google::protobuf::Struct> object = json::ParseJsonObject(line);
  ASSERT_TRUE(object.ok()) << object.status() << "\n" << line;
  EXPECT_EQ(json::StringField(*object, "level"), "warning");
  EXPECT_EQ(json::StringField(*object, "service"), "quest");
  EXPECT_EQ(json::StringField(*object, "message"),
            "say \"hi\"\n\tand \\ then \x01 and \xEF\xBF\xBD end");
  const std::optional<std::string> time = json::StringField(*object, "time");
  ASSERT_TRUE(time.has_value());
  EXPECT_EQ(time->size(), std::string("2026-12-02T00:25:39.123Z").size()) << *time;
  EXPECT_EQ(time->back(), 'Z');
}

TEST(JsonLogFormatterTest, FieldsBecomeTheObjectsOwnMembers) {
  const std::string line = Format(JsonLogFormatter::Payload::kFields, spdlog::level::info,
                                  "\"event\":\"rpc\",\"code\":\"OK\",\"duration_ms\":0.412");
  absl::StatusOr<google::protobuf::Struct> object = json::ParseJsonObject(line);
  ASSERT_TRUE(object.ok()) << object.status() << "\n" << line;
  EXPECT_EQ(json::StringField(*object, "event"), "rpc");
  EXPECT_EQ(json::StringField(*object, "code"), "OK");
  EXPECT_EQ(json::NumberField(*object, "duration_ms"), 0.412);
  EXPECT_EQ(json::StringField(*object, "message"), std::nullopt);
}

TEST(ParseLogFormatTest, TakesTextOrJsonAndNamesTheVariableOtherwise) {
  EXPECT_EQ(*ParseLogFormat(std::nullopt), LogFormat::kText);
  EXPECT_EQ(*ParseLogFormat(""), LogFormat::kText);
  EXPECT_EQ(*ParseLogFormat("text"), LogFormat::kText);
  EXPECT_EQ(*ParseLogFormat("json"), LogFormat::kJson);
  absl::StatusOr<LogFormat> bad = ParseLogFormat("JSON");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.status().message(), "LOG_FORMAT: must be text or json, got \"JSON\"");
}

}  // namespace
}  // namespace qs::service
