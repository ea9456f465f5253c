#include "notification/preference_handler.h"

#include <string>

#include "common/base/status_macros.h"
#include "common/grpc/handler.h"
#include "notification/preference_rules.h"

namespace qs::notification {

using grpc_util::HandleAsUser;

void PreferenceHandler::AddCriticalCategories(v1::Preferences& preferences) const {
  for (const std::string& category : settings_.critical_categories) {
    preferences.add_critical_categories(category);
  }
}

grpc::Status PreferenceHandler::GetPreferences(grpc::ServerContext* context,
                                               const v1::GetPreferencesRequest* /*request*/,
                                               v1::Preferences* response) {
  return HandleAsUser(
      *context, response, [&](const std::string& user) -> absl::StatusOr<v1::Preferences> {
        QS_ASSIGN_OR_RETURN(
            v1::Preferences preferences,
            database_.ReadFromPrimary([&](db::ReadTx& tx) -> absl::StatusOr<v1::Preferences> {
              return store_.Load(tx, user);
            }));
        AddCriticalCategories(preferences);
        return preferences;
      });
}

grpc::Status PreferenceHandler::SetPreferences(grpc::ServerContext* context,
                                               const v1::SetPreferencesRequest* request,
                                               v1::Preferences* response) {
  return HandleAsUser(
      *context, response, [&](const std::string& user) -> absl::StatusOr<v1::Preferences> {
        QS_RETURN_IF_ERROR(ValidateSetPreferences(*request));
        QS_ASSIGN_OR_RETURN(
            v1::Preferences preferences,
            database_.Write([&](db::WriteTx& tx) -> absl::StatusOr<v1::Preferences> {
              store_.Replace(tx, user, *request);
              return store_.Load(tx, user);
            }));
        AddCriticalCategories(preferences);
        return preferences;
      });
}

}  // namespace qs::notification
