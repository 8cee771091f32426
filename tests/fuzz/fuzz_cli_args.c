/* The command-line parser: NUL-separated words as argv; it must parse or refuse, never crash. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > 4096)
    return 0;
  char *copy = malloc(size + 1);
  if (!copy)
    return 0;
  memcpy(copy, data, size);
  copy[size] = '\0';
  char *argv[66];
  int argc = 0;
  argv[argc++] = "custapi";
  for (size_t i = 0; i < size && argc < 64;) {
    argv[argc++] = copy + i;
    i += strlen(copy + i) + 1;
  }
  argv[argc] = NULL;
  /* --help (and the word help), --version, --list-properties and --completion print, and --json
   * reads files or stdin: skip inputs that use them (the word may be an option's value too: the
   * check is conservative). */
  for (int i = 1; i < argc; i++)
    if (strncmp(argv[i], "--h", 3) == 0 || strncmp(argv[i], "--v", 3) == 0 ||
        strncmp(argv[i], "--l", 3) == 0 || strcmp(argv[i], "-h") == 0 ||
        strncmp(argv[i], "--j", 3) == 0 || strncmp(argv[i], "--com", 5) == 0 ||
        strcmp(argv[i], "help") == 0) {
      free(copy);
      return 0;
    }
  cli_args args;
  custapi_error err;
  int rc = cli_args_parse(&args, argc, argv, &err);
  if (rc < 0 && err.category != CUSTAPI_CATEGORY_USAGE && err.category != CUSTAPI_CATEGORY_INTERNAL)
    abort();
  if (rc == 0) {
    custapi_customer *c;
    if (cli_customer_from_args(&c, &args, &err) == 0)
      custapi_customer_free(c);
  }
  cli_args_release(&args);
  free(copy);
  return 0;
}
