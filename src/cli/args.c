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
#include "get_answer.h"
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
  if (cli_option_apply(a, index, value, CLI_FROM_COMMAND_LINE, err) < 0) {
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

/*
 * -x, -x VALUE, and short flags together (-vq), as getopt takes them. A word that is no run of
 * short options but a long name with one dash (-id) is told its two dashes.
 */
static int take_short_options(cli_args *a, int argc, char **argv, int *i, custapi_error *err) {
  const char *arg = argv[*i];
  size_t index;
  for (const char *p = arg + 1; *p; p++) {
    char spelled[3] = {'-', *p, '\0'};
    const cli_option *o = cli_option_find_short(*p, &index);
    if (!o || (o->metavar && p[1] != '\0')) {
      /* -verbose, -idd: a long name with one dash; -vx: a run of short options, one unknown
       * (too short a word for a suggestion to be more than a guess) */
      const char *long_name =
          arg[2] == '\0' || (p > arg + 1 && strlen(arg) < 5) ? NULL : cli_option_suggest(arg + 1);
      if (long_name)
        return usage(err, "unknown option %.100s; did you mean --%s?", arg, long_name);
      if (!o && arg[2] != '\0')
        return usage(err, "unknown option %s in %.100s (custapi --help lists them)", spelled, arg);
      if (!o)
        return usage(err, "unknown option %.100s (custapi --help lists them)", arg);
      return usage(err, "%s takes a value (%s): give it last in %.100s, or on its own", spelled,
                   o->metavar, arg);
    }
    if (take_table_option(a, index, spelled, NULL, argc, argv, i, err) < 0)
      return -1;
  }
  return 0;
}

/* --name, --name=VALUE, --name VALUE, -x, -x VALUE, -xy. */
static int take_option(cli_args *a, int argc, char **argv, int *i, custapi_error *err) {
  const char *arg = argv[*i];
  size_t index;
  if (arg[1] != '-')
    return take_short_options(a, argc, argv, i, err);
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
    if (cli_option_apply(a, i, v, CLI_FROM_ENVIRONMENT, err) < 0) {
      cli_error_prefix(err, o->env);
      return -1;
    }
  }
  /* The key itself in the environment outranks a profile's key file (environment > profile). */
  size_t key_file;
  const char *key = getenv("CUSTAPI_API_KEY");
  if (key && *key && cli_option_find("api-key-file", &key_file))
    a->given[key_file] = CLI_FROM_ENVIRONMENT;
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

/* A word after the command that is not PROP=VALUE: what to write instead. */
static int stray_word(const cli_args *a, const char *word, custapi_error *err) {
  const cli_command_info *c = cli_command_find(a->command);
  int digits = *word && strspn(word, "0123456789") == strlen(word);
  if (digits && (c->bit & (CMD_UPDATE | CMD_GET | CMD_COMPARE)))
    return usage(err, "%s: '%.20s' is not an operand; the customer's id is given as --id %.20s",
                 c->name, word, word);
  if (c->bit & (CMD_UPDATE | CMD_VALIDATE | CMD_COMPARE))
    return usage(err,
                 "%s: expected PROP=VALUE, got '%.100s' (custapi --list-properties names the "
                 "properties)",
                 c->name, word);
  return usage(err, "%s takes no operands, got '%.100s' (custapi help %s lists its options)",
               c->name, word, c->name);
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
    cli_print_version(stdout);
  else if (a->completion)
    cli_print_completion(stdout, a->completion);
  else if (a->list_properties)
    cli_print_properties(stdout, a->output == CLI_OUTPUT_JSON && option_given(a, "output"));
  else
    return 0;
  return 1;
}

/* "no command given", naming every command of the table, and help. */
static int no_command(custapi_error *err) {
  char names[256];
  size_t n = 0;
  for (size_t i = 0; i < cli_command_count() && n < sizeof names; i++)
    n += (size_t)snprintf(names + n, sizeof names - n, "%s, ", cli_command_at(i)->name);
  return usage(err,
               "no command given: one of %.200shelp (custapi help COMMAND: that command's "
               "options; custapi --help: all of them)",
               names);
}

/* An option given on the command line that the command has no use for is refused, naming the
 * command: `get --strict` would otherwise look as if it checked something. The environment's
 * and a profile's settings serve several commands, and are only left unused. */
static int refuse_foreign_options(const cli_args *a, custapi_error *err) {
  const cli_command_info *c = cli_command_find(a->command);
  for (size_t i = 0; i < cli_option_count(); i++) {
    const cli_option *o = cli_option_at(i);
    /* a validation mode a validating command does not support is refused by the library's
     * one check (custapi_validate_mode_as_given), which says why */
    int mode_checked = o->group == GROUP_VALIDATION && (c->bit & (CMD_VALIDATING | CMD_GATEWAY));
    if (a->given[i] == CLI_FROM_COMMAND_LINE && !mode_checked && !cli_option_applies(o, c->bit))
      return usage(err, "--%s does not apply to %s (custapi help %s lists its options)", o->name,
                   c->name, c->name);
  }
  return 0;
}

/* -q and -v from different sources: the nearer source wins (a profile's quiet = yes does not
 * stop -v); from the same one they contradict. */
static int one_of_quiet_verbose(cli_args *a, custapi_error *err) {
  size_t q, v;
  if (!a->quiet || !a->verbose || !cli_option_find("quiet", &q) || !cli_option_find("verbose", &v))
    return 0;
  if (a->given[q] == a->given[v])
    return usage(err, "quiet and verbose are both set, by %s: give one",
                 a->given[q] == CLI_FROM_ENVIRONMENT ? "the environment" : "the profile");
  if (a->given[q] < a->given[v])
    a->verbose = 0;
  else
    a->quiet = 0;
  return 0;
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
    if (!strchr(arg, '=') && strcmp(a->command, "config") != 0 &&
        cli_command_find(a->command)->bit != CMD_REPORT) {
      stray_word(a, arg, err);
      return -1;
    }
    a->props[a->prop_count++] = argv[i];
  }
  if (answer_early(a))
    return 1;
  if (!a->command) {
    no_command(err);
    return -1;
  }
  if (refuse_foreign_options(a, err) < 0)
    return -1;
  if (a->quiet && a->verbose) {
    usage(err, "%s", "-q (quiet) and -v (verbose) contradict each other: give one");
    return -1;
  }
  /* config path reads no file: it is what to look at when the file is wrong */
  int reads_config = !(strcmp(a->command, "config") == 0 && a->prop_count == 1 &&
                       strcmp(a->props[0], "path") == 0);
  if (apply_environment(a, err) < 0 || (reads_config && cli_config_apply(a, err) < 0) ||
      one_of_quiet_verbose(a, err) < 0)
    return -1;
  return 0;
}

void cli_args_release(cli_args *a) {
  custapi__free(a->props);
  a->props = NULL;
  for (size_t i = 0; i < a->owned_count; i++)
    custapi__free(a->owned[i]);
  a->owned_count = 0;
  custapi__free(a->config_file);
  a->config_file = NULL;
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
      /* get's answer is taken back: its customer, checked as any object is */
      size_t start = 0, end = len;
      rc = cli_get_answer_customer(text, len, a->json_path, a->id, &start, &end, err);
      if (rc >= 0)
        rc = custapi_customer_set_json(c, text + start, end - start, err);
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
