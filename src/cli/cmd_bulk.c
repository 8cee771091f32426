/*
 * custapi bulk --input FILE [--format jsonl|csv] [--concurrency N] [--results FILE [--resume]]:
 * every record of the file through the library's bulk engine, a results file a kill can't
 * corrupt, a progress line on a terminal, and one JSON summary on stdout.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commands.h"
#include "connect.h"
#include "error.h"
#include "output.h"
#include "progress.h"
#include "results_file.h"
#include "transport.h"

/* Failures told one by one on stderr before "and N more" (the results file has them all). */
#define FAILURES_SHOWN 20

typedef struct bulk_run {
  const cli_args *args;
  int results_fd; /* -1: no results file */
  resume_index *resume;
  progress bar;
  uint64_t start_ms;
  long finished, failed, skipped_before; /* for the progress line */
  long failures_told;
  custapi_error write_err;
} bulk_run;

#define usage(err, ...) custapi__error_set((err), CUSTAPI_CATEGORY_USAGE, NULL, __VA_ARGS__)

static int check_args(const cli_args *a, custapi_error *err) {
  if (!a->input)
    return usage(err, "%s",
                 "bulk needs --input FILE (JSON Lines, or CSV by a .csv name or "
                 "--format csv; - for standard input)");
  if (a->id || a->prop_count || a->json_path)
    return usage(err, "%s",
                 "bulk takes its ids and properties from --input: no --id, "
                 "PROP=VALUE or --json");
  if (a->format && strcmp(a->format, "jsonl") != 0 && strcmp(a->format, "csv") != 0)
    return usage(err, "--format: must be jsonl or csv, not %.100s", a->format);
  if (a->mode == CUSTAPI_VALIDATE_FILL_REQUIRED)
    return usage(err, "%s",
                 "bulk does not support --fill-required (it would read every customer "
                 "first): put name, email and hash in the records with --strict, or "
                 "send only what the records carry");
  if (a->dry_run)
    return usage(err, "%s", "bulk has no --dry-run");
  if (a->read_back)
    return usage(err, "%s", "bulk has no --read-back");
  if (a->resume && !a->results)
    return usage(err, "%s", "--resume needs --results FILE (the results of the run to finish)");
  if (a->resume && strcmp(a->input, "-") == 0)
    return usage(err, "%s", "--resume needs --input FILE: standard input can't be read again");
  return 0;
}

static custapi_bulk_format format_of(const cli_args *a) {
  if (a->format)
    return strcmp(a->format, "csv") == 0 ? CUSTAPI_BULK_CSV : CUSTAPI_BULK_JSONL;
  return strcmp(a->input, "-") == 0 ? CUSTAPI_BULK_JSONL : custapi_bulk_format_for(a->input);
}

/* One write(2) per line on an O_APPEND descriptor: a kill leaves whole lines, or a torn last one.
 */
static int write_line(int fd, const char *path, const char *line, size_t len, custapi_error *err) {
  while (len > 0) {
    ssize_t n = write(fd, line, len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return custapi__error_set(err, CUSTAPI_CATEGORY_INTERNAL, NULL,
                                "can't write the results file %.200s: %s", path, strerror(errno));
    line += n;
    len -= (size_t)n;
  }
  return 0;
}

/* ---- the results file ---- */

static int open_fresh(bulk_run *r, const input_fingerprint *fp, custapi_error *err) {
  const char *path = r->args->results;
  int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0)
    return usage(err, "can't open the results file %.200s: %s", path, strerror(errno));
  struct stat st;
  if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
    close(fd);
    /* Overwriting would lose what a killed run recorded. */
    return usage(err,
                 "the results file %.200s already holds results: --resume finishes that "
                 "run; remove the file to start again",
                 path);
  }
  r->results_fd = fd;
  char header[160];
  int n = results_header(header, sizeof header, fp);
  return write_line(fd, path, header, (size_t)n, err);
}

static int open_resumed(bulk_run *r, const input_fingerprint *fp, custapi_error *err) {
  const char *path = r->args->results;
  int fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0)
    return usage(err, "can't open the results file %.200s: %s", path, strerror(errno));
  r->results_fd = fd;
  int rfd = dup(fd);
  FILE *in = rfd >= 0 ? fdopen(rfd, "r") : NULL;
  if (!in) {
    if (rfd >= 0)
      close(rfd);
    return usage(err, "can't read the results file %.200s: %s", path, strerror(errno));
  }
  int fresh;
  long keep;
  int rc = resume_index_read(&r->resume, &fresh, &keep, in, fp, path, err);
  fclose(in);
  if (rc < 0)
    return rc;
  /* Drop a line torn by a kill, so that the next line starts on a line of its own. */
  if (ftruncate(fd, (off_t)keep) < 0)
    return usage(err, "can't truncate the results file %.200s: %s", path, strerror(errno));
  if (!fresh)
    return 0;
  char header[160];
  int n = results_header(header, sizeof header, fp);
  return write_line(fd, path, header, (size_t)n, err);
}

/* ---- callbacks of the engine ---- */

static double rate_of(const bulk_run *r, long elapsed_ms) {
  return elapsed_ms > 0 ? (double)r->finished * 1000.0 / (double)elapsed_ms : 0.0;
}

static void redraw(bulk_run *r, int force) {
  uint64_t now = custapi__now_ms();
  progress_update(&r->bar, now, r->finished + r->skipped_before, r->failed,
                  rate_of(r, (long)(now - r->start_ms)), force);
}

static void tell_failure(bulk_run *r, const custapi_bulk_outcome *o) {
  if (r->failures_told++ >= FAILURES_SHOWN)
    return;
  progress_clear(&r->bar);
  if (o->attempts == 0) /* refused before sending: the message names the line already */
    cli_say("%s", o->error->message);
  else
    cli_say("line %ld: id %d: %s", o->line, (int)o->id, o->error->message);
}

static int on_done(const custapi_bulk_outcome *o, void *payload) {
  bulk_run *r = payload;
  r->finished++;
  if (o->status != 0) {
    r->failed++;
    tell_failure(r, o);
  }
  if (r->results_fd >= 0) {
    size_t len;
    char *line = results_line(o, &len);
    if (!line)
      return custapi__error_oom(&r->write_err);
    int rc = write_line(r->results_fd, r->args->results, line, len, &r->write_err);
    custapi_free(line);
    if (rc < 0)
      return rc;
  }
  redraw(r, 0);
  return 0;
}

static int on_skip(long line, int32_t id, void *payload) {
  bulk_run *r = payload;
  if (!resume_index_skip(r->resume, line, id))
    return 0;
  r->skipped_before++;
  return 1;
}

static void on_tick(const custapi_bulk_summary *so_far, void *payload) {
  (void)so_far;
  redraw(payload, 0);
}

/* ---- output ---- */

static void print_summary(const bulk_run *r, const custapi_bulk_summary *s,
                          const custapi_error *fatal) {
  double rate =
      s->elapsed_ms > 0 ? (double)(s->succeeded + s->failed) * 1000.0 / (double)s->elapsed_ms : 0.0;
  int ok = s->failed == 0 && !fatal;
  fprintf(stderr,
          "custapi: bulk: %ld records: %ld succeeded, %ld failed, %ld skipped in %.1f s "
          "(%.1f/s)%s\n",
          s->records, s->succeeded, s->failed, s->skipped, (double)s->elapsed_ms / 1000.0, rate,
          r->failures_told > FAILURES_SHOWN ? "; every failure is in the results file" : "");
  const char *protocol = custapi_protocol_name(
      r->args->protocol && strcmp(r->args->protocol, "xmlrpc") == 0 ? CUSTAPI_PROTOCOL_XMLRPC
                                                                    : CUSTAPI_PROTOCOL_REST);
  if (r->args->output == CLI_OUTPUT_TEXT) {
    printf("%-24s %s\n%-24s %ld\n%-24s %ld\n%-24s %ld\n%-24s %ld\n%-24s %ld\n%-24s %.1f\n", "ok",
           ok ? "true" : "false", "records", s->records, "succeeded", s->succeeded, "failed",
           s->failed, "skipped", s->skipped, "elapsed_ms", s->elapsed_ms, "rate_per_s", rate);
    if (fatal)
      cli_text_line("%-24s %s", "error", fatal->message);
    return;
  }
  json_object *o = json_object_new_object();
  if (o) {
    json_object_object_add(o, "ok", json_object_new_boolean(ok));
    json_object_object_add(o, "records", json_object_new_int64(s->records));
    json_object_object_add(o, "succeeded", json_object_new_int64(s->succeeded));
    json_object_object_add(o, "failed", json_object_new_int64(s->failed));
    json_object_object_add(o, "skipped", json_object_new_int64(s->skipped));
    json_object_object_add(o, "elapsed_ms", json_object_new_int64(s->elapsed_ms));
    char rate_text[32]; /* one decimal, not the binary expansion of a double */
    snprintf(rate_text, sizeof rate_text, "%.1f", rate);
    json_object_object_add(o, "rate_per_s", json_object_new_double_s(rate, rate_text));
    json_object_object_add(o, "protocol", json_object_new_string(protocol));
    json_object_object_add(o, "concurrency",
                           json_object_new_int(r->args->concurrency
                                                   ? r->args->concurrency
                                                   : CUSTAPI_BULK_CONCURRENCY_DEFAULT));
    json_object_object_add(o, "results",
                           r->args->results ? json_object_new_string(r->args->results) : NULL);
    if (fatal)
      json_object_object_add(o, "error", cli_error_object(fatal));
  }
  cli_print_json(o);
}

/* ---- the command ---- */

static FILE *open_input(const cli_args *a, custapi_error *err) {
  if (strcmp(a->input, "-") == 0)
    return stdin;
  FILE *in = fopen(a->input, "rb");
  if (!in)
    custapi__error_set(err, CUSTAPI_CATEGORY_INVALID, NULL, "can't open the input %.200s: %s",
                       a->input, strerror(errno));
  return in;
}

/* The fingerprint, and the record count for the progress line, of a regular file. */
static int scan_input(input_fingerprint *fp, long *total, FILE *in, const cli_args *a,
                      custapi_error *err) {
  struct stat st;
  *fp = (input_fingerprint){0};
  *total = -1;
  if (in == stdin || fstat(fileno(in), &st) < 0 || !S_ISREG(st.st_mode))
    return 0;
  if (input_scan(fp, total, in, format_of(a)) < 0 || fseek(in, 0, SEEK_SET) < 0)
    return custapi__error_set(err, CUSTAPI_CATEGORY_INVALID, NULL,
                              "can't read the input %.200s: %s", a->input, strerror(errno));
  return 0;
}

static int run(bulk_run *r, custapi_client *client, FILE *in) {
  custapi_bulk_options o = CUSTAPI_BULK_OPTIONS_INIT;
  o.format = format_of(r->args);
  o.concurrency = r->args->concurrency;
  o.mode = r->args->mode;
  o.customer_flags = r->args->customer_flags;
  o.flags = CUSTAPI_BULK_NO_CUSTOMERS; /* the command reports outcomes, not customers */
  o.done = on_done;
  o.done_payload = r;
  if (r->resume) {
    o.skip = on_skip;
    o.skip_payload = r;
  }
  o.tick = on_tick;
  o.tick_payload = r;
  custapi_bulk_summary s;
  r->start_ms = custapi__now_ms();
  redraw(r, 1);
  int rc = custapi_bulk_run(&s, client, in, &o);
  progress_clear(&r->bar);
  if (rc == 0 || rc == CUSTAPI_EPARTIAL) {
    print_summary(r, &s, NULL);
    return rc == 0 ? 0 : CUSTAPI_CATEGORY_PARTIAL;
  }
  const custapi_error *err =
      r->write_err.message[0] ? &r->write_err : custapi_client_last_error(client);
  if (s.records == 0) /* nothing was read: the input's or the options' fault */
    return cli_fail(r->args, err);
  print_summary(r, &s, err);
  cli_say("%s", err->message);
  return (int)err->category;
}

int cli_cmd_bulk(const cli_args *args) {
  custapi_error err = {0};
  bulk_run r = {0};
  r.args = args;
  r.results_fd = -1;
  custapi_client *client = NULL;
  FILE *in = NULL;
  input_fingerprint fp;
  int code;
  if (check_args(args, &err) < 0 || cli_connect(&client, args, &err) < 0 ||
      !(in = open_input(args, &err)) || scan_input(&fp, &r.bar.total, in, args, &err) < 0 ||
      (args->results &&
       (args->resume ? open_resumed(&r, &fp, &err) : open_fresh(&r, &fp, &err)) < 0)) {
    code = cli_fail(args, &err);
  } else {
    r.bar.out = isatty(STDERR_FILENO) ? stderr : NULL;
    code = run(&r, client, in);
  }
  if (r.results_fd >= 0)
    close(r.results_fd);
  resume_index_free(r.resume);
  if (in && in != stdin)
    fclose(in);
  cli_disconnect(client);
  return code;
}
