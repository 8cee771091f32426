/* "Did you mean": the closest of a set of known names to a word that matched none of them. */
#ifndef CUSTAPI_SUGGEST_H
#define CUSTAPI_SUGGEST_H

#include <stddef.h>

/* The i-th known name (i < count), or NULL to leave position i out. */
typedef const char *(*custapi_name_at_fn)(size_t index, const void *context);

/*
 * The known name closest to `word` (case-insensitive edit distance, adjacent swaps counting as
 * one edit), or NULL when none is close enough to be a typo: a third of the word's length, at
 * least 2 edits. One helper for property names, options, commands and profile keys.
 */
const char *custapi__suggest(const char *word, custapi_name_at_fn name_at, size_t count,
                             const void *context);

#endif
