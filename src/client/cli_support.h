/*
 * The one internal header the command (src/cli) includes. The command is a client of its own
 * library: every feature it uses (records, bulk's input and results files, --resume, the JSON
 * of errors, customers, outcomes and comparisons) is public API in custapi/custapi.h, as it is
 * for any program. What it shares beyond that are a few small utilities that must be the
 * library's own rather than copies:
 *
 *  - the allocation hooks (alloc.h): the out-of-memory suite makes the n-th allocation fail,
 *    and the command allocating through the same hook lets it fail the command's allocations
 *    too, and check that each failure ends in a clean `internal`;
 *  - error construction into a custapi_error (error.h): fixed buffers, never an allocation;
 *  - the json-c building helpers that survive json-c's own allocation failures (json_build.h),
 *    and the JSON limits (json_check.h), so what the command parses itself (get's answer taken
 *    back by --json) is read as deep as the library reads and no deeper;
 *  - the escaping of text for a terminal and for JSON output (text.h), and "did you mean"
 *    suggestions (suggest.h), so the command says things as the library does;
 *  - the monotonic clock the library times its calls with;
 *  - the strict JSON checker (json_check.h), so that custapi report refuses what every other
 *    reader of JSON refuses (json-c alone accepts NaN, "1." and single quotes).
 *  - the words for a file that is not a regular one (file_kind.h), shared with the gateway,
 *    and the opening of a file that must be one (regular_file.h: the config file, the key
 *    file), refusing a FIFO before anything waits on it;
 *  - the key file's reading from a descriptor (key_file.h), for --api-key-file - (standard
 *    input): a path goes through the public custapi_key_file_read.
 *
 * tests/cli/cli_layer.sh fails when src/cli reaches a custapi__ name that is not declared here
 * or in a header included here, or includes another internal header.
 */
#ifndef CUSTAPI_CLI_SUPPORT_H
#define CUSTAPI_CLI_SUPPORT_H

#include <stdint.h>

#include "alloc.h"
#include "error.h"
#include "file_kind.h"
#include "json_build.h"
#include "json_check.h"
#include "key_file.h"
#include "regular_file.h"
#include "suggest.h"
#include "text.h"

/* Milliseconds of a monotonic clock (the library's, src/client/transport_global.c). */
uint64_t custapi__now_ms(void);

#endif
