// TuneAllocator (common/service/allocator_tuning.h) in a binary that links
// tcmalloc, as the servers do: the settings are read back from tcmalloc
// itself.
#include "common/service/allocator_tuning.h"

#include <cstddef>

#include "gtest/gtest.h"

extern "C" int MallocExtension_GetNumericProperty(const char* property, size_t* value);

namespace qs::service {
namespace {

size_t Property(const char* name) {
  size_t value = 0;
  EXPECT_EQ(MallocExtension_GetNumericProperty(name, &value), 1) << name;
  return value;
}

TEST(AllocatorTuningTest, CapsTheThreadCachesAndDecommitsFreedPages) {
  ASSERT_NE(Property("tcmalloc.max_total_thread_cache_bytes"), size_t{4} << 20)
      << "tcmalloc's default is already the tuned value: the test would prove nothing";
  TuneAllocator();
  EXPECT_EQ(Property("tcmalloc.max_total_thread_cache_bytes"), size_t{4} << 20);
  EXPECT_EQ(Property("tcmalloc.aggressive_memory_decommit"), 1u);
}

}  // namespace
}  // namespace qs::service
