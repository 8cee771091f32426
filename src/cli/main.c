/* custapi: the command. Parses, disables core dumps, runs one subcommand. */
#include <string.h>
#include <sys/resource.h>

#include "cli.h"
#include "cli_support.h"
#include "commands.h"
#include "output.h"

static const struct {
  const char *name;
  cli_command_fn run;
} command_table[] = {
    {"validate", cli_cmd_validate},
    {"update", cli_cmd_update},
    {"get", cli_cmd_get},
    {"compare", cli_cmd_compare},
    {"probe", cli_cmd_probe},
    {"bulk", cli_cmd_bulk},
    {"gateway", cli_cmd_gateway},
};

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
  int exit_code = -1;
  for (size_t i = 0; i < sizeof command_table / sizeof command_table[0]; i++)
    if (strcmp(command_table[i].name, args.command) == 0)
      exit_code = command_table[i].run(&args);
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
