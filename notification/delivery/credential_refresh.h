// The answer table's auth row, shared by the providers: "refresh the
// credential once; if it fails again, pause the provider".
//
//   return SendRefreshingCredentialOnce(
//       [&] { return SendWith(tokens.Get()); },   // one attempt
//       [&] { tokens.Invalidate(last_token); });  // force a new credential
#ifndef QS_NOTIFICATION_DELIVERY_CREDENTIAL_REFRESH_H_
#define QS_NOTIFICATION_DELIVERY_CREDENTIAL_REFRESH_H_

#include <functional>

#include "notification/delivery/push_provider.h"

namespace qs::notification::delivery {

// Runs `attempt`; when it answers RefreshCredentialAndRetry, runs `refresh`
// and `attempt` once more. A second refusal becomes PauseProvider, so the
// result is never RefreshCredentialAndRetry.
PushResult SendRefreshingCredentialOnce(const std::function<PushResult()>& attempt,
                                        const std::function<void()>& refresh);

}  // namespace qs::notification::delivery

#endif  // QS_NOTIFICATION_DELIVERY_CREDENTIAL_REFRESH_H_
