// The rate-limit pieces without a server: parsing RATE_LIMITS, which
// methods are mutations, the bucket's refill arithmetic on an injected
// clock, the limiter's memory bound, and the hook's method table.
#include <set>
#include <string>
#include <vector>

#include "absl/hash/hash.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/auth/rate_limit_bucket.h"
#include "common/auth/rate_limit_hook.h"
#include "common/auth/rate_limit_settings.h"
#include "common/auth/rate_limiter.h"
#include "grpcpp/test/server_context_test_spouse.h"
#include "gtest/gtest.h"

namespace qs::auth {
namespace {

constexpr int64_t kSecond = 1000000000;
constexpr int64_t kMilli = 1000000;

std::string ErrorOf(std::map<std::string, std::string> env) {
  absl::StatusOr<RateLimitSettings> settings =
      LoadRateLimitSettings(config::MapEnv(std::move(env)));
  EXPECT_FALSE(settings.ok());
  return std::string(settings.status().message());
}

TEST(RateLimitSettingsTest, ParsesPerMethodLimitsAndTheMutationDefault) {
  absl::StatusOr<RateLimitSettings> off = LoadRateLimitSettings(config::MapEnv({}));
  ASSERT_TRUE(off.ok());
  EXPECT_FALSE(off->enabled());
  absl::StatusOr<RateLimitSettings> settings = LoadRateLimitSettings(config::MapEnv(
      {{"RATE_LIMITS",
        "quest.v1.AttemptService/SubmitAttempt=10/s:20, social.v1.ChatService/SendMessage=0.5/s:3"},
       {"RATE_LIMIT_MUTATIONS", "100/s:200"},
       {"RATE_LIMIT_MAX_BUCKETS", "5000"}}));
  ASSERT_TRUE(settings.ok()) << settings.status();
  ASSERT_EQ(settings->per_method.size(), 2u);
  EXPECT_EQ(settings->per_method[0].first, "/quest.v1.AttemptService/SubmitAttempt");
  EXPECT_EQ(settings->per_method[0].second.per_second, 10);
  EXPECT_EQ(settings->per_method[0].second.burst, 20);
  EXPECT_EQ(settings->per_method[1].second.per_second, 0.5);
  EXPECT_EQ(settings->per_method[1].second.rate_text, "0.5/s");
  ASSERT_TRUE(settings->mutations.has_value());
  EXPECT_EQ(settings->mutations->burst, 200);
  EXPECT_EQ(settings->max_buckets, 5000);
}

TEST(RateLimitSettingsTest, ABadEntryIsNamed) {
  EXPECT_EQ(ErrorOf({{"RATE_LIMITS", "quest.v1.AttemptService/SubmitAttempt"}}),
            "RATE_LIMITS: 'quest.v1.AttemptService/SubmitAttempt' is not "
            "<package.Service>/<Method>=<rate>/s:<burst>");
  EXPECT_EQ(
      ErrorOf({{"RATE_LIMITS", "SubmitAttempt=1/s:1"}}),
      "RATE_LIMITS: 'SubmitAttempt=1/s:1' is not <package.Service>/<Method>=<rate>/s:<burst>");
  EXPECT_EQ(ErrorOf({{"RATE_LIMITS", "a.B/C=10/m:5"}}),
            "RATE_LIMITS: a.B/C: '10/m:5' is not <rate>/s:<burst> (e.g. 10/s:20)");
  EXPECT_EQ(ErrorOf({{"RATE_LIMITS", "a.B/C=0/s:5"}}),
            "RATE_LIMITS: a.B/C: '0/s:5': the rate must be a number in 0.001..1000000");
  // Slower than one call in 1000 s: refused (the wait would not fit int64
  // nanoseconds near 1e-10/s); the bounds themselves are accepted.
  for (const char* slow : {"0.0009/s:5", "1e-11/s:5", "1e-300/s:5"}) {
    EXPECT_EQ(ErrorOf({{"RATE_LIMITS", absl::StrCat("a.B/C=", slow)}}),
              absl::StrCat("RATE_LIMITS: a.B/C: '", slow,
                           "': the rate must be a number in 0.001..1000000"));
  }
  EXPECT_EQ(ErrorOf({{"RATE_LIMIT_MUTATIONS", "1000001/s:5"}}),
            "RATE_LIMIT_MUTATIONS: '1000001/s:5': the rate must be a number in 0.001..1000000");
  EXPECT_TRUE(ParseRateLimit("0.001/s:1").ok());
  EXPECT_TRUE(ParseRateLimit("1000000/s:1").ok());
  EXPECT_EQ(ErrorOf({{"RATE_LIMITS", "a.B/C=1/s:0"}}),
            "RATE_LIMITS: a.B/C: '1/s:0': the burst must be a whole number in 1..1000000");
  EXPECT_EQ(ErrorOf({{"RATE_LIMITS", "a.B/C=1/s:1,a.B/C=2/s:2"}}),
            "RATE_LIMITS: a.B/C is given twice");
  EXPECT_EQ(ErrorOf({{"RATE_LIMIT_MUTATIONS", "fast"}}),
            "RATE_LIMIT_MUTATIONS: 'fast' is not <rate>/s:<burst> (e.g. 10/s:20)");
  EXPECT_TRUE(
      absl::StrContains(ErrorOf({{"RATE_LIMIT_MAX_BUCKETS", "10"}}), "RATE_LIMIT_MAX_BUCKETS"));
}

TEST(RateLimitSettingsTest, MaxBucketsIsAtMostAMillion) {
  // Eviction scans a shard under its lock on a serving thread.
  EXPECT_TRUE(absl::StrContains(ErrorOf({{"RATE_LIMIT_MAX_BUCKETS", "1000001"}}),
                                "RATE_LIMIT_MAX_BUCKETS"));
  absl::StatusOr<RateLimitSettings> most =
      LoadRateLimitSettings(config::MapEnv({{"RATE_LIMIT_MAX_BUCKETS", "1000000"}}));
  ASSERT_TRUE(most.ok()) << most.status();
  EXPECT_EQ(most->max_buckets, 1000000);
}

TEST(RateLimitSettingsTest, OperatorAndGrpcMethodsCannotBeLimited) {
  // They are never limited; an entry naming one would be silently ignored.
  for (const char* method : {"ops.v1.Privacy/EraseUser", "grpc.health.v1.Health/Check",
                             "grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo"}) {
    EXPECT_EQ(ErrorOf({{"RATE_LIMITS", absl::StrCat("quest.v1.AttemptService/SubmitAttempt=1/s:1,",
                                                    method, "=1/s:1")}}),
              absl::StrCat("RATE_LIMITS: ", method,
                           ": operator (ops.v1.*) and gRPC (grpc.*) methods are never limited"));
  }
  EXPECT_TRUE(IsNeverLimited("/ops.v1.Diagnostics/Probe"));
  EXPECT_FALSE(IsNeverLimited("/opsx.v1.Diagnostics/Probe"));
  EXPECT_FALSE(IsNeverLimited("/quest.v1.PuzzleService/GetPuzzle"));
}

TEST(RateLimitSettingsTest, ReadsAreNotMutations) {
  for (const char* mutation :
       {"/quest.v1.AttemptService/SubmitAttempt", "/social.v1.ChatService/SendMessage",
        "/social.v1.GuildService/KickMember", "/notification.v1.InboxService/MarkAllRead",
        "/quest.v1.PuzzleService/CreatePuzzle"}) {
    EXPECT_TRUE(IsMutationMethod(mutation)) << mutation;
  }
  for (const char* read :
       {"/quest.v1.PuzzleService/GetPuzzle", "/quest.v1.PuzzleService/ListPuzzles",
        "/social.v1.GuildService/SearchGuilds", "/social.v1.FriendService/SuggestFriends",
        "/ops.v1.Privacy/EraseUser", "/ops.v1.Diagnostics/Probe", "/grpc.health.v1.Health/Check"}) {
    EXPECT_FALSE(IsMutationMethod(read)) << read;
  }
}

TEST(RateLimitBucketTest, BurstThenRefillAtTheRate) {
  const RateLimit limit = *ParseRateLimit("10/s:3");
  RateLimitBucket bucket = RateLimitBucket::Full(limit, 0);
  EXPECT_EQ(bucket.Take(limit, 0), 0);
  EXPECT_EQ(bucket.Take(limit, 0), 0);
  EXPECT_EQ(bucket.Take(limit, 0), 0);
  // Empty: the next token comes 100 ms after the last take.
  EXPECT_EQ(bucket.Take(limit, 0), 100 * kMilli);
  EXPECT_EQ(bucket.Take(limit, 40 * kMilli), 60 * kMilli);
  EXPECT_EQ(bucket.Take(limit, 100 * kMilli), 0);
  EXPECT_GT(bucket.Take(limit, 100 * kMilli), 0);
  EXPECT_FALSE(bucket.IsFull(limit, 300 * kMilli));
  EXPECT_TRUE(bucket.IsFull(limit, 400 * kMilli));
  // Idle for an hour: never more than the burst.
  for (int i = 0; i < 3; ++i) EXPECT_EQ(bucket.Take(limit, 3600 * kSecond), 0);
  EXPECT_GT(bucket.Take(limit, 3600 * kSecond), 0);
  // A clock that steps back refills nothing.
  EXPECT_GT(bucket.Take(limit, 3599 * kSecond), 0);
}

TEST(RateLimitBucketTest, SlowRatesWaitLong) {
  const RateLimit limit = *ParseRateLimit("0.5/s:1");
  RateLimitBucket bucket = RateLimitBucket::Full(limit, 0);
  EXPECT_EQ(bucket.Take(limit, 0), 0);
  EXPECT_EQ(bucket.Take(limit, 0), 2 * kSecond);
  EXPECT_EQ(bucket.Take(limit, 1500 * kMilli), 500 * kMilli);
  EXPECT_EQ(bucket.Take(limit, 2 * kSecond), 0);
}

TEST(RateLimitBucketTest, AWaitTooLongForInt64IsClamped) {
  // A RateLimit made in code, below what the settings accept: 2/1e-12 s is
  // 2e21 ns, past int64 (the cast alone was undefined, e.g. a wait of 1 ns).
  RateLimit tiny;
  tiny.per_second = 1e-12;
  tiny.burst = 1;
  RateLimitBucket bucket = RateLimitBucket::Full(tiny, 0);
  EXPECT_EQ(bucket.Take(tiny, 0), 0);
  EXPECT_EQ(bucket.Take(tiny, 0), static_cast<int64_t>(RateLimitBucket::kMaxWaitNs));
  // The slowest accepted rate waits 1000 s, unclamped.
  const RateLimit slowest = *ParseRateLimit("0.001/s:1");
  RateLimitBucket slow = RateLimitBucket::Full(slowest, 0);
  EXPECT_EQ(slow.Take(slowest, 0), 0);
  EXPECT_EQ(slow.Take(slowest, 0), 1000 * kSecond);
}

TEST(RateLimiterTest, TheShardComesFromTheHashsTopBits) {
  // Keys of one shard keep all 7 low bits (flat_hash_map's control byte)
  // varied, and every shard is used.
  std::set<size_t> shards;
  std::set<size_t> control_bytes_of_shard_0;
  for (int i = 0; i < 20000; ++i) {
    const size_t hash = absl::HashOf("user-" + std::to_string(i));
    const size_t shard = RateLimiter::ShardOf(hash);
    ASSERT_LT(shard, static_cast<size_t>(RateLimiter::kShards));
    shards.insert(shard);
    if (shard == 0) control_bytes_of_shard_0.insert(hash & 0x7f);
  }
  EXPECT_EQ(shards.size(), static_cast<size_t>(RateLimiter::kShards));
  EXPECT_EQ(control_bytes_of_shard_0.size(), 128u);
  EXPECT_EQ(RateLimiter::ShardOf(~size_t{0}), 15u);
  EXPECT_EQ(RateLimiter::ShardOf(0x0fffffffffffffff), 0u);
}

TEST(RateLimiterTest, UsersAndMethodsHaveTheirOwnBuckets) {
  const RateLimit limit = *ParseRateLimit("1/s:2");
  RateLimiter limiter(1000);
  EXPECT_EQ(limiter.Take("alice", 0, limit, 0), 0);
  EXPECT_EQ(limiter.Take("alice", 0, limit, 0), 0);
  EXPECT_EQ(limiter.Take("alice", 0, limit, 0), kSecond);
  EXPECT_EQ(limiter.Take("bob", 0, limit, 0), 0);
  EXPECT_EQ(limiter.Take("alice", 1, limit, 0), 0);
  EXPECT_EQ(limiter.Take("alice", 0, limit, kSecond), 0);
  EXPECT_EQ(limiter.size(), 3u);
}

// 100,000 users pass through a limiter bounded to 1,600 buckets: it never
// holds more, and a user whose bucket is still draining keeps it (full
// buckets go first), so the limit cannot be escaped by churning users.
TEST(RateLimiterTest, MemoryStaysBoundedAndDrainedBucketsSurviveChurn) {
  const RateLimit slow = *ParseRateLimit("0.001/s:1");  // a token per 1000 s
  const RateLimit fast = *ParseRateLimit("1000/s:1");   // full again after 1 ms
  RateLimiter limiter(1600);
  EXPECT_EQ(limiter.Take("drained", 0, slow, 0), 0);
  EXPECT_GT(limiter.Take("drained", 0, slow, 0), 0);
  for (int i = 0; i < 100000; ++i) {
    EXPECT_EQ(limiter.Take("user-" + std::to_string(i), 1, fast, (i + 1) * kMilli), 0);
    if (i % 1000 == 0) {
      ASSERT_LE(limiter.size(), 1600u) << "after " << i << " users";
    }
  }
  EXPECT_LE(limiter.size(), 1600u);
  EXPECT_GT(limiter.Take("drained", 0, slow, 100001 * kMilli), 0) << "the drained bucket was lost";
}

TEST(RateLimiterTest, WhenEveryoneIsActiveTheLeastRecentlyUsedGo) {
  const RateLimit slow = *ParseRateLimit("0.001/s:5");
  RateLimiter limiter(1600);
  for (int i = 0; i < 20000; ++i) {
    limiter.Take("user-" + std::to_string(i), 0, slow, i * kMilli);
    ASSERT_LE(limiter.size(), 1600u);
  }
  EXPECT_GE(limiter.size(), 1600u * 3 / 4 - RateLimiter::kShards);
  // The most recent user drains its bucket (4 more takes: 5 in all) and
  // keeps it: the next take waits. An early user was forgotten and meets a
  // fresh burst of 5 although it, too, took a token.
  const int64_t now = 20000 * kMilli;
  for (int take = 0; take < 4; ++take) EXPECT_EQ(limiter.Take("user-19999", 0, slow, now), 0);
  EXPECT_GT(limiter.Take("user-19999", 0, slow, now), 0) << "the recent user's bucket was lost";
  for (int take = 0; take < 5; ++take) {
    EXPECT_EQ(limiter.Take("user-0", 0, slow, now), 0) << "take " << take;
  }
  EXPECT_GT(limiter.Take("user-0", 0, slow, now), 0);
}

TEST(RateLimitHookTest, EveryConfiguredMethodMustBeServed) {
  RateLimitSettings settings;
  settings.per_method = {{"/quest.v1.AttemptService/SubmitAtempt", *ParseRateLimit("1/s:1")}};
  absl::StatusOr<std::unique_ptr<RateLimitHook>> hook =
      RateLimitHook::Create(settings, {"/quest.v1.AttemptService/SubmitAttempt"});
  ASSERT_FALSE(hook.ok());
  EXPECT_EQ(hook.status().message(),
            "RATE_LIMITS: quest.v1.AttemptService/SubmitAtempt is not a method this server serves");
}

TEST(RateLimitHookTest, ARefusalSaysHowLongToWaitInWholeMilliseconds) {
  RateLimitSettings settings;
  RateLimit tiny;  // below the settings' floor: the clamp answers
  tiny.per_second = 1e-12;
  tiny.burst = 1;
  tiny.rate_text = "1e-12/s";
  settings.per_method = {{"/a.v1.S/Slow", tiny}, {"/a.v1.S/Fast", *ParseRateLimit("3/s:1")}};
  int64_t now = 0;
  absl::StatusOr<std::unique_ptr<RateLimitHook>> hook =
      RateLimitHook::Create(settings, {"/a.v1.S/Slow", "/a.v1.S/Fast"}, [&now] { return now; });
  ASSERT_TRUE(hook.ok()) << hook.status();
  auto retry_after = [&](const char* method) {
    grpc::ServerContext context;
    base::CallContext call;
    call.user_id = "2f1b6a38-54a4-4d8e-9a4b-6f0f1e2d3c4b";
    const grpc::Status status = (*hook)->OnStart(method, context, call);
    const auto trailers = grpc::testing::ServerContextTestSpouse(&context).GetTrailingMetadata();
    auto found = trailers.find(kRetryAfterMetadataKey);
    if (status.ok()) {
      EXPECT_EQ(found, trailers.end());
      return std::string("admitted");
    }
    EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
    return found == trailers.end() ? std::string("no retry-after") : found->second;
  };
  EXPECT_EQ(retry_after("/a.v1.S/Slow"), "admitted");
  EXPECT_EQ(retry_after("/a.v1.S/Slow"), "86400000");  // a day, not 1
  EXPECT_EQ(retry_after("/a.v1.S/Fast"), "admitted");
  EXPECT_EQ(retry_after("/a.v1.S/Fast"), "334");  // 333.3 ms, rounded up
  now = 333 * kMilli;
  EXPECT_EQ(retry_after("/a.v1.S/Fast"), "1");
}

TEST(RateLimitHookTest, TheMutationDefaultCoversMutationsNotNamed) {
  RateLimitSettings settings;
  settings.per_method = {{"/quest.v1.AttemptService/SubmitAttempt", *ParseRateLimit("10/s:20")}};
  settings.mutations = *ParseRateLimit("2/s:4");
  absl::StatusOr<std::unique_ptr<RateLimitHook>> hook = RateLimitHook::Create(
      settings,
      {"/ops.v1.Diagnostics/Probe", "/quest.v1.AttemptService/GetUserProgress",
       "/quest.v1.AttemptService/StartAttempt", "/quest.v1.AttemptService/SubmitAttempt"});
  ASSERT_TRUE(hook.ok()) << hook.status();
  EXPECT_EQ((*hook)->LimitedMethods(),
            (std::vector<std::string>{"quest.v1.AttemptService/StartAttempt=2/s:4",
                                      "quest.v1.AttemptService/SubmitAttempt=10/s:20"}));
}

}  // namespace
}  // namespace qs::auth
