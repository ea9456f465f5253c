#include "common/api/json_check.h"

#include <string>

#include "gtest/gtest.h"

namespace qs::api {
namespace {

TEST(JsonCheckTest, AcceptsObjects) {
  for (const char* ok : {"{}", " { } ", R"({"a":1})", R"({"a":[1,-2.5e3,true,false,null,"x"]})",
                         R"({"nested":{"b":{"c":[]}}})", R"({"esc":"\"\\\/\b\f\n\r\t\u00e9"})",
                         R"({"pair":"\ud83d\ude00"})", "{\"utf8\":\"caf\xC3\xA9\"}"}) {
    EXPECT_TRUE(IsJsonObject(ok)) << ok;
  }
}

TEST(JsonCheckTest, RefusesEverythingElse) {
  for (const char* bad : {"",
                          "[]",
                          "1",
                          "\"s\"",
                          "null",
                          "{",
                          "}",
                          R"({"a":})",
                          R"({'a':1})",
                          R"({a:1})",
                          R"({"a":1,})",
                          R"({"a":1} x)",
                          R"({"a":01})",
                          R"({"a":1.})",
                          R"({"a":NaN})",
                          R"({"a":tru})",
                          "{\"a\":\"tab\there\"}",
                          R"({"a":"\x"})",
                          R"({"a":"\u0000"})",
                          R"({"a":"\ud800"})",
                          R"({"a":"\udc00"})",
                          R"({"a":"\u12"})",
                          R"({"a" 1})",
                          "{\"a\":1} // comment"}) {
    EXPECT_FALSE(IsJsonObject(bad)) << bad;
  }
}

TEST(JsonCheckTest, RefusesDeepNestingWithoutRecursingIntoIt) {
  std::string deep = "{\"a\":";
  for (int i = 0; i < 100000; ++i) deep += "[";
  EXPECT_FALSE(IsJsonObject(deep));
  std::string ok = "{\"a\":";
  for (int i = 0; i < 60; ++i) ok += "[";
  for (int i = 0; i < 60; ++i) ok += "]";
  EXPECT_TRUE(IsJsonObject(ok + "}"));
}

}  // namespace
}  // namespace qs::api
