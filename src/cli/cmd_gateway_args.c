/* The gateway's own options, taken while the command line is parsed (args.c asks here first). */
#include <string.h>

#include "cli.h"
#include "error.h"

/* `--name VALUE` or `--name=VALUE`: 1 and *out; 0 if not this option; -1 when VALUE is missing. */
static int value_of(const char **out, int argc, char **argv, int *i, const char *name,
                    custapi_error *err) {
  const char *arg = argv[*i];
  size_t n = strlen(name);
  if (strncmp(arg, name, n) != 0 || (arg[n] != '\0' && arg[n] != '='))
    return 0;
  if (arg[n] == '=') {
    *out = arg + n + 1;
    return 1;
  }
  if (*i + 1 >= argc)
    return custapi__error_set(err, CUSTAPI_CATEGORY_USAGE, NULL, "%s needs a value", name), -1;
  *out = argv[++*i];
  return 1;
}

int cli_gateway_take_option(cli_args *a, int argc, char **argv, int *i, custapi_error *err) {
  struct cli_gateway_args *g = &a->gateway;
  if (strcmp(argv[*i], "--shadow") == 0)
    return g->shadow = 1;
  if (strcmp(argv[*i], "--allow-remote") == 0)
    return g->allow_remote = 1;
  const struct {
    const char *name;
    const char **slot;
  } options[] = {
      {"--listen", &g->listen},
      {"--port-file", &g->port_file},
      {"--upstream", &g->upstream},
      {"--record", &g->record},
      {"--report", &g->report},
      {"--tls-cert", &g->tls_cert},
      {"--tls-key", &g->tls_key},
      {"--max-connections", &g->max_connections},
      {"--caller-timeout", &g->caller_timeout},
      {"--max-body", &g->max_body},
  };
  for (size_t k = 0; k < sizeof options / sizeof options[0]; k++) {
    int rc = value_of(options[k].slot, argc, argv, i, options[k].name, err);
    if (rc != 0)
      return rc;
  }
  return 0;
}
