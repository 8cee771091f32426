/* The time of a call as the results files write it ("at"): RFC 3339, UTC, milliseconds. */
#ifndef CUSTAPI_UTC_H
#define CUSTAPI_UTC_H

#include <stddef.h>

/* "2026-12-06T03:32:00.123Z": the wall clock `ms_ago` milliseconds ago, into buf (32 bytes
 * suffice); returns buf. */
const char *custapi__utc_at(char *buf, size_t size, long ms_ago);

/* The same, now. */
#define custapi__utc_now(buf, size) custapi__utc_at((buf), (size), 0)

#endif
