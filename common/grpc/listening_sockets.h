// Closes the door without touching the room: stops this process's listening
// TCP sockets on a port from accepting, so new connections are refused at
// once, while the connections already open (and their calls) go on.
//
// For the drain (server.cc). gRPC 1.51 stops listening only inside
// grpc::Server::Shutdown, which first cancels every call that reaches it
// before its GOAWAY reaches the client: a client writing at full speed gets
// CANCELLED for calls that never ran, which it cannot tell from a lost
// write. Closing the listener ourselves lets the drain refuse such calls
// with UNAVAILABLE instead, and shut gRPC down only once no client is left.
#ifndef QS_COMMON_GRPC_LISTENING_SOCKETS_H_
#define QS_COMMON_GRPC_LISTENING_SOCKETS_H_

#include "absl/time/time.h"

namespace qs::grpc_util {

// shutdown(SHUT_RD) on every listening socket of this process bound to
// `port` (IPv4 and IPv6); Linux then refuses new connections to it. Returns
// how many sockets it stopped.
int StopListeningOn(int port);

// Waits until every connected TCP socket of this process whose local port is
// `port` has no unsent bytes left in the kernel (SIOCOUTQ), or `timeout`
// passes. Before closing client connections: a close with bytes still queued
// can become a reset that throws away an answer already "sent".
void WaitUntilSentOn(int port, absl::Duration timeout);

}  // namespace qs::grpc_util

#endif  // QS_COMMON_GRPC_LISTENING_SOCKETS_H_
