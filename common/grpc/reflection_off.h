// Turns server reflection off for one server (GRPC_REFLECTION=off):
//
//   if (!config.reflection) builder.SetOption(WithoutReflection());
//
// Linking libgrpc++_reflection registers its plugin for every ServerBuilder
// at load time (a static initializer in gRPC 1.51 calls
// InitProtoReflectionServerBuilderPlugin), so not calling that function is
// not enough. This option removes the plugin from the builder before it
// builds the server: grpc.reflection.v1alpha.ServerReflection is then not
// registered, and a call to it is UNIMPLEMENTED like any unknown method.
#ifndef QS_COMMON_GRPC_REFLECTION_OFF_H_
#define QS_COMMON_GRPC_REFLECTION_OFF_H_

#include <memory>

#include "grpcpp/impl/server_builder_option.h"

namespace qs::grpc_util {

std::unique_ptr<grpc::ServerBuilderOption> WithoutReflection();

}  // namespace qs::grpc_util

#endif  // QS_COMMON_GRPC_REFLECTION_OFF_H_
