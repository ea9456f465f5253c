// Run / RunPipeline against real programs: exit codes, captured output,
// files, pipes, arguments passed verbatim.
#include "deploy/backup/process.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace qs::backup {
namespace {

using ::testing::HasSubstr;

std::string TempPath(const std::string& name) {
  return absl::StrCat(std::getenv("TEST_TMPDIR"), "/", name);
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

CommandResult RunOk(Command command) {
  absl::StatusOr<CommandResult> result = backup::Run(command);
  EXPECT_TRUE(result.ok()) << result.status();
  return result.ok() ? *result : CommandResult{-1, "", ""};
}

TEST(ProcessTest, ReportsTheExitCodeAndCapturesBothStreams) {
  const CommandResult result =
      RunOk({{"/bin/sh", "-c", "echo out; echo err >&2; exit 3"}, {}, "", ""});
  EXPECT_EQ(result.exit_code, 3);
  EXPECT_EQ(result.output, "out\n");
  EXPECT_EQ(result.error_output, "err\n");
}

TEST(ProcessTest, ZeroOnSuccessAndLooksProgramsUpInPath) {
  const CommandResult result = RunOk({{"true"}, {}, "", ""});
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_EQ(result.output, "");
}

TEST(ProcessTest, AProgramThatDoesNotExistExits127WithAMessage) {
  const CommandResult result = RunOk({{"qs-no-such-program-anywhere"}, {}, "", ""});
  EXPECT_EQ(result.exit_code, 127);
  EXPECT_THAT(result.error_output, HasSubstr("qs-no-such-program-anywhere"));
  const CommandResult by_path = RunOk({{"/nonexistent/tool"}, {}, "", ""});
  EXPECT_EQ(by_path.exit_code, 127);
}

TEST(ProcessTest, AKilledProgramReports128PlusTheSignal) {
  const CommandResult result = RunOk({{"/bin/sh", "-c", "kill -9 $$"}, {}, "", ""});
  EXPECT_EQ(result.exit_code, 128 + 9);
}

TEST(ProcessTest, ArgumentsReachTheProgramVerbatimWithoutAShell) {
  const std::vector<std::string> tricky = {"two words", "it's", "\"quoted\"", "$HOME", "a;b|c",
                                           "*",         ""};
  Command command;
  command.argv = {"/usr/bin/printf", "[%s]\\n"};
  command.argv.insert(command.argv.end(), tricky.begin(), tricky.end());
  const CommandResult result = RunOk(command);
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_EQ(result.output, "[two words]\n[it's]\n[\"quoted\"]\n[$HOME]\n[a;b|c]\n[*]\n[]\n");
}

TEST(ProcessTest, EnvironmentEntriesAreAddedAndReplaced) {
  setenv("QS_PROCESS_TEST_KEPT", "inherited", 1);
  setenv("QS_PROCESS_TEST_REPLACED", "old", 1);
  Command command;
  command.argv = {"/bin/sh", "-c",
                  "echo \"$QS_PROCESS_TEST_KEPT $QS_PROCESS_TEST_REPLACED $QS_PROCESS_TEST_NEW\""};
  command.env = {{"QS_PROCESS_TEST_REPLACED", "new"}, {"QS_PROCESS_TEST_NEW", "added"}};
  EXPECT_EQ(RunOk(command).output, "inherited new added\n");
}

TEST(ProcessTest, StandardInputFromAFileAndOutputToAPrivateFile) {
  const std::string in = TempPath("process_in.txt");
  const std::string out = TempPath("process_out.txt");
  std::ofstream(in) << "hello file\n";
  std::ofstream(out) << "previous contents that must go";
  chmod(out.c_str(), 0644);
  const CommandResult result = RunOk({{"tr", "a-z", "A-Z"}, {}, in, out});
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_EQ(result.output, "");  // redirected, not captured
  EXPECT_EQ(ReadFile(out), "HELLO FILE\n");
  struct stat info;
  ASSERT_EQ(stat(out.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600);
}

TEST(ProcessTest, WorksInAParentWhoseStandardStreamsAreClosed) {
  // The input file then opens as fd 0 and the capture pipes as 1 and 2.
  const std::string in = TempPath("closed_std_in.txt");
  std::ofstream(in) << "through fd 0\n";
  const int saved[3] = {dup(0), dup(1), dup(2)};
  close(0);
  close(1);
  close(2);
  absl::StatusOr<CommandResult> result =
      backup::Run({{"/bin/sh", "-c", "cat; echo err >&2"}, {}, in, ""});
  for (int fd = 0; fd < 3; ++fd) {
    dup2(saved[fd], fd);
    close(saved[fd]);
  }
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->exit_code, 0);
  EXPECT_EQ(result->output, "through fd 0\n");
  EXPECT_EQ(result->error_output, "err\n");
}

TEST(ProcessTest, StandardInputIsEmptyByDefault) {
  EXPECT_EQ(RunOk({{"wc", "-c"}, {}, "", ""}).output, "0\n");
}

TEST(ProcessTest, AMissingInputFileIsAnErrorBeforeAnythingRuns) {
  const absl::StatusOr<CommandResult> result =
      backup::Run({{"cat"}, {}, TempPath("does-not-exist"), ""});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(result.status().message(), HasSubstr("does-not-exist"));
}

TEST(ProcessTest, APipelineConnectsTheStagesAndReportsEach) {
  const absl::StatusOr<std::vector<CommandResult>> results = RunPipeline({
      {{"/bin/sh", "-c", "printf 'b\\na\\nc\\n'; echo first >&2"}, {}, "", ""},
      {{"sort"}, {}, "", ""},
      {{"/bin/sh", "-c", "cat; echo third >&2; exit 4"}, {}, "", ""},
  });
  ASSERT_TRUE(results.ok()) << results.status();
  ASSERT_EQ(results->size(), 3u);
  EXPECT_EQ((*results)[0].exit_code, 0);
  EXPECT_EQ((*results)[0].error_output, "first\n");
  EXPECT_EQ((*results)[1].exit_code, 0);
  EXPECT_EQ((*results)[2].exit_code, 4);
  EXPECT_EQ((*results)[2].error_output, "third\n");
  EXPECT_EQ((*results)[2].output, "a\nb\nc\n");
}

TEST(ProcessTest, APipelineStreamsMoreThanAPipeHolds) {
  // 8 MiB through two stages: nothing may wait for the whole input.
  const absl::StatusOr<std::vector<CommandResult>> results = RunPipeline({
      {{"head", "-c", "8388608", "/dev/zero"}, {}, "", ""},
      {{"wc", "-c"}, {}, "", ""},
  });
  ASSERT_TRUE(results.ok()) << results.status();
  EXPECT_EQ(results->back().output, "8388608\n");
}

TEST(ProcessTest, AnEarlyReaderExitEndsTheWriterBySigpipe) {
  const absl::StatusOr<std::vector<CommandResult>> results = RunPipeline({
      {{"yes"}, {}, "", ""},
      {{"head", "-c", "4"}, {}, "", ""},
  });
  ASSERT_TRUE(results.ok()) << results.status();
  EXPECT_EQ((*results)[0].exit_code, 128 + 13);
  EXPECT_EQ((*results)[1].output, "y\ny\n");
}

TEST(ProcessTest, StandardErrorKeepsItsLast64KiB) {
  // 200 KiB of 'x', then a final line that must survive.
  const CommandResult result = RunOk(
      {{"/bin/sh", "-c", "head -c 204800 /dev/zero | tr '\\0' x >&2; echo >&2; echo the-end >&2"},
       {},
       "",
       ""});
  EXPECT_LE(result.error_output.size(), 64u * 1024);
  EXPECT_GE(result.error_output.size(), 60u * 1024);
  EXPECT_THAT(result.error_output, ::testing::EndsWith("the-end\n"));
}

TEST(ProcessTest, AnEmptyCommandIsInvalid) {
  EXPECT_EQ(backup::Run({}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(RunPipeline({}).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace qs::backup
