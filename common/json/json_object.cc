#include "common/json/json_object.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"

namespace qs::json {

using google::protobuf::ListValue;
using google::protobuf::Struct;
using google::protobuf::Value;

absl::StatusOr<Struct> ParseJsonObject(absl::string_view json) {
  Struct object;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  auto status = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(json.data(), json.size()), &object, options);
  if (!status.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("not a JSON object: ", std::string(status.message())));
  }
  return object;
}

std::string ToJson(const Struct& object) {
  std::string json;
  // A Struct always serialises; the status carries nothing to act on.
  (void)google::protobuf::util::MessageToJsonString(object, &json);
  return json;
}

namespace {

const Value* Field(const Struct& object, absl::string_view key) {
  auto it = object.fields().find(std::string(key));
  return it == object.fields().end() ? nullptr : &it->second;
}

}  // namespace

std::optional<std::string> StringField(const Struct& object, absl::string_view key) {
  const Value* value = Field(object, key);
  if (value == nullptr || value->kind_case() != Value::kStringValue) return std::nullopt;
  return value->string_value();
}

std::optional<double> NumberField(const Struct& object, absl::string_view key) {
  const Value* value = Field(object, key);
  if (value == nullptr || value->kind_case() != Value::kNumberValue) return std::nullopt;
  return value->number_value();
}

const Struct* ObjectField(const Struct& object, absl::string_view key) {
  const Value* value = Field(object, key);
  if (value == nullptr || value->kind_case() != Value::kStructValue) return nullptr;
  return &value->struct_value();
}

const ListValue* ListField(const Struct& object, absl::string_view key) {
  const Value* value = Field(object, key);
  if (value == nullptr || value->kind_case() != Value::kListValue) return nullptr;
  return &value->list_value();
}

void SetString(Struct& object, absl::string_view key, absl::string_view value) {
  (*object.mutable_fields())[std::string(key)].set_string_value(std::string(value));
}

void SetNumber(Struct& object, absl::string_view key, double value) {
  (*object.mutable_fields())[std::string(key)].set_number_value(value);
}

Struct& MutableObject(Struct& object, absl::string_view key) {
  return *(*object.mutable_fields())[std::string(key)].mutable_struct_value();
}

}  // namespace qs::json
