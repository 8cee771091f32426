#include "custapi/custapi.h"
#include "custapi_config.h"

const char *custapi_version(void) { return CUSTAPI_VERSION; }
