/* Redaction of traced text: credentials never reach a trace callback. */
#ifndef CUSTAPI_TRACE_H
#define CUSTAPI_TRACE_H

#include <stddef.h>

/*
 * A copy of `text` (len bytes) in a new NUL-terminated buffer (custapi__free) where the value of
 * every `Authorization:` and `Proxy-Authorization:` header line is replaced by its scheme and
 * "[redacted]" (`Authorization: Basic [redacted]`), and every occurrence of `secret` (when not
 * NULL or empty) by "[redacted]". NULL when memory runs out. *out_len gets the length.
 */
char *custapi__trace_redact(const char *text, size_t len, const char *secret, size_t *out_len);

#endif
