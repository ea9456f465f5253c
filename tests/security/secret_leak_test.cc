// A secret never reaches a log line or /proc/<pid>/cmdline: the real quest
// server, its secrets given once as variables and once as *_FILE files
// (config::ReadSecret), serves good and failing calls (bad page token, a
// wrong admin bearer token, the right one), and then a server whose runtime
// password is wrong fails to authenticate to PostgreSQL. The whole log and
// the command line of each are searched for every secret.
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "proto/ops/v1/privacy.grpc.pb.h"
#include "proto/quest/v1/puzzles.grpc.pb.h"
#include "tests/support/service_fixture.h"

namespace qs::testing {
namespace {

constexpr char kPageTokenKey[] = "page-token-key-of-the-leak-test-0123";
constexpr char kAdminToken[] = "admin-token-of-the-leak-test-4567";
constexpr char kUser[] = "0c9d8e7f-6a5b-4c3d-9e2f-1a0b9c8d7e6f";

std::string ReadWhole(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  std::stringstream contents;
  contents << file.rdbuf();
  return contents.str();
}

// A file holding `secret` plus the newline `echo` would add.
std::string SecretFile(const std::string& name, const std::string& secret) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  const std::string path = absl::StrCat(tmp ? tmp : "/tmp", "/", name);
  std::ofstream(path, std::ios::trunc) << secret << "\n";
  return path;
}

class SecretLeakTest : public ServiceFixture {
 protected:
  // Every secret the servers of this test were given.
  static std::vector<std::string> Secrets() {
    const TestInfra& infra = TestInfra::Get();
    return {infra.PasswordOf("quest"), infra.OwnerPasswordOf("quest"), kPageTokenKey, kAdminToken};
  }

  // Good and failing calls, each with the answer it must get.
  static void MakeCalls(const ServiceProcess& server) {
    auto channel = ChannelTo(server);
    auto puzzles = ::quest::v1::PuzzleService::NewStub(channel);
    ::quest::v1::ListPuzzlesRequest list;
    ::quest::v1::ListPuzzlesResponse page;
    EXPECT_TRUE(puzzles->ListPuzzles(As(kUser).get(), list, &page).ok());
    list.set_page_token("not-a-token");
    EXPECT_EQ(puzzles->ListPuzzles(As(kUser).get(), list, &page).error_code(),
              grpc::StatusCode::INVALID_ARGUMENT);
    ::quest::v1::GetPuzzleRequest get;
    get.set_puzzle_id("not-a-uuid");
    ::quest::v1::Puzzle puzzle;
    EXPECT_EQ(puzzles->GetPuzzle(As(kUser).get(), get, &puzzle).error_code(),
              grpc::StatusCode::INVALID_ARGUMENT);

    auto privacy = ::ops::v1::Privacy::NewStub(channel);
    ::ops::v1::GetErasureStatusRequest status_request;
    status_request.set_user_id(kUser);
    ::ops::v1::GetErasureStatusResponse status;
    auto wrong = As("");
    wrong->AddMetadata("authorization", absl::StrCat("Bearer ", kAdminToken, "-but-wrong"));
    EXPECT_EQ(privacy->GetErasureStatus(wrong.get(), status_request, &status).error_code(),
              grpc::StatusCode::PERMISSION_DENIED);
    auto right = As("");
    right->AddMetadata("authorization", absl::StrCat("Bearer ", kAdminToken));
    grpc::Status answered = privacy->GetErasureStatus(right.get(), status_request, &status);
    EXPECT_NE(answered.error_code(), grpc::StatusCode::UNAUTHENTICATED) << answered.error_message();
  }

  static void ExpectNoSecretIn(const ServiceProcess& server,
                               const std::vector<std::string>& secrets, const std::string& what) {
    const std::string log = server.Log();
    const std::string cmdline = ReadWhole(absl::StrCat("/proc/", server.pid(), "/cmdline"));
    ASSERT_FALSE(log.empty());
    ASSERT_FALSE(cmdline.empty()) << "the server has exited";
    for (const std::string& secret : secrets) {
      EXPECT_EQ(log.find(secret), std::string::npos) << what << ": a secret is in the log:\n"
                                                     << log;
      EXPECT_EQ(cmdline.find(secret), std::string::npos) << what << ": a secret is in cmdline";
    }
  }
};

TEST_F(SecretLeakTest, SecretsGivenAsVariablesStayOutOfTheLogAndCommandLine) {
  auto server = StartService("quest", {{"PAGE_TOKEN_KEY", kPageTokenKey},
                                       {"PRIVACY_ADMIN_TOKEN", kAdminToken},
                                       {"LOG_LEVEL", "debug"}});
  MakeCalls(*server);
  ExpectNoSecretIn(*server, Secrets(), "variables");
}

TEST_F(SecretLeakTest, SecretsGivenAsFilesStayOutOfTheLogCommandLineAndEnvironment) {
  const TestInfra& infra = TestInfra::Get();
  auto server = StartService(
      "quest",
      {{"DB_PASSWORD", ""},
       {"DB_PASSWORD_FILE", SecretFile("db_password", infra.PasswordOf("quest"))},
       {"DB_MIGRATION_PASSWORD", ""},
       {"DB_MIGRATION_PASSWORD_FILE", SecretFile("owner_password", infra.OwnerPasswordOf("quest"))},
       {"PAGE_TOKEN_KEY", ""},
       {"PAGE_TOKEN_KEY_FILE", SecretFile("page_token_key", kPageTokenKey)},
       {"PRIVACY_ADMIN_TOKEN_FILE", SecretFile("admin_token", kAdminToken)},
       {"LOG_LEVEL", "debug"}});
  // Serving proves the files were read (the database password among them);
  // the admin token from its file is accepted, without its newline.
  MakeCalls(*server);
  ExpectNoSecretIn(*server, Secrets(), "files");
  const std::string environment = ReadWhole(absl::StrCat("/proc/", server->pid(), "/environ"));
  for (const std::string& secret : Secrets()) {
    EXPECT_EQ(environment.find(secret), std::string::npos) << "a secret is in the environment";
  }
}

TEST_F(SecretLeakTest, AFailedDatabaseLoginLogsNeitherTheWrongNorTheRightPassword) {
  const std::string wrong = "wrong-db-password-of-the-leak-test-89";
  std::map<std::string, std::string> env = ServiceProcess::DefaultEnv("quest");
  env["DB_PASSWORD"] = wrong;
  env["PAGE_TOKEN_KEY"] = kPageTokenKey;
  env["PRIVACY_ADMIN_TOKEN"] = kAdminToken;
  const char* binary = std::getenv("QUEST_BINARY");
  ASSERT_NE(binary, nullptr);
  auto server = ServiceProcess::Start(binary, env);
  // The migrations (as the owner) succeed; the runtime role is refused.
  ASSERT_TRUE(Eventually(
      [&] { return server->Log().find("password authentication failed") != std::string::npos; },
      absl::Seconds(20)))
      << server->Log();
  EXPECT_NE(server->Log().find("quest_svc"), std::string::npos) << "the role is named";
  std::vector<std::string> secrets = Secrets();
  secrets.push_back(wrong);
  ExpectNoSecretIn(*server, secrets, "failed login");
}

TEST_F(SecretLeakTest, BothAVariableAndItsFileStopStartUpNamingThem) {
  std::map<std::string, std::string> env = ServiceProcess::DefaultEnv("quest");
  env["DB_PASSWORD_FILE"] = SecretFile("db_password_too", TestInfra::Get().PasswordOf("quest"));
  auto server = ServiceProcess::Start(std::getenv("QUEST_BINARY"), env);
  EXPECT_EQ(server->WaitForExit(absl::Seconds(10)), 2);
  EXPECT_NE(server->Log().find("DB_PASSWORD and DB_PASSWORD_FILE: both set"), std::string::npos)
      << server->Log();
  env.erase("DB_PASSWORD");
  env["DB_PASSWORD_FILE"] = "/nonexistent/db_password";
  auto unreadable = ServiceProcess::Start(std::getenv("QUEST_BINARY"), env);
  EXPECT_EQ(unreadable->WaitForExit(absl::Seconds(10)), 2);
  EXPECT_NE(unreadable->Log().find("DB_PASSWORD_FILE: cannot read /nonexistent/db_password: No "
                                   "such file or directory"),
            std::string::npos)
      << unreadable->Log();
}

}  // namespace
}  // namespace qs::testing
