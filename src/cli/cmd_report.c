/*
 * custapi report INPUT...: what compare --results, gateway --report and bulk --results files
 * show, as one HTML page (--html), a JSON summary (--json, and stdout with --output json) and
 * an exit code a CI job can gate a migration on: 0 when no property differs in more than
 * --max-difference-rate of its checks, 1 when one does.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli_support.h"
#include "commands.h"
#include "output.h"
#include "report_html.h"
#include "report_read.h"
#include "report_summary.h"

/* A file the report writes: 0600 (it quotes customer data), replaced whole. */
static FILE *open_output(const char *path, custapi_error *err) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
  if (!f) {
    if (fd >= 0)
      close(fd);
    custapi__error_set(err, CUSTAPI_CATEGORY_USAGE, NULL, "can't write %.200s: %s", path,
                       strerror(errno));
  }
  return f;
}

static int close_output(FILE *f, const char *path, int failed, custapi_error *err) {
  if (fclose(f) != 0 || failed)
    return custapi__error_set(err, CUSTAPI_CATEGORY_INTERNAL, NULL, "can't write %.200s: %s", path,
                              strerror(errno));
  return 0;
}

static int write_html(const report_summary *s, const char *path, custapi_error *err) {
  FILE *f = open_output(path, err);
  if (!f)
    return -1;
  int failed = report_html_write(f, s) < 0;
  return close_output(f, path, failed, err);
}

static int write_json(json_object *summary, const char *path, custapi_error *err) {
  FILE *f = open_output(path, err);
  if (!f)
    return -1;
  size_t len = 0;
  const char *text = json_object_to_json_string_length(
      summary, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
  int failed = !text || fwrite(text, 1, len, f) != len || fputc('\n', f) == EOF;
  return close_output(f, path, failed, err);
}

static void print_text(const report_summary *s) {
  printf("%s: %ld compared (%ld agree, %ld differ, %ld failed), %ld gateway checks, %ld bulk "
         "records\n",
         report_passes(s) ? "pass" : "differ", s->compared, s->agreed, s->differed, s->failed,
         s->shadow_checks, s->bulk_records);
  for (size_t i = 0; i < s->property_count; i++) {
    const report_property *p = &s->properties[i];
    if (p->differ || p->noise)
      cli_text_line("  %-24s %ld differ (%.2f%%), %ld noise, %ld agree", p->name, p->differ,
                    report_difference_rate(p) * 100, p->noise, p->agree);
  }
}

int cli_cmd_report(const cli_args *args) {
  custapi_error err = {0};
  if (args->prop_count == 0) {
    custapi__error_set(&err, CUSTAPI_CATEGORY_USAGE, NULL, "%s",
                       "report needs at least one INPUT: a compare --results, gateway --report "
                       "or bulk --results file");
    return cli_fail(args, &err);
  }
  if ((args->html && strcmp(args->html, "-") == 0) ||
      (args->json_path && strcmp(args->json_path, "-") == 0)) {
    custapi__error_set(&err, CUSTAPI_CATEGORY_USAGE, NULL, "%s",
                       "report prints its summary on standard output: give --html and --json "
                       "a file");
    return cli_fail(args, &err);
  }
  report_summary *s = custapi__calloc(1, sizeof *s);
  if (!s) {
    custapi__error_oom(&err);
    return cli_fail(args, &err);
  }
  s->max_rate = args->max_difference_rate;
  int rc = 0;
  for (size_t i = 0; rc == 0 && i < args->prop_count; i++)
    rc = report_read_file(s, args->props[i], &err);
  json_object *summary = rc == 0 ? report_summary_json(s) : NULL;
  if (rc == 0 && !summary)
    rc = custapi__error_oom(&err);
  if (rc == 0 && args->html)
    rc = write_html(s, args->html, &err);
  if (rc == 0 && args->json_path)
    rc = write_json(summary, args->json_path, &err);
  if (rc < 0) {
    json_object_put(summary);
    custapi__free(s);
    return cli_fail(args, &err);
  }
  int passes = report_passes(s);
  int code = 0;
  if (args->output == CLI_OUTPUT_TEXT) {
    print_text(s);
    json_object_put(summary);
  } else if (cli_print_json(summary) < 0) {
    code = CUSTAPI_CATEGORY_INTERNAL; /* its one stderr line is printed */
  }
  if (code == 0 && !passes) {
    code = CUSTAPI_CATEGORY_DIFFER;
    cli_say("REST and XML-RPC differ: a property differs in more than %.2f%% of its checks",
            s->max_rate * 100);
  }
  custapi__free(s);
  return code;
}
