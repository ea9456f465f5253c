// The notification service: wiring only. Start-up, config, the database router,
// health, reflection and graceful shutdown come from common/service.
#include "common/service/service_main.h"

int main() {
  return qs::service::RunService({
      .name = "notification",
      .default_port = 50052,
      // Domain handlers are hosted here as the notification issues add them.
      .add_services = nullptr,
  });
}
