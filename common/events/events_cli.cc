#include "common/events/events_cli.h"

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/api/uuid.h"
#include "common/cli/database_flag.h"
#include "common/cli/flags.h"
#include "common/config/env.h"
#include "common/db/database.h"
#include "common/events/dead_letter_store.h"
#include "common/events/event_stream_settings.h"
#include "common/events/events_replay.h"
#include "common/events/nats_connection.h"

namespace qs::events {
namespace {

constexpr int kFailed = 1;
constexpr int kUsage = 2;

constexpr absl::string_view kKnownFlags[] = {"service", "since", "type",         "dry-run",
                                             "limit",   "wait",  "database-url", "nats-url"};

void PrintUsage() {
  std::fprintf(stderr,
               "usage: events --service=S replay --since=<RFC 3339 time|event id> "
               "[--type=T] [--dry-run]\n"
               "       events --service=S dead-letters list [--limit=N]\n"
               "       events --service=S dead-letters retry <id> [--wait=SECONDS]\n"
               "  --database-url=postgres://...  (default: DB_* env)\n"
               "  --nats-url=nats://host:port    (default: NATS_URL)\n");
}

int Fail(absl::string_view message, int code = kFailed) {
  std::fprintf(stderr, "events: %s\n", std::string(message).c_str());
  return code;
}

int FailWith(const absl::Status& status) {
  // Bad input names what was wrong; the database or broker failing is 1.
  const bool usage = status.code() == absl::StatusCode::kInvalidArgument ||
                     status.code() == absl::StatusCode::kNotFound;
  return Fail(status.message(), usage ? kUsage : kFailed);
}

std::string Rfc3339(absl::Time time) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", time, absl::UTCTimeZone());
}

bool IsValidServiceName(const std::string& name) {
  if (name.empty() || name.size() > 32 || !absl::ascii_islower(name[0])) return false;
  for (char c : name) {
    if (!absl::ascii_islower(c) && !absl::ascii_isdigit(c) && c != '_') return false;
  }
  return true;
}

// `--dry-run` alone means --dry-run=true (cli::Flags wants a value).
std::vector<std::string> NormaliseArguments(int argc, char** argv) {
  std::vector<std::string> arguments(argv, argv + argc);
  for (std::string& argument : arguments) {
    if (argument == "--dry-run") argument = "--dry-run=true";
  }
  return arguments;
}

struct Context {
  std::string service;
  cli::Flags flags;
  EventStreamSettings settings;
  config::DbConfig db_config;
  std::unique_ptr<db::Database> database_;

  // Opened on first use, after the command line was checked.
  db::Database& database() {
    if (database_ == nullptr) {
      database_ = std::make_unique<db::Database>(db_config, service + "-events");
    }
    return *database_;
  }
};

int Replay(Context& context) {
  if (context.flags.positional().size() != 1) {
    return Fail("replay takes no arguments besides its flags", kUsage);
  }
  absl::StatusOr<std::string> since = context.flags.RequiredString("since");
  if (!since.ok()) return Fail(since.status().message(), kUsage);
  const std::string type = context.flags.String("type");
  if (context.flags.Has("type") && !IsValidTypeFilter(type)) {
    return Fail(
        "--type: expected a payload's full name (quest.v1.PuzzleSolved) or its last "
        "component (PuzzleSolved)",
        kUsage);
  }
  absl::StatusOr<bool> dry_run = context.flags.Bool("dry-run", false);
  if (!dry_run.ok()) return Fail(dry_run.status().message(), kUsage);
  if (!IsReplayStart(*since)) return FailWith(ParseReplayStartTime(*since).status());

  absl::StatusOr<absl::Time> from = ResolveReplayStart(context.database(), *since);
  if (!from.ok()) return FailWith(from.status());

  std::unique_ptr<NatsConnection> nats;
  if (!*dry_run) {
    absl::StatusOr<std::unique_ptr<NatsConnection>> connected =
        NatsConnection::Connect(context.settings.nats_url, context.service + "-events-replay");
    if (!connected.ok()) return FailWith(connected.status());
    nats = *std::move(connected);
    // The connection may still be coming up in the background.
    const absl::Time deadline = absl::Now() + context.settings.publish_timeout;
    while (!nats->IsConnected() && absl::Now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (!nats->IsConnected()) {
      return Fail(absl::StrCat("NATS at ", context.settings.nats_url, " does not answer"));
    }
  }
  ReplayRequest request{context.service, *from, type, *dry_run};
  absl::StatusOr<ReplayResult> result =
      ReplayOutbox(context.database(), nats.get(), context.settings, request);
  if (!result.ok()) return Fail(result.status().ToString());

  const std::string what = absl::StrCat(context.service, " events", type.empty() ? "" : " of type ",
                                        type, " since ", Rfc3339(*from));
  if (*dry_run) {
    std::printf("dry run: would replay %lld %s\n", static_cast<long long>(result->matched),
                what.c_str());
  } else {
    std::printf("replayed %lld %s (%lld already on the stream, dropped as duplicates)\n",
                static_cast<long long>(result->published), what.c_str(),
                static_cast<long long>(result->duplicates));
  }
  // Rows older than the retention horizon are pruned (by created_at or
  // later): a start before it, and before the oldest row kept, may have lost
  // events that no replay can bring back.
  const absl::Time horizon = absl::Now() - context.settings.outbox_retention;
  if (*from < horizon && (!result->oldest_kept.has_value() || *from < *result->oldest_kept)) {
    std::printf(
        "note: --since is older than the oldest outbox row kept (%s): events before it "
        "were pruned (EVENTS_OUTBOX_RETENTION_HOURS = %.0f) and cannot be replayed\n",
        result->oldest_kept.has_value() ? Rfc3339(*result->oldest_kept).c_str()
                                        : "none, the outbox is empty",
        absl::ToDoubleHours(context.settings.outbox_retention));
  }
  return 0;
}

std::string Describe(const DeadLetter& letter) {
  std::string line = absl::StrCat(letter.id, "  ", Rfc3339(letter.created_at), "  ", letter.source,
                                  "  ", letter.type.empty() ? "(undecodable)" : letter.type,
                                  "  event ", letter.event_id.empty() ? "-" : letter.event_id,
                                  "  deliveries ", letter.deliveries);
  if (letter.retried_at.has_value()) {
    absl::StrAppend(&line, "  retried ", Rfc3339(*letter.retried_at));
  } else if (letter.retry_requested_at.has_value()) {
    absl::StrAppend(&line, "  retry requested ", Rfc3339(*letter.retry_requested_at));
  } else if (!letter.last_retry_error.empty()) {
    absl::StrAppend(&line, "  last retry failed: ", letter.last_retry_error);
  }
  absl::StrAppend(&line, "\n    reason: ", letter.reason);
  return line;
}

int ListDeadLetters(Context& context) {
  if (context.flags.positional().size() != 2) {
    return Fail("dead-letters list takes no arguments besides --limit", kUsage);
  }
  absl::StatusOr<int64_t> limit = context.flags.Int64("limit", 50, 1, 1000);
  if (!limit.ok()) return Fail(limit.status().message(), kUsage);
  absl::StatusOr<std::vector<DeadLetter>> letters = context.database().ReadFromPrimary(
      [&](db::ReadTx& tx) -> absl::StatusOr<std::vector<DeadLetter>> {
        return ListOpenDeadLetters(tx, static_cast<int>(*limit));
      });
  if (!letters.ok()) return Fail(letters.status().ToString());
  if (letters->empty()) std::printf("no open dead letters in %s\n", context.service.c_str());
  for (const DeadLetter& letter : *letters) std::printf("%s\n", Describe(letter).c_str());
  return 0;
}

absl::StatusOr<DeadLetter> Find(db::Database& database, const std::string& id) {
  return database.ReadFromPrimary([&](db::ReadTx& tx) -> absl::StatusOr<DeadLetter> {
    std::optional<DeadLetter> letter = FindDeadLetter(tx, id);
    if (!letter.has_value()) return absl::NotFoundError(absl::StrCat("no dead letter ", id));
    return *letter;
  });
}

int RetryDeadLetter(Context& context) {
  if (context.flags.positional().size() != 3) {
    return Fail("dead-letters retry takes one dead letter id", kUsage);
  }
  const std::string id = context.flags.positional()[2];
  if (!api::IsUuid(id)) return Fail("dead letter id: must be a UUID", kUsage);
  absl::StatusOr<int64_t> wait = context.flags.Int64("wait", 30, 0, 3600);
  if (!wait.ok()) return Fail(wait.status().message(), kUsage);

  absl::StatusOr<DeadLetter> letter = Find(context.database(), id);
  if (!letter.ok()) return FailWith(letter.status());
  if (letter->retried_at.has_value()) {
    std::printf("dead letter %s was applied at %s already\n", id.c_str(),
                Rfc3339(*letter->retried_at).c_str());
    return 0;
  }
  absl::Status requested = context.database().Write([&](db::WriteTx& tx) -> absl::Status {
    if (!RequestDeadLetterRetry(tx, id)) return absl::NotFoundError("no open dead letter " + id);
    return absl::OkStatus();
  });
  if (!requested.ok()) return FailWith(requested);

  const absl::Time deadline = absl::Now() + absl::Seconds(*wait);
  while (true) {
    letter = Find(context.database(), id);
    if (!letter.ok()) return Fail(letter.status().ToString());
    if (letter->retried_at.has_value()) {
      std::printf("applied: dead letter %s (event %s)\n", id.c_str(),
                  letter->event_id.empty() ? "-" : letter->event_id.c_str());
      return 0;
    }
    if (!letter->retry_requested_at.has_value()) {
      std::printf("failed again: dead letter %s: %s\n", id.c_str(),
                  letter->last_retry_error.c_str());
      return kFailed;
    }
    if (absl::Now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  std::printf(
      "not applied within %llds: the request stays; is %s running with a consumer of "
      "%s's events?\n",
      static_cast<long long>(*wait), context.service.c_str(), letter->source.c_str());
  return kFailed;
}

}  // namespace

int EventsMain(int argc, char** argv) {
  std::vector<std::string> arguments = NormaliseArguments(argc, argv);
  std::vector<const char*> pointers;
  for (const std::string& argument : arguments) pointers.push_back(argument.c_str());
  absl::StatusOr<cli::Flags> flags =
      cli::Flags::Parse(static_cast<int>(pointers.size()), pointers.data(), kKnownFlags);
  if (!flags.ok()) {
    PrintUsage();
    return Fail(flags.status().message(), kUsage);
  }
  if (flags->help() || flags->positional().empty()) {
    PrintUsage();
    return kUsage;
  }
  Context context{flags->String("service"), *std::move(flags), {}, {}, nullptr};
  if (!IsValidServiceName(context.service)) {
    PrintUsage();
    return Fail("--service: expected a service name such as quest, notification or social", kUsage);
  }
  const std::vector<std::string>& positional = context.flags.positional();
  const bool replay = positional[0] == "replay";
  const bool list =
      positional[0] == "dead-letters" && positional.size() >= 2 && positional[1] == "list";
  const bool retry =
      positional[0] == "dead-letters" && positional.size() >= 2 && positional[1] == "retry";
  if (!replay && !list && !retry) {
    PrintUsage();
    return Fail(absl::StrCat("unknown command: ", positional[0],
                             positional.size() >= 2 ? " " + positional[1] : ""),
                kUsage);
  }

  absl::StatusOr<EventStreamSettings> settings = LoadEventStreamSettings(config::ProcessEnv());
  if (!settings.ok()) return Fail(settings.status().message(), kUsage);
  context.settings = *settings;
  if (context.flags.Has("nats-url")) context.settings.nats_url = context.flags.String("nats-url");
  absl::StatusOr<config::DbConfig> database = cli::DatabaseFromFlags(context.flags);
  if (!database.ok()) return Fail(database.status().message(), kUsage);
  // A command needs one connection at a time.
  database->min_connections = 1;
  database->max_connections = 2;
  context.db_config = *database;

  if (replay) return Replay(context);
  if (list) return ListDeadLetters(context);
  return RetryDeadLetter(context);
}

}  // namespace qs::events
