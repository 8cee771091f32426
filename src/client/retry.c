#include "retry.h"

#include <curl/curl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int custapi__retry_is_retryable(const custapi_error *err, int transport_retryable) {
  switch (err->category) {
  case CUSTAPI_CATEGORY_TRANSPORT:
    return transport_retryable;
  case CUSTAPI_CATEGORY_SERVER:
    if (err->has_fault_code)
      return 1; /* -32603 and 500-599 faults: the server's trouble, not the data's */
    switch (err->http_status) {
    case 429:
    case 500:
    case 502:
    case 503:
    case 504:
      return 1;
    default:
      return 0; /* 501, 505, ...: asking again will not help */
    }
  default:
    return 0;
  }
}

/* A small private generator (rand() is the program's, and seeding it is not ours to do), its
 * state per client: nothing here is shared between threads. */
static uint64_t jitter_next(uint64_t *state) {
  if (!*state) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    /* Two clients seeded in the same nanosecond still differ by where their state lives. */
    *state = ((uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20) ^ (uint64_t)(uintptr_t)state) | 1u;
  }
  /* xorshift64 */
  *state ^= *state << 13;
  *state ^= *state >> 7;
  *state ^= *state << 17;
  return *state;
}

long custapi__retry_backoff_ms(uint64_t *jitter_state, int retry) {
  long full = CUSTAPI_BACKOFF_BASE_MS;
  for (int i = 1; i < retry && full < CUSTAPI_BACKOFF_MAX_MS; i++)
    full *= 2;
  if (full > CUSTAPI_BACKOFF_MAX_MS)
    full = CUSTAPI_BACKOFF_MAX_MS;
  long half = full / 2;
  return half + (long)(jitter_next(jitter_state) % (uint64_t)(half + 1));
}

int custapi__retry_after_seconds(long long *out, const char *value, long long now) {
  while (*value == ' ' || *value == '\t')
    value++;
  if (*value >= '0' && *value <= '9') {
    char *end;
    long long s = strtoll(value, &end, 10);
    while (*end == ' ' || *end == '\t')
      end++;
    if (*end != '\0' || s < 0)
      return -1;
    *out = s;
    return 0;
  }
  time_t when = curl_getdate(value, NULL);
  if (when == (time_t)-1)
    return -1;
  *out = (long long)when > now ? (long long)when - now : 0;
  return 0;
}
