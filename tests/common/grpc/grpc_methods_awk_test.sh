#!/usr/bin/env bash
# bazel/grpc_methods.awk over real protoc output: a unary-only file gives
# one visit per method in its package's namespace; a streaming method fails
# with a message naming it, and writes nothing a build could use.
set -euo pipefail
awk_script=bazel/grpc_methods.awk
decode() {
  /usr/bin/protoc -I. -I/usr/include --descriptor_set_out=/dev/stdout "$1" |
    /usr/bin/protoc --decode=google.protobuf.FileDescriptorSet -I/usr/include \
      /usr/include/google/protobuf/descriptor.proto
}
fail() { echo "FAIL: $*" >&2; exit 1; }

out=$(decode tests/common/grpc/method_table_test.proto |
  awk -v includes="a.grpc.pb.h b.grpc.pb.h" -v guard=TEST_GUARD_ -f "$awk_script")
for expected in '#include "a.grpc.pb.h"' '#include "b.grpc.pb.h"' 'namespace tables {' \
  'visit("/tables.v1.Echo/Say", &Echo::Service::Say);' \
  'visit("/tables.v1.Echo/Shout", &Echo::Service::Shout);' \
  'visit("/tables.v1.Counter/Count", &Counter::Service::Count);' \
  'inline CounterMethods MethodsOf(const Counter::Service*) { return {}; }' '#endif  // TEST_GUARD_'; do
  grep -qF -- "$expected" <<<"$out" || fail "missing: $expected"$'\n'"$out"
done
[[ $(grep -c 'visit(' <<<"$out") == 3 ]] || fail "expected 3 methods"$'\n'"$out"

set +e
streaming=$(decode tests/common/grpc/request_shapes.proto |
  awk -v includes=x.grpc.pb.h -v guard=G -f "$awk_script" 2>&1 >/dev/null)
status=$?
set -e
[[ $status -ne 0 ]] || fail "a streaming method was accepted"
grep -qF "shapes.v1.Shapes/Watch is a streaming method" <<<"$streaming" ||
  fail "the error does not name the method: $streaming"
echo PASS
