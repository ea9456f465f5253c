#include "common/privacy/erasure_handlers.h"

#include <string>

#include "proto/ops/v1/privacy.pb.h"

namespace qs::privacy {

void RegisterErasureHandlers(events::EventHandlers& handlers, const UserErasure& erasure) {
  for (const std::string& source : ServicesHoldingUserData()) {
    if (source == erasure.service()) continue;
    handlers.On<::ops::v1::UserErased>(
        source, [erasure](db::WriteTx& tx, const ::events::v1::EventEnvelope& envelope,
                          const ::ops::v1::UserErased& erased) {
          return erasure.OnUserErased(tx, envelope, erased);
        });
    handlers.On<::ops::v1::UserErasureConfirmed>(
        source, [erasure](db::WriteTx& tx, const ::events::v1::EventEnvelope& envelope,
                          const ::ops::v1::UserErasureConfirmed& confirmed) {
          return erasure.OnErasureConfirmed(tx, envelope, confirmed);
        });
  }
}

}  // namespace qs::privacy
