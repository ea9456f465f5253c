// notification.v1.PreferenceService: validate, call the preference store,
// add the service's critical categories, map. Both RPCs use the primary:
// a settings screen shows its last save at once.
#ifndef QS_NOTIFICATION_PREFERENCE_HANDLER_H_
#define QS_NOTIFICATION_PREFERENCE_HANDLER_H_

#include "common/db/database.h"
#include "notification/notification_settings.h"
#include "notification/preference_store.h"
#include "proto/notification/v1/preferences.grpc.pb.h"

namespace qs::notification {

class PreferenceHandler final : public v1::PreferenceService::Service {
 public:
  PreferenceHandler(db::Database& database, NotificationSettings settings)
      : database_(database), settings_(std::move(settings)) {}

  grpc::Status GetPreferences(grpc::ServerContext* context,
                              const v1::GetPreferencesRequest* request,
                              v1::Preferences* response) override;
  grpc::Status SetPreferences(grpc::ServerContext* context,
                              const v1::SetPreferencesRequest* request,
                              v1::Preferences* response) override;

 private:
  void AddCriticalCategories(v1::Preferences& preferences) const;

  db::Database& database_;
  const NotificationSettings settings_;
  PreferenceStore store_;
};

}  // namespace qs::notification

#endif  // QS_NOTIFICATION_PREFERENCE_HANDLER_H_
