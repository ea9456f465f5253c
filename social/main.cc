// The social service: wiring only. Start-up, config, migrations, the database
// router, health, reflection, background workers and graceful shutdown come
// from common/service.
#include <memory>
#include <utility>

#include "common/api/page_token.h"
#include "common/service/service_main.h"

int main() {
  return qs::service::RunService({
      .name = "social",
      .default_port = 50053,
      .add_services =
          [&](qs::service::ServiceContext& context) {
            // PAGE_TOKEN_KEY was checked (>= 16 bytes) with the config.
            auto page_tokens =
                *qs::api::PageTokenCodec::Create(context.server_config.page_token_key);
            (void)page_tokens;
          },
  });
}
