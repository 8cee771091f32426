/*
 * custapi bulk --input FILE [--format jsonl|csv] [--concurrency N] [--results FILE|- [--resume]]:
 * every record of the input through the library's bulk engine, a results file a kill can't
 * corrupt and a second run can't share, a progress line on a terminal, a clean stop on
 * SIGINT/SIGTERM, and one JSON summary on stdout.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli_support.h"
#include "commands.h"
#include "connect.h"
#include "dry_run.h"
#include "output.h"
#include "progress.h"

/* Failures told one by one on stderr; the rest are counted. */
#define FAILURES_SHOWN 20
/* How long updates in flight may take to finish after a stop, beyond their own timeout. */
#define STOP_GRACE_MS 1000
#define DEFAULT_TIMEOUT_MS 30000

typedef struct bulk_run {
  const cli_args *args;
  custapi_bulk_results *results; /* NULL: no --results */
  progress bar;
  uint64_t start_ms;
  uint64_t stop_ms;                      /* when a signal asked to stop; 0: not asked */
  long finished, failed, skipped_before; /* for the progress line */
  long failures_told;
  custapi_error write_err;
} bulk_run;

#define usage(err, ...) custapi__error_set((err), CUSTAPI_CATEGORY_USAGE, NULL, __VA_ARGS__)

static int is_stdio(const char *path) { return path && strcmp(path, "-") == 0; }

static int check_args(const cli_args *a, custapi_error *err) {
  if (!a->input)
    return usage(err, "%s",
                 "bulk needs --input FILE (JSON Lines, or CSV by a .csv name or "
                 "--format csv; - for standard input)");
  if (a->id || a->prop_count || a->json_path)
    return usage(err, "%s",
                 "bulk takes its ids and properties from --input: no --id, "
                 "PROP=VALUE or --json");
  if (custapi_validate_mode_as_given(a->mode, "bulk", err) < 0)
    return CUSTAPI_EUSAGE;
  if (a->read_back)
    return usage(err, "%s", "bulk has no --read-back");
  if (a->resume && !a->results)
    return usage(err, "%s", "--resume needs --results FILE (the results of the run to finish)");
  if (a->resume && is_stdio(a->input))
    return usage(err, "%s", "--resume needs --input FILE: standard input can't be read again");
  if (a->resume && is_stdio(a->results))
    return usage(err, "%s", "--resume needs --results FILE: standard output can't be read back");
  if (is_stdio(a->input) && is_stdio(a->results))
    return usage(err, "%s",
                 "--input - and --results -: standard input and output can't carry both; "
                 "give --results a file");
  return 0;
}

/* A failure that ends the command. With --results -, stdout is the results: stderr only. */
static int fail(const cli_args *a, const custapi_error *err) {
  if (!is_stdio(a->results))
    return cli_fail(a, err);
  cli_say("%s", err->message);
  return (int)err->category;
}

/* ---- SIGINT and SIGTERM: stop taking records, finish what is in flight, say so ---- */

static volatile sig_atomic_t stop_signal; /* the first signal's number */
static volatile sig_atomic_t stop_count;

static void on_stop_signal(int sig) {
  if (!stop_signal)
    stop_signal = sig;
  stop_count++;
}

static void catch_stop_signals(struct sigaction *old_int, struct sigaction *old_term) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART; /* reads and writes go on; the loop's wait returns early */
  sigaction(SIGINT, &sa, old_int);
  sigaction(SIGTERM, &sa, old_term);
}

static void restore_signals(const struct sigaction *old_int, const struct sigaction *old_term) {
  sigaction(SIGINT, old_int, NULL);
  sigaction(SIGTERM, old_term, NULL);
}

/* Stop at the first signal; end what is in flight at a second, or when it outlasts its
 * timeout. */
static int should_stop(void *payload) {
  bulk_run *r = payload;
  if (r->write_err.message[0])
    return CUSTAPI_BULK_STOP; /* results can't be recorded: start nothing more */
  if (!stop_signal)
    return CUSTAPI_BULK_GO_ON;
  uint64_t now = custapi__now_ms();
  if (!r->stop_ms)
    r->stop_ms = now;
  long timeout = r->args->timeout_ms ? r->args->timeout_ms : DEFAULT_TIMEOUT_MS;
  if (stop_count > 1 || now - r->stop_ms > (uint64_t)(timeout + STOP_GRACE_MS))
    return CUSTAPI_BULK_STOP_NOW;
  return CUSTAPI_BULK_STOP;
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
  if (r->failures_told++ >= FAILURES_SHOWN || r->args->quiet)
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
  if (r->results) {
    if (r->write_err.message[0])
      return CUSTAPI_EINTERNAL; /* a flush failed: end the run (its summary says why) */
    int rc = custapi_bulk_results_write(r->results, o, &r->write_err);
    if (rc < 0)
      return rc;
  }
  redraw(r, 0);
  return 0;
}

static int on_skip(long line, int32_t id, void *payload) {
  bulk_run *r = payload;
  if (!custapi_bulk_results_skip(line, id, r->results))
    return 0;
  r->skipped_before++;
  return 1;
}

/* Results lines are held (CUSTAPI_BULK_RESULTS_BATCH) and written here, after each turn of the
 * loop and before the next one sends anything: one write(2) per turn, not per update. */
static int flush_results(bulk_run *r) {
  if (!r->results || r->write_err.message[0])
    return r->write_err.message[0] ? CUSTAPI_EINTERNAL : 0;
  return custapi_bulk_results_flush(r->results, &r->write_err);
}

static void on_tick(const custapi_bulk_summary *so_far, void *payload) {
  (void)so_far;
  flush_results(payload);
  redraw(payload, 0);
}

/* ---- output ---- */

/* Where every failure can be found, for the summary line. */
static const char *failures_note(const bulk_run *r, char *buf, size_t size) {
  long untold = r->failures_told - FAILURES_SHOWN;
  if (untold <= 0)
    return "";
  if (!r->args->results)
    snprintf(buf, size,
             "; %ld more failure%s not shown: --results FILE keeps every one, with its line",
             untold, untold == 1 ? "" : "s");
  else if (is_stdio(r->args->results))
    snprintf(buf, size, "; every failure is in the results on standard output");
  else
    snprintf(buf, size, "; every failure is in the results file %.200s", r->args->results);
  return buf;
}

static void print_summary(const bulk_run *r, const custapi_bulk_summary *s,
                          const custapi_error *fatal) {
  double rate =
      s->elapsed_ms > 0 ? (double)(s->succeeded + s->failed) * 1000.0 / (double)s->elapsed_ms : 0.0;
  int interrupted = stop_signal != 0;
  int ok = s->failed == 0 && !fatal && !interrupted;
  char note[300];
  if (!r->args->quiet)
    fprintf(stderr,
            "custapi: bulk: %ld records: %ld succeeded, %ld failed, %ld skipped in %.1f s "
            "(%.1f/s)%s%s\n",
            s->records, s->succeeded, s->failed, s->skipped, (double)s->elapsed_ms / 1000.0, rate,
            interrupted ? "; interrupted: --resume finishes the run" : "",
            failures_note(r, note, sizeof note));
  if (is_stdio(r->args->results)) /* stdout carries the results; the line above is the summary */
    return;
  custapi_protocol chosen = CUSTAPI_PROTOCOL_REST; /* the default, as the client's */
  if (r->args->protocol)
    (void)custapi_protocol_parse(&chosen, r->args->protocol); /* checked when it was given */
  const char *protocol = custapi_protocol_name(chosen);
  if (r->args->output == CLI_OUTPUT_TEXT) {
    printf("%-24s %s\n%-24s %ld\n%-24s %ld\n%-24s %ld\n%-24s %ld\n%-24s %ld\n%-24s %.1f\n"
           "%-24s %s\n",
           "ok", ok ? "true" : "false", "records", s->records, "succeeded", s->succeeded, "failed",
           s->failed, "skipped", s->skipped, "elapsed_ms", s->elapsed_ms, "rate_per_s", rate,
           "interrupted", interrupted ? "true" : "false");
    if (fatal)
      cli_text_line("%-24s %s", "error", fatal->message);
    return;
  }
  json_object *o = json_object_new_object();
  int failed = custapi__json_add(o, "ok", json_object_new_boolean(ok));
  failed |= custapi__json_add(o, "records", json_object_new_int64(s->records));
  failed |= custapi__json_add(o, "succeeded", json_object_new_int64(s->succeeded));
  failed |= custapi__json_add(o, "failed", json_object_new_int64(s->failed));
  failed |= custapi__json_add(o, "skipped", json_object_new_int64(s->skipped));
  failed |= custapi__json_add(o, "elapsed_ms", json_object_new_int64(s->elapsed_ms));
  char rate_text[32]; /* one decimal, not the binary expansion of a double */
  snprintf(rate_text, sizeof rate_text, "%.1f", rate);
  failed |= custapi__json_add(o, "rate_per_s", json_object_new_double_s(rate, rate_text));
  failed |= custapi__json_add(o, "protocol", json_object_new_string(protocol));
  failed |= custapi__json_add(o, "concurrency",
                              json_object_new_int(r->args->concurrency
                                                      ? r->args->concurrency
                                                      : CUSTAPI_BULK_CONCURRENCY_DEFAULT));
  failed |=
      custapi__json_add_if(o, "results", r->args->results != NULL,
                           r->args->results ? json_object_new_string(r->args->results) : NULL);
  failed |= custapi__json_add(o, "interrupted", json_object_new_boolean(interrupted));
  if (fatal)
    failed |= custapi__json_add(o, "error", cli_error_object(fatal));
  cli_print_json(custapi__json_built(o, failed));
}

/* ---- the command ---- */

static int run(bulk_run *r, custapi_client *client, const custapi_bulk_input *in) {
  custapi_bulk_options o = CUSTAPI_BULK_OPTIONS_INIT;
  o.format = custapi_bulk_input_format(in);
  o.concurrency = r->args->concurrency;
  o.mode = r->args->mode;
  o.customer_flags = r->args->customer_flags;
  o.flags = CUSTAPI_BULK_NO_CUSTOMERS; /* the command reports outcomes, not customers */
  o.done = on_done;
  o.done_payload = r;
  if (r->args->resume) {
    o.skip = on_skip;
    o.skip_payload = r;
  }
  o.tick = on_tick;
  o.tick_payload = r;
  o.stop = should_stop;
  o.stop_payload = r;
  custapi_bulk_summary s = CUSTAPI_BULK_SUMMARY_INIT;
  r->start_ms = custapi__now_ms();
  redraw(r, 1);
  struct sigaction old_int, old_term;
  catch_stop_signals(&old_int, &old_term);
  int rc = custapi_bulk_run(&s, client, custapi_bulk_input_stream(in), &o);
  restore_signals(&old_int, &old_term);
  progress_clear(&r->bar);
  if (flush_results(r) < 0 && (rc == 0 || rc == CUSTAPI_EPARTIAL))
    rc = CUSTAPI_EINTERNAL; /* the last lines could not be written */
  const custapi_error *err = NULL;
  if (rc != 0 && rc != CUSTAPI_EPARTIAL) {
    err = r->write_err.message[0] ? &r->write_err : custapi_client_last_error(client);
    if (s.records == 0 && !stop_signal) /* nothing was read: the input's or the options' fault */
      return fail(r->args, err);
  }
  print_summary(r, &s, err);
  if (err)
    cli_say("%s", err->message);
  if (stop_signal)
    return 128 + stop_signal;
  if (err)
    return (int)err->category;
  return rc == 0 ? 0 : CUSTAPI_CATEGORY_PARTIAL;
}

int cli_cmd_bulk(const cli_args *args) {
  custapi_error err = {0};
  bulk_run r = {0};
  r.args = args;
  stop_signal = stop_count = 0;
  custapi_client *client = NULL;
  custapi_bulk_input *in = NULL;
  custapi_bulk_format format = CUSTAPI_BULK_JSONL;
  if (args->format) /* checked when it was given (options.c) */
    custapi_bulk_format_parse(&format, args->format, NULL);
  int code;
  if (check_args(args, &err) < 0 || cli_connect(&client, args, &err) < 0) {
    code = fail(args, &err);
  } else if (args->dry_run) {
    code = cli_dry_run_bulk(args, client); /* no results file is opened: nothing is recorded */
  } else if (custapi_bulk_input_open(&in, args->input, args->format ? &format : NULL, &err) < 0 ||
             (args->results && custapi_bulk_results_open(
                                   &r.results, args->results, in,
                                   (args->resume ? CUSTAPI_BULK_RESULTS_RESUME : 0) |
                                       CUSTAPI_BULK_RESULTS_BATCH,
                                   &err) < 0)) {
    code = fail(args, &err);
  } else {
    if (r.results)
      custapi_bulk_results_protocol(r.results, client);
    r.bar.total = custapi_bulk_input_records(in);
    r.bar.out = isatty(STDERR_FILENO) && !args->quiet ? stderr : NULL;
    code = run(&r, client, in);
  }
  custapi_bulk_results_free(r.results);
  custapi_bulk_input_free(in);
  cli_disconnect(client);
  return code;
}
