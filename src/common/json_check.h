/*
 * A strict JSON checker (RFC 8259) that allocates nothing. json-c accepts what the RFC does not
 * (single-quoted strings, NaN and Infinity, "1.", raw control characters in strings, even with
 * JSON_TOKENER_STRICT), so every JSON we read is checked here first; and bulk, which needs only
 * to know that a REST answer is a well-formed envelope, checks it here without building it.
 */
#ifndef CUSTAPI_JSON_CHECK_H
#define CUSTAPI_JSON_CHECK_H

#include <stddef.h>

/* The deepest nesting accepted: the checker, and every json-c tokener (json_tokener_new_ex). */
#define CUSTAPI_JSON_MAX_DEPTH 32
/*
 * The most values (members' values, items, and the top value) accepted: far above any customer
 * or envelope, low enough that json-c's tree of a 1 MiB text stays small (an empty object costs
 * it about 800 bytes, so 1 MiB of "{}," would take 275 MB).
 */
#define CUSTAPI_JSON_MAX_VALUES 10000

typedef struct custapi_json_check {
  size_t offset;       /* where the first problem is */
  const char *problem; /* what it is, e.g. "a string is not closed" (static) */
  char top;            /* the top-level value's kind: '{', '[', '"', '0' (number), 't', 'f', 'n' */
  int member_is_object; /* with a watched member: 1 when its last occurrence is an object */
  int member_seen;
  char key[64]; /* the name of the innermost member holding the problem, as written (escapes
                   kept, cut), or "" */
  size_t members; /* name:value pairs in all objects (duplicates counted each time) */
} custapi_json_check;

/*
 * 0 when text[0..len) is exactly one JSON value with only white space around it, strings of
 * valid UTF-8 (escapes decoded: \uXXXX may name a lone surrogate, as json-c allows), at most
 * CUSTAPI_JSON_MAX_DEPTH levels deep, at most CUSTAPI_JSON_MAX_VALUES values, integers (no
 * fraction, no exponent) within signed 64 bits; else -1 with out->offset, out->problem and
 * out->key. When `member` is not NULL and the value is an object, out->member_seen /
 * member_is_object tell about its top-level member of that name (the last one, as json-c keeps
 * the last).
 */
int custapi__json_check(custapi_json_check *out, const char *text, size_t len,
                        const char *member);

/*
 * The two passes custapi__json_check makes, for tests and fuzzers: the quick one (json_fast.c)
 * returns 1 when it accepts the text, with `out` filled as the full one fills it, and 0 when it
 * declines (an unusual text, or a fault: the full one then decides and words it); the full one
 * is custapi__json_check without the quick pass.
 */
int custapi__json_check_fast(custapi_json_check *out, const char *text, size_t len,
                             const char *member);
int custapi__json_check_full(custapi_json_check *out, const char *text, size_t len,
                             const char *member);

#endif
