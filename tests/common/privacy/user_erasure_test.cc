// The common part of every service's erasure (common/privacy/user_erasure.h,
// erasure_handlers.h) on a scratch database migrated with the common tables,
// with a stand-in for the service's own eraser: what it deletes from the
// outbox and the idempotency records, what it records, which events it
// appends, and how it treats other services' events.
#include "common/privacy/user_erasure.h"

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "common/api/uuid.h"
#include "common/db/database.h"
#include "common/db/row_mapping.h"
#include "common/events/event_handlers.h"
#include "common/events/outbox.h"
#include "common/migrate/migration_set.h"
#include "common/migrate/migrator.h"
#include "common/privacy/erasure_handlers.h"
#include "common/privacy/erasure_store.h"
#include "common/privacy/user_hash.h"
#include "google/protobuf/wrappers.pb.h"
#include "gtest/gtest.h"
#include "pqxx/pqxx"
#include "tests/support/test_infra.h"

namespace qs::privacy {
namespace {

namespace v1 = ::ops::v1;

class UserErasureTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto migrations = migrate::LoadMigrationDirectories({"migrations/common"});
    ASSERT_TRUE(migrations.ok()) << migrations.status();
    auto applied = migrate::Migrator(scratch_.Conninfo(), *migrations).Run();
    ASSERT_TRUE(applied.ok()) << applied.status();
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
      << "eraser rows + 3 events + 1 idempotency key + 1 dead letter";

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
