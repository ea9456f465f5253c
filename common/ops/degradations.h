// Parts of a service that work, but not as they should: a push provider
// paused on refused credentials, later a relay that cannot reach NATS or
// reads served by the primary while the replica is down. Each part reports
// its own state through a source; ops.v1.Diagnostics/GetServiceInfo lists
// them. Health stays SERVING for a degradation: the service still answers.
//
//   degradations.Add([&worker] {
//     std::vector<Degradation> now;
//     for (const auto& [name, why] : worker.PausedProviders())
//       now.push_back({"push:" + name, "paused: " + why});
//     return now;
//   });
//
// Sources are added on the start-up thread before serving (ServiceContext::
// ReportDegradations); Current() may then be called from any thread, and
// each source must be thread-safe.
#ifndef QS_COMMON_OPS_DEGRADATIONS_H_
#define QS_COMMON_OPS_DEGRADATIONS_H_

#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace qs::ops {

struct Degradation {
  std::string component;  // e.g. "push:fcm"
  std::string detail;     // what is wrong, for an operator
};

using DegradationSource = std::function<std::vector<Degradation>()>;

class Degradations {
 public:
  void Add(DegradationSource source) { sources_.push_back(std::move(source)); }

  // Every source's current degradations, in the order the sources were added.
  std::vector<Degradation> Current() const {
    std::vector<Degradation> all;
    for (const DegradationSource& source : sources_) {
      for (Degradation& degradation : source()) all.push_back(std::move(degradation));
    }
    return all;
  }

 private:
  std::vector<DegradationSource> sources_;
};

}  // namespace qs::ops

#endif  // QS_COMMON_OPS_DEGRADATIONS_H_
