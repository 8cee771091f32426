/* From the command line to a client: options, the key, the trace. */
#ifndef CUSTAPI_CLI_CONNECT_H
#define CUSTAPI_CLI_CONNECT_H

#include "cli.h"

/*
 * Reads the API key: from --api-key-file (warning on stderr when the file is readable by group
 * or others; one trailing newline stripped; an empty key refused) or else CUSTAPI_API_KEY.
 * *out is a copy the caller wipes and frees with cli_key_free.
 */
int cli_read_api_key(char **out, const cli_args *args, custapi_error *err);
void cli_key_free(char *key);

/* The client's options from `args` (protocol aside): URL, XML-RPC prefix, timeouts, retries,
 * TLS, proxy, plain http, validation flags, the warnings and -v's trace. No credentials. */
void cli_options_from_args(custapi_options *o, const cli_args *args);

/*
 * custapi_global_init, then a client built from `args` (protocol, URL, username, the key,
 * timeouts, retries, TLS, proxy, validation flags; -v installs the stderr trace). Pair with
 * cli_disconnect.
 */
int cli_connect(custapi_client **out, const cli_args *args, custapi_error *err);
void cli_disconnect(custapi_client *client);

/* cli_connect with the protocol set to `protocol` ("rest" or "xmlrpc"), whatever args say:
 * for the commands that use both (probe, compare). */
int cli_connect_as(custapi_client **out, const cli_args *args, const char *protocol,
                   custapi_error *err);

/* Parses --id into *out; a usage error when it is missing. */
int cli_require_id(int32_t *out, const cli_args *args, custapi_error *err);

/* The -v trace: each line on stderr, prefixed "* " (info), "> " (request), "< " (response). */
void cli_trace_stderr(custapi_trace_kind kind, const char *text, size_t len, void *payload);

/*
 * The noise set of --ignore (each value may list several names: a,b), for compare and the
 * gateway's --shadow; a name that is not one is a usage error naming --ignore.
 */
int cli_noise_from_args(custapi_noise **out, const cli_args *args, custapi_error *err);

#endif
