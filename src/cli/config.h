/* Profiles: the config file's sections of long option names (docs/custapi.1, FILES). */
#ifndef CUSTAPI_CLI_CONFIG_H
#define CUSTAPI_CLI_CONFIG_H

#include <stddef.h>

#include "cli.h"

/*
 * The config file's path: $CUSTAPI_CONFIG, else $XDG_CONFIG_HOME/custapi/config, else
 * ~/.config/custapi/config. *named is 1 when $CUSTAPI_CONFIG chose it (it must then exist).
 * 0, or -1 when there is no HOME to find it in (then no file is read).
 */
int cli_config_path(char *out, size_t size, int *named);

/*
 * Reads the profile (args->profile, else [default]) and fills the options that neither the
 * command line nor the environment gave, each through the same check as on the command line.
 * A missing default file is no profile; an unknown profile or key, an API key in the file, a
 * bad value or a line inih can't read is a usage error naming it (with the file and line).
 */
int cli_config_apply(cli_args *args, custapi_error *err);

#endif
