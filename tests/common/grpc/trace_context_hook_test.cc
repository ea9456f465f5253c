#include "common/grpc/trace_context_hook.h"

#include <string>
#include <vector>

#include "common/grpc/call_log.h"
#include "gtest/gtest.h"

namespace qs::grpc_util {
namespace {

constexpr char kValid[] = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

TEST(ParseTraceParentTest, TakesTheSpecificationsExample) {
  EXPECT_EQ(ParseTraceParent(kValid), kValid);
  EXPECT_EQ(TraceIdOf(*ParseTraceParent(kValid)), "4bf92f3577b34da6a3ce929d0e0e4736");
}

TEST(ParseTraceParentTest, RefusesWhatTheSpecificationCallsInvalid) {
  const std::string valid = kValid;
  for (const std::string& header : std::vector<std::string>{
           std::string(""), valid.substr(0, 54),                        // short
           valid + "-",                                                 // version 00 has no more
           "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",   // uppercase
           "00-00000000000000000000000000000000-00f067aa0ba902b7-01",   // zero trace id
           "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",   // zero parent id
           "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",   // version ff
           "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",   // separator
           "00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01",   // not hex
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0x",   // flags
           "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x",  // later version, no '-'
       }) {
    EXPECT_EQ(ParseTraceParent(header), std::nullopt) << header;
  }
}

TEST(ParseTraceParentTest, ReadsALaterVersionAsVersion00) {
  EXPECT_EQ(ParseTraceParent("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra"),
            kValid);
  EXPECT_EQ(ParseTraceParent("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"), kValid);
}

TEST(TraceIdOfTest, IsEmptyWithoutATrace) { EXPECT_EQ(TraceIdOf(""), ""); }

}  // namespace
}  // namespace qs::grpc_util
