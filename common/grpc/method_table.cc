#include "common/grpc/method_table.h"

#include <cstdio>
#include <cstdlib>

namespace qs::grpc_util {
namespace method_table_internal {

void DieUnknownMethod(absl::string_view what) {
  std::fprintf(stderr, "MethodTable: %.*s is not in the table (was its service added?)\n",
               static_cast<int>(what.size()), what.data());
  std::abort();
}

}  // namespace method_table_internal

void MethodTable::Add(UnaryMethod method) {
  if (methods_.count(method.path) != 0) {
    std::fprintf(stderr, "MethodTable: %s added twice\n", method.path.c_str());
    std::abort();
  }
  std::string path = method.path;
  methods_.emplace(std::move(path), std::move(method));
}

void MethodTable::AddServiceName(absl::string_view path) {
  // "/quest.v1.PuzzleService/GetPuzzle" → "quest.v1.PuzzleService"
  absl::string_view name = path.substr(1);
  service_names_.emplace_back(name.substr(0, name.find('/')));
}

UnaryMethod& MethodTable::FindOrDie(absl::string_view path) {
  auto found = methods_.find(path);
  if (found == methods_.end()) method_table_internal::DieUnknownMethod(path);
  return found->second;
}

const UnaryMethod* MethodTable::Find(absl::string_view path) const {
  auto found = methods_.find(path);
  return found == methods_.end() ? nullptr : &found->second;
}

}  // namespace qs::grpc_util
