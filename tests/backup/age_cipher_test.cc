// Encryption with the real age binary and keys made by age-keygen here.
#include "deploy/backup/age_cipher.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/test_infra.h"

namespace qs::backup {
namespace {

using ::testing::HasSubstr;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void WriteFile(const std::string& path, const std::string& contents) {
  std::ofstream(path, std::ios::binary) << contents;
}

class AgeCipherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = absl::StrCat(std::getenv("TEST_TMPDIR"), "/age-", testing::UniqueSuffix());
    ASSERT_EQ(mkdir(dir_.c_str(), 0700), 0);
    key_ = NewKey("key");
    other_key_ = NewKey("other");
    // Known text, repeated past age's 64 KiB chunk so a dump spans chunks.
    for (int i = 0; i < 5000; ++i) absl::StrAppend(&plain_, "row ", i, " secret-puzzle-text\n");
    WriteFile(Path("plain"), plain_);
  }

  std::string Path(const std::string& name) const { return absl::StrCat(dir_, "/", name); }

  struct Key {
    std::string identity_file;
    std::string recipient;
  };
  Key NewKey(const std::string& name) {
    Key key{Path(name + ".key"), ""};
    absl::StatusOr<CommandResult> made =
        backup::Run({{"age-keygen", "-o", key.identity_file}, {}, "", ""});
    EXPECT_TRUE(made.ok() && made->exit_code == 0) << made.status();
    absl::StatusOr<CommandResult> public_key =
        backup::Run({{"age-keygen", "-y", key.identity_file}, {}, "", ""});
    EXPECT_TRUE(public_key.ok() && public_key->exit_code == 0);
    key.recipient = std::string(absl::StripAsciiWhitespace(public_key->output));
    return key;
  }

  // plain → age (the stage under test) → `encrypted`.
  void Encrypt(const std::vector<std::string>& recipients, const std::string& encrypted) {
    Command source{{"cat"}, {}, Path("plain"), ""};
    Command encrypt = EncryptStage(recipients);
    encrypt.stdout_path = encrypted;
    absl::StatusOr<std::vector<CommandResult>> results = RunPipeline({source, encrypt});
    ASSERT_TRUE(results.ok()) << results.status();
    ASSERT_EQ(results->back().exit_code, 0) << results->back().error_output;
  }

  std::string dir_;
  std::string plain_;
  Key key_;
  Key other_key_;
};

TEST_F(AgeCipherTest, RoundTripWithThePrivateKeyAndNoPlaintextInTheObject) {
  Encrypt({key_.recipient}, Path("enc"));
  const std::string encrypted = ReadFile(Path("enc"));
  EXPECT_EQ(encrypted.find("secret-puzzle-text"), std::string::npos);
  EXPECT_EQ(encrypted.rfind("age-encryption.org/v1", 0), 0u);

  ASSERT_TRUE(Decrypt(Path("enc"), key_.identity_file, Path("out"), "quest_db/x.dump.age").ok());
  EXPECT_EQ(ReadFile(Path("out")), plain_);
  struct stat info;
  ASSERT_EQ(stat(Path("out").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600);
}

TEST_F(AgeCipherTest, EachOfSeveralRecipientsCanDecrypt) {
  Encrypt({key_.recipient, other_key_.recipient}, Path("enc"));
  for (const Key* key : {&key_, &other_key_}) {
    ASSERT_TRUE(Decrypt(Path("enc"), key->identity_file, Path("out"), "o").ok());
    EXPECT_EQ(ReadFile(Path("out")), plain_);
  }
}

TEST_F(AgeCipherTest, AWrongKeyIsAFailedPreconditionNamingTheObject) {
  Encrypt({key_.recipient}, Path("enc"));
  const absl::Status status =
      Decrypt(Path("enc"), other_key_.identity_file, Path("out"), "quest_db/A.dump.age");
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
  EXPECT_THAT(status.message(), HasSubstr("quest_db/A.dump.age"));
  EXPECT_THAT(status.message(), HasSubstr("no identity matched"));
  EXPECT_NE(access(Path("out").c_str(), F_OK), 0) << "no output left behind";
}

TEST_F(AgeCipherTest, AMissingIdentityFileIsAFailedPrecondition) {
  Encrypt({key_.recipient}, Path("enc"));
  const absl::Status status =
      Decrypt(Path("enc"), Path("no-such.key"), Path("out"), "quest_db/A.dump.age");
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
  EXPECT_THAT(status.message(), HasSubstr("quest_db/A.dump.age"));
  EXPECT_THAT(status.message(), HasSubstr("no-such.key"));
}

TEST_F(AgeCipherTest, ATruncatedObjectIsDataLossAndLeavesNoPartialPlaintext) {
  Encrypt({key_.recipient}, Path("enc"));
  const std::string encrypted = ReadFile(Path("enc"));
  for (size_t length : {encrypted.size() - 1, encrypted.size() / 2, size_t{40}, size_t{0}}) {
    WriteFile(Path("cut"), encrypted.substr(0, length));
    const absl::Status status = Decrypt(Path("cut"), key_.identity_file, Path("out"), "db/cut");
    EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss) << length << ": " << status;
    EXPECT_THAT(status.message(), HasSubstr("db/cut"));
    EXPECT_NE(access(Path("out").c_str(), F_OK), 0) << length;
  }
}

TEST_F(AgeCipherTest, AFlippedByteIsDataLoss) {
  Encrypt({key_.recipient}, Path("enc"));
  std::string encrypted = ReadFile(Path("enc"));
  encrypted[encrypted.size() / 2] ^= 0x01;
  WriteFile(Path("flipped"), encrypted);
  const absl::Status status =
      Decrypt(Path("flipped"), key_.identity_file, Path("out"), "db/flipped");
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss) << status;
  EXPECT_THAT(status.message(), HasSubstr("db/flipped"));
}

TEST_F(AgeCipherTest, RecipientsAreCheckedIncludingTheirChecksum) {
  EXPECT_TRUE(CheckRecipients({key_.recipient, other_key_.recipient}).ok());
  std::string typo = key_.recipient;
  typo[10] = typo[10] == 'q' ? 'p' : 'q';
  const absl::Status bad = CheckRecipients({key_.recipient, typo});
  EXPECT_EQ(bad.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.message(), HasSubstr(typo));
  EXPECT_FALSE(CheckRecipients({"age1short"}).ok());
  EXPECT_FALSE(CheckRecipients({"AGE-SECRET-KEY-1" + key_.recipient.substr(4)}).ok());
  EXPECT_EQ(CheckRecipients({}).code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(AgeCipherTest, TheEncryptStageNeedsNoPrivateKey) {
  const Command stage = EncryptStage({key_.recipient});
  EXPECT_EQ(stage.argv.front(), "age");
  for (const std::string& arg : stage.argv) {
    EXPECT_THAT(arg, ::testing::Not(HasSubstr("AGE-SECRET-KEY")));
  }
}

}  // namespace
}  // namespace qs::backup
