/* `custapi get`'s answer taken back as input (--json): the round trip get -> update. */
#ifndef CUSTAPI_CLI_GET_ANSWER_H
#define CUSTAPI_CLI_GET_ANSWER_H

#include <stddef.h>

#include "custapi/custapi.h"

/*
 * `text` (len bytes, NUL-terminated, read from `source`): is it what `custapi get` prints?
 * 1: yes, and the customer object's own text is text[*start, *end); 0: no (a bare object, or
 * not JSON at all, left to the library's checks); -1: a get answer that can't be taken back
 * (one that failed, or for another id than `id`, the --id given, or NULL), a usage error.
 */
int cli_get_answer_customer(const char *text, size_t len, const char *source, const char *id,
                            size_t *start, size_t *end, custapi_error *err);

#endif
