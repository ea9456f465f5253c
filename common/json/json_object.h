// Small JSON objects through protobuf's JSON utilities
// (google.protobuf.Struct), so no JSON library is needed (push providers'
// answers, JWT headers and claims, JWKS files):
//
//   QS_ASSIGN_OR_RETURN(google::protobuf::Struct answer, ParseJsonObject(body));
//   std::optional<std::string> name = StringField(answer, "name");
//
//   google::protobuf::Struct message;
//   SetString(message, "token", token);
//   std::string json = ToJson(message);
#ifndef QS_COMMON_JSON_JSON_OBJECT_H_
#define QS_COMMON_JSON_JSON_OBJECT_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/struct.pb.h"

namespace qs::json {

// A JSON object; INVALID_ARGUMENT for anything else (arrays, bad JSON).
absl::StatusOr<google::protobuf::Struct> ParseJsonObject(absl::string_view json);

// Compact JSON of `object`.
std::string ToJson(const google::protobuf::Struct& object);

// The string at `key`, nullopt when absent or not a string.
std::optional<std::string> StringField(const google::protobuf::Struct& object,
                                       absl::string_view key);
// The number at `key`, nullopt when absent or not a number.
std::optional<double> NumberField(const google::protobuf::Struct& object, absl::string_view key);
// The object at `key`, nullptr when absent or not an object.
const google::protobuf::Struct* ObjectField(const google::protobuf::Struct& object,
                                            absl::string_view key);
// The list at `key`, nullptr when absent or not a list.
const google::protobuf::ListValue* ListField(const google::protobuf::Struct& object,
                                             absl::string_view key);

void SetString(google::protobuf::Struct& object, absl::string_view key, absl::string_view value);
void SetNumber(google::protobuf::Struct& object, absl::string_view key, double value);
// The object at `key`, created when absent.
google::protobuf::Struct& MutableObject(google::protobuf::Struct& object, absl::string_view key);

}  // namespace qs::json

#endif  // QS_COMMON_JSON_JSON_OBJECT_H_
