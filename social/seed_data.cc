#include "social/seed_data.h"

#include <algorithm>
#include <iterator>
#include <limits>
#include <numeric>
#include <random>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "common/base/seeded_uuid.h"
#include "common/db/copy_writer.h"
#include "common/db/db_error.h"
#include "common/db/row_mapping.h"
#include "pqxx/pqxx"
#include "social/friend_rules.h"

namespace qs::social {
namespace {

using Random = std::mt19937_64;
using db::CopyTimestamp;
using db::kCopyNull;

constexpr const char* kWords[] = {
    "gg",     "nice",  "puzzle", "again",  "anyone", "online", "tonight", "move",   "rank",
    "streak", "daily", "hard",   "easy",   "solved", "fast",   "lol",     "ready",  "play",
    "match",  "win",   "lost",   "close",  "one",    "more",   "who",     "wants",  "join",
    "guild",  "event", "today",  "thanks", "hint",   "the",    "a",       "is",     "was",
    "that",   "this",  "my",     "your",   "great",  "idea",   "later",   "cheers", "sure"};

// Uniform in [0, n) for n >= 1.
int64_t Below(Random& random, int64_t n) { return static_cast<int64_t>(random() % n); }

absl::Time Between(Random& random, absl::Time from, absl::Time to) {
  const int64_t span = absl::ToInt64Microseconds(to - from);
  return span <= 0 ? from : from + absl::Microseconds(Below(random, span));
}

std::string Sentence(Random& random) {
  std::string text;
  const int words = 2 + static_cast<int>(Below(random, 11));
  for (int i = 0; i < words; ++i) {
    if (i > 0) text.push_back(' ');
    text += kWords[Below(random, std::size(kWords))];
  }
  return text;
}

uint64_t PairKey(int32_t a, int32_t b) {
  if (a > b) std::swap(a, b);
  return (static_cast<uint64_t>(a) << 32) | static_cast<uint32_t>(b);
}

// Setup (friendships, guilds, channels) happens in the `days` before
// `messages_from`; messages in the `days` after it, up to `now`.
struct Timeline {
  absl::Time now;
  absl::Time setup_from;
  absl::Time messages_from;
};

// ----- friend graph

struct FriendPair {
  int32_t requester = 0;
  int32_t accepter = 0;
  absl::Time since;
};

struct FriendGraph {
  std::vector<std::vector<int32_t>> friends;  // by user
  std::vector<FriendPair> pairs;

  bool AreFriends(int32_t a, int32_t b) const {
    const std::vector<int32_t>& mine = friends[a];
    return std::find(mine.begin(), mine.end(), b) != mine.end();
  }
};

// Each user's suggestion list as the refresher would compute it
// (SuggestionStore::Refresh): friends of friends who are not friends, by
// mutual count descending, then id descending, at most `list_size`.
// Computed here rather than by the refresher's SQL because that costs
// about 3 ms per user (5 minutes at 100k users) and this a second.
struct SuggestionList {
  std::vector<int32_t> candidates;
  std::vector<int32_t> mutual;
};

std::vector<SuggestionList> BuildSuggestionLists(const FriendGraph& graph,
                                                 const std::vector<std::string>& ids,
                                                 int list_size) {
  const int32_t users = static_cast<int32_t>(graph.friends.size());
  std::vector<SuggestionList> lists(users);
  std::vector<int32_t> mutual(users, 0);
  std::vector<int32_t> touched;
  for (int32_t user = 0; user < users; ++user) {
    for (int32_t f : graph.friends[user]) {
      for (int32_t candidate : graph.friends[f]) {
        if (candidate == user) continue;
        if (mutual[candidate]++ == 0) touched.push_back(candidate);
      }
    }
    for (int32_t f : graph.friends[user]) mutual[f] = 0;  // friends are not candidates
    touched.erase(std::remove_if(touched.begin(), touched.end(),
                                 [&](int32_t candidate) { return mutual[candidate] == 0; }),
                  touched.end());
    // Lower-case uuid text orders as the uuid type does.
    std::sort(touched.begin(), touched.end(), [&](int32_t a, int32_t b) {
      return mutual[a] != mutual[b] ? mutual[a] > mutual[b] : ids[a] > ids[b];
    });
    if (static_cast<int>(touched.size()) > list_size) touched.resize(list_size);
    SuggestionList& list = lists[user];
    for (int32_t candidate : touched) {
      list.candidates.push_back(candidate);
      list.mutual.push_back(mutual[candidate]);
    }
    for (int32_t candidate : graph.friends[user]) {
      for (int32_t c : graph.friends[candidate]) mutual[c] = 0;
    }
    touched.clear();
  }
  return lists;
}

// Mostly "nearby" partners on a ring of users (so that friends share
// friends), some anywhere; nobody above `cap`. Users late on the ring may
// end a little short of it when the candidates they try are full.
FriendGraph BuildFriendGraph(int32_t users, int cap, const Timeline& time, Random& random) {
  FriendGraph graph;
  graph.friends.resize(users);
  for (auto& mine : graph.friends) mine.reserve(cap);
  const int64_t window = std::max<int64_t>(1, std::min<int64_t>(users - 1, 2 * cap));
  for (int32_t user = 0; user < users; ++user) {
    for (int tries = 0; static_cast<int>(graph.friends[user].size()) < cap && tries < 20 * cap;
         ++tries) {
      const int32_t other = Below(random, 100) < 80
                                ? static_cast<int32_t>((user + 1 + Below(random, window)) % users)
                                : static_cast<int32_t>(Below(random, users));
      if (other == user || static_cast<int>(graph.friends[other].size()) >= cap ||
          graph.AreFriends(user, other)) {
        continue;
      }
      graph.friends[user].push_back(other);
      graph.friends[other].push_back(user);
      graph.pairs.push_back({user, other, Between(random, time.setup_from, time.messages_from)});
    }
  }
  return graph;
}

// A pending request or a block: from -> to, between otherwise unrelated users.
struct OneWay {
  int32_t from = 0;
  int32_t to = 0;
  absl::Time at;
};

std::vector<OneWay> PickUnrelated(int64_t count, int32_t users, int window,
                                  const FriendGraph& graph, std::unordered_set<uint64_t>& taken,
                                  absl::Time from, absl::Time to, Random& random) {
  std::vector<OneWay> picked;
  for (int64_t tries = 0; static_cast<int64_t>(picked.size()) < count && tries < 20 * count + 100;
       ++tries) {
    const int32_t a = static_cast<int32_t>(Below(random, users));
    // Friends of friends, mostly: the requests people really send.
    const int32_t b = Below(random, 2) == 0
                          ? static_cast<int32_t>((a + 1 + Below(random, window)) % users)
                          : static_cast<int32_t>(Below(random, users));
    if (a == b || graph.AreFriends(a, b) || !taken.insert(PairKey(a, b)).second) continue;
    picked.push_back({a, b, Between(random, from, to)});
  }
  return picked;
}

// ----- guilds

struct Guild {
  std::string id;
  std::string name;
  bool open = true;
  int max_members = 100;
  int32_t owner = 0;
  absl::Time created;
  std::vector<int32_t> members;  // state 'member', the owner first
};

struct Membership {
  int32_t guild = 0;
  int32_t user = 0;
  const char* role = "member";
  const char* state = "member";
  absl::Time joined;
};

struct Guilds {
  std::vector<Guild> guilds;
  std::vector<Membership> memberships;  // the owners' included
};

Guilds BuildGuilds(const SeedOptions& options, const Timeline& time, Random& random) {
  Guilds result;
  const int32_t users = static_cast<int32_t>(options.users);
  std::vector<std::vector<int32_t>> guilds_of(users);
  std::vector<double> weights;
  result.guilds.resize(options.guilds);
  for (int64_t g = 0; g < options.guilds; ++g) {
    Guild& guild = result.guilds[g];
    guild.id = base::SeededUuidV4(random);
    guild.name = absl::StrCat("Seed guild ", g);
    guild.open = Below(random, 10) < 7;
    const int64_t size_class = Below(random, 100);
    guild.max_members = size_class < 75 ? 100 : size_class < 95 ? 500 : 2000;
    guild.owner = static_cast<int32_t>(Below(random, users));
    guild.created = Between(random, time.setup_from,
                            time.setup_from + (time.messages_from - time.setup_from) / 2);
    guild.members.push_back(guild.owner);
    guilds_of[guild.owner].push_back(static_cast<int32_t>(g));
    result.memberships.push_back(
        {static_cast<int32_t>(g), guild.owner, "owner", "member", guild.created});
    weights.push_back(guild.max_members);
  }
  std::discrete_distribution<int64_t> popular(weights.begin(), weights.end());
  for (int32_t user = 0; user < users; ++user) {
    const int64_t joins = Below(random, 2 * options.guilds_per_user + 1);
    for (int64_t j = 0; j < joins; ++j) {
      for (int tries = 0; tries < 5; ++tries) {
        const int32_t g = static_cast<int32_t>(popular(random));
        Guild& guild = result.guilds[g];
        std::vector<int32_t>& mine = guilds_of[user];
        if (std::find(mine.begin(), mine.end(), g) != mine.end() ||
            static_cast<int>(guild.members.size()) >= guild.max_members) {
          continue;
        }
        mine.push_back(g);
        Membership membership{g, user, "member", "member",
                              Between(random, guild.created, time.messages_from)};
        if (!guild.open && Below(random, 10) == 0) {
          membership.state = "join_request";
        } else {
          if (Below(random, 20) == 0) membership.role = "admin";
          guild.members.push_back(user);
        }
        result.memberships.push_back(membership);
        break;
      }
    }
  }
  return result;
}

// ----- chat

struct Channel {
  std::string id;
  int32_t guild = -1;           // guild channels
  int32_t low = -1, high = -1;  // direct channels: user_low_id < user_high_id
  absl::Time created;
  int64_t last_sequence = 0;
  absl::Time last_message;
};

std::vector<Channel> BuildChannels(const SeedOptions& options, const std::vector<std::string>& ids,
                                   const FriendGraph& graph, const Guilds& guilds,
                                   absl::Time messages_from, Random& random) {
  std::vector<Channel> channels;
  for (size_t g = 0; g < guilds.guilds.size(); ++g) {
    Channel& channel = channels.emplace_back();
    channel.id = base::SeededUuidV4(random);
    channel.guild = static_cast<int32_t>(g);
    channel.created = guilds.guilds[g].created;
  }
  // Direct channels between distinct friend pairs: a partial shuffle.
  std::vector<int64_t> order(graph.pairs.size());
  std::iota(order.begin(), order.end(), 0);
  const int64_t direct =
      std::min<int64_t>(options.direct_channels, static_cast<int64_t>(order.size()));
  for (int64_t i = 0; i < direct; ++i) {
    std::swap(order[i], order[i + Below(random, static_cast<int64_t>(order.size()) - i)]);
    const FriendPair& pair = graph.pairs[order[i]];
    Channel& channel = channels.emplace_back();
    channel.id = base::SeededUuidV4(random);
    const bool requester_low = ids[pair.requester] < ids[pair.accepter];
    channel.low = requester_low ? pair.requester : pair.accepter;
    channel.high = requester_low ? pair.accepter : pair.requester;
    // Before the channel's first message: messages start at messages_from.
    channel.created =
        Between(random, pair.since, std::min(pair.since + absl::Hours(24), messages_from));
  }
  return channels;
}

// Which channel each message goes to and who sends it: a few busy channels
// and a long tail (log-normal activity; guild channels also by size). The
// same seed replays the same picks, so the channels' totals are known
// before their rows (which the messages reference) are written.
class MessagePicker {
 public:
  MessagePicker(const std::vector<Channel>& channels, const Guilds& guilds, double guild_share,
                uint64_t seed)
      : channels_(channels), guilds_(guilds) {
    Random random(seed);
    std::lognormal_distribution<double> activity(0, 1.2);
    std::vector<double> guild_weights, direct_weights;
    for (size_t c = 0; c < channels.size(); ++c) {
      if (channels[c].guild >= 0) {
        guild_channels_.push_back(static_cast<int32_t>(c));
        guild_weights.push_back(activity(random) * guilds.guilds[channels[c].guild].members.size());
      } else {
        direct_channels_.push_back(static_cast<int32_t>(c));
        direct_weights.push_back(activity(random));
      }
    }
    guild_pick_ = std::discrete_distribution<int64_t>(guild_weights.begin(), guild_weights.end());
    direct_pick_ =
        std::discrete_distribution<int64_t>(direct_weights.begin(), direct_weights.end());
    guild_share_ = direct_channels_.empty() ? 1.0 : guild_share;
  }

  // (channel, sender)
  std::pair<int32_t, int32_t> Next(Random& random) {
    if (std::uniform_real_distribution<double>(0, 1)(random) < guild_share_) {
      const int32_t c = guild_channels_[guild_pick_(random)];
      const std::vector<int32_t>& members = guilds_.guilds[channels_[c].guild].members;
      return {c, members[Below(random, static_cast<int64_t>(members.size()))]};
    }
    const int32_t c = direct_channels_[direct_pick_(random)];
    return {c, Below(random, 2) == 0 ? channels_[c].low : channels_[c].high};
  }

 private:
  const std::vector<Channel>& channels_;
  const Guilds& guilds_;
  std::vector<int32_t> guild_channels_, direct_channels_;
  std::discrete_distribution<int64_t> guild_pick_, direct_pick_;
  double guild_share_ = 0;
};

uint64_t SenderKey(int32_t channel, int32_t user) {
  return (static_cast<uint64_t>(channel) << 32) | static_cast<uint32_t>(user);
}

struct MessageEdit {
  std::string message_id;
  std::string previous_text;
  absl::Time at;
};

absl::Status Validate(const SeedOptions& o) {
  if (o.users < 2 || o.users > std::numeric_limits<int32_t>::max()) {
    return absl::InvalidArgumentError("seed: users must be at least 2");
  }
  if (o.friends_per_user < 0 || o.friends_per_user >= o.users) {
    return absl::InvalidArgumentError("seed: friends_per_user must be in [0, users)");
  }
  if (o.guilds < 1 || o.guilds > std::numeric_limits<int32_t>::max() || o.guilds_per_user < 0 ||
      o.direct_channels < 0 || o.messages < 0 || o.pending_requests < 0 || o.blocks < 0 ||
      o.days < 1 || !(o.guild_message_share >= 0 && o.guild_message_share <= 1)) {
    return absl::InvalidArgumentError(
        "seed: guilds >= 1, days >= 1, guild_message_share in [0, 1], other counts >= 0");
  }
  return absl::OkStatus();
}

}  // namespace

SeedOptions SeedOptions::ForUsers(int64_t users) {
  SeedOptions options;
  options.users = users;
  options.friends_per_user =
      static_cast<int>(std::max<int64_t>(0, std::min<int64_t>(50, users - 1)));
  options.guilds = std::max<int64_t>(1, users / 10);
  options.direct_channels = users * 2;
  options.messages = users * 100;
  options.pending_requests = users / 10;
  options.blocks = users / 100;
  return options;
}

absl::StatusOr<SeedReport> SeedSocialDatabase(const std::string& conninfo,
                                              const SeedOptions& options) {
  if (absl::Status valid = Validate(options); !valid.ok()) return valid;
  const absl::Time start = absl::Now();
  Timeline time;
  time.now = start;
  time.messages_from = start - absl::Hours(24) * options.days;
  time.setup_from = time.messages_from - absl::Hours(24) * options.days;
  const int32_t users = static_cast<int32_t>(options.users);

  Random random(options.seed);
  std::vector<std::string> ids(users);
  for (std::string& id : ids) id = base::SeededUuidV4(random);
  const FriendGraph graph = BuildFriendGraph(users, options.friends_per_user, time, random);
  std::unordered_set<uint64_t> related;
  const int window = std::max(1, std::min(users - 1, 2 * options.friends_per_user));
  const std::vector<OneWay> requests =
      PickUnrelated(options.pending_requests, users, window, graph, related,
                    time.now - absl::Hours(24 * 7), time.now, random);
  const std::vector<OneWay> blocks = PickUnrelated(options.blocks, users, window, graph, related,
                                                   time.setup_from, time.now, random);
  const Guilds guilds = BuildGuilds(options, time, random);
  std::vector<Channel> channels =
      BuildChannels(options, ids, graph, guilds, time.messages_from, random);

  // Pass 1: the channels' totals and who sent what last, from the picks.
  const uint64_t pick_seed = options.seed * 0x9e3779b97f4a7c15ULL + 1;
  const absl::Duration step = (time.now - time.messages_from) / (options.messages + 1);
  std::unordered_map<uint64_t, int64_t> last_sent;  // SenderKey -> sequence
  {
    MessagePicker picker(channels, guilds, options.guild_message_share, pick_seed);
    Random picks(pick_seed);
    for (int64_t i = 0; i < options.messages; ++i) {
      const auto [c, sender] = picker.Next(picks);
      Channel& channel = channels[c];
      last_sent[SenderKey(c, sender)] = ++channel.last_sequence;
      channel.last_message = time.messages_from + step * (i + 1);
    }
  }

  try {
    pqxx::connection connection(conninfo);
    pqxx::work tx(connection);
    SeedReport report;

    // ----- friend graph
    {
      db::CopyWriter friendships(tx, "friendships", {"user_id", "friend_id", "created_at"});
      for (const FriendPair& pair : graph.pairs) {
        const std::string since = CopyTimestamp(pair.since);
        friendships.Row({ids[pair.requester], ids[pair.accepter], since});
        friendships.Row({ids[pair.accepter], ids[pair.requester], since});
      }
      report.friendships = friendships.Finish();
    }
    {
      db::CopyWriter lists(tx, "friend_suggestion_lists",
                           {"user_id", "candidate_ids", "mutual_friend_counts", "computed_at"});
      const std::string computed = CopyTimestamp(time.now);
      const std::vector<SuggestionList> suggestion_lists =
          BuildSuggestionLists(graph, ids, options.suggestion_list_size);
      for (int32_t user = 0; user < users; ++user) {
        if (graph.friends[user].empty()) continue;
        const SuggestionList& list = suggestion_lists[user];
        std::vector<std::string> candidates;
        candidates.reserve(list.candidates.size());
        for (int32_t candidate : list.candidates) candidates.push_back(ids[candidate]);
        lists.Row(
            {ids[user], db::ArrayLiteral(candidates), db::ArrayLiteral(list.mutual), computed});
      }
      report.rows += lists.Finish();
    }
    {
      db::CopyWriter requests_copy(tx, "friend_requests",
                                   {"requester_id", "recipient_id", "created_at", "expires_at"});
      for (const OneWay& request : requests) {
        requests_copy.Row({ids[request.from], ids[request.to], CopyTimestamp(request.at),
                           CopyTimestamp(request.at + absl::Hours(720))});
      }
      report.rows += requests_copy.Finish();
    }
    {
      db::CopyWriter blocks_copy(tx, "user_blocks", {"blocker_id", "blocked_id", "created_at"});
      for (const OneWay& block : blocks) {
        blocks_copy.Row({ids[block.from], ids[block.to], CopyTimestamp(block.at)});
      }
      report.rows += blocks_copy.Finish();
    }
    {
      db::CopyWriter history(tx, "friendship_events",
                             {"pair_id", "actor_id", "subject_id", "action", "created_at"});
      for (const FriendPair& pair : graph.pairs) {
        const std::string& accepter = ids[pair.accepter];
        const std::string& requester = ids[pair.requester];
        history.Row({PairId(accepter, requester), accepter, requester, "accepted",
                     CopyTimestamp(pair.since)});
      }
      for (const auto& [rows, action] :
           {std::pair{&requests, "requested"}, std::pair{&blocks, "blocked"}}) {
        for (const OneWay& one : *rows) {
          history.Row({PairId(ids[one.from], ids[one.to]), ids[one.from], ids[one.to], action,
                       CopyTimestamp(one.at)});
        }
      }
      report.rows += history.Finish();
    }

    // ----- guilds
    {
      db::CopyWriter guilds_copy(tx, "guilds",
                                 {"id", "name", "name_key", "description", "open", "max_members",
                                  "member_count", "owner_id", "created_at", "updated_at"});
      for (const Guild& guild : guilds.guilds) {
        const std::string created = CopyTimestamp(guild.created);
        guilds_copy.Row({guild.id, guild.name, absl::AsciiStrToLower(guild.name),
                         "A guild of the seed data", guild.open ? "t" : "f",
                         std::to_string(guild.max_members), std::to_string(guild.members.size()),
                         ids[guild.owner], created, created});
      }
      report.rows += guilds_copy.Finish();
    }
    {
      db::CopyWriter members(tx, "guild_members",
                             {"guild_id", "user_id", "role", "state", "joined_at"});
      for (const Membership& m : guilds.memberships) {
        members.Row(
            {guilds.guilds[m.guild].id, ids[m.user], m.role, m.state, CopyTimestamp(m.joined)});
      }
      report.guild_members = members.Finish();
    }
    {
      db::CopyWriter audit(
          tx, "guild_audit_log",
          {"guild_id", "actor_id", "action", "target_id", "details", "created_at"});
      for (const Guild& guild : guilds.guilds) {
        audit.Row({guild.id, ids[guild.owner], "create", kCopyNull, guild.name,
                   CopyTimestamp(guild.created)});
      }
      for (const Membership& m : guilds.memberships) {
        if (absl::string_view(m.role) == "owner") continue;
        const std::string& user = ids[m.user];
        audit.Row({guilds.guilds[m.guild].id, user,
                   absl::string_view(m.state) == "member" ? "join" : "request", user, "",
                   CopyTimestamp(m.joined)});
      }
      report.rows += audit.Finish();
    }

    // ----- chat
    {
      db::CopyWriter channels_copy(tx, "chat_channels",
                                   {"id", "kind", "user_low_id", "user_high_id", "guild_id",
                                    "last_sequence", "last_message_at", "created_at"});
      for (const Channel& c : channels) {
        const bool guild = c.guild >= 0;
        channels_copy.Row({c.id, guild ? "guild" : "direct", guild ? kCopyNull : ids[c.low],
                           guild ? kCopyNull : ids[c.high],
                           guild ? guilds.guilds[c.guild].id : kCopyNull,
                           std::to_string(c.last_sequence),
                           CopyTimestamp(c.last_sequence > 0 ? c.last_message : c.created),
                           CopyTimestamp(c.created)});
      }
      report.channels = channels_copy.Finish();
    }
    std::vector<MessageEdit> edits;
    {
      // Pass 2: the same picks again, now written with their sequences.
      MessagePicker picker(channels, guilds, options.guild_message_share, pick_seed);
      Random picks(pick_seed);
      std::vector<int64_t> sequence(channels.size(), 0);
      db::CopyWriter messages(tx, "chat_messages",
                              {"id", "channel_id", "sequence", "sender_id", "kind", "text",
                               "edited", "deleted", "created_at", "edited_at", "deleted_at"});
      for (int64_t i = 0; i < options.messages; ++i) {
        const auto [c, sender] = picker.Next(picks);
        const absl::Time created = time.messages_from + step * (i + 1);
        const absl::Time changed =
            std::min(time.now, created + absl::Seconds(1 + Below(random, 600)));
        std::string id = base::SeededUuidV4(random);
        std::string text = Sentence(random);
        const int64_t fate = Below(random, 1000);
        const bool deleted = fate < 10, edited = fate >= 10 && fate < 30;
        if (edited) {
          edits.push_back({id, std::move(text), changed});
          text = Sentence(random);
        }
        if (deleted) text.clear();
        messages.Row({id, channels[c].id, std::to_string(++sequence[c]), ids[sender], "text", text,
                      edited ? "t" : "f", deleted ? "t" : "f", CopyTimestamp(created),
                      edited ? CopyTimestamp(changed) : kCopyNull,
                      deleted ? CopyTimestamp(changed) : kCopyNull});
      }
      report.messages = messages.Finish();
    }
    {
      db::CopyWriter edits_copy(tx, "chat_message_edits",
                                {"chat_message_id", "previous_text", "edited_at"});
      for (const MessageEdit& edit : edits) {
        edits_copy.Row({edit.message_id, edit.previous_text, CopyTimestamp(edit.at)});
      }
      report.rows += edits_copy.Finish();
    }
    {
      db::CopyWriter marks(tx, "channel_read_marks",
                           {"channel_id", "user_id", "last_read_sequence", "updated_at"});
      for (size_t c = 0; c < channels.size(); ++c) {
        const Channel& channel = channels[c];
        if (channel.last_sequence == 0) continue;
        const std::vector<int32_t> direct = {channel.low, channel.high};
        const std::vector<int32_t>& participants =
            channel.guild >= 0 ? guilds.guilds[channel.guild].members : direct;
        for (int32_t user : participants) {
          const auto sent = last_sent.find(SenderKey(static_cast<int32_t>(c), user));
          const int64_t own = sent == last_sent.end() ? 0 : sent->second;
          if (own == 0 && Below(random, 100) >= 85) continue;  // never opened it
          const int64_t unread =
              Below(random, 2) == 0
                  ? 0
                  : Below(random, 1 + std::min<int64_t>(channel.last_sequence, 50));
          marks.Row({channel.id, ids[user],
                     std::to_string(std::max(own, channel.last_sequence - unread)),
                     CopyTimestamp(channel.last_message)});
        }
      }
      report.read_marks = marks.Finish();
    }
    tx.commit();
    report.rows += report.friendships + report.guild_members + report.channels + report.messages +
                   report.read_marks;
    pqxx::nontransaction analyze(connection);
    analyze.exec("ANALYZE");
    report.elapsed = absl::Now() - start;
    return report;
  } catch (const std::exception& e) {
    return db::StatusFromDbException(e, "seeding");
  }
}

}  // namespace qs::social
