// PuzzleStore against a scratch quest database (primary + replica), not
// through the RPCs: every column's round trip, NOT_FOUND, the locking
// variants, the feed's keyset order, the daily puzzle, play and rating
// updates, and NextFor's band window and "unseen" rule.
#include "quest/puzzle_store.h"

#include <algorithm>
#include <string>
#include <tuple>
#include <vector>

#include "absl/status/status.h"
#include "common/db/row_mapping.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "quest/puzzle_period_job.h"
#include "tests/quest/quest_store_fixture.h"

namespace qs::quest {
namespace {

using ::google::protobuf::util::MessageDifferencer;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;

class PuzzleStoreTest : public testing::QuestStoreTest {
 protected:
  StoredPuzzle Draft(const std::string& author, int rating = 1500,
                     v1::PuzzleStatus status = v1::PUZZLE_STATUS_PUBLISHED,
                     std::vector<std::string> themes = {"fork"}) {
    StoredPuzzle stored;
    v1::Puzzle& p = stored.puzzle;
    p.set_author_id(author);
    p.set_title("Knight fork");
    p.set_kind(v1::PUZZLE_KIND_CHESS);
    for (std::string& theme : themes) p.add_themes(std::move(theme));
    p.set_rating(rating);
    p.set_content("r1bqkb1r/pppp1ppp");
    p.set_status(status);
    stored.solution = "Nc7+";
    return stored;
  }

  v1::Puzzle Create(const StoredPuzzle& puzzle) {
    return InWrite([&](db::WriteTx& tx) { return store_.Create(tx, puzzle); }).puzzle;
  }
  v1::Puzzle Published(int rating, std::vector<std::string> themes = {"fork"}) {
    return Create(Draft(author_, rating, v1::PUZZLE_STATUS_PUBLISHED, std::move(themes)));
  }

  // Pins created_at (the feed's key) to `micros` since the epoch.
  void SetCreatedAt(const std::string& id, int64_t micros) {
    Sql("UPDATE puzzles SET created_at = 'epoch'::timestamptz + $2 * interval '1 microsecond' "
        "WHERE id = $1",
        id, micros);
  }

  // A started (not submitted) attempt: enough for NextFor to call it seen.
  void Start(const std::string& user, const std::string& puzzle_id) {
    Sql("INSERT INTO puzzle_attempts (user_id, puzzle_id) VALUES ($1, $2)", user, puzzle_id);
  }

  absl::StatusOr<v1::Puzzle> NextFor(const std::string& user, v1::DifficultyBand band,
                                     const std::string& theme = "") {
    WaitForReplica();
    return database().Read(
        [&](db::ReadTx& tx) { return store_.NextFor(tx, user, theme, WindowOf(band)); });
  }

  std::vector<v1::Puzzle> List(const FeedQuery& query) {
    return OnAsyncPath<std::vector<v1::Puzzle>>([&](auto done) {
      PuzzleStore::ListAsync(database().async_reads(), query, Deadline(), std::move(done));
    });
  }

  static std::vector<std::string> Ids(const std::vector<v1::Puzzle>& puzzles) {
    std::vector<std::string> ids;
    for (const v1::Puzzle& p : puzzles) ids.push_back(p.id());
    return ids;
  }

  PuzzleStore store_;
  std::string author_ = NewUser();
};

TEST_F(PuzzleStoreTest, CreateReturnsEveryColumnAndGetReadsTheSameFromTheReplica) {
  StoredPuzzle draft = Draft(author_, 1234, v1::PUZZLE_STATUS_DRAFT, {"fork", "end-game"});
  draft.puzzle.set_kind(v1::PUZZLE_KIND_PATTERN);
  draft.solution = "  a solution with spaces ";
  StoredPuzzle created = InWrite([&](db::WriteTx& tx) { return store_.Create(tx, draft); });
  const v1::Puzzle& p = created.puzzle;

  EXPECT_EQ(Scalar<std::string>("SELECT id::text FROM puzzles"), p.id());
  EXPECT_EQ(p.author_id(), author_);
  EXPECT_EQ(p.title(), "Knight fork");
  EXPECT_EQ(p.kind(), v1::PUZZLE_KIND_PATTERN);
  EXPECT_THAT(p.themes(), ElementsAre("fork", "end-game"));
  EXPECT_EQ(p.rating(), 1234);
  EXPECT_EQ(p.play_count(), 0);
  EXPECT_EQ(p.content(), "r1bqkb1r/pppp1ppp");
  EXPECT_EQ(created.solution, "  a solution with spaces ");
  EXPECT_EQ(p.status(), v1::PUZZLE_STATUS_DRAFT);
  EXPECT_EQ(p.version(), 1);
  // What the row holds, read in SQL: codes, array, and both timestamps to
  // the microsecond.
  pqxx::row row =
      Sql("SELECT kind, status, themes::text, solution, "
          "created_at = $2::timestamptz, updated_at = $3::timestamptz "
          "FROM puzzles WHERE id = $1",
          p.id(), TimestampLiteral(p.created_at()), TimestampLiteral(p.updated_at()))[0];
  EXPECT_EQ(row[0].as<std::string>(), "pattern");
  EXPECT_EQ(row[1].as<std::string>(), "draft");
  EXPECT_EQ(row[2].as<std::string>(), "{fork,end-game}");
  EXPECT_EQ(row[3].as<std::string>(), "  a solution with spaces ");
  EXPECT_TRUE(row[4].as<bool>()) << TimestampLiteral(p.created_at());
  EXPECT_TRUE(row[5].as<bool>()) << TimestampLiteral(p.updated_at());

  WaitForReplica();
  StoredPuzzle read = OnReplica([&](db::ReadTx& tx) { return store_.Get(tx, p.id()); });
  EXPECT_TRUE(MessageDifferencer::Equals(read.puzzle, p)) << read.puzzle.DebugString();
  EXPECT_EQ(read.solution, created.solution);
  StoredPuzzle locked = InWrite([&](db::WriteTx& tx) { return store_.GetForUpdate(tx, p.id()); });
  EXPECT_TRUE(MessageDifferencer::Equals(locked.puzzle, p)) << locked.puzzle.DebugString();
  EXPECT_EQ(locked.solution, created.solution);
}

TEST_F(PuzzleStoreTest, TimestampsSurviveToTheMicrosecondAlsoBeforeTheEpoch) {
  const std::string id = Published(1500).id();
  Sql("UPDATE puzzles SET created_at = '2026-11-25 10:11:12.345678+00', "
      "updated_at = '1969-12-31 23:59:59.5+00' WHERE id = $1",
      id);
  WaitForReplica();
  v1::Puzzle p = OnReplica([&](db::ReadTx& tx) { return store_.Get(tx, id); }).puzzle;
  EXPECT_EQ(p.created_at().seconds(), 1795601472);
  EXPECT_EQ(p.created_at().nanos(), 345678000);
  EXPECT_EQ(p.updated_at().seconds(), -1);
  EXPECT_EQ(p.updated_at().nanos(), 500000000);
  EXPECT_EQ(TimestampLiteral(p.created_at()), "2026-11-25 10:11:12.345678+00");
}

TEST_F(PuzzleStoreTest, EveryKindAndStatusMapsToItsCodeAndBack) {
  const std::vector<std::tuple<v1::PuzzleKind, std::string>> kinds = {
      {v1::PUZZLE_KIND_LOGIC, "logic"},
      {v1::PUZZLE_KIND_WORD, "word"},
      {v1::PUZZLE_KIND_MATH, "math"},
      {v1::PUZZLE_KIND_PATTERN, "pattern"},
      {v1::PUZZLE_KIND_CHESS, "chess"}};
  const std::vector<std::tuple<v1::PuzzleStatus, std::string>> statuses = {
      {v1::PUZZLE_STATUS_DRAFT, "draft"},
      {v1::PUZZLE_STATUS_PUBLISHED, "published"},
      {v1::PUZZLE_STATUS_ARCHIVED, "archived"}};
  for (const auto& [kind, kind_code] : kinds) {
    for (const auto& [status, status_code] : statuses) {
      StoredPuzzle draft = Draft(author_, 1500, status, {});
      draft.puzzle.set_kind(kind);
      const v1::Puzzle created = Create(draft);
      EXPECT_EQ(created.kind(), kind);
      EXPECT_EQ(created.status(), status);
      EXPECT_EQ(created.themes_size(), 0);
      pqxx::row row =
          Sql("SELECT kind, status, themes::text FROM puzzles WHERE id = $1", created.id())[0];
      EXPECT_EQ(row[0].as<std::string>(), kind_code);
      EXPECT_EQ(row[1].as<std::string>(), status_code);
      EXPECT_EQ(row[2].as<std::string>(), "{}");
      const v1::Puzzle read =
          OnPrimary([&](db::ReadTx& tx) { return store_.Get(tx, created.id()); }).puzzle;
      EXPECT_EQ(read.kind(), kind);
      EXPECT_EQ(read.status(), status);
    }
  }
}

TEST_F(PuzzleStoreTest, MissingIdsAreNotFound) {
  const std::string missing = NewUser();
  WaitForReplica();
  absl::StatusOr<StoredPuzzle> get =
      database().Read([&](db::ReadTx& tx) { return store_.Get(tx, missing); });
  EXPECT_EQ(get.status().code(), absl::StatusCode::kNotFound) << get.status();
  EXPECT_NE(get.status().message().find(missing), std::string::npos) << get.status();
  absl::StatusOr<StoredPuzzle> locked =
      database().Write([&](db::WriteTx& tx) { return store_.GetForUpdate(tx, missing); });
  EXPECT_EQ(locked.status().code(), absl::StatusCode::kNotFound) << locked.status();
  absl::StatusOr<PuzzleForPlay> read_play =
      database().Write([&](db::WriteTx& tx) { return store_.ReadForPlay(tx, missing); });
  EXPECT_EQ(read_play.status().code(), absl::StatusCode::kNotFound) << read_play.status();
}

TEST_F(PuzzleStoreTest, UpdateWritesTheEditableFieldsAndBumpsTheVersion) {
  const v1::Puzzle before = Create(Draft(author_, 1500, v1::PUZZLE_STATUS_DRAFT, {"fork"}));
  StoredPuzzle edit;
  edit.puzzle = before;
  edit.puzzle.set_title("Skewer");
  edit.puzzle.set_kind(v1::PUZZLE_KIND_LOGIC);
  edit.puzzle.clear_themes();
  edit.puzzle.add_themes("skewer");
  edit.puzzle.add_themes("pin");
  edit.puzzle.add_themes("mate-in-2");
  edit.puzzle.set_rating(2100);
  edit.puzzle.set_content("8/8/8");
  edit.puzzle.set_status(v1::PUZZLE_STATUS_PUBLISHED);
  edit.puzzle.set_author_id(NewUser());  // not editable
  edit.solution = "Bb5";
  StoredPuzzle after = InWrite([&](db::WriteTx& tx) { return store_.Update(tx, edit); });
  const v1::Puzzle& p = after.puzzle;
  EXPECT_EQ(p.id(), before.id());
  EXPECT_EQ(p.author_id(), author_);
  EXPECT_EQ(p.title(), "Skewer");
  EXPECT_EQ(p.kind(), v1::PUZZLE_KIND_LOGIC);
  EXPECT_THAT(p.themes(), ElementsAre("skewer", "pin", "mate-in-2"));
  EXPECT_EQ(p.rating(), 2100);
  EXPECT_EQ(p.content(), "8/8/8");
  EXPECT_EQ(p.status(), v1::PUZZLE_STATUS_PUBLISHED);
  EXPECT_EQ(after.solution, "Bb5");
  EXPECT_EQ(p.version(), 2);
  EXPECT_TRUE(MessageDifferencer::Equals(p.created_at(), before.created_at()));
  EXPECT_GT(db::TimestampMicros(p.updated_at()), db::TimestampMicros(before.updated_at()));
  EXPECT_TRUE(
      Scalar<bool>("SELECT updated_at = $2::timestamptz AND solution = 'Bb5' "
                   "AND version = 2 FROM puzzles WHERE id = $1",
                   p.id(), TimestampLiteral(p.updated_at())));
  EXPECT_EQ(InWrite([&](db::WriteTx& tx) { return store_.Update(tx, after); }).puzzle.version(), 3);
  WaitForReplica();
  StoredPuzzle read = OnReplica([&](db::ReadTx& tx) { return store_.Get(tx, p.id()); });
  EXPECT_EQ(read.puzzle.version(), 3);
  EXPECT_EQ(read.solution, "Bb5");
}

TEST_F(PuzzleStoreTest, ListIsNewestFirstWithTiesBrokenByIdAndResumesAfterAPosition) {
  // Three puzzles share one created_at; one is older, one newer.
  const int64_t t = 1795601472345678;
  std::vector<std::pair<int64_t, std::string>> keys;
  for (int64_t created : {t, t - 1000000, t, t + 1, t}) {
    const std::string id = Published(1500).id();
    SetCreatedAt(id, created);
    keys.emplace_back(created, id);
  }
  Create(Draft(author_, 1500, v1::PUZZLE_STATUS_DRAFT));  // not in the published feed
  std::sort(keys.rbegin(), keys.rend());                  // (created_at DESC, id DESC)
  std::vector<std::string> expected;
  for (const auto& [created, id] : keys) expected.push_back(id);
  WaitForReplica();

  FeedQuery query;
  query.status = "published";
  query.limit = 10;
  std::vector<v1::Puzzle> all = List(query);
  EXPECT_THAT(Ids(all), ElementsAreArray(expected));

  // Pages of two, each after the previous page's last (created_at, id).
  std::vector<std::string> paged;
  query.limit = 2;
  for (int page = 0; page < 4; ++page) {
    std::vector<v1::Puzzle> rows = List(query);
    EXPECT_LE(rows.size(), 2u);
    if (rows.empty()) break;
    for (const v1::Puzzle& p : rows) paged.push_back(p.id());
    query.after =
        api::KeysetPosition{db::TimestampMicros(rows.back().created_at()), rows.back().id()};
  }
  EXPECT_THAT(paged, ElementsAreArray(expected));

  // After the middle one of the tie: the tied row with a smaller id, then
  // the older one.
  query.limit = 10;
  query.after = api::KeysetPosition{t, expected[2]};
  EXPECT_THAT(Ids(List(query)), ElementsAre(expected[3], expected[4]));
  query.after = api::KeysetPosition{t - 1000000, expected[4]};
  EXPECT_TRUE(List(query).empty());
}

TEST_F(PuzzleStoreTest, ListFiltersByStatusAuthorRatingAndTheme) {
  const std::string other = NewUser();
  const std::string low = Published(1000, {"fork"}).id();
  const std::string mid = Published(1500, {"pin", "fork"}).id();
  const std::string high = Published(2000, {"pin"}).id();
  const std::string others = Create(Draft(other, 1500, v1::PUZZLE_STATUS_PUBLISHED, {"pin"})).id();
  const std::string draft = Create(Draft(author_, 1500, v1::PUZZLE_STATUS_DRAFT, {"fork"})).id();
  const std::string others_draft = Create(Draft(other, 1500, v1::PUZZLE_STATUS_DRAFT)).id();
  const std::string archived = Create(Draft(author_, 1500, v1::PUZZLE_STATUS_ARCHIVED)).id();
  WaitForReplica();
  auto ids = [&](FeedQuery query) {
    std::vector<std::string> found = Ids(List(query));
    std::sort(found.begin(), found.end());
    return found;
  };
  auto sorted = [](std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    return v;
  };
  FeedQuery query;
  query.status = "published";
  EXPECT_EQ(ids(query), sorted({low, mid, high, others}));
  query.author_id = author_;
  EXPECT_EQ(ids(query), sorted({low, mid, high}));
  query.min_rating = 1500;
  EXPECT_EQ(ids(query), sorted({mid, high}));
  query.max_rating = 1999;
  EXPECT_EQ(ids(query), sorted({mid}));
  query.min_rating = 0;
  query.max_rating = 1500;
  EXPECT_EQ(ids(query), sorted({low, mid}));
  query.max_rating = 0;
  query.theme = "pin";
  EXPECT_EQ(ids(query), sorted({mid, high}));
  query.author_id = "";
  EXPECT_EQ(ids(query), sorted({mid, high, others}));
  query.theme = "skewer";
  EXPECT_TRUE(ids(query).empty());

  FeedQuery drafts;
  drafts.status = "draft";
  drafts.author_id = author_;
  EXPECT_EQ(ids(drafts), sorted({draft}));
  drafts.author_id = other;
  EXPECT_EQ(ids(drafts), sorted({others_draft}));
  FeedQuery archive;
  archive.status = "archived";
  EXPECT_EQ(ids(archive), sorted({archived}));
}

TEST_F(PuzzleStoreTest, ChooseDailyPuzzlePicksAPublishedNeverChosenPuzzleOncePerDay) {
  WaitForReplica();
  auto daily = [&](const std::string& day) {
    return database().ReadFromPrimary([&](db::ReadTx& tx) { return store_.DailyPuzzle(tx, day); });
  };
  EXPECT_EQ(daily("2026-11-25").status().code(), absl::StatusCode::kNotFound);
  // Nothing published: choosing chooses nothing.
  Create(Draft(author_, 1500, v1::PUZZLE_STATUS_DRAFT));
  Create(Draft(author_, 1500, v1::PUZZLE_STATUS_ARCHIVED));
  InWrite([&](db::WriteTx& tx) { store_.ChooseDailyPuzzle(tx, "2026-11-25"); });
  EXPECT_EQ(daily("2026-11-25").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(Scalar<int64_t>("SELECT count(*) FROM daily_puzzles"), 0);

  std::vector<std::string> published;
  for (int i = 0; i < 3; ++i) published.push_back(Published(1500 + i).id());
  // The pick is the hash order of (id, day) among the published puzzles.
  const std::string expected = Scalar<std::string>(
      "SELECT id::text FROM puzzles WHERE status = 'published' "
      "ORDER BY md5(id::text || '2026-11-25') LIMIT 1");
  InWrite([&](db::WriteTx& tx) { store_.ChooseDailyPuzzle(tx, "2026-11-25"); });
  absl::StatusOr<v1::Puzzle> first = daily("2026-11-25");
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->id(), expected);
  EXPECT_EQ(first->status(), v1::PUZZLE_STATUS_PUBLISHED);
  EXPECT_EQ(first->title(), "Knight fork");

  // Idempotent for a day.
  InWrite([&](db::WriteTx& tx) { store_.ChooseDailyPuzzle(tx, "2026-11-25"); });
  InWrite([&](db::WriteTx& tx) { store_.ChooseDailyPuzzle(tx, "2026-11-25"); });
  EXPECT_EQ(daily("2026-11-25")->id(), first->id());
  EXPECT_EQ(Scalar<int64_t>("SELECT count(*) FROM daily_puzzles"), 1);

  // Later days take the others, never one chosen before; then none is left.
  InWrite([&](db::WriteTx& tx) { store_.ChooseDailyPuzzle(tx, "2026-11-26"); });
  InWrite([&](db::WriteTx& tx) { store_.ChooseDailyPuzzle(tx, "2026-11-27"); });
  std::vector<std::string> chosen = {first->id(), daily("2026-11-26")->id(),
                                     daily("2026-11-27")->id()};
  std::sort(chosen.begin(), chosen.end());
  std::sort(published.begin(), published.end());
  EXPECT_EQ(chosen, published);
  InWrite([&](db::WriteTx& tx) { store_.ChooseDailyPuzzle(tx, "2026-11-28"); });
  EXPECT_EQ(daily("2026-11-28").status().code(), absl::StatusCode::kNotFound);

  // The replica serves the chosen day too.
  WaitForReplica();
  EXPECT_EQ(OnReplica([&](db::ReadTx& tx) { return store_.DailyPuzzle(tx, "2026-11-25"); }).id(),
            first->id());
}

TEST_F(PuzzleStoreTest, PlayReadsTheRatingWithoutALockAndCountsPlaysByFolding) {
  const v1::Puzzle p = Create(Draft(author_, 1700, v1::PUZZLE_STATUS_ARCHIVED));
  const int64_t before =
      Scalar<int64_t>("SELECT (extract(epoch FROM clock_timestamp()) * 1e6)::bigint");
  PuzzleForPlay read = InWrite([&](db::WriteTx& tx) { return store_.ReadForPlay(tx, p.id()); });
  EXPECT_EQ(read.id, p.id());
  EXPECT_EQ(read.author_id, author_);
  EXPECT_EQ(read.status, v1::PUZZLE_STATUS_ARCHIVED);
  EXPECT_EQ(read.solution, "Nc7+");
  EXPECT_DOUBLE_EQ(read.rating.rating, 1700);
  EXPECT_DOUBLE_EQ(read.rating.deviation, 200) << "the column's default";
  EXPECT_DOUBLE_EQ(read.rating.volatility, 0.06);
  EXPECT_GE(read.read_at_micros, before) << "the database clock";

  // Reading for play takes no lock: another transaction may update the row.
  Sql("SELECT set_config('lock_timeout', '2s', false)");  // a lock fails the test, never hangs it
  InWrite([&](db::WriteTx& tx) {
    store_.ReadForPlay(tx, p.id()).IgnoreError();
    Sql("UPDATE puzzles SET title = 'x' WHERE id = $1", p.id());
  });

  InWrite([&](db::WriteTx& tx) { store_.CountPlay(tx, p.id()); });
  InWrite([&](db::WriteTx& tx) {
    store_.CountPlay(tx, p.id());
    store_.CountPlay(tx, p.id());
  });
  EXPECT_EQ(Scalar<int64_t>("SELECT play_count FROM puzzles WHERE id = $1", p.id()), 0)
      << "plays are appended, not counted on the row";
  EXPECT_EQ(Scalar<int64_t>("SELECT count(*) FROM puzzle_plays WHERE puzzle_id = $1", p.id()), 3);
  EXPECT_EQ(*FoldPuzzlePlays(database()), 3);
  EXPECT_EQ(Scalar<int64_t>("SELECT play_count FROM puzzles WHERE id = $1", p.id()), 3);
  EXPECT_EQ(Scalar<int64_t>("SELECT count(*) FROM puzzle_plays"), 0);
  EXPECT_EQ(*FoldPuzzlePlays(database()), 0) << "each play is folded once";
  WaitForReplica();
  EXPECT_EQ(OnReplica([&](db::ReadTx& tx) { return store_.Get(tx, p.id()); }).puzzle.play_count(),
            3);
}

TEST_F(PuzzleStoreTest, SetRatingRoundsAndClampsToTheAllowedRange) {
  const std::string id = Published(1500).id();
  auto set_and_read = [&](Rating rating) {
    InWrite([&](db::WriteTx& tx) { store_.SetRating(tx, id, rating); });
    return InWrite([&](db::WriteTx& tx) { return store_.ReadForPlay(tx, id); }).rating;
  };
  Rating stored = set_and_read({1623.7, 87.25, 0.0601});
  EXPECT_DOUBLE_EQ(stored.rating, 1624);
  EXPECT_DOUBLE_EQ(stored.deviation, 87.25);
  EXPECT_DOUBLE_EQ(stored.volatility, 0.0601);
  EXPECT_EQ(Scalar<int>("SELECT rating FROM puzzles WHERE id = $1", id), 1624);
  EXPECT_DOUBLE_EQ(set_and_read({1623.2, 80, 0.06}).rating, 1623);
  EXPECT_DOUBLE_EQ(set_and_read({42.0, 80, 0.06}).rating, kMinRating);
  EXPECT_DOUBLE_EQ(set_and_read({-300.0, 80, 0.06}).rating, kMinRating);
  EXPECT_DOUBLE_EQ(set_and_read({100.0, 80, 0.06}).rating, 100);
  EXPECT_DOUBLE_EQ(set_and_read({4000.0, 80, 0.06}).rating, 4000);
  Rating high = set_and_read({4711.9, 65.5, 0.07});
  EXPECT_DOUBLE_EQ(high.rating, kMaxRating);
  EXPECT_DOUBLE_EQ(high.deviation, 65.5) << "clamping the rating keeps the rest";
  EXPECT_DOUBLE_EQ(high.volatility, 0.07);
  WaitForReplica();
  EXPECT_EQ(OnReplica([&](db::ReadTx& tx) { return store_.Get(tx, id); }).puzzle.rating(),
            kMaxRating);
}

TEST_F(PuzzleStoreTest, CountPublishedCountsOnlyPublishedOnesOfTheIds) {
  const std::string a = Published(1500).id();
  const std::string b = Published(1500).id();
  const std::string unlisted = Published(1500).id();
  const std::string draft = Create(Draft(author_, 1500, v1::PUZZLE_STATUS_DRAFT)).id();
  const std::string archived = Create(Draft(author_, 1500, v1::PUZZLE_STATUS_ARCHIVED)).id();
  auto count = [&](const std::vector<std::string>& ids) {
    return InWrite([&](db::WriteTx& tx) { return store_.CountPublished(tx, ids); });
  };
  EXPECT_EQ(count({a, b}), 2);
  EXPECT_EQ(count({a, b, draft, archived, NewUser()}), 2);
  EXPECT_EQ(count({draft, archived}), 0);
  EXPECT_EQ(count({a}), 1);
  EXPECT_EQ(count({}), 0);
  EXPECT_EQ(count({a, b, unlisted}), 3);
}

TEST_F(PuzzleStoreTest, NextForPicksTheUnseenPuzzleClosestToTheMiddleOfTheBand) {
  const std::string user = NewUser();
  Sql("INSERT INTO user_progress (user_id, rating) VALUES ($1, 1600.4)", user);
  // SIMILAR around 1600: [1450, 1750], middle 1600.
  const std::string below_window = Published(1449).id();
  const std::string low_edge = Published(1450).id();
  const std::string near_below = Published(1590).id();
  const std::string near_above = Published(1615).id();
  const std::string high_edge = Published(1750).id();
  const std::string above_window = Published(1751).id();
  Create(Draft(author_, 1600, v1::PUZZLE_STATUS_DRAFT));     // never chosen
  Create(Draft(author_, 1600, v1::PUZZLE_STATUS_ARCHIVED));  // never chosen
  Start(NewUser(), near_below);                              // someone else's attempt hides nothing

  auto next = [&] { return NextFor(user, v1::DIFFICULTY_BAND_SIMILAR); };
  ASSERT_TRUE(next().ok()) << next().status();
  EXPECT_EQ(next()->id(), near_below);
  EXPECT_EQ(next()->rating(), 1590);
  Start(user, near_below);
  EXPECT_EQ(next()->id(), near_above);
  Start(user, near_above);
  // 1750 and 1450 are both 150 away: the smaller id wins the tie.
  EXPECT_EQ(next()->id(), std::min(low_edge, high_edge));
  Start(user, std::min(low_edge, high_edge));
  EXPECT_EQ(next()->id(), std::max(low_edge, high_edge));
  Start(user, std::max(low_edge, high_edge));
  absl::StatusOr<v1::Puzzle> none = next();
  EXPECT_EQ(none.status().code(), absl::StatusCode::kNotFound) << none.status();

  // The same puzzles seen from other bands of the same user.
  const std::string other = NewUser();
  Sql("INSERT INTO user_progress (user_id, rating) VALUES ($1, 1600)", other);
  // HARDER: [1700, 2000], middle 1850: 1751 is closest.
  EXPECT_EQ(NextFor(other, v1::DIFFICULTY_BAND_HARDER)->id(), above_window);
  // EASIER: [1200, 1500], middle 1350: 1449 is closer than 1450.
  EXPECT_EQ(NextFor(other, v1::DIFFICULTY_BAND_EASIER)->id(), below_window);
}

TEST_F(PuzzleStoreTest, NextForUses1500WithoutProgressAndFiltersByTheme) {
  const std::string user = NewUser();
  const std::string fork = Published(1520, {"fork"}).id();
  const std::string pin = Published(1490, {"pin", "endgame"}).id();
  Published(1700, {"pin"});  // outside [1350, 1650]
  EXPECT_EQ(NextFor(user, v1::DIFFICULTY_BAND_UNSPECIFIED)->id(), pin);
  EXPECT_EQ(NextFor(user, v1::DIFFICULTY_BAND_SIMILAR, "fork")->id(), fork);
  EXPECT_EQ(NextFor(user, v1::DIFFICULTY_BAND_SIMILAR, "endgame")->id(), pin);
  EXPECT_EQ(NextFor(user, v1::DIFFICULTY_BAND_SIMILAR, "skewer").status().code(),
            absl::StatusCode::kNotFound);
  Start(user, pin);
  EXPECT_EQ(NextFor(user, v1::DIFFICULTY_BAND_SIMILAR, "pin").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(NextFor(user, v1::DIFFICULTY_BAND_SIMILAR)->id(), fork);
  // The whole puzzle comes back, as the feed maps it.
  v1::Puzzle found = *NextFor(user, v1::DIFFICULTY_BAND_SIMILAR);
  v1::Puzzle stored = OnReplica([&](db::ReadTx& tx) { return store_.Get(tx, fork); }).puzzle;
  EXPECT_TRUE(MessageDifferencer::Equals(found, stored)) << found.DebugString();
}

}  // namespace
}  // namespace qs::quest
