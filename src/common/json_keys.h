/*
 * Repeated member names. json-c keeps the last of two members with one name, so
 * {"id":1,"id":2} reads as customer 2 and nothing says the line was ambiguous. Records,
 * customers given as JSON (update --json, the gateway's REST bodies) and results lines are
 * refused instead when a name repeats at the top level.
 */
#ifndef CUSTAPI_JSON_KEYS_H
#define CUSTAPI_JSON_KEYS_H

#include <json-c/json.h>
#include <stddef.h>

#include "custapi/custapi.h"

/*
 * `obj` is what json-c made of `text` (len bytes, one JSON object that custapi__json_check
 * accepted). Returns 0 when every top-level member name of the text is different, 1 when one
 * repeats (its name, decoded and quoted for a message, in `name`), -1 when memory ran out
 * while looking for it. Costs one pass over the text without allocating when nothing repeats.
 */
int custapi__json_repeated_key(json_object *obj, const char *text, size_t len, char *name,
                               size_t size);

/* The refusal of input with a repeated name: 0, CUSTAPI_EINVALID naming the name ("the key
 * \"id\" appears more than once ..."), or CUSTAPI_EINTERNAL when memory ran out. */
int custapi__json_refuse_repeated(json_object *obj, const char *text, size_t len,
                                  custapi_error *err);

#endif
