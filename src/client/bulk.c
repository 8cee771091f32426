/*
 * bulk: many updates from a stream of records, on the client's one loop: the same call machinery
 * with many transfers in flight, not a second transport (docs/internals.md).
 *
 * Records are read one at a time into a bounded look-ahead window; a free slot takes the first
 * record of the window whose id is neither in flight nor waiting behind an earlier record of the
 * same id. So the records of one id go out one after another in input order (the last line
 * wins), while other ids overtake a blocked one. Memory is bounded by the window, whatever the
 * input's length.
 */
#include <assert.h>
#include <string.h>
#include <strings.h>

#include "alloc.h"
#include "client.h"
#include "error.h"
#include "records.h"
#include "transport.h"

/* Records read ahead per slot: enough for other ids to overtake a run of one id. */
#define WINDOW_PER_SLOT 4
#define WINDOW_MIN 64

typedef struct pending {
  long line;
  int32_t id;
  custapi_customer *properties;
} pending;

typedef struct bulk bulk;

typedef struct slot {
  bulk *owner;
  int busy;
  long line;
  int32_t id;
} slot;

struct bulk {
  custapi_client *client;
  const custapi_bulk_options *options;
  unsigned update_flags; /* for custapi__update_start */
  custapi_records *records;
  int eof;
  int input_dry;      /* the input has nothing to give now: wait on it with the network */
  int watching_input; /* the loop's watch is the input's (watch_input) */
  int stopping;       /* the caller's stop callback said stop: read and start nothing more */
  int stop_rc;        /* non-zero: start nothing more (the run's status) */
  custapi_error stop_err;
  pending *window;
  size_t window_count, window_cap;
  slot *slots;
  int slot_count;
  custapi_bulk_summary sum;
  uint64_t start_ms;
};

/* The input formats and their names: the one place they are spelled. */
static const struct {
  const char *name;
  custapi_bulk_format format;
} format_names[] = {{"jsonl", CUSTAPI_BULK_JSONL}, {"csv", CUSTAPI_BULK_CSV}};

custapi_bulk_format custapi_bulk_format_for(const char *path) {
  assert(path);
  size_t n = strlen(path);
  return n >= 4 && strcasecmp(path + n - 4, ".csv") == 0 ? CUSTAPI_BULK_CSV : CUSTAPI_BULK_JSONL;
}

int custapi_bulk_format_parse(custapi_bulk_format *out, const char *name, custapi_error *err) {
  assert(out && name);
  for (size_t i = 0; i < sizeof format_names / sizeof format_names[0]; i++) {
    if (strcmp(format_names[i].name, name) == 0) {
      *out = format_names[i].format;
      return 0;
    }
  }
  return custapi__error_set(err, CUSTAPI_CATEGORY_USAGE, NULL, "must be %s or %s, not %.100s",
                            format_names[0].name, format_names[1].name, name);
}

static void stop(bulk *b, int rc, const custapi_error *err) {
  if (b->stop_rc)
    return;
  b->stop_rc = rc;
  custapi__error_copy(&b->stop_err, err);
}

/* Hands one outcome to the caller and counts it. */
static void report(bulk *b, const custapi_bulk_outcome *o) {
  if (o->status == 0)
    b->sum.succeeded++;
  else
    b->sum.failed++;
  if (!b->options->done)
    return;
  int rc = b->options->done(o, b->options->done_payload);
  if (rc < 0) {
    custapi_error err = CUSTAPI_ERROR_INIT;
    custapi__error_set(&err, CUSTAPI_CATEGORY_INTERNAL, NULL,
                       "stopped by the caller after line %ld", o->line);
    /* Compared without negating: -INT_MIN overflows. */
    if (rc >= -(int)CUSTAPI_CATEGORY_INTERNAL)
      err.category = (custapi_category)-rc;
    else
      rc = CUSTAPI_EINTERNAL; /* not a custapi_status: a bug in the caller */
    stop(b, rc, &err);
  }
}

static void report_refused(bulk *b, long line, int32_t id, const custapi_error *err) {
  custapi_bulk_outcome o = {0};
  o.line = line;
  o.id = id;
  o.status = custapi__status_of(err->category);
  o.error = err;
  report(b, &o);
}

/* ---- reading ahead ---- */

/* A record the reader accepted: skipped, refused, or queued. */
static void take_record(bulk *b, long line, int32_t id, custapi_customer *properties) {
  custapi_error err = CUSTAPI_ERROR_INIT;
  if (b->options->skip && b->options->skip(line, id, b->options->skip_payload)) {
    b->sum.skipped++;
    custapi_customer_free(properties);
    return;
  }
  /* Refused as every update is (nothing to update included): the client's one check. */
  int rc = custapi__client_check_update(b->client, id, properties, b->options->mode, &err);
  if (rc == CUSTAPI_EINTERNAL) { /* out of memory: no fault of the record; the run ends */
    custapi_customer_free(properties);
    report_refused(b, line, id, &err);
    stop(b, rc, &err);
    return;
  }
  if (rc < 0) {
    custapi_customer_free(properties);
    char message[CUSTAPI_ERROR_MESSAGE_MAX];
    snprintf(message, sizeof message, "line %ld: %.*s", line, CUSTAPI_ERROR_MESSAGE_MAX - 32,
             err.message);
    memcpy(err.message, message, sizeof message);
    report_refused(b, line, id, &err);
    return;
  }
  b->window[b->window_count++] = (pending){line, id, properties};
}

/* Reads records while the window has room and the input has them to give. A pipe whose writer
 * is slow is not waited on here: the records read already go out meanwhile, and the loop's wait
 * wakes for the input too (run_loop). */
static void fill_window(bulk *b) {
  b->input_dry = 0;
  while (!b->eof && !b->stop_rc && b->window_count < b->window_cap) {
    if (!custapi__records_ready(b->records)) {
      b->input_dry = 1;
      return;
    }
    long line;
    int32_t id;
    custapi_customer *properties;
    custapi_error err = CUSTAPI_ERROR_INIT;
    records_status st = custapi__records_next(b->records, &line, &id, &properties, &err);
    if (st == RECORDS_END) {
      b->eof = 1;
    } else if (st == RECORDS_FATAL) {
      b->eof = 1;
      stop(b, custapi__status_of(err.category), &err);
    } else if (st == RECORDS_BAD) {
      b->sum.records++;
      report_refused(b, line, id, &err); /* the reader's message names the line */
    } else {
      b->sum.records++;
      take_record(b, line, id, properties);
    }
  }
}

/* ---- starting ---- */

static int id_in_flight(const bulk *b, int32_t id) {
  for (int i = 0; i < b->slot_count; i++)
    if (b->slots[i].busy && b->slots[i].id == id)
      return 1;
  return 0;
}

/* The first record of the window that may go now, or -1. */
static long next_ready(const bulk *b) {
  for (size_t i = 0; i < b->window_count; i++) {
    int32_t id = b->window[i].id;
    if (id_in_flight(b, id))
      continue;
    int behind = 0;
    for (size_t j = 0; j < i && !behind; j++)
      behind = b->window[j].id == id;
    if (!behind)
      return (long)i;
  }
  return -1;
}

static void on_update_done(const custapi__update_outcome *u, void *payload) {
  slot *s = payload;
  bulk *b = s->owner;
  s->busy = 0;
  b->sum.in_flight--;
  custapi_bulk_outcome o = {0};
  o.line = s->line;
  o.id = s->id;
  o.status = u->status;
  o.attempts = u->attempts;
  o.http_status = u->http_status;
  o.elapsed_ms = u->elapsed_ms;
  o.error = u->error;
  o.maybe_applied = u->maybe_applied;
  o.result = u->result;
  report(b, &o);
  /* Out of memory (or a bug) is no answer of the server's: the run ends with it rather than
   * carrying on and calling it a partial success. */
  if (u->status == CUSTAPI_EINTERNAL)
    stop(b, u->status, u->error);
}

static void start_ready(bulk *b) {
  for (int i = 0; i < b->slot_count && !b->stop_rc; i++) {
    slot *s = &b->slots[i];
    if (s->busy)
      continue;
    long k = next_ready(b);
    if (k < 0)
      return;
    pending p = b->window[k];
    memmove(&b->window[k], &b->window[k + 1],
            (b->window_count - (size_t)k - 1) * sizeof *b->window);
    b->window_count--;
    custapi_error err = CUSTAPI_ERROR_INIT;
    s->line = p.line;
    s->id = p.id;
    int rc = custapi__update_start(b->client, p.id, p.properties, b->update_flags,
                                   on_update_done, s, &err);
    custapi_customer_free(p.properties); /* encoded by now */
    if (rc < 0) {
      report_refused(b, p.line, p.id, &err);
      stop(b, rc, &err);
      return;
    }
    s->busy = 1;
    b->sum.in_flight++;
  }
}

/* ---- the run ---- */

static int check_options(const custapi_bulk_options *o, custapi_error *err) {
  if (o->version < 1 || o->version > CUSTAPI_BULK_OPTIONS_VERSION)
    return custapi__error_set(err, CUSTAPI_CATEGORY_USAGE, NULL,
                              "bulk options version %u is not supported (start from "
                              "CUSTAPI_BULK_OPTIONS_INIT)",
                              o->version);
  if (o->format != CUSTAPI_BULK_JSONL && o->format != CUSTAPI_BULK_CSV)
    return custapi__error_set(err, CUSTAPI_CATEGORY_USAGE, NULL, "unknown bulk format %d",
                              (int)o->format);
  if (o->concurrency < 0 || o->concurrency > CUSTAPI_BULK_CONCURRENCY_MAX)
    return custapi__error_set(err, CUSTAPI_CATEGORY_USAGE, NULL,
                              "concurrency must be from 1 to %d, not %d",
                              CUSTAPI_BULK_CONCURRENCY_MAX, o->concurrency);
  return custapi_validate_mode_as_given(o->mode, "bulk", err);
}

static void bulk_release(bulk *b) {
  for (size_t i = 0; i < b->window_count; i++)
    custapi_customer_free(b->window[i].properties);
  custapi__free(b->window);
  custapi__free(b->slots);
  custapi__records_free(b->records);
}

/* Records read ahead but not started: dropped, as if never read (a resume reads them again). */
static void drop_window(bulk *b) {
  for (size_t i = 0; i < b->window_count; i++)
    custapi_customer_free(b->window[i].properties);
  b->sum.records -= (long)b->window_count;
  b->window_count = 0;
}

/* What the caller's stop callback says (version 3 of the options on). */
static void ask_stop(bulk *b) {
  if (b->options->version < 3 || !b->options->stop)
    return;
  int say = b->options->stop(b->options->stop_payload);
  if (say == CUSTAPI_BULK_GO_ON)
    return;
  if (!b->stopping) {
    b->stopping = 1;
    b->eof = 1;
    drop_window(b);
  }
  if (say == CUSTAPI_BULK_STOP_NOW && b->sum.in_flight > 0) {
    custapi_error why = CUSTAPI_ERROR_INIT;
    custapi__error_set(&why, CUSTAPI_CATEGORY_TRANSPORT, NULL, "%s",
                       "interrupted before the answer came (the update may have been applied)");
    custapi__client_abort_async(b->client, &why, 1); /* each reported as failed */
  }
}

/* While the input is dry, the loop's wait wakes for it too (the transport's watch), and waits
 * on it even with nothing in flight: `stop` is still asked between waits. */
static void watch_input(bulk *b, int on) {
  if (on == b->watching_input)
    return;
  b->watching_input = on;
  custapi_transport_watch w = {.fds = {custapi__records_wait_fd(b->records)}, .fd_count = 1};
  custapi__client_watch(b->client, on ? &w : NULL);
}

static void run_loop(bulk *b) {
  for (;;) {
    ask_stop(b);
    fill_window(b);
    start_ready(b);
    if (b->sum.in_flight == 0 && (b->stop_rc || (b->eof && b->window_count == 0)))
      return;
    watch_input(b, b->input_dry);
    custapi_error err = CUSTAPI_ERROR_INIT;
    if (custapi__client_step(b->client, &err) < 0) {
      stop(b, custapi__status_of(err.category), &err);
      custapi__client_abort_async(b->client, &err, 0); /* each reported as failed */
    }
    if (b->options->tick) {
      b->sum.elapsed_ms = (long)(custapi__now_ms() - b->start_ms);
      b->options->tick(&b->sum, b->options->tick_payload);
    }
  }
}

/* The caller's summary gets the fields its version has (0: the first layout), and keeps its
 * version: it may be smaller than this library's custapi_bulk_summary. */
static void summary_put(custapi_bulk_summary *out, const custapi_bulk_summary *s) {
  if ((out->version ? out->version : 1u) < 1)
    return;
  out->records = s->records;
  out->succeeded = s->succeeded;
  out->failed = s->failed;
  out->skipped = s->skipped;
  out->in_flight = s->in_flight;
  out->elapsed_ms = s->elapsed_ms;
}

int custapi_bulk_run(custapi_bulk_summary *out, custapi_client *client, FILE *input,
                     const custapi_bulk_options *options) {
  assert(out && client && input && options);
  summary_put(out, &(custapi_bulk_summary){0});
  custapi_error err = CUSTAPI_ERROR_INIT;
  int rc = check_options(options, &err);
  if (rc < 0)
    return custapi__client_fail(client, &err);
  if ((rc = custapi__client_refuse_if_busy(client)) < 0)
    return rc; /* a bulk run inside a bulk run's callback */
  bulk b = {0};
  b.client = client;
  b.options = options;
  b.sum.version = CUSTAPI_BULK_SUMMARY_VERSION; /* handed to the tick callback */
  /* `flags` exists from version 2 of the options on. */
  if (options->version >= 2 && (options->flags & CUSTAPI_BULK_NO_CUSTOMERS))
    b.update_flags = CUSTAPI__UPDATE_BRIEF;
  b.start_ms = custapi__now_ms();
  b.slot_count = options->concurrency ? options->concurrency : CUSTAPI_BULK_CONCURRENCY_DEFAULT;
  b.window_cap = (size_t)b.slot_count * WINDOW_PER_SLOT;
  if (b.window_cap < WINDOW_MIN)
    b.window_cap = WINDOW_MIN;
  b.slots = custapi__calloc((size_t)b.slot_count, sizeof *b.slots);
  b.window = custapi__calloc(b.window_cap, sizeof *b.window);
  if (!b.slots || !b.window) {
    bulk_release(&b);
    return custapi__client_fail(client, &(custapi_error){.category = CUSTAPI_CATEGORY_INTERNAL,
                                                         .message = "out of memory"});
  }
  for (int i = 0; i < b.slot_count; i++)
    b.slots[i].owner = &b;
  custapi_bulk_format format = options->format;
  if ((rc = custapi__records_new(&b.records, input, format, options->customer_flags, &err)) < 0) {
    bulk_release(&b);
    return custapi__client_fail(client, &err);
  }
  custapi__client_set_busy(client, 1); /* callbacks must not start calls on this client */
  run_loop(&b);
  watch_input(&b, 0);
  custapi__client_set_busy(client, 0);
  b.sum.elapsed_ms = (long)(custapi__now_ms() - b.start_ms);
  summary_put(out, &b.sum);
  bulk_release(&b);
  if (b.stop_rc)
    return custapi__client_fail(client, &b.stop_err);
  if (b.sum.failed > 0) {
    custapi__error_set(&err, CUSTAPI_CATEGORY_PARTIAL, NULL, "%ld of %ld records failed",
                       b.sum.failed, b.sum.records);
    return custapi__client_fail(client, &err);
  }
  custapi_error_clear(&err);
  custapi__client_fail(client, &err); /* no error left from a record that failed on the way */
  return 0;
}
