/* Shell completions, written from the same option table as the help (hidden --completion). */
#ifndef CUSTAPI_CLI_COMPLETION_H
#define CUSTAPI_CLI_COMPLETION_H

#include <stdio.h>

/* The completion script for `shell` ("bash" or "zsh"). */
void cli_print_completion(FILE *out, const char *shell);

#endif
