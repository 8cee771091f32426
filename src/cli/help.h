#ifndef CUSTAPI_CLI_HELP_H
#define CUSTAPI_CLI_HELP_H

#include <stdio.h>

/* The usage text, for one command (its synopsis and its options) or, for NULL, for all. */
void cli_print_help(FILE *out, const char *command);

/* The property table with each rule and the allowed values of enumerations, from the schema:
 * as text, or (json) as one JSON object for programs. */
void cli_print_properties(FILE *out, int json);

/* custapi --version: the command's version and those of the libraries it runs with. */
void cli_print_version(FILE *out);

#endif
