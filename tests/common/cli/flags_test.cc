// Parsing `tool [command] --name=value` and the typed reads of common/cli.
#include "common/cli/flags.h"

#include <limits>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace qs::cli {
namespace {

constexpr absl::string_view kKnown[] = {"users", "rate", "verbose", "database-url", "out"};

absl::StatusOr<Flags> ParseArgs(std::vector<std::string> arguments) {
  std::vector<const char*> argv = {"tool"};
  for (const std::string& argument : arguments) argv.push_back(argument.c_str());
  return Flags::Parse(static_cast<int>(argv.size()), argv.data(), kKnown);
}

void ExpectInvalid(const absl::Status& status, const std::string& message) {
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_EQ(status.message(), message);
}

TEST(FlagsTest, SeparatesPositionalArgumentsFromFlagsInAnyOrder) {
  absl::StatusOr<Flags> flags = ParseArgs({"--users=10", "run", "-x", "--out=a=b", "extra"});
  ASSERT_TRUE(flags.ok()) << flags.status();
  EXPECT_EQ(flags->positional(), (std::vector<std::string>{"run", "-x", "extra"}));
  EXPECT_EQ(flags->String("users"), "10");
  EXPECT_EQ(flags->String("out"), "a=b");  // only the first '=' separates
  EXPECT_FALSE(flags->help());
}

TEST(FlagsTest, NoArgumentsIsEmpty) {
  absl::StatusOr<Flags> flags = ParseArgs({});
  ASSERT_TRUE(flags.ok()) << flags.status();
  EXPECT_TRUE(flags->positional().empty());
  EXPECT_FALSE(flags->Has("users"));
}

TEST(FlagsTest, UnknownFlagIsNamedWithoutItsValue) {
  absl::StatusOr<Flags> flags = ParseArgs({"run", "--database_url=postgres://u:secret@h/db"});
  ExpectInvalid(flags.status(), "unknown flag --database_url");
  ExpectInvalid(ParseArgs({"--nope"}).status(), "unknown flag --nope");
  ExpectInvalid(ParseArgs({"--"}).status(), "unknown flag --");
  ExpectInvalid(ParseArgs({"--=1"}).status(), "unknown flag --");
}

TEST(FlagsTest, KnownFlagWithoutValueIsAnError) {
  ExpectInvalid(ParseArgs({"run", "--out"}).status(), "--out needs =value");
}

TEST(FlagsTest, SwitchMayStandBareOrTakeAValue) {
  constexpr absl::string_view kSwitches[] = {"tls"};
  auto parse = [&](std::vector<const char*> argv) {
    argv.insert(argv.begin(), "tool");
    return Flags::Parse(static_cast<int>(argv.size()), argv.data(), kKnown, kSwitches);
  };
  absl::StatusOr<Flags> bare = parse({"--tls", "--out=x"});
  ASSERT_TRUE(bare.ok()) << bare.status();
  EXPECT_EQ(bare->Bool("tls", false).value_or(false), true);
  absl::StatusOr<Flags> off = parse({"--tls=false"});
  ASSERT_TRUE(off.ok()) << off.status();
  EXPECT_EQ(off->Bool("tls", true).value_or(true), false);
  absl::StatusOr<Flags> absent = parse({"--out=x"});
  ASSERT_TRUE(absent.ok()) << absent.status();
  EXPECT_FALSE(absent->Has("tls"));
  // Only the switches stand bare.
  ExpectInvalid(parse({"--tls", "--out"}).status(), "--out needs =value");
  ExpectInvalid(parse({"--tlsx"}).status(), "unknown flag --tlsx");
}

TEST(FlagsTest, EmptyValueIsGiven) {
  absl::StatusOr<Flags> flags = ParseArgs({"--out="});
  ASSERT_TRUE(flags.ok()) << flags.status();
  EXPECT_TRUE(flags->Has("out"));
  EXPECT_EQ(flags->String("out", "fallback"), "");
}

TEST(FlagsTest, LastValueWins) {
  absl::StatusOr<Flags> flags = ParseArgs({"--users=1", "--users=2"});
  ASSERT_TRUE(flags.ok()) << flags.status();
  EXPECT_EQ(*flags->Int64("users", 0), 2);
}

TEST(FlagsTest, HelpStopsTheParseBeforeLaterErrors) {
  for (const char* help : {"--help", "-h"}) {
    absl::StatusOr<Flags> flags = ParseArgs({"run", help, "--unknown", "--out"});
    ASSERT_TRUE(flags.ok()) << help << ": " << flags.status();
    EXPECT_TRUE(flags->help()) << help;
  }
  // An error before --help still wins: the parse stops at the first problem.
  EXPECT_FALSE(ParseArgs({"--unknown", "--help"}).ok());
}

TEST(FlagsTest, StringFallbackAndRequired) {
  absl::StatusOr<Flags> flags = ParseArgs({"--out=file", "--database-url="});
  ASSERT_TRUE(flags.ok()) << flags.status();
  EXPECT_EQ(flags->String("users", "none"), "none");
  EXPECT_EQ(flags->String("users"), "");
  EXPECT_EQ(*flags->RequiredString("out"), "file");
  ExpectInvalid(flags->RequiredString("users").status(), "--users is required");
  ExpectInvalid(flags->RequiredString("database-url").status(), "--database-url is required");
}

TEST(FlagsTest, Int64ReadsWholeNumbersAndFallsBack) {
  absl::StatusOr<Flags> flags = ParseArgs({"--users=-42", "--rate=9223372036854775807"});
  ASSERT_TRUE(flags.ok()) << flags.status();
  EXPECT_EQ(*flags->Int64("users", 0), -42);
  EXPECT_EQ(*flags->Int64("rate", 0), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(*flags->Int64("out", 7), 7);
  // The fallback is the caller's and is not range-checked.
  EXPECT_EQ(*flags->Int64("out", -1, 0, 10), -1);
}

TEST(FlagsTest, Int64RejectsWhatIsNotAWholeNumber) {
  for (const char* bad : {"--users=", "--users=abc", "--users=1.5", "--users=12x", "--users=1e3",
                          "--users=9223372036854775808"}) {
    absl::StatusOr<Flags> flags = ParseArgs({bad});
    ASSERT_TRUE(flags.ok()) << flags.status();
    ExpectInvalid(flags->Int64("users", 0).status(), "--users must be a whole number");
  }
}

TEST(FlagsTest, Int64RangeMessagesNameTheBounds) {
  absl::StatusOr<Flags> flags = ParseArgs({"--users=0"});
  ASSERT_TRUE(flags.ok()) << flags.status();
  ExpectInvalid(flags->Int64("users", 5, 1).status(), "--users must be at least 1");
  ExpectInvalid(flags->Int64("users", 5, std::numeric_limits<int64_t>::min(), -1).status(),
                "--users must be at most -1");
  ExpectInvalid(flags->Int64("users", 5, 1, 10).status(), "--users must be between 1 and 10");
  // The bounds are inclusive.
  EXPECT_EQ(*flags->Int64("users", 5, 0, 0), 0);
}

TEST(FlagsTest, DoubleReadsFiniteNumbers) {
  absl::StatusOr<Flags> flags = ParseArgs({"--rate=2.5"});
  ASSERT_TRUE(flags.ok()) << flags.status();
  EXPECT_DOUBLE_EQ(*flags->Double("rate", 0), 2.5);
  EXPECT_DOUBLE_EQ(*flags->Double("users", 1000), 1000);
  for (const char* bad : {"--rate=", "--rate=fast", "--rate=1,5", "--rate=inf", "--rate=nan"}) {
    absl::StatusOr<Flags> parsed = ParseArgs({bad});
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    ExpectInvalid(parsed->Double("rate", 0).status(), "--rate must be a number");
  }
}

TEST(FlagsTest, BoolReadsTheUsualSpellings) {
  for (const char* yes : {"true", "TRUE", "yes", "1", "t", "y"}) {
    absl::StatusOr<Flags> flags = ParseArgs({std::string("--verbose=") + yes});
    ASSERT_TRUE(flags.ok()) << flags.status();
    EXPECT_TRUE(*flags->Bool("verbose", false)) << yes;
  }
  for (const char* no : {"false", "no", "0", "f", "n"}) {
    absl::StatusOr<Flags> flags = ParseArgs({std::string("--verbose=") + no});
    ASSERT_TRUE(flags.ok()) << flags.status();
    EXPECT_FALSE(*flags->Bool("verbose", true)) << no;
  }
  absl::StatusOr<Flags> flags = ParseArgs({"--verbose=maybe"});
  ASSERT_TRUE(flags.ok()) << flags.status();
  ExpectInvalid(flags->Bool("verbose", false).status(), "--verbose must be true or false");
  EXPECT_TRUE(*flags->Bool("users", true));
}

}  // namespace
}  // namespace qs::cli
