/* Setting errors: fixed buffers, never an allocation (hiredis' __redisSetError). */
#ifndef CUSTAPI_ERROR_INTERNAL_H
#define CUSTAPI_ERROR_INTERNAL_H

#include "custapi/custapi.h"

#if defined(__GNUC__)
#define CUSTAPI_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define CUSTAPI_PRINTF(f, a)
#endif

/*
 * Fills `err` (which may be NULL) with a category, the property at fault (NULL for none) and a
 * one-line message, and returns the matching negative custapi_status, so that a failing path
 * reads `return custapi__error_set(err, ...);`. Line breaks in the message become spaces.
 */
int custapi__error_set(custapi_error *err, custapi_category category, const char *property,
                       const char *fmt, ...) CUSTAPI_PRINTF(4, 5);

/* The out-of-memory error: the same, with a fixed message. */
int custapi__error_oom(custapi_error *err);

/* Copies an error (either may be NULL) as far as `dst`'s version has fields, keeping its
 * version (custapi_error_copy is the public name); returns the status of `src`. */
int custapi__error_copy(custapi_error *dst, const custapi_error *src);

/* Says, once, in the message that an update may have been applied (the flag that goes with it
 * is the client's and the bulk outcome's: custapi_client_maybe_applied). */
void custapi__error_note_maybe_applied(custapi_error *err);

/* The status for a category: 0 for ok, minus the category otherwise. */
static inline int custapi__status_of(custapi_category category) { return -(int)category; }

/*
 * Writes `text` (len bytes) into buf as a quoted, one-line, printable excerpt for an error
 * message: control characters escaped, cut at `max` bytes with "..." (never inside a UTF-8
 * sequence). Returns buf.
 */
char *custapi__quote(char *buf, size_t bufsize, const char *text, size_t len, size_t max);

/* Prefixes err's message with the words saying that the update was applied and that its
 * read-back failed (cut to fit): what `update --read-back` and the gateway's translated update
 * say when the read after a successful update fails. */
void custapi__error_read_back_failed(custapi_error *err);

#endif
