// Small pieces every service's scenarios use: picking a sampled id, acting
// as a user, and sampling a column of ids from the service's database.
//
//   const std::string& user = AnyOf(data->users, random);
//   return MakeRequest(request, AsUser(user));
#ifndef QS_TESTS_BENCH_SCENARIO_SUPPORT_H_
#define QS_TESTS_BENCH_SCENARIO_SUPPORT_H_

#include <string>
#include <utility>
#include <vector>

#include "pqxx/pqxx"
#include "tests/bench/load_generator.h"

namespace qs::bench {

// A uniformly random element of a non-empty vector.
template <typename T>
const T& AnyOf(const std::vector<T>& values, Random& random) {
  return values[random() % values.size()];
}

// The metadata of a call made by `user` (common/api/acting_user.h).
inline std::vector<std::pair<std::string, std::string>> AsUser(const std::string& user) {
  return {{"x-user-id", user}};
}

// The first column of `sql`'s rows, as text.
inline std::vector<std::string> Column(pqxx::work& tx, const std::string& sql) {
  std::vector<std::string> values;
  for (const auto& row : tx.exec(sql)) values.push_back(row[0].as<std::string>());
  return values;
}

}  // namespace qs::bench

#endif  // QS_TESTS_BENCH_SCENARIO_SUPPORT_H_
