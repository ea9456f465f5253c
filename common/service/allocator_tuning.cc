#include "common/service/allocator_tuning.h"

#include <cstddef>

#include "spdlog/spdlog.h"

// gperftools' C interface (gperftools/malloc_extension_c.h, which Debian
// ships only in the -dev package of the full tcmalloc). Weak: null in a
// binary that does not link tcmalloc, such as the tests'.
extern "C" int MallocExtension_SetNumericProperty(const char* property, size_t value)
    __attribute__((weak));

namespace qs::service {

void TuneAllocator() {
  if (MallocExtension_SetNumericProperty == nullptr) return;
  constexpr size_t kThreadCacheBytes = 4u << 20;
  if (MallocExtension_SetNumericProperty("tcmalloc.max_total_thread_cache_bytes",
                                         kThreadCacheBytes) == 0 ||
      MallocExtension_SetNumericProperty("tcmalloc.aggressive_memory_decommit", 1) == 0) {
    spdlog::warn("allocator: tcmalloc refused a setting; it keeps its defaults");
  }
}

}  // namespace qs::service
