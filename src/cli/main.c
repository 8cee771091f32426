/* custapi: the command. Parses, disables core dumps, runs one subcommand. */
#include <sys/resource.h>

#include "cli.h"
#include "cli_support.h"
#include "commands.h"
#include "options.h"
#include "output.h"

/* A core dump would hold the API key in plain text. */
static void disable_core_dumps(void) {
  struct rlimit none = {0, 0};
  setrlimit(RLIMIT_CORE, &none);
}

int main(int argc, char **argv) {
  disable_core_dumps();
  cli_args args;
  custapi_error err = {0};
  int rc = cli_args_parse(&args, argc, argv, &err);
  if (rc != 0) {
    cli_args_release(&args);
    return rc > 0 ? 0 : cli_fail(NULL, &err);
  }
  cli_set_quiet(args.quiet);
  /* The one table of commands (options.c): the parser, help and completions read it too. */
  const cli_command_info *command = cli_command_find(args.command);
  int exit_code = command && command->run ? command->run(&args) : -1;
  if (exit_code < 0) {
    custapi__error_set(&err, CUSTAPI_CATEGORY_USAGE, NULL, "'%s' is not available in this build",
                       args.command);
    exit_code = cli_fail(&args, &err);
  }
  cli_args_release(&args);
  if (cli_output_failed())
    return CUSTAPI_CATEGORY_INTERNAL; /* the printed answer is the internal error */
  return exit_code;
}
