/*
 * The public face of bulk's files (custapi.h): the input (bulk_input.c, with its fingerprint
 * and record count from results_file.c), the results file (results_out.c) and the resume plan
 * (resume_plan.c). The command runs `custapi bulk` through these, as any program may.
 */
#include <assert.h>
#include <errno.h>
#include <string.h>

#include "alloc.h"
#include "bulk_input.h"
#include "client.h"
#include "error.h"
#include "results_file.h"
#include "results_out.h"
#include "resume_plan.h"
#include "utc.h"

struct custapi_bulk_input {
  bulk_input in;
  char *path;
  input_fingerprint fp; /* known = 0: standard input or not a regular file */
  long records;         /* -1: not known */
};

/* With CUSTAPI_BULK_RESULTS_BATCH, at most this many bytes of lines are held: then written. */
#define HELD_MAX (64 * 1024)

struct custapi_bulk_results {
  results_out out;
  char *path; /* the results_out's, for its messages */
  resume_plan *plan;
  int batch;        /* CUSTAPI_BULK_RESULTS_BATCH */
  int max_tries;    /* custapi_bulk_results_set_max_attempts */
  long abandoned;   /* lines given up on: skipped as such, or abandoned by this run */
  char *held;       /* whole lines not yet written (batch) */
  size_t held_len, held_cap;
  const char *protocol; /* the name the timing members use (custapi_bulk_results_protocol) */
};

void custapi_bulk_input_free(custapi_bulk_input *input) {
  if (!input)
    return;
  custapi__bulk_input_close(&input->in);
  custapi__free(input->path);
  custapi__free(input);
}

/* The fingerprint, and the record count for a progress line, of a regular file. */
static int scan(custapi_bulk_input *i, custapi_error *err) {
  i->records = -1;
  if (i->in.is_stdin || !S_ISREG(i->in.st.st_mode))
    return 0;
  if (custapi__input_scan(&i->fp, &i->records, i->in.stream, i->in.format) < 0 ||
      fseek(i->in.stream, 0, SEEK_SET) < 0)
    return custapi__error_set(err, CUSTAPI_CATEGORY_INVALID, NULL,
                              "can't read the input %.200s: %s", i->path, strerror(errno));
  return 0;
}

int custapi_bulk_input_open(custapi_bulk_input **out, const char *path,
                            const custapi_bulk_format *format, custapi_error *err) {
  assert(out && path);
  *out = NULL;
  custapi_bulk_input *i = custapi__calloc(1, sizeof *i);
  if (!i || !(i->path = custapi__strdup(path))) {
    custapi__free(i);
    return custapi__error_oom(err);
  }
  int rc = custapi__bulk_input_open(&i->in, path, format, err);
  if (rc == 0)
    rc = scan(i, err);
  if (rc < 0) {
    custapi_bulk_input_free(i);
    return rc;
  }
  *out = i;
  return 0;
}

FILE *custapi_bulk_input_stream(const custapi_bulk_input *input) {
  assert(input);
  return input->in.stream;
}

custapi_bulk_format custapi_bulk_input_format(const custapi_bulk_input *input) {
  assert(input);
  return input->in.format;
}

long custapi_bulk_input_records(const custapi_bulk_input *input) {
  assert(input);
  return input->records;
}

void custapi_bulk_results_free(custapi_bulk_results *results) {
  if (!results)
    return;
  custapi_error ignored = CUSTAPI_ERROR_INIT;
  custapi_bulk_results_flush(results, &ignored); /* the caller flushed first to hear of it */
  custapi__free(results->held);
  custapi__results_out_close(&results->out);
  custapi__resume_plan_free(results->plan);
  custapi__free(results->path);
  custapi__free(results);
}

int custapi_bulk_results_open(custapi_bulk_results **out, const char *path,
                              const custapi_bulk_input *input, unsigned flags, custapi_error *err) {
  assert(out && path && input);
  *out = NULL;
  /* A resume reads the results back and the input again: neither may be a stream. */
  if ((flags & CUSTAPI_BULK_RESULTS_RESUME) && strcmp(path, "-") == 0)
    return custapi__error_set(err, CUSTAPI_CATEGORY_USAGE, NULL, "%s",
                              "resuming needs a results file: standard output can't be read back");
  if ((flags & CUSTAPI_BULK_RESULTS_RESUME) && input->in.is_stdin)
    return custapi__error_set(err, CUSTAPI_CATEGORY_USAGE, NULL, "%s",
                              "resuming needs the input as a file: standard input can't be read "
                              "again");
  custapi_bulk_results *r = custapi__calloc(1, sizeof *r);
  if (!r || !(r->path = custapi__strdup(path))) {
    custapi__free(r);
    return custapi__error_oom(err);
  }
  r->out.fd = -1;
  r->batch = (flags & CUSTAPI_BULK_RESULTS_BATCH) != 0;
  r->max_tries = CUSTAPI_BULK_MAX_ATTEMPTS_DEFAULT;
  int rc = custapi__results_out_open(&r->out, &r->plan, r->path,
                                     (flags & CUSTAPI_BULK_RESULTS_RESUME) ? RESULTS_RESUME : 0,
                                     &input->fp, &input->in.st, err);
  if (rc < 0) {
    custapi_bulk_results_free(r);
    return rc;
  }
  *out = r;
  return 0;
}

void custapi_bulk_results_protocol(custapi_bulk_results *results, const custapi_client *client) {
  assert(results && client);
  results->protocol = custapi_protocol_name(custapi__client_protocol(client));
}

int custapi_bulk_results_skip(long line, int32_t id, void *results) {
  custapi_bulk_results *r = results;
  assert(r);
  int skip = r->plan ? custapi__resume_plan_skip(r->plan, line, id, r->max_tries) : 0;
  if (skip == CUSTAPI_BULK_SKIP_ABANDONED)
    r->abandoned++;
  return skip;
}

int custapi_bulk_results_set_max_attempts(custapi_bulk_results *results, int max_attempts) {
  assert(results);
  if (max_attempts < 1)
    return CUSTAPI_EUSAGE;
  results->max_tries = max_attempts;
  return 0;
}

long custapi_bulk_results_abandoned(const custapi_bulk_results *results) {
  assert(results);
  return results->abandoned;
}

int custapi_bulk_results_compact(const char *path, const custapi_bulk_input *input,
                                 custapi_error *err) {
  assert(path && input);
  if (strcmp(path, "-") == 0 || input->in.is_stdin)
    return custapi__error_set(err, CUSTAPI_CATEGORY_USAGE, NULL, "%s",
                              "compacting needs the results and the input as files");
  results_out out = {-1, 0, path};
  resume_plan *plan = NULL;
  int rc = custapi__results_out_open(&out, &plan, path, RESULTS_RESUME | RESULTS_COMPACT,
                                     &input->fp, &input->in.st, err);
  custapi__results_out_close(&out);
  custapi__resume_plan_free(plan);
  return rc;
}

/* Holds a whole line for custapi_bulk_results_flush; writes what is held first when the line
 * would take it past HELD_MAX. */
static int hold(custapi_bulk_results *r, const char *line, size_t len, custapi_error *err) {
  if (r->held_len + len > HELD_MAX) {
    int rc = custapi_bulk_results_flush(r, err);
    if (rc < 0)
      return rc;
  }
  if (r->held_len + len > r->held_cap) {
    size_t cap = r->held_cap ? r->held_cap : 4096;
    while (cap < r->held_len + len)
      cap *= 2;
    char *grown = custapi__realloc(r->held, cap);
    if (!grown)
      return custapi__error_oom(err);
    r->held = grown;
    r->held_cap = cap;
  }
  memcpy(r->held + r->held_len, line, len);
  r->held_len += len;
  return 0;
}

int custapi_bulk_results_write(custapi_bulk_results *results, const custapi_bulk_outcome *outcome,
                               custapi_error *err) {
  assert(results && outcome);
  size_t len;
  /* The runs that took this line, this one included; failing the last one allowed gives up. */
  int tries = (results->plan ? custapi__resume_plan_tries(results->plan, outcome->line) : 0) + 1;
  int abandoned = outcome->status != 0 && tries >= results->max_tries;
  char at[32];
  const char *protocol = results->protocol ? results->protocol
                         : outcome->result ? custapi_result_protocol(outcome->result)
                                           : NULL;
  custapi__utc_at(at, sizeof at, outcome->elapsed_ms);
  char *line = custapi__results_line_timed(outcome, tries, abandoned, protocol, at, &len);
  if (!line)
    return custapi__error_oom(err);
  results->abandoned += abandoned;
  int rc = results->batch ? hold(results, line, len, err)
                          : custapi__results_out_write(&results->out, line, len, err);
  custapi__free(line);
  return rc;
}

int custapi_bulk_results_flush(custapi_bulk_results *results, custapi_error *err) {
  assert(results);
  if (!results->held_len)
    return 0;
  size_t len = results->held_len;
  results->held_len = 0;
  return custapi__results_out_write(&results->out, results->held, len, err);
}

int custapi_bulk_outcome_to_json(char **out, const custapi_bulk_outcome *outcome) {
  assert(out && outcome);
  size_t len;
  *out = custapi__results_line(outcome, 0, 0, &len);
  if (!*out)
    return CUSTAPI_EINTERNAL;
  (*out)[len - 1] = '\0'; /* the line without its line break */
  return 0;
}
