#ifndef CUSTAPI_CLI_HELP_H
#define CUSTAPI_CLI_HELP_H

#include <stdio.h>

/* The usage text, for one command or (NULL) for all. */
void cli_print_help(FILE *out, const char *command);

/* The property table with each rule and the allowed values of enumerations, from the schema. */
void cli_print_properties(FILE *out);

#endif
