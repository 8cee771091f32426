/* What a probe learned (codec.h): filled by a codec's decode_probe, owned by the caller. */
#include "alloc.h"
#include "codec.h"

void custapi__probe_info_clear(custapi_probe_info *info) {
  for (size_t i = 0; i < info->method_count; i++)
    custapi__free(info->methods[i]);
  custapi__free(info->methods);
  custapi__free(info->suggested_prefix);
  *info = (custapi_probe_info){0};
}
