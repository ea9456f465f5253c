// The rules of preferences, without I/O: what a category name and a
// SetPreferences request may contain, and what a recipient's preferences
// mean for one send (SendNotification reads them through ChannelsFor).
//
//   QS_RETURN_IF_ERROR(ValidateCategory("category", request.category()));
//   QS_RETURN_IF_ERROR(ValidateSetPreferences(request));
#ifndef QS_NOTIFICATION_PREFERENCE_RULES_H_
#define QS_NOTIFICATION_PREFERENCE_RULES_H_

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "notification/quiet_hours.h"
#include "proto/notification/v1/preferences.pb.h"

namespace qs::notification {

namespace v1 = ::notification::v1;

inline constexpr size_t kMaxCategoryBytes = 64;
inline constexpr int kMaxCategoryPreferences = 100;

// OK for 1..64 of [a-z0-9_.-]; INVALID_ARGUMENT naming `field` otherwise.
absl::Status ValidateCategory(absl::string_view field, absl::string_view category);

// Every field of a SetPreferences request: categories (each valid, at most
// 100, none twice) and the quiet hours' minutes and zone.
absl::Status ValidateSetPreferences(const v1::SetPreferencesRequest& request);

// One recipient's stored preferences for the category of a send.
struct RecipientPreferences {
  bool inbox_muted = false;
  bool push_muted = false;
  std::optional<QuietHoursWindow> quiet_hours;
};

// What a send does for one recipient once critical categories are applied.
struct Channels {
  bool in_inbox = true;
  bool push = true;
  // Quiet hours that hold the push; nullopt when none apply.
  std::optional<QuietHoursWindow> quiet_hours;
};

// A critical category ignores opt-outs and quiet hours.
Channels ChannelsFor(const RecipientPreferences& preferences, bool critical);

}  // namespace qs::notification

#endif  // QS_NOTIFICATION_PREFERENCE_RULES_H_
