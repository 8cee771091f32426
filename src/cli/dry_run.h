/*
 * --dry-run for every command: the exact requests (credentials redacted) on stdout, nothing
 * sent. The settings are checked as for a real run first (URL, username, key, TLS), so a dry
 * run also tells whether the real one could start.
 */
#ifndef CUSTAPI_CLI_DRY_RUN_H
#define CUSTAPI_CLI_DRY_RUN_H

#include "cli.h"

/* get: the read of `id`. */
int cli_dry_run_get(const cli_args *args, custapi_client *client, int32_t id);

/* probe: the one request each protocol's probe makes, each after a "# probe over P" line. */
int cli_dry_run_probe(const cli_args *args);

/* bulk: each record's update after a "# line N" line; an invalid record is told on stderr
 * as a real run would, and makes the exit code partial (10). */
int cli_dry_run_bulk(const cli_args *args, custapi_client *client);

#endif
