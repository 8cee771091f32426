/* Runs the custapi command as a user would, for tests: argv, environment, stdin in; exit code,
 * stdout and stderr out. */
#ifndef CUSTAPI_TEST_RUN_H
#define CUSTAPI_TEST_RUN_H

#include <stddef.h>

typedef struct run_result {
  int exit_code;   /* the exit status, or 128 + signal */
  char *out;       /* all of stdout, NUL-terminated */
  char *err;       /* all of stderr */
} run_result;

/*
 * Runs `program` (a path) with `argv` (NULL-terminated, argv[0] included), the current
 * environment plus `env` (NULL-terminated "NAME=VALUE" entries that are set, or "NAME" that is
 * unset; may be NULL), and `input` on stdin (NULL: empty). Returns 0, or -1 if it could not run.
 */
int run_program(run_result *out, const char *program, const char *const *argv,
                const char *const *env, const char *input);

/* The custapi binary, from the environment variable CUSTAPI_BIN that meson sets. */
const char *run_custapi_path(void);

/* run_program on custapi: `args` does not include argv[0]. */
int run_custapi(run_result *out, const char *const *args, const char *const *env,
                const char *input);

void run_result_free(run_result *result);

#endif
