// The non-blocking twin of handler.h: the edge of a hot read that runs
// without a worker thread. Its body validates on the serving thread, sends
// its one statement to the database's async read path
// (common/db/async_read_pool.h) and answers from the callback:
//
//   void PuzzleHandler::ServeAsyncMethods(grpc_util::MethodTable& methods) {
//     grpc_util::ServeAsyncAsUser(methods, &v1::PuzzleService::Service::GetPuzzle,
//         [this](const v1::GetPuzzleRequest& request, const std::string& user,
//                grpc_util::Reply<v1::GetPuzzleRequest, v1::Puzzle> reply) {
//           QS_REPLY_IF_ERROR(reply, api::RequireUuid("puzzle_id", request.puzzle_id()));
//           store_.GetAsync(database_.async_reads(), request.puzzle_id(), reply.deadline(),
//                           [reply](absl::StatusOr<v1::Puzzle> found) { reply(found); });
//         });
//   }
//
// A call without an acting user (AUTH_MODE=header: a valid x-user-id;
// AUTH_MODE=jwt: a verified bearer token) is UNAUTHENTICATED before the body
// runs, exactly as HandleAsUser does; `user` refers to the call's context
// (no copy) and lives as long as the call: a callback that outlives the
// body's frame captures a copy. A step that must block (a fall-back read on
// the primary) goes to the worker pool with Reply::Offload.
#ifndef QS_COMMON_GRPC_ASYNC_HANDLER_H_
#define QS_COMMON_GRPC_ASYNC_HANDLER_H_

#include <functional>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/api/acting_user.h"
#include "common/grpc/method_table.h"
#include "common/grpc/status.h"
#include "grpc/support/time.h"

namespace qs::grpc_util {

// Answers one call, once. Copyable: copies share the call; the first answer
// wins in the sense that the serving core allows only one (a second is a bug).
template <typename Request, typename Response>
class Reply {
 public:
  explicit Reply(AsyncCall<Request, Response> call) : call_(std::move(call)) {}

  void operator()(absl::StatusOr<Response> result) const {
    if (!result.ok()) return operator()(result.status());
    *call_.response() = *std::move(result);
    call_.Finish(::grpc::Status::OK);
  }
  void operator()(const absl::Status& status) const { call_.Finish(ToGrpcStatus(status)); }

  // The caller's deadline (absl::InfiniteFuture() when it set none).
  absl::Time deadline() const {
    // On gRPC's clock type first: a far deadline does not fit a chrono time.
    const gpr_timespec raw = call_.context().raw_deadline();
    if (gpr_time_cmp(raw, gpr_inf_future(raw.clock_type)) == 0) return absl::InfiniteFuture();
    const gpr_timespec real = gpr_convert_clock_type(raw, GPR_CLOCK_REALTIME);
    return absl::FromUnixSeconds(real.tv_sec) + absl::Nanoseconds(real.tv_nsec);
  }

  // Runs `work` on the worker pool and answers with what it returns; a full
  // pool answers RESOURCE_EXHAUSTED, as a blocking method's call would be.
  void Offload(std::function<absl::StatusOr<Response>()> work) const {
    Reply self = *this;
    if (!call_.Offload([self, work = std::move(work)] { self(work()); })) {
      operator()(absl::ResourceExhaustedError("server busy: every worker is taken"));
    }
  }

 private:
  AsyncCall<Request, Response> call_;
};

// Serves `method` of a service already in `table` with `body(request, user,
// reply)`, on the serving thread: `body` must not block.
template <typename Service, typename Request, typename Response, typename Body>
void ServeAsyncAsUser(MethodTable& table,
                      ::grpc::Status (Service::*method)(::grpc::ServerContext*, const Request*,
                                                        Response*),
                      Body body) {
  table.ServeAsync(method, [body = std::move(body)](AsyncCall<Request, Response> call) {
    Reply<Request, Response> reply(call);
    std::string parsed;  // used only when no auth hook read the call
    absl::StatusOr<const std::string*> user = api::ActingUserOf(call.context(), parsed);
    if (!user.ok()) return reply(user.status());
    body(call.request(), **user, std::move(reply));
  });
}

}  // namespace qs::grpc_util

// Answers `reply` with `expr`'s status and returns, when it is not OK.
#define QS_REPLY_IF_ERROR(reply, expr)             \
  do {                                             \
    const ::absl::Status qs_reply_status = (expr); \
    if (!qs_reply_status.ok()) {                   \
      (reply)(qs_reply_status);                    \
      return;                                      \
    }                                              \
  } while (false)

#endif  // QS_COMMON_GRPC_ASYNC_HANDLER_H_
