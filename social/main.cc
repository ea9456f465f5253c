// The social service: wiring only. Start-up, config, the database router,
// health, reflection and graceful shutdown come from common/service.
#include "common/service/service_main.h"

int main() {
  return qs::service::RunService({
      .name = "social",
      .default_port = 50053,
      // Domain handlers are hosted here as the social issues add them.
      .add_services = nullptr,
  });
}
