/* What the command prints: one JSON object on stdout, one line on stderr for a failure. */
#ifndef CUSTAPI_CLI_OUTPUT_H
#define CUSTAPI_CLI_OUTPUT_H

#include <json-c/json.h>

#include "cli.h"

/*
 * Prints `obj` as one line of JSON (`/` not escaped) on stdout and releases it. NULL (memory
 * ran out while building it), or json-c failing to render it, prints the internal error
 * instead, on stdout and as the one line on stderr, and returns -1; else 0.
 */
int cli_print_json(json_object *obj);
/* Whether an answer was replaced by the internal error since the last call (which clears it):
 * the command then exits 11, whatever it meant to. */
int cli_output_failed(void);

/* -q: warnings and notes are not printed; only the error that ends the command is. */
void cli_set_quiet(int quiet);
int cli_quiet(void);

/* {"category":..., "message":..., "http_status":..., "fault_code":..., "property":...} */
json_object *cli_error_object(const custapi_error *err);

/* Adds a customer's properties to `obj` under `key` as a JSON object. 0 or -1 (out of memory). */
int cli_add_customer(json_object *obj, const char *key, const custapi_customer *customer);

/* Prints a customer as "name: value" lines, for --output text. */
void cli_print_customer_text(const custapi_customer *customer);

#endif
