#include "notification/token_handler.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/base/status_macros.h"
#include "common/grpc/async_handler.h"
#include "common/grpc/handler.h"
#include "notification/token_rules.h"
#include "proto/notification/v1/notification_methods.h"

namespace qs::notification {

using grpc_util::HandleAsUser;

grpc::Status TokenHandler::RegisterPushToken(grpc::ServerContext* context,
                                             const v1::RegisterPushTokenRequest* request,
                                             v1::PushToken* response) {
  return HandleAsUser(
      *context, response, [&](const std::string& user) -> absl::StatusOr<v1::PushToken> {
        QS_RETURN_IF_ERROR(ValidateRegistration(*request));
        return database_.Write([&](db::WriteTx& tx) -> absl::StatusOr<v1::PushToken> {
          return store_.Register(tx, user, *request);
        });
      });
}

grpc::Status TokenHandler::UnregisterPushToken(grpc::ServerContext* context,
                                               const v1::UnregisterPushTokenRequest* request,
                                               v1::UnregisterPushTokenResponse* response) {
  return HandleAsUser(
      *context, response,
      [&](const std::string& user) -> absl::StatusOr<v1::UnregisterPushTokenResponse> {
        QS_RETURN_IF_ERROR(ValidateInstallation(request->device_id(), request->app_id()));
        return database_.Write(
            [&](db::WriteTx& tx) -> absl::StatusOr<v1::UnregisterPushTokenResponse> {
              std::optional<std::string> removed =
                  store_.Unregister(tx, user, request->app_id(), request->device_id());
              if (!removed) {
                return absl::NotFoundError(absl::StrCat("device_id: you have no token for app ",
                                                        request->app_id(), " on device ",
                                                        request->device_id()));
              }
              v1::UnregisterPushTokenResponse unregistered;
              unregistered.set_push_token_id(*removed);
              return unregistered;
            });
      });
}

void TokenHandler::ServeAsyncMethods(grpc_util::MethodTable& methods) {
  // One statement on the replica: answered from the read path's callback.
  grpc_util::ServeAsyncAsUser(
      methods, &v1::PushTokenService::Service::ListPushTokens,
      [this](const v1::ListPushTokensRequest& /*request*/, const std::string& user,
             grpc_util::Reply<v1::ListPushTokensRequest, v1::ListPushTokensResponse> reply) {
        TokenStore::ListAsync(database_.async_reads(), user, kMaxListedTokens, reply.deadline(),
                              [reply](absl::StatusOr<std::vector<v1::PushToken>> tokens) {
                                if (!tokens.ok()) return reply(tokens.status());
                                v1::ListPushTokensResponse response;
                                for (v1::PushToken& token : *tokens) {
                                  *response.add_push_tokens() = std::move(token);
                                }
                                reply(std::move(response));
                              });
      });
}

}  // namespace qs::notification
