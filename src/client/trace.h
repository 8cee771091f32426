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

/* As custapi__trace_redact, and the Basic token built from `username` and `secret` (base64 of
 * "username:secret", what a server echoing the Authorization header would show) is replaced
 * too. */
char *custapi__trace_redact_credentials(const char *text, size_t len, const char *username,
                                        const char *secret, size_t *out_len);

/*
 * Replaces, in place, every occurrence in `message` (a NUL-terminated string in a buffer of
 * `size` bytes) of `secret` and of the Basic credentials built from it (base64 of
 * "username:secret") by "[redacted]", cutting what no longer fits. Never allocates (error
 * messages are set on out-of-memory paths too): a server that echoes the key or the
 * Authorization header back in an error body must not get it shown.
 */
void custapi__redact_message(char *message, size_t size, const char *username, const char *secret);

#endif
