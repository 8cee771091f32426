/*
 * The retry policy of docs/errors.md, in one place for both protocols: decided after a
 * response has been decoded into the error model.
 */
#ifndef CUSTAPI_RETRY_H
#define CUSTAPI_RETRY_H

#include <stdint.h>

#include "custapi/custapi.h"

#define CUSTAPI_RETRY_DEFAULT 3
#define CUSTAPI_BACKOFF_BASE_MS 200
#define CUSTAPI_BACKOFF_MAX_MS 10000
#define CUSTAPI_RETRY_AFTER_MAX_S 30

/*
 * Whether a failed attempt may be retried: transport failures that the transport calls
 * retryable (connect, reset, timeout), HTTP 500/502/503/504/429 and server-class faults.
 * Never TLS verification, unknown hosts, auth, not_found, rejected, invalid or protocol.
 */
int custapi__retry_is_retryable(const custapi_error *err, int transport_retryable);

/*
 * The wait before retry number `retry` (1, 2, ...): 200 ms doubled each time, with jitter
 * (between half and all of it), capped. The jitter's generator state is the caller's (each
 * client has its own, so that clients on different threads share nothing); 0 seeds it.
 */
long custapi__retry_backoff_ms(uint64_t *jitter_state, int retry);

/*
 * Parses a Retry-After value, delay-seconds or an HTTP date, into seconds from `now` (a
 * time_t; a date in the past gives 0). Returns 0, or -1 when the value is neither.
 */
int custapi__retry_after_seconds(long long *out, const char *value, long long now);

#endif
