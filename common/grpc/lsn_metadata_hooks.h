// Read-your-writes across calls, at the edge: a successful call that wrote
// returns the commit LSN of its last write as the trailer `x-db-lsn`
// ("16/B374D848"); a later call that sends it back as request metadata
// `x-min-lsn` reads data that reflects that write (db::ReadFreshness decides
// where the read may go). The caller treats the value as an opaque token.
//
//   // at start-up (common/service/service_main.cc):
//   grpc_util::LsnMetadataHooks lsn_hooks;
//   options.call_hooks.push_back(&lsn_hooks);
//
// OnStart: `x-min-lsn` absent → no requirement; once and well formed →
// CallContext::min_lsn; malformed or sent more than once → INVALID_ARGUMENT
// naming x-min-lsn, and the body does not run.
// OnFinish: adds `x-db-lsn` only when the status is OK and the call
// committed a write (CallContext::commit_lsn != 0); a failed write, a read,
// or a refused call gets none.
// Stateless, so thread-safe.
#ifndef QS_COMMON_GRPC_LSN_METADATA_HOOKS_H_
#define QS_COMMON_GRPC_LSN_METADATA_HOOKS_H_

#include "common/grpc/call_hooks.h"

namespace qs::grpc_util {

inline constexpr char kMinLsnHeader[] = "x-min-lsn";
inline constexpr char kDbLsnTrailer[] = "x-db-lsn";

class LsnMetadataHooks final : public CallHooks {
 public:
  grpc::Status OnStart(absl::string_view method, grpc::ServerContext& context,
                       base::CallContext& call) override;
  void OnFinish(absl::string_view method, grpc::ServerContext& context,
                const base::CallContext& call, const grpc::Status& status,
                double duration_seconds) override;
};

}  // namespace qs::grpc_util

#endif  // QS_COMMON_GRPC_LSN_METADATA_HOOKS_H_
