#include <stdint.h>
#include <string.h>

#include "customer.h"

int custapi__parse_int32(const char *text, size_t len, int32_t *out) {
  size_t i = 0;
  int negative = 0;
  if (len > 0 && text[0] == '-') {
    negative = 1;
    i = 1;
  }
  if (i == len)
    return -1;
  /* Canonical: no leading zero (except "0" itself), no "-0". */
  if (text[i] == '0' && (len - i > 1 || negative))
    return -1;
  int64_t value = 0;
  int overflow = 0;
  for (; i < len; i++) {
    if (text[i] < '0' || text[i] > '9')
      return -1;
    if (!overflow) {
      value = value * 10 + (text[i] - '0');
      if (value > (int64_t)INT32_MAX + 1)
        overflow = 1;
    }
  }
  if (negative)
    value = -value;
  if (overflow || value > INT32_MAX || value < INT32_MIN)
    return -2;
  *out = (int32_t)value;
  return 0;
}
