#include "tests/deploy/drill_nats.h"

#include "absl/strings/str_cat.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"

namespace qs::drill {
namespace {

using ::google::protobuf::Struct;
using ::google::protobuf::Value;

// The field `name` of `object`, or a null Value when absent.
const Value& Field(const Struct& object, const std::string& name) {
  auto found = object.fields().find(name);
  return found == object.fields().end() ? Value::default_instance() : found->second;
}

const Struct& Object(const Value& value) {
  return value.has_struct_value() ? value.struct_value() : Struct::default_instance();
}

int64_t Number(const Value& value) { return static_cast<int64_t>(value.number_value()); }

}  // namespace

absl::StatusOr<std::vector<StreamReport>> ParseJsz(const std::string& json) {
  Struct root;
  auto parsed = ::google::protobuf::util::JsonStringToMessage(json, &root);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("/jsz answer is not a JSON object: ", parsed.ToString()));
  }
  const Value& accounts = Field(root, "account_details");
  if (!accounts.has_list_value()) {
    return absl::InvalidArgumentError("/jsz answer has no account_details (accounts=true?)");
  }
  std::vector<StreamReport> streams;
  for (const Value& account : accounts.list_value().values()) {
    const Value& details = Field(Object(account), "stream_detail");
    if (!details.has_list_value()) continue;  // an account without streams
    for (const Value& detail : details.list_value().values()) {
      const Struct& stream = Object(detail);
      StreamReport report;
      report.name = Field(stream, "name").string_value();
      report.replicas =
          static_cast<int>(Number(Field(Object(Field(stream, "config")), "num_replicas")));
      const Struct& cluster = Object(Field(stream, "cluster"));
      report.leader = Field(cluster, "leader").string_value();
      const Value& peers = Field(cluster, "replicas");
      if (peers.has_list_value()) {
        for (const Value& peer : peers.list_value().values()) {
          report.other_peers.push_back(Field(Object(peer), "name").string_value());
        }
      }
      const Struct& state = Object(Field(stream, "state"));
      report.messages = Number(Field(state, "messages"));
      report.last_seq = Number(Field(state, "last_seq"));
      streams.push_back(std::move(report));
    }
  }
  return streams;
}

absl::StatusOr<std::vector<StreamReport>> ReadStreams(const ComposeProject& project,
                                                      const std::string& container) {
  absl::StatusOr<std::string> answer =
      project.Fetch(container, "http://127.0.0.1:8222/jsz?accounts=true&streams=true&config=true");
  if (!answer.ok()) return answer.status();
  return ParseJsz(*answer);
}

std::string NatsServiceOf(const std::string& server_name) {
  return server_name == "nats-1" ? "nats" : server_name;
}

}  // namespace qs::drill
