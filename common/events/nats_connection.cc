// PLACEHOLDER (replaced by the NATS connection implementation).
#include "common/events/nats_connection.h"
