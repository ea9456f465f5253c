// The delivery code's JSON helpers are common/json/json_object.h (shared
// with the JWT verification of common/auth), named here in this namespace.
#ifndef QS_NOTIFICATION_DELIVERY_JSON_OBJECT_H_
#define QS_NOTIFICATION_DELIVERY_JSON_OBJECT_H_

#include "common/json/json_object.h"

namespace qs::notification::delivery {

using ::qs::json::ListField;
using ::qs::json::MutableObject;
using ::qs::json::NumberField;
using ::qs::json::ObjectField;
using ::qs::json::ParseJsonObject;
using ::qs::json::SetNumber;
using ::qs::json::SetString;
using ::qs::json::StringField;
using ::qs::json::ToJson;

}  // namespace qs::notification::delivery

#endif  // QS_NOTIFICATION_DELIVERY_JSON_OBJECT_H_
