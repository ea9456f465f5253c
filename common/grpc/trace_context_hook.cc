#include "common/grpc/trace_context_hook.h"

#include "absl/strings/str_cat.h"

namespace qs::grpc_util {
namespace {

constexpr size_t kVersion00Length = 55;  // 2 + 1 + 32 + 1 + 16 + 1 + 2.

bool IsLowerHex(absl::string_view text) {
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool AllZeros(absl::string_view text) { return text.find_first_not_of('0') == text.npos; }

}  // namespace

std::optional<std::string> ParseTraceParent(absl::string_view header) {
  if (header.size() < kVersion00Length) return std::nullopt;
  const absl::string_view version = header.substr(0, 2);
  const absl::string_view trace_id = header.substr(3, 32);
  const absl::string_view parent_id = header.substr(36, 16);
  const absl::string_view flags = header.substr(53, 2);
  if (header[2] != '-' || header[35] != '-' || header[52] != '-') return std::nullopt;
  if (!IsLowerHex(version) || version == "ff") return std::nullopt;
  if (version == "00" ? header.size() != kVersion00Length
                      : header.size() > kVersion00Length && header[kVersion00Length] != '-') {
    return std::nullopt;
  }
  if (!IsLowerHex(trace_id) || AllZeros(trace_id)) return std::nullopt;
  if (!IsLowerHex(parent_id) || AllZeros(parent_id)) return std::nullopt;
  if (!IsLowerHex(flags)) return std::nullopt;
  return absl::StrCat("00-", trace_id, "-", parent_id, "-", flags);
}

grpc::Status TraceContextHook::OnStart(absl::string_view method, grpc::ServerContext& context,
                                       base::CallContext& call) {
  (void)method;
  const auto& metadata = context.client_metadata();
  const auto found = metadata.find("traceparent");
  if (found == metadata.end()) return grpc::Status::OK;
  // More than one traceparent header is malformed too.
  if (metadata.count("traceparent") != 1) return grpc::Status::OK;
  std::optional<std::string> parsed =
      ParseTraceParent(absl::string_view(found->second.data(), found->second.size()));
  if (parsed) call.trace_parent = *std::move(parsed);
  return grpc::Status::OK;
}

}  // namespace qs::grpc_util
