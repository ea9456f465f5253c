# Raises every `"timeout": "<seconds>s"` of a gRPC service config by `skew`
# seconds (awk -v skew=N), leaving the rest of the text as it is.
#
# Why: gRPC C-core (C++, Python; 1.51 here, still open upstream as
# grpc/grpc#34547) starts a service config's timeout from a clock that runs
# 1 + f seconds behind its deadline clock, f in [0, 1) fixed per process, so a
# "2s" method timeout fires after 0-1 s. With the documented timeout plus 2 s
# a C-core caller gets at least the documented budget and at most 1 s more.
# tests/services/service_server_test.cc measures both.
{
  rest = $0
  out = ""
  while (match(rest, /"timeout"[ \t]*:[ \t]*"[0-9.]+s"/)) {
    seconds = substr(rest, RSTART, RLENGTH)
    sub(/^"timeout"[ \t]*:[ \t]*"/, "", seconds)
    sub(/s"$/, "", seconds)
    out = out substr(rest, 1, RSTART - 1) "\"timeout\": \"" (seconds + skew) "s\""
    rest = substr(rest, RSTART + RLENGTH)
  }
  print out rest
}
