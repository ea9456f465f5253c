// A request string that is not valid UTF-8, sent to the real quest and
// social binaries over a real client, is INVALID_ARGUMENT naming the field
// and changes nothing in the database; the same request with valid text is
// served. Every binary (notification too) answers bytes that are no message
// at all with INVALID_ARGUMENT, not INTERNAL: the check comes from the
// common bootstrap, not from any service's code.
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/api/uuid.h"
#include "gtest/gtest.h"
#include "proto/quest/v1/puzzles.grpc.pb.h"
#include "proto/social/v1/chat.grpc.pb.h"
#include "proto/social/v1/guilds.grpc.pb.h"
#include "tests/common/grpc/raw_call.h"
#include "tests/support/service_fixture.h"

namespace qs::testing {
namespace {

// A lead byte without its continuation byte. The client library only logs
// when it serializes such a string, so the bytes go out exactly as set.
constexpr char kInvalidUtf8[] = "ok \xC3\x28";

class InvalidUtf8Test : public ServiceFixture {
 protected:
  static void SetUpTestSuite() {
    quest_ = StartService("quest").release();
    social_ = StartService("social").release();
    puzzles_ = ::quest::v1::PuzzleService::NewStub(ChannelTo(*quest_)).release();
    guilds_ = ::social::v1::GuildService::NewStub(ChannelTo(*social_)).release();
    chat_ = ::social::v1::ChatService::NewStub(ChannelTo(*social_)).release();
  }
  static void TearDownTestSuite() {
    if (::testing::UnitTest::GetInstance()->Failed()) {
      std::cerr << "---- quest log ----\n"
                << quest_->Log() << "---- social log ----\n"
                << social_->Log();
    }
    delete puzzles_;
    delete guilds_;
    delete chat_;
    delete quest_;
    delete social_;
  }

  static ::quest::v1::CreatePuzzleRequest NewPuzzle() {
    ::quest::v1::CreatePuzzleRequest request;
    request.set_title("Knight fork");
    request.set_kind(::quest::v1::PUZZLE_KIND_CHESS);
    request.add_themes("fork");
    request.set_rating(1500);
    request.set_content("position");
    request.set_solution("Nc7+");
    return request;
  }

  static int64_t PuzzlesBy(const std::string& author) {
    return QueryPrimary("quest_db", "SELECT count(*) FROM puzzles WHERE author_id = $1",
                        author)[0][0]
        .as<int64_t>();
  }

  static int64_t GuildsOwnedBy(const std::string& owner) {
    return QueryPrimary("social_db", "SELECT count(*) FROM guilds WHERE owner_id = $1", owner)[0][0]
        .as<int64_t>();
  }

  static int64_t MessagesSentBy(const std::string& sender) {
    return QueryPrimary("social_db", "SELECT count(*) FROM chat_messages WHERE sender_id = $1",
                        sender)[0][0]
        .as<int64_t>();
  }

  inline static ServiceProcess* quest_ = nullptr;
  inline static ServiceProcess* social_ = nullptr;
  inline static ::quest::v1::PuzzleService::Stub* puzzles_ = nullptr;
  inline static ::social::v1::GuildService::Stub* guilds_ = nullptr;
  inline static ::social::v1::ChatService::Stub* chat_ = nullptr;
};

TEST_F(InvalidUtf8Test, QuestCreatePuzzleNamesTheTitleAndStoresNothing) {
  const std::string author = api::NewUuidV4();
  ::quest::v1::CreatePuzzleRequest request = NewPuzzle();
  request.set_title(kInvalidUtf8);
  ::quest::v1::Puzzle puzzle;
  grpc::Status status = puzzles_->CreatePuzzle(As(author).get(), request, &puzzle);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "title: must be valid UTF-8");
  EXPECT_EQ(PuzzlesBy(author), 0);

  // The same request, well formed, is served and stored: the count can move.
  request.set_title("Knight fork");
  status = puzzles_->CreatePuzzle(As(author).get(), request, &puzzle);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(puzzle.title(), "Knight fork");
  EXPECT_EQ(PuzzlesBy(author), 1);
}

TEST_F(InvalidUtf8Test, QuestCreatePuzzleNamesARepeatedFieldsElement) {
  const std::string author = api::NewUuidV4();
  ::quest::v1::CreatePuzzleRequest request = NewPuzzle();
  request.add_themes(kInvalidUtf8);  // The second theme; the first is fine.
  ::quest::v1::Puzzle puzzle;
  grpc::Status status = puzzles_->CreatePuzzle(As(author).get(), request, &puzzle);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "themes: must be valid UTF-8");
  EXPECT_EQ(PuzzlesBy(author), 0);
}

TEST_F(InvalidUtf8Test, TheCallLogRecordsTheRewrittenStatus) {
  ::quest::v1::CreatePuzzleRequest request = NewPuzzle();
  request.set_content(kInvalidUtf8);
  ::quest::v1::Puzzle puzzle;
  EXPECT_EQ(puzzles_->CreatePuzzle(As(api::NewUuidV4()).get(), request, &puzzle).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(Eventually([] {
    return quest_->Log().find(
               "method=/quest.v1.PuzzleService/CreatePuzzle "
               "status=INVALID_ARGUMENT") != std::string::npos &&
           quest_->Log().find("message=\"content: must be valid UTF-8\"") != std::string::npos;
  })) << quest_->Log();
}

TEST_F(InvalidUtf8Test, SocialCreateGuildNamesTheFieldAndStoresNothing) {
  const std::string owner = api::NewUuidV4();
  ::social::v1::CreateGuildRequest request;
  request.set_name(absl::StrCat("Guild ", api::NewUuidV4().substr(0, 8)));
  request.set_description(kInvalidUtf8);
  request.set_open(true);
  ::social::v1::Guild guild;
  grpc::Status status = guilds_->CreateGuild(As(owner).get(), request, &guild);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "description: must be valid UTF-8");
  EXPECT_EQ(GuildsOwnedBy(owner), 0);

  request.set_description("Weekend players");
  status = guilds_->CreateGuild(As(owner).get(), request, &guild);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(GuildsOwnedBy(owner), 1);
}

TEST_F(InvalidUtf8Test, SocialSendMessageNamesAOneofField) {
  const std::string sender = api::NewUuidV4();
  ::social::v1::SendMessageRequest request;
  request.set_recipient_user_id(kInvalidUtf8);
  request.set_text("hello");
  ::social::v1::SendMessageResponse response;
  grpc::Status status = chat_->SendMessage(As(sender).get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "recipient_user_id: must be valid UTF-8");

  request.set_recipient_user_id(api::NewUuidV4());
  request.set_text(kInvalidUtf8);
  status = chat_->SendMessage(As(sender).get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "text: must be valid UTF-8");
  EXPECT_EQ(MessagesSentBy(sender), 0);

  request.set_text("hello");
  status = chat_->SendMessage(As(sender).get(), request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(MessagesSentBy(sender), 1);
}

TEST_F(InvalidUtf8Test, EveryBinaryAnswersAMalformedRequestWithInvalidArgument) {
  std::unique_ptr<ServiceProcess> notification = StartService("notification");
  for (ServiceProcess* process : {quest_, social_, notification.get()}) {
    auto context = As("");
    // ProbeRequest.hold_ms (field 1, a varint) with its value cut off.
    grpc::Status status = CallWithRawRequest(ChannelTo(*process), *context,
                                             "/ops.v1.Diagnostics/Probe", std::string("\x08", 1));
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << process->address();
    EXPECT_EQ(status.error_message(),
              "request: not a valid ops.v1.ProbeRequest message (malformed, or a string field "
              "that is not valid UTF-8)");
    // A well-formed Probe on the same path is served.
    auto ok_context = As("");
    EXPECT_TRUE(
        CallWithRawRequest(ChannelTo(*process), *ok_context, "/ops.v1.Diagnostics/Probe", "").ok());
  }
}

}  // namespace
}  // namespace qs::testing
