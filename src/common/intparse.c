/* Integer parsing, and the one rule of what a customer id is (every reader of ids asks it). */
#include <assert.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "customer.h"
#include "error.h"

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

/* ---- the customer id ---- */

int custapi_id_valid(int64_t id) { return id >= 1 && id <= CUSTAPI_ID_MAX; }

int custapi__id_refuse(custapi_error *err, const char *why, const char *shown) {
  return custapi__error_set(err, CUSTAPI_CATEGORY_INVALID, "id",
                            "id: %s: %s (a customer id is an integer from 1 to %d)", why, shown,
                            CUSTAPI_ID_MAX);
}

int custapi__id_check(int64_t id, custapi_error *err) {
  if (custapi_id_valid(id))
    return 0;
  char shown[24];
  snprintf(shown, sizeof shown, "%" PRId64, id);
  return custapi__id_refuse(err, id < 1 ? "not positive" : "out of range", shown);
}

int custapi__id_parse_text(int32_t *out, const char *text, size_t len, custapi_error *err) {
  int32_t id;
  int rc = custapi__parse_int32(text, len, &id);
  if (rc == 0 && custapi_id_valid(id)) {
    *out = id;
    return 0;
  }
  char quoted[96];
  custapi__quote(quoted, sizeof quoted, text, len, 40);
  return custapi__id_refuse(err,
                            rc == -2  ? "out of range"
                            : rc == 0 ? "not positive"
                                      : "not an integer",
                            quoted);
}

int custapi_id_parse(int32_t *out, const char *text, custapi_error *err) {
  assert(out && text);
  return custapi__id_parse_text(out, text, strlen(text), err);
}
