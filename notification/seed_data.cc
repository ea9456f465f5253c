#include "notification/seed_data.h"

#include <algorithm>
#include <iterator>
#include <limits>
#include <random>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/base/seeded_uuid.h"
#include "common/db/copy_writer.h"
#include "common/db/db_error.h"
#include "pqxx/pqxx"

namespace qs::notification {
namespace {

using Random = std::mt19937_64;
using db::CopyField;
using db::CopyTimestamp;
using db::kCopyNull;

// Uniform in [0, n) for n >= 1.
int64_t Below(Random& random, int64_t n) { return static_cast<int64_t>(random() % n); }

bool Chance(Random& random, double p) {
  return std::uniform_real_distribution<double>(0, 1)(random) < p;
}

absl::Time Between(Random& random, absl::Time from, absl::Time to) {
  const int64_t span = absl::ToInt64Microseconds(to - from);
  return span <= 0 ? from : from + absl::Microseconds(Below(random, span));
}

// The categories a puzzle game sends, with their share of the sends. System
// ones have no sender user (sender_id NULL).
struct Category {
  const char* name;
  double weight;
  bool from_user;
  const char* priority;
  const char* title;
  const char* body;
  const char* data_key;
};
constexpr Category kCategories[] = {
    {"chat_message", 30, true, "high", "New message", "gg, one more puzzle tonight?", "channel_id"},
    {"friend_request", 15, true, "normal", "Friend request", "wants to be your friend",
     "request_id"},
    {"guild_invite", 5, true, "normal", "Guild invitation", "invited you to their guild",
     "guild_id"},
    {"match_result", 20, false, "normal", "Match finished", "You won by 120 points", "match_id"},
    {"puzzle_daily", 20, false, "normal", "Today's puzzle", "A new daily puzzle is waiting",
     "puzzle_id"},
    {"streak_reminder", 10, false, "normal", "Keep your streak", "Solve one puzzle to keep it",
     "streak_days"},
};
// The category muting users mute (its push; some its inbox too).
constexpr int kMutedCategory = 4;  // puzzle_daily

struct Token {
  std::string id;
  int32_t user = 0;
  bool fcm = true;
  std::string token;
  std::string device_id;
  absl::Time created;
  // A provider will answer "unregistered" to the first send at or after this.
  absl::Time invalid_from = absl::InfiniteFuture();
  int64_t invalidated_by_log = -1;  // the log whose delivery invalidated it
  absl::Time invalidated_at;
};

struct User {
  std::string id;
  std::vector<int32_t> tokens;
  bool mutes = false;        // push of kMutedCategory
  bool inbox_muted = false;  // and its inbox
};

struct Timeline {
  absl::Time now;
  absl::Time from;  // the first log
};

std::string HexToken(Random& random, int chars) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string text(chars, '0');
  for (char& c : text) c = kHex[Below(random, 16)];
  return text;
}

// FCM registration tokens look like "<instance id>:APA91b<140 url-safe chars>".
std::string FcmToken(Random& random) {
  static constexpr char kChars[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string text = HexToken(random, 22) + ":APA91b";
  for (int i = 0; i < 140; ++i) text.push_back(kChars[Below(random, 64)]);
  return text;
}

// One log as the stream plans it.
struct PlannedLog {
  std::string id;
  int32_t user = 0;
  int category = 0;
  int32_t sender = -1;  // -1: the system
  absl::Time created;
  bool in_inbox = true;
  absl::Time seen = absl::InfinitePast();  // InfinitePast: not set
  absl::Time read = absl::InfinitePast();
  absl::Time archived = absl::InfinitePast();
  absl::Time deleted = absl::InfinitePast();
};

// The logs in created_at order, the same sequence every time it is built
// with the same seed: the deliveries pass replays it instead of keeping a
// million logs in memory.
class LogStream {
 public:
  LogStream(const std::vector<User>& users, const SeedOptions& options, const Timeline& time)
      : users_(users), time_(time), random_(options.seed * 0x9e3779b97f4a7c15ULL + 1) {
    // A few heavy users and a long tail (log-normal activity).
    Random weights_random(options.seed + 7);
    std::lognormal_distribution<double> activity(0, 1.0);
    std::vector<double> weights(users.size());
    for (double& weight : weights) weight = activity(weights_random);
    pick_user_ = std::discrete_distribution<int32_t>(weights.begin(), weights.end());
    std::vector<double> shares;
    for (const Category& category : kCategories) shares.push_back(category.weight);
    pick_category_ = std::discrete_distribution<int>(shares.begin(), shares.end());
    step_ = (time.now - time.from) / (options.logs + 1);
  }

  PlannedLog Next() {
    PlannedLog log;
    log.id = base::SeededUuidV4(random_);
    log.user = pick_user_(random_);
    log.category = pick_category_(random_);
    if (kCategories[log.category].from_user && users_.size() > 1) {
      do {
        log.sender = static_cast<int32_t>(Below(random_, static_cast<int64_t>(users_.size())));
      } while (log.sender == log.user);
    }
    log.created = time_.from + step_ * (++index_);
    const User& user = users_[log.user];
    log.in_inbox = !(user.inbox_muted && log.category == kMutedCategory);
    if (!log.in_inbox) return log;  // never listed, so never marked
    // Marks as the Mark RPCs set them: read sets seen too; the older the
    // notification, the likelier it was opened.
    const absl::Time now = time_.now;
    const bool old = now - log.created > absl::Hours(24);
    absl::Time latest = log.created;
    if (Chance(random_, old ? 0.85 : 0.4)) {
      log.seen = Between(random_, log.created, std::min(log.created + absl::Hours(48), now));
      latest = log.seen;
      if (Chance(random_, 0.7)) {
        log.read = Between(random_, log.seen, std::min(log.seen + absl::Hours(24), now));
        latest = log.read;
      }
    }
    if (Chance(random_, 0.08)) {
      log.archived = Between(random_, latest, now);
      latest = log.archived;
    }
    // Deleted last: a deleted notification cannot be marked any more.
    if (Chance(random_, 0.04)) log.deleted = Between(random_, latest, now);
    return log;
  }

 private:
  const std::vector<User>& users_;
  Timeline time_;
  Random random_;
  std::discrete_distribution<int32_t> pick_user_;
  std::discrete_distribution<int> pick_category_;
  absl::Duration step_;
  int64_t index_ = 0;
};

bool PushMuted(const User& user, const PlannedLog& log) {
  return user.mutes && log.category == kMutedCategory;
}

// Whether `token` had a delivery for log number `index` (created at `at`):
// registered before it and not invalidated by an earlier send.
bool ActiveFor(const Token& token, int64_t index, absl::Time at) {
  return token.created <= at && (token.invalidated_by_log < 0 || index <= token.invalidated_by_log);
}

std::string TimeOrNull(absl::Time time) {
  return time == absl::InfinitePast() ? std::string(kCopyNull) : CopyTimestamp(time);
}

absl::Status Validate(const SeedOptions& o) {
  if (o.users < 1 || o.users > std::numeric_limits<int32_t>::max()) {
    return absl::InvalidArgumentError("seed: users must be at least 1");
  }
  if (o.logs < 0 || o.days < 1 || !(o.second_token_share >= 0 && o.second_token_share <= 1) ||
      !(o.muting_share >= 0 && o.muting_share <= 1)) {
    return absl::InvalidArgumentError(
        "seed: logs >= 0, days >= 1, second_token_share and muting_share in [0, 1]");
  }
  return absl::OkStatus();
}

}  // namespace

SeedOptions SeedOptions::ForLogs(int64_t logs) {
  SeedOptions options;
  options.logs = logs;
  // At least 1,200 users, so that a send to 1,000 recipients with a valid
  // token (the benchmark) finds them at small scales too.
  options.users = std::max<int64_t>(1200, logs / 20);
  return options;
}

absl::StatusOr<SeedReport> SeedNotificationDatabase(const std::string& conninfo,
                                                    const SeedOptions& options) {
  if (absl::Status valid = Validate(options); !valid.ok()) return valid;
  const absl::Time start = absl::Now();
  Timeline time;
  time.now = start;
  time.from = start - absl::Hours(24) * options.days;

  Random random(options.seed);
  std::vector<User> users(options.users);
  std::vector<Token> tokens;
  for (size_t u = 0; u < users.size(); ++u) {
    User& user = users[u];
    user.id = base::SeededUuidV4(random);
    user.mutes = Chance(random, options.muting_share);
    user.inbox_muted = user.mutes && Chance(random, 0.5);
    const int installations = Chance(random, options.second_token_share) ? 2 : 1;
    for (int i = 0; i < installations; ++i) {
      Token& token = tokens.emplace_back();
      token.id = base::SeededUuidV4(random);
      token.user = static_cast<int32_t>(u);
      token.fcm = Chance(random, 0.6);
      token.token = token.fcm ? FcmToken(random) : HexToken(random, 64);
      token.device_id = base::SeededUuidV4(random);
      token.created = Between(random, time.from - absl::Hours(24 * 180), time.from);
      if (Chance(random, 0.03)) token.invalid_from = Between(random, time.from, time.now);
      user.tokens.push_back(static_cast<int32_t>(tokens.size() - 1));
    }
  }
  // Pass 0: which send's delivery found each doomed token gone (the first
  // one sent, not muted, after its invalid_from).
  {
    LogStream stream(users, options, time);
    for (int64_t i = 0; i < options.logs; ++i) {
      const PlannedLog log = stream.Next();
      if (PushMuted(users[log.user], log)) continue;
      for (int32_t t : users[log.user].tokens) {
        Token& token = tokens[t];
        if (token.invalidated_by_log < 0 && log.created >= token.invalid_from) {
          token.invalidated_by_log = i;
          // After any first attempt (at most 205 ms after the send).
          token.invalidated_at = log.created + absl::Milliseconds(250 + Below(random, 400));
        }
      }
    }
  }

  try {
    pqxx::connection connection(conninfo);
    pqxx::work tx(connection);
    SeedReport report;
    {
      db::CopyWriter copy(
          tx, "push_tokens",
          {"id", "user_id", "app_id", "device_id", "platform", "token", "app_version", "locale",
           "time_zone", "created_at", "last_seen_at", "invalidated_at", "invalid_reason"});
      for (const Token& token : tokens) {
        const bool invalid = token.invalidated_by_log >= 0;
        // Apps refresh their registration on start: valid tokens were seen
        // within the last week, invalidated ones before their invalidation.
        const absl::Time seen =
            invalid ? Between(random, token.created, token.invalidated_at)
                    : Between(random, std::max(token.created, time.now - absl::Hours(24 * 7)),
                              time.now);
        copy.Row({token.id, users[token.user].id, "com.example.quest", token.device_id,
                  token.fcm ? "fcm" : "apns", token.token, "3.12.0", "en-US", "Europe/Berlin",
                  CopyTimestamp(token.created), CopyTimestamp(seen),
                  invalid ? CopyTimestamp(token.invalidated_at) : kCopyNull,
                  invalid ? (token.fcm ? "UNREGISTERED" : "Unregistered") : kCopyNull});
        if (invalid) ++report.invalidated_tokens;
      }
      report.push_tokens = copy.Finish();
    }
    {
      db::CopyWriter copy(tx, "notification_preferences",
                          {"user_id", "category", "inbox_muted", "push_muted", "updated_at"});
      for (const User& user : users) {
        if (!user.mutes) continue;
        copy.Row({user.id, kCategories[kMutedCategory].name, user.inbox_muted ? "t" : "f", "t",
                  CopyTimestamp(time.from - absl::Hours(24))});
      }
      report.preferences = copy.Finish();
    }
    {
      db::CopyWriter copy(tx, "notification_logs",
                          {"id", "user_id", "sender_id", "category", "title", "body", "data",
                           "priority", "time_to_live_seconds", "expires_at", "in_inbox",
                           "created_at", "seen_at", "read_at", "archived_at", "deleted_at"});
      LogStream stream(users, options, time);
      Random data_random(options.seed + 11);
      for (int64_t i = 0; i < options.logs; ++i) {
        const PlannedLog log = stream.Next();
        const Category& category = kCategories[log.category];
        // A reminder is worth nothing after a day: it carries a time to live.
        const bool reminder = std::string_view(category.name) == "streak_reminder";
        const std::string data = absl::StrCat("{\"", category.data_key, "\": \"",
                                              base::SeededUuidV4(data_random), "\"}");
        copy.Row({log.id, users[log.user].id, log.sender < 0 ? kCopyNull : users[log.sender].id,
                  category.name, category.title, category.body, CopyField(data), category.priority,
                  reminder ? "86400" : "0",
                  reminder ? CopyTimestamp(log.created + absl::Hours(24)) : kCopyNull,
                  log.in_inbox ? "t" : "f", CopyTimestamp(log.created), TimeOrNull(log.seen),
                  TimeOrNull(log.read), TimeOrNull(log.archived), TimeOrNull(log.deleted)});
      }
      report.logs = copy.Finish();
    }
    {
      db::CopyWriter copy(tx, "deliveries",
                          {"id", "notification_log_id", "push_token_id", "user_id", "state",
                           "attempts", "next_attempt_at", "first_attempt_at", "provider_message_id",
                           "last_error", "created_at", "updated_at", "finished_at"});
      LogStream stream(users, options, time);
      Random delivery_random(options.seed + 13);
      for (int64_t i = 0; i < options.logs; ++i) {
        const PlannedLog log = stream.Next();
        const User& user = users[log.user];
        const std::string created = CopyTimestamp(log.created);
        for (int32_t t : user.tokens) {
          const Token& token = tokens[t];
          if (!ActiveFor(token, i, log.created)) continue;
          const std::string id = base::SeededUuidV4(delivery_random);
          if (PushMuted(user, log)) {  // final at insert, never attempted
            copy.Row({id, log.id, token.id, user.id, "muted", "0", created, kCopyNull, kCopyNull,
                      kCopyNull, created, created, created});
            continue;
          }
          const absl::Time first =
              log.created + absl::Milliseconds(5 + Below(delivery_random, 200));
          if (i == token.invalidated_by_log) {
            const std::string at = CopyTimestamp(token.invalidated_at);
            copy.Row({id, log.id, token.id, user.id, "invalid_token", "1", created,
                      CopyTimestamp(first), kCopyNull, token.fcm ? "UNREGISTERED" : "Unregistered",
                      created, at, at});
          } else if (Chance(delivery_random, 0.01)) {  // retries exhausted
            const std::string at =
                CopyTimestamp(first + absl::Minutes(10 + Below(delivery_random, 50)));
            copy.Row({id, log.id, token.id, user.id, "failed", "5", created, CopyTimestamp(first),
                      kCopyNull, "gave up after 5 attempts: 503 UNAVAILABLE", created, at, at});
          } else {
            const bool retried = Chance(delivery_random, 0.05);
            const absl::Time done =
                first + absl::Milliseconds(20 + Below(delivery_random, 300)) +
                (retried ? absl::Seconds(1 + Below(delivery_random, 5)) : absl::ZeroDuration());
            const std::string at = CopyTimestamp(done);
            // FCM answers the message's name; APNs' id is the delivery id.
            const std::string message_id =
                token.fcm ? absl::StrCat("projects/quest-seed/messages/",
                                         Below(delivery_random, int64_t{1} << 62))
                          : id;
            copy.Row({id, log.id, token.id, user.id, "sent", retried ? "2" : "1", created,
                      CopyTimestamp(first), message_id, kCopyNull, created, at, at});
          }
        }
      }
      report.deliveries = copy.Finish();
    }
    tx.commit();
    report.rows = report.push_tokens + report.preferences + report.logs + report.deliveries;
    pqxx::nontransaction analyze(connection);
    analyze.exec("ANALYZE");
    report.elapsed = absl::Now() - start;
    return report;
  } catch (const std::exception& e) {
    return db::StatusFromDbException(e, "seeding");
  }
}

}  // namespace qs::notification
