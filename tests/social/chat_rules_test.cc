#include "social/chat_rules.h"

#include <string>

#include "gtest/gtest.h"

namespace qs::social {
namespace {

void ExpectCode(const absl::Status& status, absl::StatusCode code, const std::string& prefix = "") {
  EXPECT_EQ(status.code(), code) << status;
  if (!prefix.empty()) EXPECT_EQ(status.message().rfind(prefix, 0), 0u) << status;
}

TEST(ChatRulesTest, KindCodesRoundTrip) {
  EXPECT_EQ(ChannelKindCodes().Code(v1::CHANNEL_KIND_DIRECT), "direct");
  EXPECT_EQ(ChannelKindCodes().FromCode("guild"), v1::CHANNEL_KIND_GUILD);
  EXPECT_EQ(MessageKindCodes().Code(v1::MESSAGE_KIND_SYSTEM), "system");
  EXPECT_EQ(MessageKindCodes().FromCode("text"), v1::MESSAGE_KIND_TEXT);
  EXPECT_EQ(MessageKindCodes().FromCode("nonsense"), v1::MESSAGE_KIND_UNSPECIFIED);
}

TEST(ChatRulesTest, SortedPairIgnoresOrder) {
  const std::string a = "0a000000-0000-4000-8000-000000000000";
  const std::string b = "fb000000-0000-4000-8000-000000000000";
  EXPECT_EQ(SortedPair(a, b), std::make_pair(a, b));
  EXPECT_EQ(SortedPair(b, a), std::make_pair(a, b));
}

TEST(ChatRulesTest, MessageTextMustBeNonEmptyUtf8WithinTheLimit) {
  EXPECT_TRUE(ValidateMessageText("text", "hello", 4096).ok());
  EXPECT_TRUE(ValidateMessageText("text", "caf\xC3\xA9 \xF0\x9F\x98\x80", 4096).ok());
  EXPECT_TRUE(ValidateMessageText("text", std::string(16, 'x'), 16).ok());
  ExpectCode(ValidateMessageText("text", "", 4096), absl::StatusCode::kInvalidArgument, "text: ");
  ExpectCode(ValidateMessageText("text", " \n\t", 4096), absl::StatusCode::kInvalidArgument,
             "text: ");
  ExpectCode(ValidateMessageText("text", std::string(17, 'x'), 16),
             absl::StatusCode::kInvalidArgument, "text: at most 16 bytes");
  ExpectCode(ValidateMessageText("text", "bad \xC3\x28", 4096), absl::StatusCode::kInvalidArgument,
             "text: not valid UTF-8");
  ExpectCode(ValidateMessageText("text", std::string("nul\0byte", 8), 4096),
             absl::StatusCode::kInvalidArgument, "text: ");
  // The limit counts bytes, not characters: 3 euro signs are 9 bytes.
  ExpectCode(ValidateMessageText("text", "\xE2\x82\xAC\xE2\x82\xAC\xE2\x82\xAC", 8),
             absl::StatusCode::kInvalidArgument, "text: at most 8 bytes");
}

TEST(ChatRulesTest, MetadataMustBeASmallJsonObject) {
  EXPECT_TRUE(ValidateMetadataJson("metadata_json", "").ok());
  EXPECT_TRUE(ValidateMetadataJson("metadata_json", "{}").ok());
  EXPECT_TRUE(ValidateMetadataJson("metadata_json", R"({"a": [1, 2], "b": {"c": null}})").ok());
  for (const char* bad : {"[1,2]", "42", "\"text\"", "null", "{", "{\"a\":}", "{'a': 1}"}) {
    SCOPED_TRACE(bad);
    ExpectCode(ValidateMetadataJson("metadata_json", bad), absl::StatusCode::kInvalidArgument,
               "metadata_json: ");
  }
  const std::string big = "{\"k\":\"" + std::string(kMaxMetadataBytes, 'x') + "\"}";
  ExpectCode(ValidateMetadataJson("metadata_json", big), absl::StatusCode::kInvalidArgument,
             "metadata_json: at most 4096 bytes");
}

TEST(ChatRulesTest, ClientMessageIdIsPrintableAscii) {
  EXPECT_TRUE(ValidateClientMessageId("client_message_id", "").ok());
  EXPECT_TRUE(ValidateClientMessageId("client_message_id", "msg-1:abc").ok());
  EXPECT_TRUE(ValidateClientMessageId("client_message_id", std::string(128, 'a')).ok());
  ExpectCode(ValidateClientMessageId("client_message_id", std::string(129, 'a')),
             absl::StatusCode::kInvalidArgument, "client_message_id: ");
  ExpectCode(ValidateClientMessageId("client_message_id", "has space"),
             absl::StatusCode::kInvalidArgument, "client_message_id: ");
  ExpectCode(ValidateClientMessageId("client_message_id", "caf\xC3\xA9"),
             absl::StatusCode::kInvalidArgument, "client_message_id: ");
}

ChannelAccess Direct(bool participant, bool blocked) {
  ChannelAccess access;
  access.kind = v1::CHANNEL_KIND_DIRECT;
  access.is_participant = participant;
  access.blocked = blocked;
  return access;
}

ChannelAccess Guild(std::string role, std::string state, int64_t muted_until = 0) {
  ChannelAccess access;
  access.kind = v1::CHANNEL_KIND_GUILD;
  access.guild_role = std::move(role);
  access.guild_state = std::move(state);
  access.muted_until_micros = muted_until;
  return access;
}

TEST(ChatRulesTest, DirectChannelsBelongToTheirPair) {
  EXPECT_TRUE(MayRead(Direct(true, false)).ok());
  EXPECT_TRUE(MayPost(Direct(true, false)).ok());
  ExpectCode(MayRead(Direct(false, false)), absl::StatusCode::kPermissionDenied);
  ExpectCode(MayPost(Direct(false, false)), absl::StatusCode::kPermissionDenied);
  // A block ends the conversation but not the history.
  EXPECT_TRUE(MayRead(Direct(true, true)).ok());
  ExpectCode(MayPost(Direct(true, true)), absl::StatusCode::kFailedPrecondition);
}

TEST(ChatRulesTest, GuildChannelsAreForMembersWhoAreNotMuted) {
  EXPECT_TRUE(MayRead(Guild("member", "member")).ok());
  EXPECT_TRUE(MayPost(Guild("owner", "member")).ok());
  for (const char* state : {"", "join_request", "banned"}) {
    ExpectCode(MayRead(Guild("member", state)), absl::StatusCode::kPermissionDenied);
    ExpectCode(MayPost(Guild("member", state)), absl::StatusCode::kPermissionDenied);
  }
  EXPECT_TRUE(MayRead(Guild("member", "member", 1'000)).ok());
  ExpectCode(MayPost(Guild("member", "member", 1'000)), absl::StatusCode::kFailedPrecondition);
}

v1::ChatMessage Message(const std::string& sender, bool deleted = false) {
  v1::ChatMessage message;
  message.set_sender_id(sender);
  message.set_deleted(deleted);
  return message;
}

TEST(ChatRulesTest, OnlyTheAuthorEditsAndNotOnceDeleted) {
  EXPECT_TRUE(MayEdit(Message("u1"), "u1").ok());
  ExpectCode(MayEdit(Message("u1"), "u2"), absl::StatusCode::kPermissionDenied);
  ExpectCode(MayEdit(Message(""), "u2"), absl::StatusCode::kPermissionDenied);  // system
  ExpectCode(MayEdit(Message("u1", true), "u1"), absl::StatusCode::kFailedPrecondition);
}

TEST(ChatRulesTest, AuthorOrGuildModeratorsDelete) {
  EXPECT_TRUE(MayDelete(Message("u1"), "u1", Direct(true, false)).ok());
  ExpectCode(MayDelete(Message("u1"), "u2", Direct(true, false)),
             absl::StatusCode::kPermissionDenied);
  EXPECT_TRUE(MayDelete(Message("u1"), "u2", Guild("admin", "member")).ok());
  EXPECT_TRUE(MayDelete(Message(""), "u2", Guild("owner", "member")).ok());
  ExpectCode(MayDelete(Message("u1"), "u2", Guild("member", "member")),
             absl::StatusCode::kPermissionDenied);
  ExpectCode(MayDelete(Message("u1"), "u2", Guild("admin", "banned")),
             absl::StatusCode::kPermissionDenied);
  ExpectCode(MayDelete(Message(""), "u2", Direct(true, false)),
             absl::StatusCode::kPermissionDenied);
}

TEST(ChatRulesTest, ReadMarksNeverMoveBackward) {
  EXPECT_TRUE(ValidateReadMark("up_to_sequence", 0, 0).ok());
  EXPECT_TRUE(ValidateReadMark("up_to_sequence", 5, 5).ok());
  ExpectCode(ValidateReadMark("up_to_sequence", 6, 5), absl::StatusCode::kInvalidArgument,
             "up_to_sequence: ");
  ExpectCode(ValidateReadMark("up_to_sequence", -1, 5), absl::StatusCode::kInvalidArgument,
             "up_to_sequence: ");
  EXPECT_EQ(RequestedMark(0, 7), 7);
  EXPECT_EQ(RequestedMark(3, 7), 3);
  EXPECT_EQ(NextReadMark(4, 2), 4);
  EXPECT_EQ(NextReadMark(4, 6), 6);
  EXPECT_EQ(UnreadCount(10, 4), 6);
  EXPECT_EQ(UnreadCount(10, 10), 0);
  EXPECT_EQ(UnreadCount(0, 0), 0);
}

}  // namespace
}  // namespace qs::social
