#include "common/grpc/request_parse_error.h"

#include <algorithm>
#include <deque>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"

namespace qs::grpc_util {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;

// Bounds the walk over a pathological schema (types shared by many fields
// at many levels); real request types have a handful of message fields.
constexpr int kMaxSteps = 10000;

// "/quest.v1.PuzzleService/CreatePuzzle" → its request type, or nullptr.
const Descriptor* RequestType(absl::string_view method,
                              const google::protobuf::DescriptorPool& pool) {
  absl::ConsumePrefix(&method, "/");
  const size_t slash = method.rfind('/');
  if (slash == absl::string_view::npos) return nullptr;
  const google::protobuf::MethodDescriptor* descriptor =
      pool.FindMethodByName(absl::StrCat(method.substr(0, slash), ".", method.substr(slash + 1)));
  return descriptor == nullptr ? nullptr : descriptor->input_type();
}

grpc::Status Invalid(absl::string_view field, absl::string_view problem) {
  return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, absl::StrCat(field, ": ", problem));
}

}  // namespace

std::vector<std::string> FieldPathsFrom(const Descriptor& root, const FieldDescriptor& field,
                                        size_t max_paths) {
  // Breadth first, so the shortest paths come first. Each step carries the
  // types from the root down to it: a path never enters a type twice, which
  // ends the walk at recursive types.
  struct Step {
    const Descriptor* type;
    std::string prefix;  // "" or "a.b."
    std::vector<const Descriptor*> types_on_path;
  };
  std::vector<std::string> paths;
  std::deque<Step> steps;
  steps.push_back({&root, "", {&root}});
  for (int taken = 0; !steps.empty() && paths.size() < max_paths && taken < kMaxSteps; ++taken) {
    Step step = std::move(steps.front());
    steps.pop_front();
    if (step.type == field.containing_type()) paths.push_back(step.prefix + field.name());
    for (int i = 0; i < step.type->field_count(); ++i) {
      const FieldDescriptor& child = *step.type->field(i);
      if (child.cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) continue;
      const Descriptor* type = child.message_type();
      const auto& seen = step.types_on_path;
      if (std::find(seen.begin(), seen.end(), type) != seen.end()) continue;
      std::vector<const Descriptor*> types_on_path = seen;
      types_on_path.push_back(type);
      steps.push_back(
          {type, absl::StrCat(step.prefix, child.name(), "."), std::move(types_on_path)});
    }
  }
  return paths;
}

grpc::Status RequestParseErrorStatus(absl::string_view method,
                                     const std::optional<std::string>& invalid_utf8_field,
                                     const google::protobuf::DescriptorPool& pool) {
  const Descriptor* request = RequestType(method, pool);
  if (!invalid_utf8_field.has_value()) {
    return Invalid("request", absl::StrCat("not a valid ",
                                           request != nullptr ? request->full_name() : "protobuf",
                                           " message (malformed, or a string field that is "
                                           "not valid UTF-8)"));
  }
  if (invalid_utf8_field->empty()) return Invalid("request", "a string field must be valid UTF-8");
  const FieldDescriptor* field = pool.FindFieldByName(*invalid_utf8_field);
  std::vector<std::string> paths;
  if (request != nullptr && field != nullptr) paths = FieldPathsFrom(*request, *field);
  // Not reachable from the request (a type of another file?): the full name
  // still tells the caller which field it is.
  if (paths.empty()) return Invalid(*invalid_utf8_field, "must be valid UTF-8");
  return Invalid(absl::StrJoin(paths, " or "), "must be valid UTF-8");
}

}  // namespace qs::grpc_util
