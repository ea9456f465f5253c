// Issue 15's compose drill, the scale-out stack (docker-compose.yml +
// replica + scale files): a streaming replica, two instances of each
// service, a three-node JetStream cluster. Two quest instances started
// together on a fresh database migrate once; then, under steady writes
// through round_robin channels (which must reach both instances), one
// instance of each service and the NATS node leading the SOCIAL stream stop
// and return while every stream keeps 3 replicas and stays writable and
// readable, and every acknowledged write and its event is found exactly once.
// The friend requests' recipients have push tokens, so both notification
// instances' delivery workers share the pushes (SKIP LOCKED): each
// delivery is sent, by one instance, once (drill_deliveries.h).
//
// One binary with compose_drill_dev_stack.cc (//tests/deploy:compose_drill_test,
// tagged manual): tests/deploy/run_drill.sh builds the images and runs it.
#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "tests/deploy/drill_calls.h"
#include "tests/deploy/drill_checks.h"
#include "tests/deploy/drill_deliveries.h"
#include "tests/deploy/drill_metrics.h"
#include "tests/deploy/drill_nats.h"
#include "tests/deploy/drill_stack.h"
#include "tests/deploy/drill_writers.h"
#include "tests/support/eventually.h"
#include "tests/support/service_process.h"

namespace qs::drill {
namespace {

// The streams the three services publish to (common/events), each to be
// kept on every node of the cluster (EVENTS_STREAM_REPLICAS=3).
const std::vector<std::string>& Streams() {
  static const auto* streams = new std::vector<std::string>{"NOTIFICATION", "QUEST", "SOCIAL"};
  return *streams;
}
constexpr int kClusterSize = 3;

// The users the friend requests go to, in turn, each with push tokens.
constexpr int kPushRecipients = 100;
// How long the deliveries may take to settle once the stream drained: a
// delivery whose outcome was lost is sent again only after its lease
// (DELIVERY_LEASE_MS, 60 s in the compose stack) expired.
constexpr absl::Duration kDeliveriesSettle = absl::Seconds(90);

// The stream whose writes and reads the outage is checked on: social's
// friend requests, which notification turns into inbox entries.
constexpr char kWatchedStream[] = "SOCIAL";

const std::vector<std::string>& NatsNodes() {
  static const auto* nodes = new std::vector<std::string>{"nats", "nats-2", "nats-3"};
  return *nodes;
}

const std::vector<std::string>& Infrastructure() {
  static const auto* services =
      new std::vector<std::string>{"postgres", "postgres-replica", "nats", "nats-2", "nats-3"};
  return *services;
}

const std::vector<std::string>& Instances() {
  static const auto* services = new std::vector<std::string>{
      "quest", "quest-2", "notification", "notification-2", "social", "social-2"};
  return *services;
}

class ScaleOutDrill : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    absl::StatusOr<std::unique_ptr<DrillStack>> created = DrillStack::Create(
        {"docker-compose.yml", "docker-compose.replica.yml", "docker-compose.scale.yml"});
    ASSERT_TRUE(created.ok()) << created.status();
    stack_ = *std::move(created);
    // The databases and the NATS cluster first: the services come later,
    // quest's two instances together (TwoInstancesStartingTogetherMigrateOnce).
    const absl::Time start = absl::Now();
    absl::Status up = stack_->project().Up(Infrastructure());
    ASSERT_TRUE(up.ok()) << up;
    absl::Status healthy = stack_->WaitHealthy(Infrastructure(), kHealthyTimeout);
    ASSERT_TRUE(healthy.ok()) << healthy;
    Figure(absl::StrCat("scale-out infrastructure (primary, replica, 3 NATS nodes) healthy in ",
                        Since(start)));
  }

  static void TearDownTestSuite() {
    if (stack_ != nullptr && ::testing::UnitTest::GetInstance()->Failed()) {
      for (const std::string& service : Instances()) {
        const std::string container = stack_->project().Container(service);
        if (!container.empty()) {
          std::cerr << "---- " << container << " ----\n" << Tail(stack_->project().Logs(container));
        }
      }
    }
    if (stack_ != nullptr) {
      stack_->project().Down();
      ProjectObjects left = stack_->project().Objects();
      EXPECT_TRUE(left.empty()) << left.Describe();
    }
    stack_.reset();
  }

  void SetUp() override {
    if (stack_ == nullptr) GTEST_FAIL() << "the scale-out infrastructure did not come up";
  }

  // Every instance up (those running already stay as they are).
  static void EnsureInstancesUp() {
    std::vector<std::string> missing;
    for (const std::string& service : Instances()) {
      if (stack_->project().Container(service).empty() ||
          stack_->project().State(stack_->project().Container(service)) != "running") {
        missing.push_back(service);
      }
    }
    if (missing.empty()) return;
    const absl::Time start = absl::Now();
    absl::Status up = stack_->project().Up(missing);
    ASSERT_TRUE(up.ok()) << up;
    absl::Status healthy = stack_->WaitHealthy(Instances(), kHealthyTimeout);
    ASSERT_TRUE(healthy.ok()) << healthy;
    Figure(absl::StrCat("scale-out instances (", absl::StrJoin(missing, ", "), ") healthy in ",
                        Since(start)));
  }

  inline static std::unique_ptr<DrillStack> stack_;
};

// Case b: quest and quest-2 start at the same moment on a fresh quest_db.
// The migrator's advisory lock lets one apply the set; the other finds
// nothing pending; every version is in schema_migrations once.
TEST_F(ScaleOutDrill, TwoInstancesStartingTogetherMigrateOnce) {
  ASSERT_TRUE(stack_->project().Container("quest").empty()) << "quest_db must be fresh";
  absl::Status created = stack_->project().Create({"quest", "quest-2"});
  ASSERT_TRUE(created.ok()) << created;
  const std::vector<std::string> containers = {stack_->project().Container("quest"),
                                               stack_->project().Container("quest-2")};
  const absl::Time start = absl::Now();
  std::vector<std::thread> starts;
  for (const std::string& container : containers) {
    starts.emplace_back([container] {
      absl::StatusOr<std::string> started = Podman({"start", container});
      EXPECT_TRUE(started.ok()) << started.status();
    });
  }
  for (std::thread& thread : starts) thread.join();
  absl::Status healthy = stack_->WaitHealthy({"quest", "quest-2"}, kHealthyTimeout);
  ASSERT_TRUE(healthy.ok()) << healthy;
  Figure(absl::StrCat("quest + quest-2 started together: both healthy in ", Since(start)));

  absl::StatusOr<std::vector<std::string>> expected = ExpectedMigrations("quest");
  ASSERT_TRUE(expected.ok()) << expected.status();
  absl::StatusOr<std::vector<std::string>> applied = stack_->AppliedMigrations("quest_db");
  ASSERT_TRUE(applied.ok()) << applied.status();
  EXPECT_EQ(*applied, *expected);

  // What each instance says it did (common/service/service_main.cc):
  // "schema up to date: N migration(s) known, M applied now".
  const std::string known =
      absl::StrCat("schema up to date: ", expected->size(), " migration(s) known, ");
  std::vector<int> applied_now;
  for (const std::string& container : containers) {
    const std::string log = stack_->project().Logs(container);
    int total = 0;
    bool reported = false;
    for (absl::string_view line : absl::StrSplit(log, '\n')) {
      size_t at = line.find(known);
      if (at == absl::string_view::npos) continue;
      int count = 0;
      absl::string_view rest = line.substr(at + known.size());
      ASSERT_TRUE(absl::SimpleAtoi(rest.substr(0, rest.find(' ')), &count)) << line;
      total += count;
      reported = true;
    }
    EXPECT_TRUE(reported) << container << " never said its schema was up to date:\n" << Tail(log);
    applied_now.push_back(total);
    Figure(absl::StrCat(container, ": applied ", total, " of ", expected->size(), " migrations"));
  }
  std::sort(applied_now.begin(), applied_now.end());
  EXPECT_EQ(applied_now, (std::vector<int>{0, static_cast<int>(expected->size())}));
}

// Every stream on all 3 nodes, as `container` sees it: created with 3
// replicas (config), held by it and the two other nodes (cluster), with a
// leader. Returns the report of kWatchedStream.
StreamReport ExpectEveryStreamReplicated(const ComposeProject& project,
                                         const std::string& container) {
  StreamReport watched;
  std::vector<StreamReport> seen;
  absl::Status last_error;
  // The services create their streams as they start: wait for all three.
  const bool all_there = testing::Eventually(
      [&] {
        absl::StatusOr<std::vector<StreamReport>> streams = ReadStreams(project, container);
        last_error = streams.status();
        if (!streams.ok()) return false;
        seen = *streams;
        int found = 0;
        for (const StreamReport& stream : seen) {
          found += std::count(Streams().begin(), Streams().end(), stream.name) > 0 &&
                   !stream.leader.empty() &&
                   static_cast<int>(stream.other_peers.size()) == kClusterSize - 1;
        }
        return found == static_cast<int>(Streams().size());
      },
      absl::Seconds(30));
  std::vector<std::string> described;
  for (const StreamReport& stream : seen) {
    described.push_back(absl::StrCat(stream.name, " R", stream.replicas, " leader ", stream.leader,
                                     " peers ", absl::StrJoin(stream.other_peers, "+"),
                                     " + the node asked"));
    if (stream.name == kWatchedStream) watched = stream;
  }
  Figure(absl::StrCat("JetStream as ", container, " sees it: ", absl::StrJoin(described, "; ")));
  EXPECT_TRUE(all_there) << absl::StrJoin(described, "; ") << " (last /jsz read: " << last_error
                         << ")";
  for (const std::string& name : Streams()) {
    auto found = std::find_if(seen.begin(), seen.end(),
                              [&](const StreamReport& stream) { return stream.name == name; });
    if (found == seen.end()) {
      ADD_FAILURE() << name << " not in /jsz of " << container;
      continue;
    }
    EXPECT_EQ(found->replicas, kClusterSize) << name;
  }
  return watched;
}

// Case d: steady quest and social writes over round_robin channels while
// quest-2, notification-2, social-2 and the NATS node leading SOCIAL stop
// (SIGTERM) and return.
TEST_F(ScaleOutDrill, InstancesAndTheStreamLeaderLeaveAndReturnUnderSteadyWrites) {
  EnsureInstancesUp();
  const std::string nats = stack_->project().Container("nats");
  const StreamReport before = ExpectEveryStreamReplicated(stack_->project(), nats);
  ASSERT_FALSE(before.leader.empty()) << kWatchedStream << " has no leader";
  const std::string leader_service = NatsServiceOf(before.leader);
  ASSERT_TRUE(std::count(NatsNodes().begin(), NatsNodes().end(), leader_service))
      << "leader " << before.leader << " is no compose service";
  // A node that stays up, to ask during the outage.
  const std::string survivor =
      stack_->project().Container(leader_service == "nats" ? "nats-2" : "nats");

  auto quest = RoundRobinChannel({stack_->PortOf("quest"), stack_->PortOf("quest-2")});
  auto social = RoundRobinChannel({stack_->PortOf("social"), stack_->PortOf("social-2")});
  CallTally setup_calls;
  absl::StatusOr<DrillPuzzle> puzzle = CreatePuzzle(quest, setup_calls);
  ASSERT_TRUE(puzzle.ok()) << puzzle.status();
  auto notification =
      RoundRobinChannel({stack_->PortOf("notification"), stack_->PortOf("notification-2")});
  const absl::Time registering = absl::Now();
  absl::StatusOr<PushRecipients> recipients =
      RegisterPushRecipients(notification, kPushRecipients, setup_calls);
  ASSERT_TRUE(recipients.ok()) << recipients.status();
  Figure(absl::StrCat("push tokens: ", recipients->tokens(), " registered for ",
                      recipients->user_ids.size(), " friend-request recipients in ",
                      Since(registering)));

  SteadyWriters writers(social, quest, *puzzle, recipients->user_ids);
  const absl::Time writing = absl::Now();
  writers.Start(/*social_writers=*/2, /*quest_writers=*/2);
  absl::SleepFor(absl::Seconds(8));

  // round_robin reached both instances of each service before any stops:
  // each instance's own count of the writes it answered OK.
  const std::vector<std::pair<std::string, std::pair<std::string, std::string>>> counted = {
      {"quest", {"quest.v1.AttemptService", "SubmitAttempt"}},
      {"quest-2", {"quest.v1.AttemptService", "SubmitAttempt"}},
      {"social", {"social.v1.FriendService", "SendFriendRequest"}},
      {"social-2", {"social.v1.FriendService", "SendFriendRequest"}}};
  std::vector<std::string> per_instance;
  for (const auto& [instance, method] : counted) {
    absl::StatusOr<int64_t> handled =
        HandledCalls(stack_->project(), nats, instance, method.first, method.second);
    ASSERT_TRUE(handled.ok()) << instance << ": " << handled.status();
    EXPECT_GT(*handled, 0) << instance << " answered no " << method.second
                           << ": round_robin did not reach it";
    per_instance.push_back(absl::StrCat(instance, " ", *handled, " ", method.second));
  }
  Figure(absl::StrCat("round_robin before the stop (grpc_server_handled_total, OK): ",
                      absl::StrJoin(per_instance, ", ")));

  const std::vector<std::string> leaving = {"quest-2", "notification-2", "social-2",
                                            leader_service};
  std::vector<std::string> containers;
  for (const std::string& service : leaving) {
    containers.push_back(stack_->project().Container(service));
  }
  auto inbox_entries = [] {
    return Count(stack_->project().Psql(
        "notification_db",
        "SELECT count(*) FROM notification_logs WHERE category = 'friend_request'"));
  };
  const std::map<std::string, absl::Duration> stop_took = StopAll(containers);
  const absl::Time stopped = absl::Now();
  for (const auto& [container, took] : stop_took) {
    Figure(absl::StrCat("stopped ", container, " in ",
                        absl::FormatDuration(absl::Trunc(took, absl::Milliseconds(100)))));
    absl::StatusOr<int> exit_code = stack_->project().ExitCode(container);
    ASSERT_TRUE(exit_code.ok()) << exit_code.status();
    Figure(absl::StrCat(container, " exited ", *exit_code));
    // Our servers drain and exit 0. nats-server 2.9 (the stand-in) exits 1
    // after a SIGTERM shutdown, as seen here: its code, not the drill's.
    if (!absl::StrContains(container, "_nats")) {
      EXPECT_EQ(*exit_code, 0) << container;
    }
  }

  // While the leader is away: SOCIAL elects another leader among the two
  // left, accepts publishes (last_seq grows) and is read (notification's
  // inbox grows from it).
  const int64_t inbox_at_stop = inbox_entries();
  StreamReport during;
  int64_t seq_at_new_leader = -1;
  const bool writable = testing::Eventually(
      [&] {
        absl::StatusOr<std::vector<StreamReport>> streams =
            ReadStreams(stack_->project(), survivor);
        if (!streams.ok()) return false;
        for (const StreamReport& stream : *streams) {
          if (stream.name != kWatchedStream) continue;
          during = stream;
          if (stream.leader.empty() || stream.leader == before.leader) return false;
          if (seq_at_new_leader < 0) seq_at_new_leader = stream.last_seq;
          return stream.last_seq > seq_at_new_leader;
        }
        return false;
      },
      absl::Seconds(30));
  EXPECT_TRUE(writable) << kWatchedStream << " as " << survivor << " sees it: leader "
                        << during.leader << ", last_seq " << during.last_seq;
  const bool readable =
      testing::Eventually([&] { return inbox_entries() > inbox_at_stop; }, absl::Seconds(30));
  EXPECT_TRUE(readable) << "no friend_request reached notification while " << before.leader
                        << " was down";
  Figure(absl::StrCat(kWatchedStream, " while ", before.leader, " was down: new leader ",
                      during.leader, " after ", Since(stopped), ", last_seq ", during.last_seq,
                      ", inbox entries ", inbox_at_stop, " -> ", inbox_entries()));
  // Down for 10 s at least, as before the change: the callers' retries see
  // the whole outage.
  const absl::Duration down_for = absl::Now() - stopped;
  if (down_for < absl::Seconds(10)) absl::SleepFor(absl::Seconds(10) - down_for);

  const absl::Time returning = absl::Now();
  for (const std::string& container : containers) {
    absl::StatusOr<std::string> started = Podman({"start", container});
    ASSERT_TRUE(started.ok()) << started.status();
  }
  absl::Status healthy = stack_->WaitHealthy(leaving, absl::Minutes(2));
  ASSERT_TRUE(healthy.ok()) << healthy;
  Figure(absl::StrCat("stopped instances and ", leader_service, " back and healthy in ",
                      Since(returning)));
  absl::SleepFor(absl::Seconds(10));
  writers.Stop();
  Figure(absl::StrCat(
      "writes for ", Since(writing), ": social ", writers.social_calls().Describe(), "; quest ",
      writers.quest_calls().Describe(), "; longest write ",
      absl::FormatDuration(absl::Trunc(writers.longest_write(), absl::Milliseconds(10))),
      " (retries included)"));
  // The returned node caught up: still three replicas of every stream.
  ExpectEveryStreamReplicated(stack_->project(), stack_->project().Container(leader_service));

  // Callers saw only UNAVAILABLE, retried until OK.
  EXPECT_EQ(writers.failed_writes(), 0) << absl::StrJoin(writers.failures(), "\n");
  EXPECT_EQ(writers.social_calls().UnexpectedCodes(), "");
  EXPECT_EQ(writers.quest_calls().UnexpectedCodes(), "");
  const std::vector<AcknowledgedFriendRequest> requests = writers.friend_requests();
  const std::vector<AcknowledgedAttempt> attempts = writers.attempts();
  ASSERT_GT(requests.size(), 0u);
  ASSERT_GT(attempts.size(), 0u);

  // Every acknowledged friend request is in social_db, once (request_id
  // makes a retry replay the first answer).
  std::multiset<std::string> stored_requests;
  for (const std::string& row : Rows(stack_->project().Psql(
           "social_db", "SELECT requester_id || ' ' || recipient_id FROM friend_requests"))) {
    stored_requests.insert(row);
  }
  int64_t requests_not_once = 0;
  for (const AcknowledgedFriendRequest& sent : requests) {
    requests_not_once += stored_requests.count(sent.requester_id + " " + sent.recipient_id) != 1;
  }
  EXPECT_EQ(requests_not_once, 0) << "of " << requests.size();
  EXPECT_EQ(stored_requests.size(), requests.size());

  // Every acknowledged attempt is submitted, once; StartAttempt retries may
  // leave at most one unsubmitted attempt each.
  std::map<std::string, std::pair<int, int>> attempts_by_user;  // (rows, submitted)
  for (const std::string& row : Rows(stack_->project().Psql(
           "quest_db",
           "SELECT user_id || ' ' || count(*) || ' ' || count(submitted_at) FROM puzzle_attempts "
           "GROUP BY user_id"))) {
    std::vector<std::string> fields = absl::StrSplit(row, ' ');
    ASSERT_EQ(fields.size(), 3u) << row;
    auto& [rows, submitted] = attempts_by_user[fields[0]];
    ASSERT_TRUE(absl::SimpleAtoi(fields[1], &rows) && absl::SimpleAtoi(fields[2], &submitted));
  }
  int64_t attempts_wrong = 0;
  int64_t start_retries = 0;
  int64_t extra_attempts = 0;
  for (const AcknowledgedAttempt& written : attempts) {
    const auto& [rows, submitted] = attempts_by_user[written.user_id];
    start_retries += written.start_retries;
    extra_attempts += std::max(0, rows - 1);
    attempts_wrong += submitted != 1 || rows < 1 || rows > 1 + written.start_retries;
  }
  EXPECT_EQ(attempts_wrong, 0) << "of " << attempts.size();
  EXPECT_EQ(attempts_by_user.size(), attempts.size());
  Figure(absl::StrCat("acknowledged: ", requests.size(), " friend requests, ", attempts.size(),
                      " attempts; StartAttempt retried ", start_retries, " times, leaving ",
                      extra_attempts, " extra unsubmitted attempt(s)"));

  // Every event reaches notification exactly once in effect: one
  // friend_request inbox entry per acknowledged request, and every
  // PuzzleSolved applied (processed_events) once the stream drained.
  const absl::Time draining = absl::Now();
  auto solved_unapplied = [&] {
    return Count(stack_->project().Psql(
        "quest_db",
        "SELECT count(*) FROM outbox_events WHERE type = 'quest.v1.PuzzleSolved' AND "
        "published_at IS NULL"));
  };
  bool drained = false;
  while (absl::Now() - draining < absl::Minutes(2)) {
    if (inbox_entries() >= static_cast<int64_t>(requests.size()) && solved_unapplied() == 0) {
      drained = true;
      break;
    }
    absl::SleepFor(absl::Seconds(1));
  }
  Figure(absl::StrCat("event stream drained after the writers stopped in ", Since(draining)));
  EXPECT_TRUE(drained) << inbox_entries() << " friend_request entries for " << requests.size()
                       << " requests";
  // Recipients get many requests each; every requester sends one.
  std::multiset<std::string> entries;  // "<recipient> <requester>"
  for (const std::string& row : Rows(stack_->project().Psql(
           "notification_db",
           "SELECT user_id || ' ' || (data->>'requester_id') FROM notification_logs "
           "WHERE category = 'friend_request'"))) {
    entries.insert(row);
  }
  int64_t entries_not_once = 0;
  for (const AcknowledgedFriendRequest& sent : requests) {
    entries_not_once += entries.count(sent.recipient_id + " " + sent.requester_id) != 1;
  }
  EXPECT_EQ(entries_not_once, 0) << "of " << requests.size();
  EXPECT_EQ(entries.size(), requests.size());

  std::set<std::string> solved;
  for (const std::string& row : Rows(stack_->project().Psql(
           "quest_db", "SELECT id FROM outbox_events WHERE type = 'quest.v1.PuzzleSolved'"))) {
    solved.insert(row);
  }
  EXPECT_EQ(solved.size(), attempts.size());
  std::set<std::string> processed;
  // Consumers apply after the relay published: wait for the last ones.
  EXPECT_TRUE(testing::Eventually(
      [&] {
        processed.clear();
        for (const std::string& row : Rows(stack_->project().Psql(
                 "notification_db",
                 "SELECT id FROM processed_events WHERE type = 'quest.v1.PuzzleSolved'"))) {
          processed.insert(row);
        }
        return processed.size() >= solved.size();
      },
      absl::Minutes(1)));
  EXPECT_EQ(processed, solved);
  EXPECT_EQ(
      Count(stack_->project().Psql("notification_db", "SELECT count(*) FROM dead_letter_events")),
      0);

  // Both delivery workers sent the pushes of those notifications, each once.
  EXPECT_TRUE(WaitDeliveriesSettled(stack_->project(), kDeliveriesSettle));
  ExpectEveryDeliverySentOnce(stack_->project(), *recipients, {"notification", "notification-2"});
}

}  // namespace
}  // namespace qs::drill
