/* The encoding rule every string value obeys (SPEC section 2, "Strings"). */
#ifndef CUSTAPI_TEXT_H
#define CUSTAPI_TEXT_H

#include <stddef.h>
#include <stdint.h>

typedef enum text_problem {
  TEXT_OK = 0,
  TEXT_INVALID_UTF8,  /* not well-formed UTF-8 (overlong, surrogate, truncated, ...) */
  TEXT_CONTROL,       /* a control character other than TAB and LF (CR among them) */
  TEXT_ABOVE_FFFD     /* U+FFFE, U+FFFF or beyond the Basic Multilingual Plane */
} text_problem;

/*
 * Checks `len` bytes. On a problem, stores the byte offset where it starts and the code point
 * (0 for invalid UTF-8).
 */
text_problem text_check(const char *s, size_t len, size_t *offset, uint32_t *code_point);

/* Decodes one well-formed UTF-8 sequence at s[0..len); returns its length, or 0 if invalid. */
size_t text_decode(const unsigned char *s, size_t len, uint32_t *code_point);

#endif
