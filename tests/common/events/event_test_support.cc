#include "tests/common/events/event_test_support.h"

#include <chrono>
#include <cstdlib>
#include <map>
#include <optional>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/api/uuid.h"
#include "google/protobuf/util/time_util.h"
#include "google/protobuf/wrappers.pb.h"
#include "gtest/gtest.h"
#include "pqxx/pqxx"
#include "tests/support/service_process.h"

namespace qs::events::testing {

EventStreamSettings TestSettings(const std::string& nats_url) {
  EventStreamSettings settings;
  settings.nats_url = nats_url;
  settings.name_space = absl::StrCat("c", qs::testing::UniqueSuffix());
  settings.ack_wait = absl::Seconds(2);
  settings.max_deliver = 3;
  settings.consumer_batch = 10;
  settings.publish_timeout = absl::Seconds(2);
  return settings;
}

MigratedScratch::MigratedScratch(const std::string& service) : scratch_(service) {
  absl::Status migrated = scratch_.Migrate({"migrations/common"});
  EXPECT_TRUE(migrated.ok()) << migrated;
  Execute(
      "CREATE TABLE effects (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), event_id uuid NOT "
      "NULL, value text NOT NULL)");
}

int64_t MigratedScratch::Count(const std::string& sql) const {
  pqxx::connection connection(scratch_.Conninfo());
  return pqxx::nontransaction(connection).exec(sql)[0][0].as<int64_t>();
}

void MigratedScratch::Execute(const std::string& sql) const {
  pqxx::connection connection(scratch_.Conninfo());
  pqxx::nontransaction(connection).exec(sql);
}

void WriteEffect(db::WriteTx& tx, const ::events::v1::EventEnvelope& envelope,
                 const std::string& value) {
  tx.Query("INSERT INTO effects (event_id, value) VALUES ($1::uuid, $2)", envelope.id(), value);
}

::events::v1::EventEnvelope StringEvent(const std::string& source, const std::string& value) {
  google::protobuf::StringValue payload;
  payload.set_value(value);
  ::events::v1::EventEnvelope envelope;
  envelope.set_id(api::NewUuidV4());
  envelope.set_type(payload.GetDescriptor()->full_name());
  envelope.set_source(source);
  envelope.set_aggregate_id(api::NewUuidV4());
  *envelope.mutable_occurred_at() =
      google::protobuf::util::TimeUtil::NanosecondsToTimestamp(absl::ToUnixNanos(absl::Now()));
  envelope.mutable_payload()->PackFrom(payload);
  return envelope;
}

TestPublisher::TestPublisher(const std::string& nats_url, EventStreamSettings settings)
    : settings_(std::move(settings)) {
  auto nats = NatsConnection::Connect(nats_url, "events-test-publisher");
  EXPECT_TRUE(nats.ok()) << nats.status();
  if (nats.ok()) nats_ = *std::move(nats);
  WaitFor([&] { return nats_ != nullptr && nats_->IsConnected(); }, absl::Seconds(10));
}

TestPublisher::~TestPublisher() {
  if (nats_ == nullptr) return;
  for (const std::string& stream : streams_) {
    js_DeleteStream(nats_->jetstream(), stream.c_str(), nullptr, nullptr);
  }
}

void TestPublisher::Publish(const ::events::v1::EventEnvelope& envelope,
                            const std::string& message_id) {
  PublishRaw(envelope.source(), envelope.SerializeAsString(),
             message_id.empty() ? envelope.id() : message_id);
}

void TestPublisher::PublishRaw(const std::string& source, const std::string& data,
                               const std::string& message_id) {
  ASSERT_NE(nats_, nullptr);
  const EventStreamNames names(settings_.name_space);
  ASSERT_TRUE(
      nats_->EnsureStream(names.Stream(source), names.StreamSubjects(source), settings_).ok());
  streams_.insert(names.Stream(source));
  natsMsg* message = nullptr;
  const std::string subject = names.Subject(source, "test.v1.Raw");
  ASSERT_EQ(natsMsg_Create(&message, subject.c_str(), nullptr, data.data(),
                           static_cast<int>(data.size())),
            NATS_OK);
  ASSERT_EQ(natsMsgHeader_Set(message, "Nats-Msg-Id", message_id.c_str()), NATS_OK);
  jsPubAck* ack = nullptr;
  jsErrCode error = static_cast<jsErrCode>(0);
  natsStatus s = js_PublishMsg(&ack, nats_->jetstream(), message, nullptr, &error);
  natsMsg_Destroy(message);
  ASSERT_EQ(s, NATS_OK) << StatusFromNats(s, "test publish", error);
  jsPubAck_Destroy(ack);
}

CommandRun RunEventsCommand(const EventStreamSettings& settings,
                            const std::vector<std::string>& args) {
  std::map<std::string, std::string> env = {
      {"PATH", "/usr/bin:/bin"},
      {"NATS_URL", settings.nats_url},
      {"EVENTS_NAMESPACE", settings.name_space},
      {"EVENTS_PUBLISH_TIMEOUT_MS",
       std::to_string(absl::ToInt64Milliseconds(settings.publish_timeout))},
  };
  const char* binary = std::getenv("EVENTS_BINARY");
  EXPECT_NE(binary, nullptr) << "EVENTS_BINARY is not set";
  if (binary == nullptr) return {};
  auto process = qs::testing::ServiceProcess::Start(binary, env, args);
  std::optional<int> code = process->WaitForExit(absl::Seconds(60));
  return {code.value_or(-1000), process->Log()};
}

bool WaitFor(const std::function<bool()>& done, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return done();
}

}  // namespace qs::events::testing
