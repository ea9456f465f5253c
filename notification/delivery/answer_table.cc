#include "notification/delivery/answer_table.h"

#include <optional>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "notification/delivery/json_object.h"
#include "notification/delivery/retry_policy.h"

namespace qs::notification::delivery {
namespace {

constexpr absl::string_view kFcmErrorType = "type.googleapis.com/google.firebase.fcm.v1.FcmError";
constexpr absl::string_view kBadRequestType = "type.googleapis.com/google.rpc.BadRequest";

std::optional<absl::Duration> RetryAfter(const HttpAnswer& answer, absl::Time now) {
  auto it = answer.headers.find("retry-after");
  if (it == answer.headers.end()) return std::nullopt;
  return ParseRetryAfter(it->second, now);
}

ThrottleProvider Throttle(const HttpAnswer& answer, absl::Time now,
                          const AnswerTableSettings& settings, std::string reason) {
  return ThrottleProvider{RetryAfter(answer, now).value_or(settings.default_throttle),
                          std::move(reason)};
}

// What an FCM error body says.
struct FcmError {
  std::string code;  // FcmError.errorCode, else google.rpc.Status.status
  std::string message;
  bool names_token = false;
};

FcmError ReadFcmError(absl::string_view body) {
  FcmError error;
  absl::StatusOr<google::protobuf::Struct> parsed = ParseJsonObject(body);
  if (!parsed.ok()) return error;
  const google::protobuf::Struct* status = ObjectField(*parsed, "error");
  if (status == nullptr) return error;
  error.code = StringField(*status, "status").value_or("");
  error.message = StringField(*status, "message").value_or("");
  if (const google::protobuf::ListValue* details = ListField(*status, "details")) {
    for (const google::protobuf::Value& detail : details->values()) {
      if (!detail.has_struct_value()) continue;
      const google::protobuf::Struct& fields = detail.struct_value();
      std::string type = StringField(fields, "@type").value_or("");
      if (type == kFcmErrorType) {
        std::optional<std::string> code = StringField(fields, "errorCode");
        if (code && !code->empty()) error.code = *code;
      } else if (type == kBadRequestType) {
        const google::protobuf::ListValue* violations = ListField(fields, "fieldViolations");
        if (violations == nullptr) continue;
        for (const google::protobuf::Value& violation : violations->values()) {
          if (violation.has_struct_value() &&
              StringField(violation.struct_value(), "field").value_or("") == "message.token") {
            error.names_token = true;
          }
        }
      }
    }
  }
  // FCM's text for a malformed token, when the details do not say the field.
  if (absl::StrContains(absl::AsciiStrToLower(error.message), "registration token")) {
    error.names_token = true;
  }
  return error;
}

std::string Reason(absl::string_view code, absl::string_view message) {
  return message.empty() ? std::string(code) : absl::StrCat(code, ": ", message);
}

PushAction FcmAction(const HttpAnswer& answer, const FcmError& error, absl::Time now,
                     const AnswerTableSettings& settings) {
  const std::string reason = Reason(error.code, error.message);
  if (error.code == "UNREGISTERED") return InvalidateToken{reason};
  if (error.code == "INVALID_ARGUMENT") {
    if (error.names_token) return InvalidateToken{reason};
    return FailPermanently{reason};
  }
  if (error.code == "SENDER_ID_MISMATCH") return StopTokenForSender{reason};
  if (error.code == "QUOTA_EXCEEDED") return Throttle(answer, now, settings, reason);
  if (error.code == "UNAVAILABLE" || error.code == "INTERNAL") {
    return RetryLater{RetryAfter(answer, now), reason};
  }
  if (error.code == "THIRD_PARTY_AUTH_ERROR") return RefreshCredentialAndRetry{reason};
  // No (known) FcmError code: the HTTP status decides.
  if (answer.status == 401 || answer.status == 403) return RefreshCredentialAndRetry{reason};
  if (answer.status == 429) return Throttle(answer, now, settings, reason);
  if (answer.status >= 500 || answer.status == 408) {
    return RetryLater{RetryAfter(answer, now), reason};
  }
  return FailPermanently{reason};
}

}  // namespace

PushResult ClassifyFcmAnswer(const HttpAnswer& answer, absl::Time now,
                             const AnswerTableSettings& settings) {
  if (answer.status == 200) {
    std::string name;
    absl::StatusOr<google::protobuf::Struct> parsed = ParseJsonObject(answer.body);
    if (parsed.ok()) name = StringField(*parsed, "name").value_or("");
    return PushResult{Delivered{name}, answer.status, ""};
  }
  FcmError error = ReadFcmError(answer.body);
  if (error.code.empty()) error.code = absl::StrCat("HTTP ", answer.status);
  return PushResult{FcmAction(answer, error, now, settings), answer.status, error.code};
}

ApnsClassification ClassifyApnsAnswer(const HttpAnswer& answer, bool other_environment_checked,
                                      absl::Time now, const AnswerTableSettings& settings) {
  if (answer.status == 200) {
    auto id = answer.headers.find("apns-id");
    return {PushResult{Delivered{id == answer.headers.end() ? "" : id->second}, 200, ""}};
  }
  std::string reason;
  absl::StatusOr<google::protobuf::Struct> parsed = ParseJsonObject(answer.body);
  if (parsed.ok()) reason = StringField(*parsed, "reason").value_or("");
  if (reason.empty()) reason = absl::StrCat("HTTP ", answer.status);
  auto result = [&](PushAction action) { return PushResult{action, answer.status, reason}; };

  const int status = answer.status;
  if (status == 410) return {result(InvalidateToken{reason})};
  if (status == 400 && reason == "BadDeviceToken") {
    return {result(InvalidateToken{reason}), !other_environment_checked};
  }
  if (status == 400 && reason == "DeviceTokenNotForTopic") {
    return {result(StopTokenForSender{reason})};
  }
  if (status == 401 || status == 403) return {result(RefreshCredentialAndRetry{reason})};
  if (status == 429) return {result(Throttle(answer, now, settings, reason))};
  if (status >= 500 || status == 408) return {result(RetryLater{RetryAfter(answer, now), reason})};
  // 400 payload errors (PayloadEmpty, BadCollapseId, BadExpirationDate,
  // MissingTopic, ...), 404 BadPath, 405, 413 PayloadTooLarge.
  return {result(FailPermanently{reason})};
}

PushResult ClassifyTransportFailure(const absl::Status& failure) {
  const bool timeout = failure.code() == absl::StatusCode::kDeadlineExceeded;
  const bool never_connected = failure.code() == absl::StatusCode::kUnavailable;
  std::string code = timeout ? "timeout" : "connection_error";
  RetryLater retry{std::nullopt, absl::StrCat(code, ": ", failure.message()), !never_connected};
  return PushResult{retry, 0, code};
}

}  // namespace qs::notification::delivery
