/* Parsing the command line and the environment into cli_args; nothing is acted upon here. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "cli.h"
#include "error.h"
#include "help.h"

/* If argv[*i] is `--name VALUE` or `--name=VALUE`, stores VALUE and returns 1. */
static int take_value(int argc, char **argv, int *i, const char *name, const char **out,
                      custapi_error *err, int *failed) {
  const char *arg = argv[*i];
  size_t n = strlen(name);
  if (strncmp(arg, name, n) != 0)
    return 0;
  if (arg[n] == '=') {
    *out = arg + n + 1;
    return 1;
  }
  if (arg[n] != '\0')
    return 0;
  if (*i + 1 >= argc) {
    custapi__error_set(err, CUSTAPI_CATEGORY_USAGE, NULL, "%s needs a value", name);
    *failed = 1;
    return 1;
  }
  *out = argv[++*i];
  return 1;
}

static int parse_long(const char *text, long min, long max, long *out) {
  char *end;
  errno = 0;
  long v = strtol(text, &end, 10);
  if (errno || end == text || *end != '\0' || v < min || v > max)
    return -1;
  *out = v;
  return 0;
}

/* Seconds, possibly fractional ("2.5"), into milliseconds. */
static int parse_seconds_ms(const char *text, long *out) {
  char *end;
  errno = 0;
  double s = strtod(text, &end);
  if (errno || end == text || *end != '\0' || !(s > 0) || s > 86400)
    return -1;
  *out = (long)(s * 1000 + 0.5);
  if (*out < 1)
    *out = 1;
  return 0;
}

static const char *const commands[] = {"update", "get",   "validate", "compare",
                                       "bulk",   "probe", "gateway",  NULL};

static int is_command(const char *word) {
  for (const char *const *c = commands; *c; c++)
    if (strcmp(*c, word) == 0)
      return 1;
  return 0;
}

/* Flags that take no value. Returns 1 if `arg` was one of them. */
static int take_flag(cli_args *a, const char *arg) {
  static const struct {
    const char *name;
    size_t offset;
  } flags[] = {
      {"--insecure", offsetof(cli_args, insecure)},
      {"--allow-plain-http", offsetof(cli_args, allow_plain_http)},
      {"--read-back", offsetof(cli_args, read_back)},
      {"--dry-run", offsetof(cli_args, dry_run)},
      {"--verbose", offsetof(cli_args, verbose)},
      {"-v", offsetof(cli_args, verbose)},
      {"--yes", offsetof(cli_args, yes)},
      {"--resume", offsetof(cli_args, resume)},
  };
  for (size_t k = 0; k < sizeof flags / sizeof flags[0]; k++) {
    if (strcmp(arg, flags[k].name) == 0) {
      *(int *)((char *)a + flags[k].offset) = 1;
      return 1;
    }
  }
  if (strcmp(arg, "--partial") == 0)
    a->mode = CUSTAPI_VALIDATE_PARTIAL;
  else if (strcmp(arg, "--strict") == 0)
    a->mode = CUSTAPI_VALIDATE_STRICT;
  else if (strcmp(arg, "--fill-required") == 0)
    a->mode = CUSTAPI_VALIDATE_FILL_REQUIRED;
  else if (strcmp(arg, "--lenient") == 0)
    a->validate_flags |= CUSTAPI_VALIDATE_LENIENT;
  else if (strcmp(arg, "--allow-unknown") == 0)
    a->customer_flags |= CUSTAPI_CUSTOMER_ALLOW_UNKNOWN;
  else if (strcmp(arg, "--ignore-read-only") == 0)
    a->customer_flags |= CUSTAPI_CUSTOMER_IGNORE_READ_ONLY;
  else
    return 0;
  return 1;
}

#define usage(err, ...) custapi__error_set((err), CUSTAPI_CATEGORY_USAGE, NULL, __VA_ARGS__)

/* Options with a value. Returns 1 if taken, 0 if not one of them, -1 on a usage error. */
static int take_option(cli_args *a, int argc, char **argv, int *i, custapi_error *err) {
  int failed = 0;
  const char *v = NULL;
  int gateway = cli_gateway_take_option(a, argc, argv, i, err);
  if (gateway != 0)
    return gateway;
#define VALUE(name) take_value(argc, argv, i, name, &v, err, &failed)
  if (VALUE("--url"))
    a->url = v;
  else if (VALUE("--protocol"))
    a->protocol = v;
  else if (VALUE("--username"))
    a->username = v;
  else if (VALUE("--api-key-file"))
    a->api_key_file = v;
  else if (VALUE("--xmlrpc-prefix"))
    a->xmlrpc_prefix = v;
  else if (VALUE("--cacert"))
    a->cacert = v;
  else if (VALUE("--proxy"))
    a->proxy = v;
  else if (VALUE("--id"))
    a->id = v;
  else if (VALUE("--json"))
    a->json_path = v;
  else if (VALUE("--input"))
    a->input = v;
  else if (VALUE("--results"))
    a->results = v;
  else if (VALUE("--format"))
    a->format = v;
  else if (VALUE("--timeout")) {
    if (failed)
      return -1;
    if (parse_seconds_ms(v, &a->timeout_ms) < 0)
      return usage(err, "--timeout: not a number of seconds > 0: %s", v), -1;
  } else if (VALUE("--retries")) {
    long n;
    if (failed)
      return -1;
    if (parse_long(v, 0, 100, &n) < 0)
      return usage(err, "--retries: not a whole number from 0 to 100: %s", v), -1;
    a->retries = (int)n;
  } else if (VALUE("--concurrency")) {
    long n;
    if (failed)
      return -1;
    if (parse_long(v, 1, 256, &n) < 0)
      return usage(err, "--concurrency: not a whole number from 1 to 256: %s", v), -1;
    a->concurrency = (int)n;
  } else if (VALUE("--output")) {
    if (failed)
      return -1;
    if (strcmp(v, "json") == 0)
      a->output = CLI_OUTPUT_JSON;
    else if (strcmp(v, "text") == 0)
      a->output = CLI_OUTPUT_TEXT;
    else
      return usage(err, "--output: must be json or text, not %s", v), -1;
  } else if (strncmp(argv[*i], "--api-key=", 10) == 0 || strcmp(argv[*i], "--api-key") == 0) {
    /* Refused on purpose, and without echoing the value: the command line is visible to
     * every user of the machine (ps, /proc). */
    return usage(err, "%s",
                 "the API key is never taken from the command line: use --api-key-file FILE "
                 "or CUSTAPI_API_KEY"),
           -1;
  } else {
    return 0;
  }
#undef VALUE
  return failed ? -1 : 1;
}

static void apply_environment(cli_args *a) {
  if (!a->url)
    a->url = getenv("CUSTAPI_URL");
  if (!a->protocol)
    a->protocol = getenv("CUSTAPI_PROTOCOL");
  if (!a->username)
    a->username = getenv("CUSTAPI_USERNAME");
}

int cli_args_parse(cli_args *a, int argc, char **argv, custapi_error *err) {
  memset(a, 0, sizeof *a);
  a->retries = -1;
  a->mode = CUSTAPI_VALIDATE_PARTIAL;
  a->output = CLI_OUTPUT_JSON;
  a->props = custapi__calloc((size_t)(argc > 0 ? argc : 1), sizeof *a->props);
  if (!a->props)
    return custapi__error_oom(err), -1;
  int only_operands = 0, help = 0;
  for (int i = 1; i < argc; i++) {
    const char *arg = argv[i];
    if (!only_operands && arg[0] == '-' && arg[1] != '\0') {
      if (strcmp(arg, "--") == 0) {
        only_operands = 1;
        continue;
      }
      if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
        help = 1;
        continue;
      }
      if (strcmp(arg, "--version") == 0) {
        printf("custapi %s\n", custapi_version());
        return 1;
      }
      if (strcmp(arg, "--list-properties") == 0) {
        cli_print_properties(stdout);
        return 1;
      }
      if (take_flag(a, arg))
        continue;
      int rc = take_option(a, argc, argv, &i, err);
      if (rc < 0)
        return -1;
      if (rc == 0) {
        usage(err, "unknown option %s (custapi --help lists them)", arg);
        return -1;
      }
      continue;
    }
    if (!a->command) {
      if (!is_command(arg)) {
        usage(err, "unknown command '%s' (custapi --help lists them)", arg);
        return -1;
      }
      a->command = arg;
      continue;
    }
    if (!strchr(arg, '=')) {
      usage(err, "expected PROP=VALUE, got '%s'", arg);
      return -1;
    }
    a->props[a->prop_count++] = argv[i];
  }
  if (help) {
    cli_print_help(stdout, a->command);
    return 1;
  }
  if (!a->command) {
    usage(err, "%s", "no command given (update, get, validate, compare, bulk or probe)");
    return -1;
  }
  apply_environment(a);
  return 0;
}

void cli_args_release(cli_args *a) {
  custapi__free(a->props);
  a->props = NULL;
}

int cli_read_file(char **out, size_t *len, const char *path, size_t max, custapi_error *err) {
  *out = NULL;
  FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
  if (!f)
    return custapi__error_set(err, CUSTAPI_CATEGORY_USAGE, NULL, "can't open %s: %s", path,
                              strerror(errno));
  size_t size = 0, capacity = 4096;
  char *buf = custapi__malloc(capacity);
  int rc = 0;
  while (buf) {
    if (size + 1 >= capacity) {
      if (capacity > max) {
        rc = custapi__error_set(err, CUSTAPI_CATEGORY_USAGE, NULL, "%s: larger than %zu bytes",
                                path, max);
        break;
      }
      char *grown = custapi__realloc(buf, capacity * 2);
      if (!grown) {
        custapi__free(buf);
        buf = NULL;
        break;
      }
      buf = grown;
      capacity *= 2;
    }
    size_t n = fread(buf + size, 1, capacity - size - 1, f);
    size += n;
    if (n == 0) {
      if (ferror(f))
        rc = custapi__error_set(err, CUSTAPI_CATEGORY_USAGE, NULL, "can't read %s: %s", path,
                                strerror(errno));
      break;
    }
  }
  if (f != stdin)
    fclose(f);
  if (!buf)
    return custapi__error_oom(err);
  if (rc == 0 && size > max)
    rc = custapi__error_set(err, CUSTAPI_CATEGORY_USAGE, NULL, "%s: larger than %zu bytes", path,
                            max);
  if (rc < 0) {
    custapi__free(buf);
    return rc;
  }
  buf[size] = '\0';
  *out = buf;
  *len = size;
  return 0;
}

/* Largest --json document: far above any real update, small enough to refuse a wrong file. */
#define JSON_INPUT_MAX (1024 * 1024)

int cli_customer_from_args(custapi_customer **out, const cli_args *a, custapi_error *err) {
  custapi_customer *c;
  if (custapi_customer_new(&c, a->customer_flags) < 0)
    return custapi__error_oom(err);
  int rc = 0;
  if (a->json_path) {
    char *text;
    size_t len;
    rc = cli_read_file(&text, &len, a->json_path, JSON_INPUT_MAX, err);
    if (rc == 0) {
      rc = custapi_customer_set_json(c, text, len, err);
      custapi__free(text);
    }
  }
  for (size_t i = 0; rc == 0 && i < a->prop_count; i++) {
    char *eq = strchr(a->props[i], '=');
    char name[128];
    size_t n = (size_t)(eq - a->props[i]);
    if (n >= sizeof name) {
      rc = custapi__error_set(err, CUSTAPI_CATEGORY_INVALID, NULL,
                              "property name too long: %.40s...", a->props[i]);
      break;
    }
    memcpy(name, a->props[i], n);
    name[n] = '\0';
    rc = custapi_customer_set(c, name, eq + 1, err);
  }
  if (rc < 0) {
    custapi_customer_free(c);
    return rc;
  }
  *out = c;
  return 0;
}
