// The common part of every service's erasure (common/privacy/user_erasure.h,
// erasure_handlers.h) on a scratch database migrated with the common tables,
// with a stand-in for the service's own eraser: what it deletes from the
// outbox and the idempotency records, what it records, which events it
// appends, and how it treats other services' events.
#include "common/privacy/user_erasure.h"

#include <set>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "common/api/uuid.h"
#include "common/db/database.h"
#include "common/db/row_mapping.h"
#include "common/events/event_handlers.h"
#include "common/events/outbox.h"
#include "common/privacy/erasure_handlers.h"
#include "common/privacy/erasure_store.h"
#include "common/privacy/user_hash.h"
#include "google/protobuf/wrappers.pb.h"
#include "gtest/gtest.h"
#include "pqxx/pqxx"
#include "proto/quest/v1/events.pb.h"
#include "tests/support/test_infra.h"

namespace qs::privacy {
namespace {

namespace v1 = ::ops::v1;

class UserErasureTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::Status migrated = scratch_.Migrate({"migrations/common"});
    ASSERT_TRUE(migrated.ok()) << migrated;
  }

  pqxx::result Sql(const std::string& sql, const std::string& argument) {
    pqxx::connection connection(scratch_.Conninfo());
    return pqxx::nontransaction(connection).exec_params(sql, argument);
  }

  // An event of another kind in the outbox whose payload mentions `text`.
  void AppendMention(const std::string& aggregate_id, const std::string& text) {
    ASSERT_TRUE(database_
                    .Write([&](db::WriteTx& tx) -> absl::Status {
                      google::protobuf::StringValue payload;
                      payload.set_value("friend request from " + text);
                      events::AppendEvent(tx, "social", aggregate_id, payload);
                      return absl::OkStatus();
                    })
                    .ok());
  }

  void StoreIdempotencyKey(const std::string& scope) {
    pqxx::connection connection(scratch_.Conninfo());
    pqxx::nontransaction(connection)
        .exec_params(
            "INSERT INTO idempotency_keys (scope, request_id, request_hash) "
            "VALUES ($1, 'r-1', '\\x00')",
            scope);
  }

  // A parked event of another kind whose envelope mentions `text`.
  void ParkMention(const std::string& text) {
    ::events::v1::EventEnvelope envelope;
    envelope.set_id(api::NewUuidV4());
    envelope.set_aggregate_id(text);
    const std::string bytes = envelope.SerializeAsString();
    pqxx::connection connection(scratch_.Conninfo());
    pqxx::nontransaction(connection)
        .exec_params(
            "INSERT INTO dead_letter_events (event_id, source, type, subject, envelope, reason, "
            "deliveries) VALUES ($1, 'social', 'social.v1.FriendRequestSent', "
            "'social.FriendRequestSent', $2, 'handler failed', 1)",
            envelope.id(), pqxx::binarystring(bytes.data(), bytes.size()));
  }

  std::vector<::events::v1::EventEnvelope> OutboxOfType(const std::string& type) {
    std::vector<::events::v1::EventEnvelope> envelopes;
    for (const auto& row :
         Sql("SELECT envelope FROM outbox_events WHERE type = $1 ORDER BY created_at", type)) {
      EXPECT_TRUE(envelopes.emplace_back().ParseFromString(pqxx::binarystring(row[0]).str()));
    }
    return envelopes;
  }

  std::vector<v1::ServiceErasure> Records(const std::string& user) {
    return *database_.ReadFromPrimary(
        [&](db::ReadTx& tx) -> absl::StatusOr<std::vector<v1::ServiceErasure>> {
          return ErasureStore::List(tx, UserHash(user));
        });
  }

  qs::testing::ScratchDatabase scratch_{"quest"};
  db::Database database_{scratch_.Config(), "erasure-test"};
  const std::string user_ = api::NewUuidV4();
  const std::string other_ = api::NewUuidV4();
  int service_eraser_calls_ = 0;
  // Stands in for the service's own eraser: 3 rows each time.
  UserErasure erasure_{"quest", [this](db::WriteTx&, const std::string& user_id) {
                         EXPECT_EQ(user_id, user_) << "the eraser gets the id in lower case";
                         ++service_eraser_calls_;
                         return absl::StatusOr<int64_t>(3);
                       }};
};

TEST_F(UserErasureTest, EraseAndAnnounceCleansTheCommonTablesRecordsAndAppendsUserErased) {
  AppendMention(api::NewUuidV4(), user_);
  AppendMention(api::NewUuidV4(), absl::AsciiStrToUpper(user_));
  AppendMention(user_, "someone");
  AppendMention(api::NewUuidV4(), other_);
  StoreIdempotencyKey("social.v1.FriendService/SendFriendRequest:" + user_);
  StoreIdempotencyKey("social.v1.FriendService/SendFriendRequest:" + other_);
  ParkMention(user_);
  ParkMention(other_);

  absl::StatusOr<v1::ServiceErasure> erased = database_.Write(
      [&](db::WriteTx& tx) { return erasure_.EraseAndAnnounce(tx, absl::AsciiStrToUpper(user_)); });
  ASSERT_TRUE(erased.ok()) << erased.status();
  EXPECT_EQ(service_eraser_calls_, 1);
  EXPECT_EQ(erased->service(), "quest");
  EXPECT_EQ(erased->rows_erased(), 3 + 3 + 1 + 1)
      << "eraser rows + 3 events rewritten + 1 idempotency key deleted + 1 dead letter rewritten";

  const std::string mentions =
      "SELECT count(*) FROM outbox_events WHERE type = 'google.protobuf.StringValue' AND "
      "(aggregate_id = $1::uuid OR position(convert_to($1::text, 'UTF8') IN envelope) > 0 "
      "OR position(convert_to(upper($1::text), 'UTF8') IN envelope) > 0)";
  EXPECT_EQ(Sql(mentions, user_)[0][0].as<int>(), 0);
  EXPECT_EQ(Sql(mentions, other_)[0][0].as<int>(), 1) << "another user's event stays";
  EXPECT_EQ(Sql("SELECT count(*) FROM idempotency_keys WHERE scope LIKE '%' || $1", user_)[0][0]
                .as<int>(),
            0);
  EXPECT_EQ(Sql("SELECT count(*) FROM idempotency_keys WHERE scope LIKE '%' || $1", other_)[0][0]
                .as<int>(),
            1);

  const std::string parked =
      "SELECT count(*) FROM dead_letter_events WHERE position(convert_to($1::text, 'UTF8') IN "
      "envelope) > 0";
  EXPECT_EQ(Sql(parked, user_)[0][0].as<int>(), 0);
  EXPECT_EQ(Sql(parked, other_)[0][0].as<int>(), 1);

  // The record names him by hash only.
  pqxx::result records =
      Sql("SELECT service, encode(user_hash, 'hex'), user_erasures::text FROM user_erasures "
          "WHERE user_hash = sha256(convert_to($1::text, 'UTF8'))",
          user_);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0][0].as<std::string>(), "quest");
  EXPECT_EQ(records[0][1].as<std::string>(), absl::BytesToHexString(UserHash(user_)));
  EXPECT_EQ(records[0][2].as<std::string>().find(user_), std::string::npos);

  std::vector<::events::v1::EventEnvelope> announced = OutboxOfType("ops.v1.UserErased");
  ASSERT_EQ(announced.size(), 1u);
  EXPECT_EQ(announced[0].source(), "quest");
  EXPECT_EQ(announced[0].aggregate_id(), user_);
  v1::UserErased payload;
  ASSERT_TRUE(announced[0].payload().UnpackTo(&payload));
  EXPECT_EQ(payload.user_id(), user_);
  EXPECT_EQ(payload.erasure().rows_erased(), erased->rows_erased());
  EXPECT_EQ(db::TimestampMicros(payload.erasure().erased_at()),
            db::TimestampMicros(erased->erased_at()));

  // A consumer can tell an erased user from any other.
  auto is_erased = [&](const std::string& user) {
    return *database_.Write(
        [&](db::WriteTx& tx) -> absl::StatusOr<bool> { return ErasureStore::IsErased(tx, user); });
  };
  EXPECT_TRUE(is_erased(user_));
  EXPECT_TRUE(is_erased(absl::AsciiStrToUpper(user_)));
  EXPECT_FALSE(is_erased(other_));

  // Again: nothing of his left in the common tables; his UserErased stays.
  erased = database_.Write([&](db::WriteTx& tx) { return erasure_.EraseAndAnnounce(tx, user_); });
  ASSERT_TRUE(erased.ok()) << erased.status();
  EXPECT_EQ(erased->rows_erased(), 3) << "only the stand-in eraser's rows";
  EXPECT_EQ(OutboxOfType("ops.v1.UserErased").size(), 2u);
  ASSERT_EQ(Records(user_).size(), 1u) << "one record per (user, service)";
  EXPECT_EQ(db::TimestampMicros(Records(user_)[0].erased_at()),
            db::TimestampMicros(erased->erased_at()))
      << "the latest erasure";
}

// Quest commits MatchFinished for him and two others; he is erased before
// the relay runs (and after an older match was relayed, and while a third
// match of theirs is parked). Each event stays, as it was (id, order,
// published or not), with one stand-in in his place: the others still get
// it, `events replay` still has it, the parked one can still be retried.
TEST_F(UserErasureTest, OtherUsersEventsAreRewrittenWithAStandInNotDeleted) {
  const std::string v = api::NewUuidV4(), w = api::NewUuidV4();
  auto match = [&](const std::string& winner) {
    ::quest::v1::MatchFinished finished;
    finished.set_match_id(api::NewUuidV4());
    finished.set_winner_id(winner);
    for (const std::string& player : {user_, v, w}) {
      ::quest::v1::MatchParticipant* participant = finished.add_participants();
      participant->set_user_id(player);
      participant->set_rank(player == winner ? 1 : 2);
    }
    return finished;
  };
  const ::quest::v1::MatchFinished relayed = match(v), unrelayed = match(user_);
  std::vector<::events::v1::EventEnvelope> appended;
  ASSERT_TRUE(
      database_
          .Write([&](db::WriteTx& tx) -> absl::Status {
            appended.push_back(events::AppendEvent(tx, "quest", relayed.match_id(), relayed));
            tx.Query("UPDATE outbox_events SET published_at = now() WHERE id = $1",
                     appended.back().id());
            appended.push_back(events::AppendEvent(tx, "quest", unrelayed.match_id(), unrelayed));
            return absl::OkStatus();
          })
          .ok());
  ::events::v1::EventEnvelope parked;
  parked.set_id(api::NewUuidV4());
  parked.set_type("quest.v1.MatchFinished");
  parked.set_source("quest");
  parked.set_aggregate_id(api::NewUuidV4());
  parked.mutable_payload()->PackFrom(match(w));
  {
    const std::string bytes = parked.SerializeAsString();
    pqxx::connection connection(scratch_.Conninfo());
    pqxx::nontransaction(connection)
        .exec_params(
            "INSERT INTO dead_letter_events (event_id, source, type, subject, envelope, reason, "
            "deliveries, last_retry_error) VALUES ($1, 'quest', 'quest.v1.MatchFinished', "
            "'quest.MatchFinished', $2, 'no such user ' || upper($3), 1, 'still ' || $3)",
            parked.id(), pqxx::binarystring(bytes.data(), bytes.size()), user_);
  }

  absl::StatusOr<v1::ServiceErasure> erased =
      database_.Write([&](db::WriteTx& tx) { return erasure_.EraseAndAnnounce(tx, user_); });
  ASSERT_TRUE(erased.ok()) << erased.status();
  EXPECT_EQ(erased->rows_erased(), 3 + 2 + 1) << "eraser rows + 2 events + 1 dead letter rewritten";

  // Checks one rewritten MatchFinished against the original: his place
  // holds a stand-in UUID, everything else is as it was. Returns the stand-in.
  auto expect_rewritten = [&](const ::events::v1::EventEnvelope& envelope,
                              const ::quest::v1::MatchFinished& original) {
    EXPECT_EQ(envelope.SerializeAsString().find(user_), std::string::npos);
    ::quest::v1::MatchFinished finished;
    EXPECT_TRUE(envelope.payload().UnpackTo(&finished)) << envelope.id();
    EXPECT_EQ(finished.match_id(), original.match_id());
    EXPECT_EQ(finished.participants_size(), 3);
    if (finished.participants_size() != 3) return std::string();
    const std::string stand_in = finished.participants(0).user_id();
    EXPECT_TRUE(api::IsUuid(stand_in)) << stand_in;
    EXPECT_NE(stand_in, user_);
    EXPECT_EQ(finished.participants(1).user_id(), v);
    EXPECT_EQ(finished.participants(2).user_id(), w);
    for (int i = 0; i < 3; ++i) {
      EXPECT_EQ(finished.participants(i).rank(), original.participants(i).rank());
    }
    EXPECT_EQ(finished.winner_id(),
              original.winner_id() == user_ ? stand_in : original.winner_id());
    return stand_in;
  };

  pqxx::result outbox =
      Sql("SELECT id::text, aggregate_id::text, published_at IS NOT NULL, envelope "
          "FROM outbox_events WHERE type = $1 ORDER BY created_at, id",
          "quest.v1.MatchFinished");
  ASSERT_EQ(outbox.size(), 2u) << "neither event is deleted";
  std::set<std::string> stand_ins;
  for (size_t i = 0; i < 2; ++i) {
    ::events::v1::EventEnvelope envelope;
    ASSERT_TRUE(envelope.ParseFromString(pqxx::binarystring(outbox[i][3]).str()))
        << "the rewritten bytes still parse as an EventEnvelope";
    EXPECT_EQ(outbox[i][0].as<std::string>(), appended[i].id());
    EXPECT_EQ(envelope.id(), appended[i].id());
    EXPECT_EQ(envelope.type(), appended[i].type());
    EXPECT_EQ(envelope.aggregate_id(), appended[i].aggregate_id());
    EXPECT_EQ(outbox[i][1].as<std::string>(), appended[i].aggregate_id());
    EXPECT_EQ(db::TimestampMicros(envelope.occurred_at()),
              db::TimestampMicros(appended[i].occurred_at()));
    stand_ins.insert(expect_rewritten(envelope, i == 0 ? relayed : unrelayed));
  }
  EXPECT_TRUE(outbox[0][2].as<bool>()) << "the relayed one stays relayed (for replay)";
  EXPECT_FALSE(outbox[1][2].as<bool>()) << "the other still goes to the relay";

  pqxx::result dead =
      Sql("SELECT envelope, reason, last_retry_error, retried_at IS NULL FROM dead_letter_events "
          "WHERE event_id = $1::uuid",
          parked.id());
  ASSERT_EQ(dead.size(), 1u) << "the parked event is not deleted";
  ::events::v1::EventEnvelope parked_now;
  ASSERT_TRUE(parked_now.ParseFromString(pqxx::binarystring(dead[0][0]).str()));
  EXPECT_EQ(parked_now.id(), parked.id());
  ::quest::v1::MatchFinished parked_match;
  ASSERT_TRUE(parked.payload().UnpackTo(&parked_match));
  const std::string parked_stand_in = expect_rewritten(parked_now, parked_match);
  stand_ins.insert(parked_stand_in);
  EXPECT_EQ(stand_ins.size(), 1u) << "one stand-in per erasure";
  EXPECT_EQ(dead[0][1].as<std::string>(), "no such user " + parked_stand_in);
  EXPECT_EQ(dead[0][2].as<std::string>(), "still " + parked_stand_in);
  EXPECT_TRUE(dead[0][3].as<bool>()) << "still open, so it can be retried";

  // His own UserErased keeps his id; it is what tells the others.
  std::vector<::events::v1::EventEnvelope> announced = OutboxOfType("ops.v1.UserErased");
  ASSERT_EQ(announced.size(), 1u);
  EXPECT_EQ(announced[0].aggregate_id(), user_);

  // A second erasure finds nothing of his left to rewrite.
  erased = database_.Write([&](db::WriteTx& tx) { return erasure_.EraseAndAnnounce(tx, user_); });
  ASSERT_TRUE(erased.ok()) << erased.status();
  EXPECT_EQ(erased->rows_erased(), 3);
}

TEST_F(UserErasureTest, AnotherServicesUserErasedErasesHereRecordsBothAndConfirmsByHash) {
  AppendMention(api::NewUuidV4(), user_);
  ::events::v1::EventEnvelope envelope;
  envelope.set_id(api::NewUuidV4());
  envelope.set_source("social");
  v1::UserErased erased;
  erased.set_user_id(user_);
  erased.mutable_erasure()->set_service("not-trusted");  // the envelope's source is
  erased.mutable_erasure()->set_rows_erased(12);
  erased.mutable_erasure()->mutable_erased_at()->set_seconds(1'700'000'000);

  absl::Status status =
      database_.Write([&](db::WriteTx& tx) { return erasure_.OnUserErased(tx, envelope, erased); });
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(service_eraser_calls_, 1);
  std::vector<v1::ServiceErasure> records = Records(user_);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].service(), "quest");
  EXPECT_EQ(records[0].rows_erased(), 3 + 1);
  EXPECT_EQ(records[1].service(), "social");
  EXPECT_EQ(records[1].rows_erased(), 12);
  EXPECT_EQ(records[1].erased_at().seconds(), 1'700'000'000);
  EXPECT_TRUE(OutboxOfType("ops.v1.UserErased").empty()) << "no echo of the erasure";

  std::vector<::events::v1::EventEnvelope> confirmations =
      OutboxOfType("ops.v1.UserErasureConfirmed");
  ASSERT_EQ(confirmations.size(), 1u);
  v1::UserErasureConfirmed confirmed;
  ASSERT_TRUE(confirmations[0].payload().UnpackTo(&confirmed));
  EXPECT_EQ(confirmed.user_hash(), UserHash(user_));
  EXPECT_EQ(confirmed.erasure().service(), "quest");
  EXPECT_EQ(confirmations[0].SerializeAsString().find(user_), std::string::npos)
      << "a confirmation carries no raw user id";

  erased.set_user_id("not-a-uuid");
  status =
      database_.Write([&](db::WriteTx& tx) { return erasure_.OnUserErased(tx, envelope, erased); });
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << "parked, never retried";
}

TEST_F(UserErasureTest, ConfirmationsAreRecordedAndAnOlderOneChangesNothing) {
  ::events::v1::EventEnvelope envelope;
  envelope.set_id(api::NewUuidV4());
  envelope.set_source("notification");
  v1::UserErasureConfirmed confirmed;
  confirmed.set_user_hash(UserHash(user_));
  confirmed.mutable_erasure()->set_rows_erased(5);
  confirmed.mutable_erasure()->mutable_erased_at()->set_seconds(1'700'000'100);
  auto apply = [&] {
    return database_.Write(
        [&](db::WriteTx& tx) { return erasure_.OnErasureConfirmed(tx, envelope, confirmed); });
  };
  ASSERT_TRUE(apply().ok());
  confirmed.mutable_erasure()->set_rows_erased(1);
  confirmed.mutable_erasure()->mutable_erased_at()->set_seconds(1'700'000'000);
  ASSERT_TRUE(apply().ok()) << "a late, older confirmation";
  std::vector<v1::ServiceErasure> records = Records(user_);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].service(), "notification");
  EXPECT_EQ(records[0].rows_erased(), 5);
  EXPECT_EQ(records[0].erased_at().seconds(), 1'700'000'100);
  EXPECT_EQ(service_eraser_calls_, 0) << "a confirmation erases nothing";

  confirmed.set_user_hash("short");
  EXPECT_EQ(apply().code(), absl::StatusCode::kInvalidArgument);
}

TEST(ErasureHandlersTest, EachServiceFollowsTheOtherTwo) {
  events::EventHandlers handlers;
  RegisterErasureHandlers(handlers, UserErasure("social", [](db::WriteTx&, const std::string&) {
                            return absl::StatusOr<int64_t>(0);
                          }));
  EXPECT_EQ(handlers.Sources(), (std::vector<std::string>{"notification", "quest"}));
  for (const std::string source : {"notification", "quest"}) {
    EXPECT_NE(handlers.Find(source, "ops.v1.UserErased"), nullptr) << source;
    EXPECT_NE(handlers.Find(source, "ops.v1.UserErasureConfirmed"), nullptr) << source;
  }
  EXPECT_EQ(handlers.Find("social", "ops.v1.UserErased"), nullptr) << "not its own";
}

}  // namespace
}  // namespace qs::privacy
