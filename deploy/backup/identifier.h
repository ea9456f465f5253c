// Names the tool puts into SQL and object keys without quoting.
#ifndef QS_DEPLOY_BACKUP_IDENTIFIER_H_
#define QS_DEPLOY_BACKUP_IDENTIFIER_H_

#include "absl/strings/string_view.h"

namespace qs::backup {

// A PostgreSQL identifier that needs no quoting (a-z, 0-9, '_', not starting
// with a digit, at most 63 bytes): the names the services' databases and
// roles have, and safe in object keys and SQL text.
bool IsPlainIdentifier(absl::string_view name);

}  // namespace qs::backup

#endif  // QS_DEPLOY_BACKUP_IDENTIFIER_H_
