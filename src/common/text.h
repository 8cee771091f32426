/*
 * Text rules in one place: the encoding every string value obeys, what may reach a terminal
 * unescaped, and which hosts are loopback.
 */
#ifndef CUSTAPI_TEXT_H
#define CUSTAPI_TEXT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef enum text_problem {
  TEXT_OK = 0,
  TEXT_INVALID_UTF8, /* not well-formed UTF-8 (overlong, surrogate, truncated, ...) */
  TEXT_CONTROL,      /* a control character other than TAB and LF (CR among them) */
  TEXT_ABOVE_FFFD    /* U+FFFE, U+FFFF or beyond the Basic Multilingual Plane */
} text_problem;

/*
 * Checks `len` bytes. On a problem, stores the byte offset where it starts and the code point
 * (0 for invalid UTF-8).
 */
text_problem custapi__text_check(const char *s, size_t len, size_t *offset, uint32_t *code_point);

/* Decodes one well-formed UTF-8 sequence at s[0..len); returns its length, or 0 if invalid. */
size_t custapi__text_decode(const unsigned char *s, size_t len, uint32_t *code_point);

/* ---- what reaches a terminal ---- */

typedef enum text_unit {
  TEXT_UNIT_PRINTABLE, /* a well-formed UTF-8 character that is not a control */
  TEXT_UNIT_CONTROL,   /* C0 (U+0000-U+001F, TAB and LF included), DEL, C1 (U+0080-U+009F) */
  TEXT_UNIT_BAD_BYTE   /* one byte that does not start a well-formed UTF-8 sequence */
} text_unit;

/*
 * Classifies the character at text[0..len) (len > 0): stores its length in bytes (1 for a bad
 * byte) and its code point (the byte's value for a bad byte).
 */
text_unit custapi__text_next_unit(const char *text, size_t len, size_t *n, uint32_t *code_point);

/*
 * Writes `len` bytes of `text` to `out` so that a terminal shows them and acts on none of
 * them: C0 controls and DEL as \xHH, C1 characters as \u0080-\u009F, and every byte that is
 * not well-formed UTF-8 (raw 0x80-0x9F among them) as \xHH. Everything else is copied as is.
 */
void custapi__text_put_visible(FILE *out, const char *text, size_t len);

/*
 * A copy of JSON text written by json-c (`len` bytes) that is valid UTF-8, in a new buffer
 * (custapi__free; NULL when memory runs out; *out_len gets its length when not NULL). json-c
 * copies a string's bytes as they are and escapes only C0: here every byte that is not
 * well-formed UTF-8 becomes the text \\xHH (an escaped backslash, then xHH), and DEL and C1
 * become \u007F-\u009F (the same characters, escaped, so no terminal acts on them). Outside
 * strings json-c writes ASCII only, so every replacement lands inside a string.
 */
char *custapi__text_json_clean(const char *json, size_t len, size_t *out_len);

/* The same written to `out`, allocating nothing (the out-of-memory answer goes this way too). */
void custapi__text_json_put_clean(FILE *out, const char *json, size_t len);

/* ---- base URLs ---- */

/* Drops a base URL's trailing slashes in place: the one trimming, done once by whoever keeps
 * the base (the client, the gateway), so that codecs get it trimmed in custapi_endpoint. */
void custapi__base_url_trim(char *url);

/* ---- loopback ---- */

/*
 * Whether a URL's host (as libcurl's URL parser gives it) is this machine's loopback: any
 * address in 127.0.0.0/8 (in every form libcurl reads an IPv4 address), ::1 in any spelling
 * (with or without brackets or a zone), IPv4-mapped 127.0.0.0/8, "localhost" and names ending
 * in ".localhost" (case-insensitive; libcurl resolves those itself, never through DNS). The one
 * definition behind the plain-HTTP check and the proxy bypass.
 */
int custapi__text_host_is_loopback(const char *host);

#endif
