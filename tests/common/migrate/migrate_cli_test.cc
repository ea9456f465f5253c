// The real migrate binary (//quest:migrate) as a user runs it.
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "tests/support/test_infra.h"

namespace qs::migrate {
namespace {

using qs::testing::ScratchDatabase;
using qs::testing::TestInfra;

struct Outcome {
  int exit_code;
  std::string output;  // stdout and stderr
};

Outcome Migrate(const std::string& arguments, const std::string& env = "") {
  std::string command =
      absl::StrCat("env -i ", env, " ", std::getenv("MIGRATE_BINARY"), " ", arguments, " 2>&1");
  FILE* pipe = popen(command.c_str(), "r");
  std::string output;
  std::array<char, 4096> buffer;
  while (size_t n = fread(buffer.data(), 1, buffer.size(), pipe)) output.append(buffer.data(), n);
  int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

TEST(MigrateCliTest, RunStatusRevertThroughTheCommand) {
  ScratchDatabase db("quest");
  const std::string url = "--database-url=" + db.Url();
  Outcome status = Migrate("status " + url);
  EXPECT_EQ(status.exit_code, 0) << status.output;
  EXPECT_NE(status.output.find("pending  20261125000000_create_idempotency_keys"),
            std::string::npos)
      << status.output;

  Outcome run = Migrate("run " + url);
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find("applied  20261125000000_create_idempotency_keys"), std::string::npos)
      << run.output;
  EXPECT_NE(Migrate("run " + url).output.find("nothing to apply"), std::string::npos);

  Outcome revert = Migrate("revert " + url);
  EXPECT_EQ(revert.exit_code, 0) << revert.output;
  EXPECT_EQ(revert.output.rfind("reverted ", 0), 0u) << revert.output;
  // Exactly the reverted one is pending again.
  Outcome after = Migrate("status " + url);
  const std::string reverted_id = revert.output.substr(9, revert.output.find(' ', 9) - 9);
  EXPECT_NE(after.output.find("pending  " + reverted_id), std::string::npos) << after.output;
  // The password never shows, whatever the command printed.
  for (const Outcome* o : {&status, &run, &revert}) {
    EXPECT_EQ(o->output.find(TestInfra::Get().quest_password), std::string::npos);
  }
}

TEST(MigrateCliTest, ReadsTheServiceEnvironmentWithoutAUrl) {
  ScratchDatabase db("quest");
  config::DbConfig config = db.Config();
  const std::string runtime =
      absl::StrCat("DB_HOST=", config.host, " DB_PORT=", config.port, " DB_NAME=", config.name,
                   " DB_USER=", config.user, " DB_PASSWORD=", config.password);
  // The runtime role may not change the schema: without a migration role
  // the run fails and applies nothing.
  Outcome refused = Migrate("run", runtime);
  EXPECT_EQ(refused.exit_code, 1) << refused.output;
  EXPECT_NE(refused.output.find("permission denied for schema public"), std::string::npos)
      << refused.output;
  Outcome run = Migrate("run", absl::StrCat(runtime, " DB_MIGRATION_USER=", config.migration_user,
                                            " DB_MIGRATION_PASSWORD=", config.migration_password));
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find("applied"), std::string::npos);
  EXPECT_EQ(run.output.find(config.migration_password), std::string::npos) << run.output;
}

TEST(MigrateCliTest, UsageErrorsExitTwo) {
  for (const char* arguments : {"", "explode", "run --verbose", "run --dir", "run extra"}) {
    Outcome outcome = Migrate(arguments);
    EXPECT_EQ(outcome.exit_code, 2) << arguments << ": " << outcome.output;
    EXPECT_NE(outcome.output.find("usage:"), std::string::npos) << outcome.output;
  }
}

TEST(MigrateCliTest, BadUrlIsOneLineWithoutThePassword) {
  Outcome outcome = Migrate("run --database-url=mysql://u:hunter2secret@h/db");
  EXPECT_EQ(outcome.exit_code, 2);
  EXPECT_EQ(outcome.output.find("hunter2secret"), std::string::npos) << outcome.output;
  EXPECT_EQ(std::count(outcome.output.begin(), outcome.output.end(), '\n'), 1) << outcome.output;
}

TEST(MigrateCliTest, UnreachableServerFailsWithinTheConnectTimeout) {
  absl::Time start = absl::Now();
  Outcome outcome =
      Migrate(absl::StrCat("run --database-url=postgres://quest_svc:hunter2secret@127.0.0.1:",
                           qs::testing::FreeLoopbackPort(), "/quest_db"));
  EXPECT_EQ(outcome.exit_code, 1) << outcome.output;
  EXPECT_LT(absl::Now() - start, absl::Seconds(20));
  EXPECT_EQ(outcome.output.find("hunter2secret"), std::string::npos) << outcome.output;
  EXPECT_NE(outcome.output.find("migrate: "), std::string::npos);
}

}  // namespace
}  // namespace qs::migrate
