/* Redaction of traced text: credentials never reach a trace callback. */
#ifndef CUSTAPI_TRACE_H
#define CUSTAPI_TRACE_H

#include <stddef.h>

#include "custapi/custapi.h"

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
 * Redaction of a trace that arrives in pieces (libcurl hands over a response body one read at a
 * time): a credential split over two pieces must be redacted like a whole one. Each piece is
 * passed on redacted, except a tail that could be the start of a credential the next piece
 * completes; that tail is held until the next piece of the same kind, or the flush. Since a
 * credential holds no line break (the client refuses control characters in the key, and the
 * Basic token is base64), whole lines are never held back, so header lines pass at once.
 */
typedef struct custapi_trace_stream {
  custapi_trace_fn fn; /* the trace callback, its payload and the credentials (borrowed) */
  void *payload;
  const char *username;
  const char *secret;
  custapi_trace_kind kind; /* of the held text */
  char *held;              /* owned; wiped before reuse or release */
  size_t held_len, held_cap;
} custapi_trace_stream;

/* Passes on `text` of `kind` through `fn`, redacted, holding back what the next piece may
 * complete. Text that memory does not allow to redact is dropped, never passed on as it is. */
void custapi__trace_stream_put(custapi_trace_stream *stream, custapi_trace_kind kind,
                               const char *text, size_t len);

/* Passes on what is held (redacted). */
void custapi__trace_stream_flush(custapi_trace_stream *stream);

/* Drops (wiping) what is held, keeping the buffer; _free releases it too. */
void custapi__trace_stream_reset(custapi_trace_stream *stream);
void custapi__trace_stream_free(custapi_trace_stream *stream);

/*
 * Replaces, in place, every occurrence in `message` (a NUL-terminated string in a buffer of
 * `size` bytes) of `secret` and of the Basic credentials built from it (base64 of
 * "username:secret") by "[redacted]", cutting what no longer fits. Never allocates (error
 * messages are set on out-of-memory paths too): a server that echoes the key or the
 * Authorization header back in an error body must not get it shown.
 */
void custapi__redact_message(char *message, size_t size, const char *username, const char *secret);

#endif
