#include "common/cli/database_flag.h"

#include "common/config/database_url.h"
#include "common/config/env.h"

namespace qs::cli {

absl::StatusOr<config::DbConfig> DatabaseFromFlags(const Flags& flags) {
  if (flags.Has(kDatabaseUrlFlag)) return config::ParseDatabaseUrl(flags.String(kDatabaseUrlFlag));
  return config::LoadDbConfig(config::ProcessEnv());
}

}  // namespace qs::cli
