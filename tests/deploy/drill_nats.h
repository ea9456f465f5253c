// What a NATS node of the drill's JetStream cluster says about its streams,
// from its monitoring endpoint: `podman exec <node> wget -qO-
// 'http://127.0.0.1:8222/jsz?accounts=true&streams=true&config=true'`.
//
//   absl::StatusOr<std::vector<StreamReport>> streams = ReadStreams(project, container);
//   for (const StreamReport& stream : *streams) { stream.replicas, stream.leader, ... }
#ifndef QS_TESTS_DEPLOY_DRILL_NATS_H_
#define QS_TESTS_DEPLOY_DRILL_NATS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tests/deploy/drill_compose.h"

namespace qs::drill {

struct StreamReport {
  std::string name;    // "QUEST"
  int replicas = 0;    // config.num_replicas: what the stream was created with
  std::string leader;  // cluster.leader: the server name (--name), "" when none
  // cluster.replicas: the stream's peers other than the node that answered
  // (which may include the leader), by server name. An R3 stream on a
  // 3-node cluster: two, whichever node is asked.
  std::vector<std::string> other_peers;
  int64_t messages = 0;  // state.messages
  int64_t last_seq = 0;  // state.last_seq: grows with every accepted publish
};

// Pure: the streams of every account in a /jsz answer (`json`). An error
// when it is not JSON of that shape.
absl::StatusOr<std::vector<StreamReport>> ParseJsz(const std::string& json);

// ParseJsz of what `container` (a NATS node of `project`) answers now.
absl::StatusOr<std::vector<StreamReport>> ReadStreams(const ComposeProject& project,
                                                      const std::string& container);

// The compose service of a NATS server name: "nats-1" is service "nats"
// (deploy/compose: --name nats-1), "nats-2" and "nats-3" are their own.
std::string NatsServiceOf(const std::string& server_name);

}  // namespace qs::drill

#endif  // QS_TESTS_DEPLOY_DRILL_NATS_H_
