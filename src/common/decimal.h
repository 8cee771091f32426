/* Decimal text of an integer without printf: the hot paths write a few per update (request
 * bodies, results lines), and snprintf's format parsing cost more than the rest of the line. */
#ifndef CUSTAPI_DECIMAL_H
#define CUSTAPI_DECIMAL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define DECIMAL_MAX 21 /* "-9223372036854775808" and no terminator */

/* Writes v's decimal digits (and '-') at out, as printf's %lld does; returns their count. */
static inline size_t decimal_text(char out[DECIMAL_MAX], int64_t v) {
  char digits[DECIMAL_MAX], *end = digits + sizeof digits, *at = end;
  uint64_t u = v < 0 ? 0u - (uint64_t)v : (uint64_t)v;
  do {
    *--at = (char)('0' + u % 10);
    u /= 10;
  } while (u);
  if (v < 0)
    *--at = '-';
  size_t n = (size_t)(end - at);
  memcpy(out, at, n);
  return n;
}

#endif
