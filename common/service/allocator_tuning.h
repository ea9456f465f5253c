// Keeps the servers' allocator (tcmalloc, //third_party:tcmalloc) small:
// its defaults (a 32 MB budget of per-thread caches, freed pages kept for
// reuse) suit one big process, not a gateway of ~60 threads that must stay
// under 50 MB at 1,000 calls/s (docs/benchmarks.md).
#ifndef QS_COMMON_SERVICE_ALLOCATOR_TUNING_H_
#define QS_COMMON_SERVICE_ALLOCATOR_TUNING_H_

namespace qs::service {

// Caps tcmalloc's thread caches at 4 MB in all and returns freed pages to
// the system at once. Does nothing in a binary without tcmalloc; an
// operator's TCMALLOC_* environment variables are applied by tcmalloc first
// and overridden here only for these two properties.
void TuneAllocator();

}  // namespace qs::service

#endif  // QS_COMMON_SERVICE_ALLOCATOR_TUNING_H_
