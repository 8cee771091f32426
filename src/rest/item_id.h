/*
 * The id of an answer's item, read without building it: bulk checks REST answers with the
 * strict scanner alone (no json-c tree, no customer), yet an answer about another customer must
 * fail there as it fails everywhere (custapi__decode_update).
 */
#ifndef CUSTAPI_REST_ITEM_ID_H
#define CUSTAPI_REST_ITEM_ID_H

#include <stddef.h>
#include <stdint.h>

/*
 * In `text`, one JSON value that custapi__json_check has accepted: the value of the member
 * "id" of the top-level member "item" (the last of each, as json-c keeps the last). 1 with *id
 * when it is a plain integer; 0 when the item has no "id"; -1 when the text is not so plain
 * (an escaped name on the way, an id that is a string or a fraction): decode it in full then.
 */
int custapi__rest_item_id(int64_t *id, const char *text, size_t len);

#endif
