// The status a caller gets when its request message does not parse, naming
// the field when it is known:
//
//   RequestParseErrorStatus("/quest.v1.PuzzleService/CreatePuzzle",
//                           "quest.v1.CreatePuzzleRequest.title")
//     → INVALID_ARGUMENT "title: must be valid UTF-8"
//   RequestParseErrorStatus("/quest.v1.PuzzleService/CreatePuzzle", std::nullopt)
//     → INVALID_ARGUMENT "request: not a valid quest.v1.CreatePuzzleRequest message ..."
//
// The field comes from invalid_utf8_capture.h as a full name
// ("pkg.Message.field"), i.e. the type that holds it and not where it sits;
// FieldPathsFrom turns it into paths from the request message ("steps.text").
// The request's bytes are gone by then (gRPC frees them when the parse
// fails), so an element of a repeated field cannot be told by its index, and
// a type used by several fields gives every path it may be ("a.text or
// b.text").
#ifndef QS_COMMON_GRPC_REQUEST_PARSE_ERROR_H_
#define QS_COMMON_GRPC_REQUEST_PARSE_ERROR_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"
#include "grpcpp/support/status.h"

namespace qs::grpc_util {

// The dotted paths of `field` inside messages of type `root`, shortest
// first (breadth first), at most `max_paths`: "title" when `root` holds it directly,
// "labels.key" for a map's key, none when it is not reachable. A path never
// passes through the same message type twice, so a recursive type is
// reported at its first level.
std::vector<std::string> FieldPathsFrom(const google::protobuf::Descriptor& root,
                                        const google::protobuf::FieldDescriptor& field,
                                        size_t max_paths = 4);

// INVALID_ARGUMENT for a request of `method` (as gRPC names it,
// "/pkg.Service/Method") that failed to parse. `invalid_utf8_field`: the full
// name of the string field protobuf found invalid UTF-8 in ("" when it named
// none), or nullopt when no such error was seen (bytes that are not a
// message of the request type at all). Types are looked up in `pool`.
grpc::Status RequestParseErrorStatus(absl::string_view method,
                                     const std::optional<std::string>& invalid_utf8_field,
                                     const google::protobuf::DescriptorPool& pool =
                                         *google::protobuf::DescriptorPool::generated_pool());

}  // namespace qs::grpc_util

#endif  // QS_COMMON_GRPC_REQUEST_PARSE_ERROR_H_
