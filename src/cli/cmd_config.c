/*
 * custapi config list|path: the settings in force and where each came from (the command line,
 * the environment, a profile of the config file, or the default), and the config file's path.
 * Read from the same parse every command goes through, so what it shows is what a command
 * would use. The API key is shown only as "set".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_support.h"
#include "commands.h"
#include "config.h"
#include "options.h"
#include "output.h"

#define usage(err, ...) custapi__error_set((err), CUSTAPI_CATEGORY_USAGE, NULL, __VA_ARGS__)

/* A setting is an option a profile or the environment may give (options.h). */
static int is_setting(const cli_option *o) { return (o->flags & OPT_PROFILE) || o->env; }

/* "user:secret@" of a URL (a proxy's password) is shown as "***@". */
static void without_userinfo(char *out, size_t size, const char *value) {
  const char *scheme = strstr(value, "://");
  const char *host = scheme ? scheme + 3 : NULL;
  const char *at = host ? strchr(host, '@') : NULL;
  if (at && at < host + strcspn(host, "/?#"))
    snprintf(out, size, "%.*s***%s", (int)(host - value), value, at);
  else
    snprintf(out, size, "%s", value);
}

static void origin_of(char *out, size_t size, const cli_args *a, size_t index) {
  const cli_option *o = cli_option_at(index);
  switch (a->given[index]) {
  case CLI_FROM_COMMAND_LINE:
    snprintf(out, size, "command line");
    break;
  case CLI_FROM_ENVIRONMENT:
    snprintf(out, size, "environment %s", o->env ? o->env : "CUSTAPI_API_KEY");
    break;
  case CLI_FROM_PROFILE:
    snprintf(out, size, "profile %s in %s", a->profile_read ? a->profile_read : "?",
             a->config_file ? a->config_file : "?");
    break;
  default:
    snprintf(out, size, "default");
  }
}

typedef struct setting_row {
  const char *name;
  const char *value; /* NULL: none */
  char origin[4200];
} setting_row;

/* The row of option `index`; 0 when it is not a setting. */
static int row_of(setting_row *row, const cli_args *a, size_t index, char *value, size_t size) {
  const cli_option *o = cli_option_at(index);
  if (!is_setting(o))
    return 0;
  row->name = o->name;
  origin_of(row->origin, sizeof row->origin, a, index);
  const char *raw = a->given[index] ? a->raw[index] : o->fallback;
  if (!raw && !o->metavar)
    raw = "no";
  if (raw && o->metavar && strstr(o->metavar, "URL")) {
    without_userinfo(value, size, raw);
    raw = value;
  }
  row->value = raw;
  if (a->given[index] == CLI_FROM_ENVIRONMENT && !a->raw[index]) {
    /* api-key-file, left unread because CUSTAPI_API_KEY is set */
    row->value = NULL;
    snprintf(row->origin, sizeof row->origin, "unused: CUSTAPI_API_KEY is set");
  }
  return 1;
}

/* The key's row: "set" when CUSTAPI_API_KEY is what a command would use, never its value. */
static void key_row(setting_row *row, const cli_args *a) {
  const char *key = getenv("CUSTAPI_API_KEY");
  row->name = "api-key";
  row->value = NULL;
  if (a->api_key_file)
    snprintf(row->origin, sizeof row->origin, "the file api-key-file names");
  else if (key && *key) {
    row->value = "set";
    snprintf(row->origin, sizeof row->origin, "environment CUSTAPI_API_KEY");
  } else
    snprintf(row->origin, sizeof row->origin, "none (api-key-file or CUSTAPI_API_KEY)");
}

static int add_row(json_object *settings, const setting_row *row) {
  json_object *o = json_object_new_object();
  int failed = custapi__json_add(o, "name", json_object_new_string(row->name));
  failed |= custapi__json_add_if(o, "value", row->value != NULL,
                                 row->value ? json_object_new_string(row->value) : NULL);
  failed |= custapi__json_add(o, "origin", json_object_new_string(row->origin));
  return custapi__json_append(settings, custapi__json_built(o, failed)) | failed;
}

static void text_row(const setting_row *row) {
  cli_text_line("%-18s %-32s %s", row->name, row->value ? row->value : "-", row->origin);
}

static int config_list(const cli_args *a) {
  json_object *settings = a->output == CLI_OUTPUT_JSON ? json_object_new_array() : NULL;
  int failed = a->output == CLI_OUTPUT_JSON && !settings;
  setting_row row;
  char value[4200];
  for (size_t i = 0; i < cli_option_count(); i++) {
    if (!row_of(&row, a, i, value, sizeof value))
      continue;
    if (settings)
      failed |= add_row(settings, &row);
    else
      text_row(&row);
    if (strcmp(row.name, "api-key-file") == 0) {
      key_row(&row, a);
      if (settings)
        failed |= add_row(settings, &row);
      else
        text_row(&row);
    }
  }
  if (!settings)
    return failed ? CUSTAPI_CATEGORY_INTERNAL : 0;
  json_object *o = json_object_new_object();
  failed |= custapi__json_add(o, "ok", json_object_new_boolean(1));
  failed |= custapi__json_add_if(o, "config_file", a->config_file != NULL,
                                 a->config_file ? json_object_new_string(a->config_file) : NULL);
  failed |= custapi__json_add(o, "settings", settings);
  cli_print_json(custapi__json_built(o, failed));
  return 0;
}

static int config_path(const cli_args *a) {
  char path[4096];
  int named;
  if (cli_config_path(path, sizeof path, &named) < 0) {
    custapi_error err = {0};
    usage(&err, "%s", "no config file path: CUSTAPI_CONFIG, XDG_CONFIG_HOME and HOME are unset");
    return cli_fail(a, &err);
  }
  if (a->output == CLI_OUTPUT_TEXT) {
    cli_text_line("%s", path);
    return 0;
  }
  const char *why = named ? "CUSTAPI_CONFIG"
                    : getenv("XDG_CONFIG_HOME") && getenv("XDG_CONFIG_HOME")[0] == '/'
                        ? "XDG_CONFIG_HOME"
                        : "HOME";
  json_object *o = json_object_new_object();
  int failed = custapi__json_add(o, "ok", json_object_new_boolean(1));
  failed |= custapi__json_add(o, "path", json_object_new_string(path));
  failed |= custapi__json_add(o, "from", json_object_new_string(why));
  cli_print_json(custapi__json_built(o, failed));
  return 0;
}

int cli_cmd_config(const cli_args *args) {
  custapi_error err = {0};
  const char *action = args->prop_count == 1 ? args->props[0] : NULL;
  if (action && strcmp(action, "list") == 0)
    return config_list(args);
  if (action && strcmp(action, "path") == 0)
    return config_path(args);
  usage(&err, "config takes one word, list or path%s%.60s",
        args->prop_count ? ", not " : " (custapi config list)",
        args->prop_count ? args->props[0] : "");
  return cli_fail(args, &err);
}
