// Rough figures for the outbox relay (common/events/relay.h), printed as
// text: how fast 1 and 2 relays drain a 100k-event backlog, and the
// commit -> on-the-stream latency at a steady 1,000 events/s (the time a
// core NATS subscriber on the stream's subjects receives the event, minus
// the time its transaction returned from commit). Real PostgreSQL (a
// scratch database) and the suite's real nats-server; environment as for
// the tests (tests/support/test_infra.h). Not a test: run it by hand,
//   bazel run //tests/events:relay_bench   (with the test environment)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/time/clock.h"
#include "common/api/uuid.h"
#include "common/db/database.h"
#include "common/events/event_stream_settings.h"
#include "common/events/outbox.h"
#include "common/events/relay.h"
#include "common/migrate/migration_set.h"
#include "common/migrate/migrator.h"
#include "google/protobuf/wrappers.pb.h"
#include "nats/nats.h"
#include "pqxx/pqxx"
#include "tests/support/test_infra.h"

namespace qs::events {
namespace {

constexpr int kBacklog = 100'000;

struct Bench {
  qs::testing::ScratchDatabase scratch{"quest"};
  db::Database database{scratch.Config(), "relay-bench"};
  EventStreamSettings settings;

  Bench() {
    auto migrations = migrate::LoadMigrationDirectories({"migrations/common"});
    if (!migrations.ok() || !migrate::Migrator(scratch.Conninfo(), *migrations).Run().ok()) {
      std::fprintf(stderr, "migration failed\n");
      std::exit(1);
    }
    settings.nats_url = qs::testing::TestInfra::Get().nats_url;
    settings.name_space = "bench" + absl::AsciiStrToLower(qs::testing::UniqueSuffix());
  }

  int64_t Unpublished() {
    pqxx::connection connection(scratch.Conninfo());
    return pqxx::nontransaction(connection)
        .exec("SELECT count(*) FROM outbox_events WHERE published_at IS NULL")[0][0]
        .as<int64_t>();
  }

  // `count` events of ~10,000 aggregates, each a real envelope's size.
  void FillBacklog(int count) {
    google::protobuf::StringValue payload;
    payload.set_value(std::string(64, 'x'));
    ::events::v1::EventEnvelope envelope;
    envelope.set_id(api::NewUuidV4());
    envelope.set_type("quest.v1.PuzzleSolved");
    envelope.set_source("quest");
    envelope.set_aggregate_id(api::NewUuidV4());
    envelope.mutable_payload()->PackFrom(payload);
    const std::string bytes = envelope.SerializeAsString();
    pqxx::connection connection(scratch.Conninfo());
    pqxx::work tx(connection);
    tx.exec_params(
        "INSERT INTO outbox_events (type, aggregate_id, envelope) "
        "SELECT 'quest.v1.PuzzleSolved', "
        "  md5((i % 10000)::text)::uuid, $2 FROM generate_series(1, $1) AS i",
        count, pqxx::binarystring(bytes.data(), bytes.size()));
    tx.commit();
  }

  void Drain(int relays) {
    FillBacklog(kBacklog);
    std::vector<std::unique_ptr<db::Database>> databases;
    std::vector<std::unique_ptr<OutboxRelay>> running;
    const absl::Time start = absl::Now();
    for (int i = 0; i < relays; ++i) {
      databases.push_back(std::make_unique<db::Database>(scratch.Config(), "relay-bench"));
      running.push_back(
          std::make_unique<OutboxRelay>("quest", settings, *databases.back(), scratch.Conninfo()));
      running.back()->Start();
    }
    while (Unpublished() > 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
    std::printf("drain %d events, %d relay(s), batch %d: %.2f s = %.0f events/s\n", kBacklog,
                relays, settings.relay_batch_size, seconds, kBacklog / seconds);
    for (auto& relay : running) relay->Stop();
  }

  void Latency(int per_second, absl::Duration duration) {
    OutboxRelay relay("quest", settings, database, scratch.Conninfo());
    relay.Start();
    natsConnection* connection = nullptr;
    natsSubscription* subscription = nullptr;
    struct Seen {
      std::mutex mutex;
      std::map<std::string, absl::Time> received;
    } seen;
    natsConnection_ConnectTo(&connection, settings.nats_url.c_str());
    const std::string subjects = EventStreamNames(settings.name_space).StreamSubjects("quest");
    natsConnection_Subscribe(
        &subscription, connection, subjects.c_str(),
        [](natsConnection*, natsSubscription*, natsMsg* msg, void* closure) {
          auto* seen = static_cast<Seen*>(closure);
          const char* id = nullptr;
          if (natsMsgHeader_Get(msg, "Nats-Msg-Id", &id) == NATS_OK) {
            std::lock_guard<std::mutex> lock(seen->mutex);
            seen->received.emplace(id, absl::Now());
          }
          natsMsg_Destroy(msg);
        },
        &seen);
    natsConnection_Flush(connection);

    // Four paced writers: one alone cannot always commit 1,000/s here.
    constexpr int kWriters = 4;
    std::mutex committed_mutex;
    std::map<std::string, absl::Time> committed;
    const absl::Duration gap = absl::Seconds(1) / per_second * kWriters;
    const absl::Time start = absl::Now();
    std::vector<std::thread> writers;
    for (int w = 0; w < kWriters; ++w) {
      writers.emplace_back([&, w] {
        google::protobuf::StringValue payload;
        payload.set_value(std::string(64, 'x'));
        for (int i = 0; absl::Now() - start < duration; ++i) {
          const absl::Time next = start + gap * i + gap * w / kWriters;
          if (absl::Now() < next) absl::SleepFor(next - absl::Now());
          std::string id;
          (void)database.Write([&](db::WriteTx& tx) -> absl::Status {
            id = AppendEvent(tx, "quest", api::NewUuidV4(), payload).id();
            return absl::OkStatus();
          });
          const absl::Time now = absl::Now();
          std::lock_guard<std::mutex> lock(committed_mutex);
          committed[id] = now;
        }
      });
    }
    for (std::thread& writer : writers) writer.join();
    while (Unpublished() > 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    std::vector<double> ms;
    {
      std::lock_guard<std::mutex> lock(seen.mutex);
      for (const auto& [id, at] : committed) {
        auto it = seen.received.find(id);
        if (it != seen.received.end()) ms.push_back(absl::ToDoubleMilliseconds(it->second - at));
      }
    }
    std::sort(ms.begin(), ms.end());
    auto at = [&](double q) {
      return ms.empty() ? 0 : ms[static_cast<size_t>(q * (ms.size() - 1))];
    };
    std::printf(
        "latency at %d events/s for %s: %zu of %zu seen, commit->stream p50 %.2f ms, p99 %.2f ms, "
        "max %.2f ms\n",
        per_second, absl::FormatDuration(duration).c_str(), ms.size(), committed.size(), at(0.5),
        at(0.99), ms.empty() ? 0 : ms.back());
    relay.Stop();
    natsSubscription_Destroy(subscription);
    natsConnection_Destroy(connection);
  }
};

}  // namespace
}  // namespace qs::events

int main() {
  {
    qs::events::Bench bench;
    bench.Latency(100, absl::Seconds(5));
    bench.Latency(1000, absl::Seconds(10));
  }
  {
    qs::events::Bench bench;
    bench.Drain(1);
  }
  {
    qs::events::Bench bench;
    bench.Drain(2);
  }
  return 0;
}
