// Reads back what is on a JetStream stream, for tests that check what the
// outbox relay published (common/events/relay.h): every message with its
// sequence, subject, Nats-Msg-Id header and body (js_GetMsg per sequence).
//
//   absl::StatusOr<std::vector<StreamMessage>> messages =
//       ReadStream(nats.url(), "T1ABC_SOCIAL");
#ifndef QS_TESTS_EVENTS_STREAM_READER_H_
#define QS_TESTS_EVENTS_STREAM_READER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace qs::testing {

struct StreamMessage {
  uint64_t sequence = 0;
  std::string subject;
  std::string message_id;  // the Nats-Msg-Id header
  std::string data;
};

// All messages now on `stream`, by sequence; NOT_FOUND when the stream does
// not exist.
absl::StatusOr<std::vector<StreamMessage>> ReadStream(const std::string& nats_url,
                                                      const std::string& stream);

}  // namespace qs::testing

#endif  // QS_TESTS_EVENTS_STREAM_READER_H_
