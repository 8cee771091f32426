/*
 * The fast path of JSON Lines records. Nearly every bulk record is a flat object of a few
 * plain members, `{"id":17,"sms_quota":5}`: for those, parsing with json-c (its locale calls,
 * the tree's allocations) was most of the reader's cost. A line that is anything else is left
 * to the general reader, which gives the same outcome for what this path reads.
 */
#ifndef CUSTAPI_RECORD_FAST_H
#define CUSTAPI_RECORD_FAST_H

#include <stddef.h>

#include "json_util.h"

/* Members a flat record may have here; longer records take the general reader. */
#define RECORD_FAST_MAX_MEMBERS 64
/* The longest name here; longer ones take the general reader. */
#define RECORD_FAST_MAX_NAME 63

typedef struct record_fast_member {
  const char *name;
  size_t name_len;
  custapi_json_scalar value; /* a string or an integer */
} record_fast_member;

typedef struct record_fast {
  record_fast_member members[RECORD_FAST_MAX_MEMBERS]; /* in the line's order */
  size_t count;
  size_t id; /* the index of the member "id" */
} record_fast;

/*
 * 1 when line[0..len) is, but for white space, `{"NAME":VALUE,...}` with an "id" member, at
 * most RECORD_FAST_MAX_MEMBERS members of distinct names (1..RECORD_FAST_MAX_NAME bytes), each
 * VALUE a JSON integer of at most 18 digits (not -0) or a string, and every name and string
 * printable ASCII without '"' or '\'. Then `out` describes it, its names and strings made
 * NUL-terminated in the line itself (their closing quotes overwritten). Else 0, the line
 * untouched. Allocates nothing.
 */
int custapi__record_fast_scan(record_fast *out, char *line, size_t len);

#endif
