/* What the command prints: one JSON object on stdout, one line on stderr for a failure. */
#ifndef CUSTAPI_CLI_OUTPUT_H
#define CUSTAPI_CLI_OUTPUT_H

#include <json-c/json.h>

#include "cli.h"
#include "cli_support.h"

/*
 * Prints `obj` as one line of JSON (`/` not escaped, valid UTF-8 whatever its strings held:
 * custapi__text_json_clean) on stdout and releases it. NULL (memory ran out while building it), or
 * json-c failing to render it, prints the internal error instead, on stdout and as the one line
 * on stderr, and returns -1; else 0.
 */
int cli_print_json(json_object *obj);

/*
 * Flushes stdout; true when an answer could not be built or written (a full disk, a closed
 * pipe) since the last call (which clears it), which has then been said on stderr with the
 * reason. The command exits 11 then.
 */
int cli_output_failed(void);

/*
 * One line on stderr, "custapi: " and the formatted text, with control characters and bytes
 * that are not UTF-8 escaped (custapi__text_put_visible): messages quote what servers and command lines
 * held. Every error and warning line of the command goes through here.
 */
void cli_say(const char *fmt, ...) CUSTAPI_PRINTF(1, 2);

/* The same on stdout without the prefix: a line of --output text that quotes what a server
 * sent. */
void cli_text_line(const char *fmt, ...) CUSTAPI_PRINTF(1, 2);

/* -q: warnings and notes are not printed; only the error that ends the command is. */
void cli_set_quiet(int quiet);
int cli_quiet(void);

/*
 * The JSON text a library call made (`rc` its status, `text` its string, released here; call
 * first, then pass both: the order arguments are evaluated in is not fixed) as a
 * json-c object to put in an answer; NULL when the call or the parse failed (out of memory).
 * The library renders its objects (custapi_*_to_json); the command only assembles answers.
 */
json_object *cli_json_of(int rc, char *text);

/* {"category":..., "message":..., "http_status":..., "fault_code":..., "property":...} */
json_object *cli_error_object(const custapi_error *err);

/* Adds a customer's properties to `obj` under `key` as a JSON object. 0 or -1 (out of memory). */
int cli_add_customer(json_object *obj, const char *key, const custapi_customer *customer);

/* Prints a customer as "name: value" lines, for --output text. */
void cli_print_customer_text(const custapi_customer *customer);

#endif
