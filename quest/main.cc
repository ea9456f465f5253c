// The quest service: wiring only. Start-up, config, the database router,
// health, reflection and graceful shutdown come from common/service.
#include "common/service/service_main.h"

int main() {
  return qs::service::RunService({
      .name = "quest",
      .default_port = 50051,
      // Domain handlers are hosted here as the quest issues add them.
      .add_services = nullptr,
  });
}
