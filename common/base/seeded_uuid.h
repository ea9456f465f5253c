// Version 4 UUIDs drawn from a seeded generator instead of the CSPRNG: the
// same seed gives the same ids, so seed data and benchmarks are repeatable.
// Not for ids a service hands out (those come from api::NewUuidV4).
//
//   std::mt19937_64 random(42);
//   std::string id = SeededUuidV4(random);   // "7d2f...-...-4...-[89ab]..."
#ifndef QS_COMMON_BASE_SEEDED_UUID_H_
#define QS_COMMON_BASE_SEEDED_UUID_H_

#include <random>
#include <string>

namespace qs::base {

// A version 4, variant 1 UUID in lower case from 128 bits of `random`.
std::string SeededUuidV4(std::mt19937_64& random);

}  // namespace qs::base

#endif  // QS_COMMON_BASE_SEEDED_UUID_H_
