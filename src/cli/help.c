/* The help texts, written from the option table (options.c), and --list-properties. */
#include "help.h"

#include <curl/curl.h>
#include <json-c/json.h>
#include <microhttpd.h>
#include <string.h>
#include <xmlrpc-c/base.h>

#include "custapi/custapi.h"
#include "options.h"

static void print_option(FILE *out, const cli_option *o) {
  char left[64];
  if (o->short_name)
    snprintf(left, sizeof left, "-%c, --%s%s%s", o->short_name, o->name, o->metavar ? " " : "",
             o->metavar ? o->metavar : "");
  else
    snprintf(left, sizeof left, "--%s%s%s", o->name, o->metavar ? " " : "",
             o->metavar ? o->metavar : "");
  fprintf(out, "  %-24s%s%s", left, strlen(left) >= 24 ? " " : "", o->help);
  if (o->fallback)
    fprintf(out, ", default %s", *o->fallback ? o->fallback : "''");
  if (o->env)
    fprintf(out, " (%s)", o->env);
  fputc('\n', out);
}

/* The options of the commands in `mask`, under their groups' headings. */
static void print_options(FILE *out, unsigned mask) {
  for (int g = 0; g < GROUP_COUNT; g++) {
    int heading = 0;
    for (size_t i = 0; i < cli_option_count(); i++) {
      const cli_option *o = cli_option_at(i);
      if (o->group != (cli_option_group)g || !(o->commands & mask) || (o->flags & OPT_HIDDEN))
        continue;
      if (!heading++)
        fprintf(out, "\n%s:\n", cli_group_title((cli_option_group)g));
      print_option(out, o);
    }
  }
}

static const char exit_codes[] =
    "\nexit codes: 0 ok, 1 differ, 2 usage, 3 invalid, 4 auth, 5 not_found, 6 rejected,\n"
    "            7 transport, 8 server, 9 protocol, 10 partial, 11 internal\n";

static const char profiles[] =
    "\nSettings come from the command line, then the environment, then the profile (a section\n"
    "of $CUSTAPI_CONFIG or ~/.config/custapi/config: --profile NAME, else [default]);\n"
    "custapi config list shows each setting in force and where it came from.\n";

void cli_print_help(FILE *out, const char *command) {
  const cli_command_info *c = command ? cli_command_find(command) : NULL;
  if (c) {
    fprintf(out, "usage: custapi [OPTIONS] %s%s%s\n\n%s\n", c->name, *c->synopsis ? " " : "",
            c->synopsis, c->summary);
    print_options(out, c->bit);
    if (c->bit & CMD_NETWORK)
      fputs(profiles, out);
    fputs(exit_codes, out);
    return;
  }
  fputs("usage:\n", out);
  for (size_t i = 0; i < cli_command_count(); i++) {
    c = cli_command_at(i);
    if (*c->synopsis)
      fprintf(out, "  custapi [OPTIONS] %-8s %s\n", c->name, c->synopsis);
    else
      fprintf(out, "  custapi [OPTIONS] %s\n", c->name);
  }
  fputs("  custapi help COMMAND      (or custapi COMMAND --help): that command's options\n\n"
        "Options may stand before or after the command name.\n",
        out);
  print_options(out, CMD_ALL);
  fputs(profiles, out);
  fputs(exit_codes, out);
}

void cli_print_version(FILE *out) {
  /* The libraries as loaded now, not as built against: what a bug report needs. */
  const curl_version_info_data *curl = curl_version_info(CURLVERSION_NOW);
  unsigned major, minor, point;
  xmlrpc_version(&major, &minor, &point);
  fprintf(out, "custapi %s\nlibcurl %s, json-c %s, xmlrpc-c %u.%u.%u, libmicrohttpd %s\n",
          custapi_version(), curl ? curl->version : "?", json_c_version(), major, minor, point,
          MHD_get_version());
}
