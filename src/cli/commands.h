/* The subcommands; each prints its own output and returns the exit code. */
#ifndef CUSTAPI_CLI_COMMANDS_H
#define CUSTAPI_CLI_COMMANDS_H

#include "cli.h"

int cli_cmd_validate(const cli_args *args);
int cli_cmd_update(const cli_args *args);
int cli_cmd_get(const cli_args *args);
int cli_cmd_compare(const cli_args *args);
int cli_cmd_probe(const cli_args *args);
int cli_cmd_bulk(const cli_args *args);
int cli_cmd_gateway(const cli_args *args);
int cli_cmd_config(const cli_args *args);
int cli_cmd_report(const cli_args *args);

#endif
