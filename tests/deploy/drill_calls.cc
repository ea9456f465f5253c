#include "tests/deploy/drill_calls.h"

#include <algorithm>
#include <chrono>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "common/grpc/call_log.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"

namespace qs::drill {
namespace {

grpc::ChannelArguments QuickReconnect() {
  grpc::ChannelArguments arguments;
  // gRPC's default backoff (1 s growing to 120 s) would keep a channel away
  // from an instance long after it is back; the drill measures recovery.
  arguments.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  arguments.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 500);
  // Backoff state of one channel must not leak into the next one.
  arguments.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return arguments;
}

}  // namespace

std::shared_ptr<grpc::Channel> ChannelToPort(int port) {
  return grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", port),
                                   grpc::InsecureChannelCredentials(), QuickReconnect());
}

std::shared_ptr<grpc::Channel> RoundRobinChannel(const std::vector<int>& ports) {
  std::vector<std::string> addresses;
  for (int port : ports) addresses.push_back(absl::StrCat("127.0.0.1:", port));
  grpc::ChannelArguments arguments = QuickReconnect();
  arguments.SetServiceConfigJSON(R"({"loadBalancingConfig": [{"round_robin": {}}]})");
  return grpc::CreateCustomChannel(absl::StrCat("ipv4:", absl::StrJoin(addresses, ",")),
                                   grpc::InsecureChannelCredentials(), arguments);
}

std::unique_ptr<grpc::ClientContext> ActingAs(const std::string& user, absl::Duration timeout) {
  auto context = std::make_unique<grpc::ClientContext>();
  if (!user.empty()) context->AddMetadata("x-user-id", user);
  context->set_deadline(std::chrono::system_clock::now() + absl::ToChronoNanoseconds(timeout));
  return context;
}

void CallTally::Record(grpc::StatusCode code) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++counts_[code];
}

int64_t CallTally::calls() const {
  std::lock_guard<std::mutex> lock(mutex_);
  int64_t total = 0;
  for (const auto& [code, count] : counts_) total += count;
  return total;
}

int64_t CallTally::count(grpc::StatusCode code) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto found = counts_.find(code);
  return found == counts_.end() ? 0 : found->second;
}

std::string CallTally::UnexpectedCodes() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<std::string> parts;
  for (const auto& [code, count] : counts_) {
    if (code == grpc::StatusCode::OK || code == grpc::StatusCode::UNAVAILABLE) continue;
    parts.push_back(absl::StrCat(grpc_util::StatusCodeName(code), " ", count));
  }
  return absl::StrJoin(parts, ", ");
}

std::string CallTally::Describe() const {
  std::lock_guard<std::mutex> lock(mutex_);
  int64_t total = 0;
  std::vector<std::string> parts;
  for (const auto& [code, count] : counts_) {
    total += count;
    parts.push_back(absl::StrCat(grpc_util::StatusCodeName(code), " ", count));
  }
  return absl::StrCat(total, " calls: ", absl::StrJoin(parts, ", "));
}

grpc::Status RetryWhileUnavailable(const std::function<grpc::Status()>& call, CallTally& tally,
                                   int* retries, absl::Duration give_up) {
  const absl::Time deadline = absl::Now() + give_up;
  absl::Duration backoff = absl::Milliseconds(50);
  int repeated = 0;
  while (true) {
    grpc::Status status = call();
    tally.Record(status.error_code());
    if (status.error_code() != grpc::StatusCode::UNAVAILABLE || absl::Now() + backoff > deadline) {
      if (retries != nullptr) *retries = repeated;
      return status;
    }
    absl::SleepFor(backoff);
    backoff = std::min(backoff * 2, absl::Seconds(1));
    ++repeated;
  }
}

}  // namespace qs::drill
