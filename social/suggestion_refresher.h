// Keeps friend_suggestion_lists current: every FRIEND_SUGGESTION_REFRESH_MS
// it recomputes, in batches, the lists marked stale by a friendship change
// and those older than FRIEND_SUGGESTION_MAX_AGE_HOURS, until none is due.
// Claims rows with FOR UPDATE SKIP LOCKED, so several instances of the
// service share the work without waiting on each other.
#ifndef QS_SOCIAL_SUGGESTION_REFRESHER_H_
#define QS_SOCIAL_SUGGESTION_REFRESHER_H_

#include "common/base/periodic_loop.h"
#include "common/db/database.h"
#include "social/friend_settings.h"
#include "social/suggestion_store.h"

namespace qs::social {

class SuggestionRefresher {
 public:
  SuggestionRefresher(db::Database& database, const FriendSettings& settings);

  // For ServiceContext::RunInBackground.
  base::PeriodicLoop& loop() { return loop_; }

 private:
  void RefreshDue();

  db::Database& database_;
  const FriendSettings settings_;
  SuggestionStore store_;
  base::PeriodicLoop loop_;  // last: stopped before the state above goes
};

}  // namespace qs::social

#endif  // QS_SOCIAL_SUGGESTION_REFRESHER_H_
