/*
 * Parsing the command line, the environment and the profile into cli_args, through the option
 * table (options.c); nothing but --help, --version and the like is acted upon here.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_support.h"
#include "completion.h"
#include "config.h"
#include "help.h"
#include "options.h"

#define usage(err, ...) custapi__error_set((err), CUSTAPI_CATEGORY_USAGE, NULL, __VA_ARGS__)

/* An option of the table given on the command line, with its value if it takes one. */
static int take_table_option(cli_args *a, size_t index, const char *spelled,
                             const char *inline_value, int argc, char **argv, int *i,
                             custapi_error *err) {
  const cli_option *o = cli_option_at(index);
  const char *value = NULL;
  if (o->metavar) {
    if (inline_value)
      value = inline_value;
    else if (*i + 1 < argc)
      value = argv[++*i];
    else
      return usage(err, "%s needs a value (%s)", spelled, o->metavar);
  } else if (inline_value) {
    return usage(err, "%s takes no value", spelled);
  }
  if (cli_option_apply(a, index, value, err) < 0) {
    cli_error_prefix(err, spelled);
    return -1;
  }
  return 0;
}

static int unknown_option(const char *arg, custapi_error *err) {
  char word[64];
  size_t n = strcspn(arg + 2, "=");
  snprintf(word, sizeof word, "%.*s", (int)(n < 63 ? n : 63), arg + 2);
  const char *suggestion = cli_option_suggest(word);
  if (suggestion)
    return usage(err, "unknown option %.*s; did you mean --%s?", (int)(n + 2 < 100 ? n + 2 : 100),
                 arg, suggestion);
  return usage(err, "unknown option %.100s (custapi --help lists them)", arg);
}

/* --name, --name=VALUE, --name VALUE, -x, -x VALUE. */
static int take_option(cli_args *a, int argc, char **argv, int *i, custapi_error *err) {
  const char *arg = argv[*i];
  size_t index;
  if (arg[1] != '-') {
    if (arg[2] != '\0' || !cli_option_find_short(arg[1], &index)) {
      const char *long_name = arg[2] == '\0' ? NULL : cli_option_suggest(arg + 1);
      if (long_name)
        return usage(err, "unknown option %.100s; did you mean --%s?", arg, long_name);
      return usage(err, "unknown option %.100s (custapi --help lists them)", arg);
    }
    return take_table_option(a, index, arg, NULL, argc, argv, i, err);
  }
  char name[64];
  const char *eq = strchr(arg, '=');
  size_t n = eq ? (size_t)(eq - arg) : strlen(arg);
  if (strncmp(arg, "--api-key", n) == 0 && n == 9)
    /* Refused on purpose, and without echoing the value: the command line is visible to
     * every user of the machine (ps, /proc). */
    return usage(err, "%s",
                 "the API key is never taken from the command line: use --api-key-file FILE, "
                 "CUSTAPI_API_KEY_FILE or CUSTAPI_API_KEY");
  if (n - 2 >= sizeof name)
    return unknown_option(arg, err);
  memcpy(name, arg + 2, n - 2);
  name[n - 2] = '\0';
  if (!cli_option_find(name, &index))
    return unknown_option(arg, err);
  char spelled[70];
  snprintf(spelled, sizeof spelled, "--%s", name);
  return take_table_option(a, index, spelled, eq ? eq + 1 : NULL, argc, argv, i, err);
}

/* The environment's form of the options not given on the command line. */
static int apply_environment(cli_args *a, custapi_error *err) {
  for (size_t i = 0; i < cli_option_count(); i++) {
    const cli_option *o = cli_option_at(i);
    if (!o->env || a->given[i])
      continue;
    const char *v = getenv(o->env);
    if (!v || !*v)
      continue;
    if (cli_option_apply(a, i, v, err) < 0) {
      cli_error_prefix(err, o->env);
      return -1;
    }
  }
  /* The key itself in the environment outranks a profile's key file (environment > profile). */
  size_t key_file;
  const char *key = getenv("CUSTAPI_API_KEY");
  if (key && *key && cli_option_find("api-key-file", &key_file))
    a->given[key_file] = 1;
  return 0;
}

/* The first word that is not an option: a command, or "help" followed by one. */
static int take_command(cli_args *a, const char *word, custapi_error *err) {
  if (!a->command && !a->help_word && strcmp(word, "help") == 0) {
    a->help_word = 1;
    a->help = 1;
    return 0;
  }
  if (cli_command_find(word)) {
    a->command = cli_command_find(word)->name;
    return 0;
  }
  const char *suggestion = cli_command_suggest(word);
  if (suggestion)
    return usage(err, "unknown command '%.100s'; did you mean '%s'?", word, suggestion);
  return usage(err, "unknown command '%.100s' (custapi --help lists them)", word);
}

static int option_given(const cli_args *a, const char *name) {
  size_t index;
  return cli_option_find(name, &index) && a->given[index];
}

/* --help, --version, --list-properties, --completion: answered once everything is read. */
static int answer_early(const cli_args *a) {
  if (a->help)
    cli_print_help(stdout, a->command);
  else if (a->version)
    printf("custapi %s\n", custapi_version());
  else if (a->completion)
    cli_print_completion(stdout, a->completion);
  else if (a->list_properties)
    cli_print_properties(stdout, a->output == CLI_OUTPUT_JSON && option_given(a, "output"));
  else
    return 0;
  return 1;
}

int cli_args_parse(cli_args *a, int argc, char **argv, custapi_error *err) {
  memset(a, 0, sizeof *a);
  a->retries = -1;
  a->mode = CUSTAPI_VALIDATE_PARTIAL;
  a->output = CLI_OUTPUT_JSON;
  a->props = custapi__calloc((size_t)(argc > 0 ? argc : 1), sizeof *a->props);
  if (!a->props)
    return custapi__error_oom(err), -1;
  int only_operands = 0;
  for (int i = 1; i < argc; i++) {
    const char *arg = argv[i];
    if (!only_operands && arg[0] == '-' && arg[1] != '\0') {
      if (strcmp(arg, "--") == 0)
        only_operands = 1;
      else if (take_option(a, argc, argv, &i, err) < 0)
        return -1;
      continue;
    }
    if (!a->command) {
      if (take_command(a, arg, err) < 0)
        return -1;
      continue;
    }
    if (!strchr(arg, '=')) {
      usage(err, "expected PROP=VALUE, got '%.100s'", arg);
      return -1;
    }
    a->props[a->prop_count++] = argv[i];
  }
  if (answer_early(a))
    return 1;
  if (!a->command) {
    usage(err, "%s",
          "no command given (update, get, validate, compare, bulk or probe; "
          "custapi --help)");
    return -1;
  }
  if (a->quiet && a->verbose) {
    usage(err, "%s", "-q (quiet) and -v (verbose) contradict each other: give one");
    return -1;
  }
  if (apply_environment(a, err) < 0 || cli_config_apply(a, err) < 0)
    return -1;
  return 0;
}

void cli_args_release(cli_args *a) {
  custapi__free(a->props);
  a->props = NULL;
  for (size_t i = 0; i < a->owned_count; i++)
    custapi__free(a->owned[i]);
  a->owned_count = 0;
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
