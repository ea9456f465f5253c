#include "common/grpc/reflection_service_list.h"

#include <utility>

#include "grpcpp/impl/server_builder_plugin.h"
#include "grpcpp/impl/server_initializer.h"

namespace qs::grpc_util {
namespace {

class ServiceListPlugin final : public grpc::ServerBuilderPlugin {
 public:
  explicit ServiceListPlugin(std::vector<std::string> names) : names_(std::move(names)) {}

  std::string name() override { return "qs_reflection_service_list"; }

  void InitServer(grpc::ServerInitializer* initializer) override {
    // The list belongs to the grpc::Server being built (a non-const member
    // that gRPC hands out as const); nothing reads it concurrently before
    // Start.
    auto* list = const_cast<std::vector<std::string>*>(initializer->GetServiceList());
    for (const std::string& name : names_) list->push_back(name);
  }
  void Finish(grpc::ServerInitializer*) override {}
  void ChangeArguments(const std::string&, void*) override {}

 private:
  std::vector<std::string> names_;
};

class ServiceListOption final : public grpc::ServerBuilderOption {
 public:
  explicit ServiceListOption(std::vector<std::string> names) : names_(std::move(names)) {}

  void UpdateArguments(grpc::ChannelArguments*) override {}
  void UpdatePlugins(std::vector<std::unique_ptr<grpc::ServerBuilderPlugin>>* plugins) override {
    plugins->push_back(std::make_unique<ServiceListPlugin>(std::move(names_)));
  }

 private:
  std::vector<std::string> names_;
};

}  // namespace

std::unique_ptr<grpc::ServerBuilderOption> ListInReflection(
    std::vector<std::string> service_names) {
  return std::make_unique<ServiceListOption>(std::move(service_names));
}

}  // namespace qs::grpc_util
