/*
 * What the two passes of the strict JSON checker share (json_check.c, the full one, and
 * json_fast.c): how far a run of plain ASCII inside a string goes.
 */
#ifndef CUSTAPI_JSON_SCAN_H
#define CUSTAPI_JSON_SCAN_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Bytes that stand for themselves inside a string: ASCII, not a control, quote or backslash. */
static const unsigned char json_plain_ascii[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x00 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x10 */
    1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x20 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x30 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x40 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, /* 0x50 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x60 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x70 */
    /* 0x80 and up: 0 (UTF-8, checked by custapi__text_decode) */
};

/*
 * How many bytes from p on are plain ASCII, eight at a time where the machine allows: an
 * answer's strings are most of its bytes, and a table look-up per byte was half of the
 * checker's instructions. In each word, a byte's high bit is set for a byte >= 0x80, and by the
 * classic borrow tricks for one below 0x20, a '"' or a '\\'; the tricks can also mark a byte
 * ABOVE a marked one (a borrow), never below, so the lowest mark is exactly the first byte that
 * is not plain.
 */
static inline size_t json_plain_run(const unsigned char *p, const unsigned char *end) {
  const unsigned char *q = p;
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
  while (end - q >= 8) {
    uint64_t w;
    memcpy(&w, q, sizeof w);
    uint64_t quote = w ^ (ones * '"'), backslash = w ^ (ones * '\\');
    uint64_t marks = (w | ((w - ones * 0x20) & ~w) | ((quote - ones) & ~quote) |
                      ((backslash - ones) & ~backslash)) &
                     highs;
    if (marks)
      return (size_t)(q - p) + ((unsigned)__builtin_ctzll(marks) >> 3);
    q += 8;
  }
#endif
  while (q < end && json_plain_ascii[*q])
    q++;
  return (size_t)(q - p);
}

#endif
