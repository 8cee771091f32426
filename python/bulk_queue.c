#include "bulk_queue.h"

#include <errno.h>
#include <stddef.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Outcomes queued at most: about 600 KiB, whatever the input's length. */
#define QUEUE_SIZE 1024
/* Waking the consumer costs it a context switch and the GIL: it is woken when this many
 * outcomes wait, or after a turn once WAKE_MS have passed since it was last woken (a slow run
 * still hands each outcome over promptly), or at the end. */
#define WAKE_AT 256
#define WAKE_MS 10

/* A queued outcome: its head and, for a failure, its error. */
typedef struct queued_outcome {
  custapi_py_outcome head;
  custapi_error error;
} queued_outcome;

struct custapi_py_bulk {
  pthread_mutex_t mu;
  pthread_cond_t ready; /* outcomes to take, or the end */
  pthread_cond_t room;  /* space in the queue, or nobody to take */
  queued_outcome queue[QUEUE_SIZE];
  size_t head, count;
  int finished;
  int stop;           /* 0, CUSTAPI_BULK_STOP or CUSTAPI_BULK_STOP_NOW */
  int detached;       /* stopped: outcomes are no longer queued */
  long long woken_ms; /* when the consumer was last woken (CLOCK_MONOTONIC) */
  custapi_bulk_input *input;
  custapi_bulk_results *results;
  int results_failed;
  custapi_error error;
  custapi_bulk_summary summary;
};

int custapi_py_bulk_new(custapi_py_bulk **out, const char *results_path, custapi_bulk_input *input,
                        unsigned flags, custapi_error *err) {
  *out = NULL;
  custapi_py_bulk *b = calloc(1, sizeof *b);
  if (!b) {
    /* the library's own wording of out of memory, without reaching its internals */
    *err = (custapi_error)CUSTAPI_ERROR_INIT;
    err->category = CUSTAPI_CATEGORY_INTERNAL;
    strcpy(err->message, "out of memory");
    return CUSTAPI_EINTERNAL;
  }
  pthread_mutex_init(&b->mu, NULL);
  pthread_cond_init(&b->ready, NULL);
  pthread_cond_init(&b->room, NULL);
  b->input = input;
  b->error = (custapi_error)CUSTAPI_ERROR_INIT;
  b->summary = (custapi_bulk_summary)CUSTAPI_BULK_SUMMARY_INIT;
  unsigned rflags = CUSTAPI_BULK_RESULTS_BATCH;
  if (flags & CUSTAPI_PY_BULK_RESUME)
    rflags |= CUSTAPI_BULK_RESULTS_RESUME;
  if (results_path) {
    int rc = custapi_bulk_results_open(&b->results, results_path, input, rflags, err);
    if (rc < 0) {
      custapi_py_bulk_free(b);
      return rc;
    }
  }
  *out = b;
  return 0;
}

void custapi_py_bulk_free(custapi_py_bulk *b) {
  if (!b)
    return;
  custapi_bulk_results_free(b->results);
  pthread_cond_destroy(&b->room);
  pthread_cond_destroy(&b->ready);
  pthread_mutex_destroy(&b->mu);
  free(b);
}

int custapi_py_bulk_set_max_attempts(custapi_py_bulk *b, int max_attempts) {
  if (!b->results)
    return CUSTAPI_EUSAGE;
  return custapi_bulk_results_set_max_attempts(b->results, max_attempts);
}

/* A success's error is never read (only a failure's is taken): it is not copied. */
static void copy_outcome(queued_outcome *to, const custapi_bulk_outcome *o) {
  custapi_py_outcome *h = &to->head;
  h->line = o->line;
  h->id = o->id;
  h->status = o->status;
  h->attempts = o->attempts;
  h->http_status = o->http_status;
  h->elapsed_ms = o->elapsed_ms;
  h->result = 0;
  h->has_result = o->result && custapi_result_value(&h->result, o->result);
  if (o->status != 0) {
    if (o->error)
      custapi_error_copy(&to->error, o->error);
    else
      to->error = (custapi_error)CUSTAPI_ERROR_INIT; /* not expected: an empty error */
  }
}

/* The results line first, so that what a consumer has seen is always on disk by the next
 * turn; a line that can't be written stops the run (its status is the run's). */
static int on_done(const custapi_bulk_outcome *o, void *payload) {
  custapi_py_bulk *b = payload;
  if (b->results && custapi_bulk_results_write(b->results, o, &b->error) < 0) {
    b->results_failed = 1;
    return CUSTAPI_EINTERNAL;
  }
  int wake = 0;
  pthread_mutex_lock(&b->mu);
  while (b->count == QUEUE_SIZE && !b->detached)
    pthread_cond_wait(&b->room, &b->mu);
  if (!b->detached) {
    copy_outcome(&b->queue[(b->head + b->count) % QUEUE_SIZE], o);
    b->count++;
    wake = b->count == WAKE_AT || b->count == QUEUE_SIZE;
  }
  pthread_mutex_unlock(&b->mu);
  /* Signalled once the lock is free: a consumer woken under it would wait for it at once. */
  if (wake)
    pthread_cond_signal(&b->ready);
  return 0;
}

/* After each turn and before the next sends anything: the turn's results go to disk in one
 * write(2), as the command's do. */
static long long now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void on_tick(const custapi_bulk_summary *so_far, void *payload) {
  custapi_py_bulk *b = payload;
  int wake = 0;
  pthread_mutex_lock(&b->mu);
  b->summary = *so_far;
  if (b->count > 0) {
    long long now = now_ms();
    if (now - b->woken_ms >= WAKE_MS) {
      b->woken_ms = now;
      wake = 1;
    }
  }
  pthread_mutex_unlock(&b->mu);
  if (wake)
    pthread_cond_signal(&b->ready);
  if (b->results && !b->results_failed && custapi_bulk_results_flush(b->results, &b->error) < 0) {
    b->results_failed = 1;
    custapi_py_bulk_stop(b);
  }
}

static int on_stop(void *payload) {
  custapi_py_bulk *b = payload;
  pthread_mutex_lock(&b->mu);
  int stop = b->stop;
  pthread_mutex_unlock(&b->mu);
  return stop;
}

int custapi_py_bulk_run(custapi_py_bulk *b, custapi_client *client, int concurrency,
                        custapi_validate_mode mode, unsigned customer_flags) {
  custapi_bulk_options bo = CUSTAPI_BULK_OPTIONS_INIT;
  bo.format = custapi_bulk_input_format(b->input);
  bo.concurrency = concurrency;
  bo.mode = mode;
  bo.customer_flags = customer_flags;
  bo.flags = CUSTAPI_BULK_NO_CUSTOMERS; /* an Outcome carries no customer, as the command's */
  bo.done = on_done;
  bo.done_payload = b;
  bo.tick = on_tick;
  bo.tick_payload = b;
  bo.stop = on_stop;
  bo.stop_payload = b;
  if (b->results) {
    bo.skip = custapi_bulk_results_skip;
    bo.skip_payload = b->results;
    /* every line names the client's protocol and carries its timing, as the command's */
    custapi_bulk_results_protocol(b->results, client);
  }
  custapi_bulk_summary sum = CUSTAPI_BULK_SUMMARY_INIT;
  int rc = custapi_bulk_run(&sum, client, custapi_bulk_input_stream(b->input), &bo);
  if (b->results && !b->results_failed && custapi_bulk_results_flush(b->results, &b->error) < 0)
    b->results_failed = 1;
  if (b->results_failed)
    rc = CUSTAPI_EINTERNAL; /* b->error names the file */
  else if (rc < 0 && rc != CUSTAPI_EPARTIAL)
    custapi_error_copy(&b->error, custapi_client_last_error(client));
  pthread_mutex_lock(&b->mu);
  b->summary = sum;
  b->finished = 1;
  pthread_cond_broadcast(&b->ready);
  pthread_mutex_unlock(&b->mu);
  return rc;
}

/* The outcomes are copied out with the lock released: the run only ever writes the slots past
 * head + count, and those taken here stay out of its reach until head moves on below. A copy
 * under the lock held the run up (a futex wait in on_done) for every batch. */
size_t custapi_py_bulk_take(custapi_py_bulk *b, custapi_py_outcome *out, custapi_error *errors,
                            size_t max, int timeout_ms, size_t *failures, int *finished) {
  struct timespec until;
  clock_gettime(CLOCK_REALTIME, &until);
  until.tv_sec += timeout_ms / 1000;
  until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
  if (until.tv_nsec >= 1000000000L) {
    until.tv_sec++;
    until.tv_nsec -= 1000000000L;
  }
  pthread_mutex_lock(&b->mu);
  while (b->count == 0 && !b->finished)
    if (pthread_cond_timedwait(&b->ready, &b->mu, &until) == ETIMEDOUT)
      break;
  size_t n = b->count < max ? b->count : max, first = b->head;
  pthread_mutex_unlock(&b->mu);
  *failures = 0;
  for (size_t i = 0; i < n; i++) {
    const queued_outcome *from = &b->queue[(first + i) % QUEUE_SIZE];
    out[i] = from->head;
    if (from->head.status != 0) {
      errors[i] = from->error;
      ++*failures;
    }
  }
  pthread_mutex_lock(&b->mu);
  b->head = (first + n) % QUEUE_SIZE;
  b->count -= n;
  *finished = b->finished && b->count == 0;
  pthread_mutex_unlock(&b->mu);
  if (n > 0)
    pthread_cond_signal(&b->room);
  return n;
}

void custapi_py_bulk_stop(custapi_py_bulk *b) {
  pthread_mutex_lock(&b->mu);
  b->stop = b->stop ? CUSTAPI_BULK_STOP_NOW : CUSTAPI_BULK_STOP;
  b->detached = 1;
  pthread_cond_broadcast(&b->room);
  pthread_mutex_unlock(&b->mu);
}

void custapi_py_bulk_summary(custapi_py_bulk *b, long counts[5]) {
  pthread_mutex_lock(&b->mu);
  counts[0] = b->summary.records;
  counts[1] = b->summary.succeeded;
  counts[2] = b->summary.failed;
  counts[3] = b->summary.skipped;
  counts[4] = b->summary.elapsed_ms;
  pthread_mutex_unlock(&b->mu);
}

void custapi_py_bulk_error(custapi_py_bulk *b, custapi_error *out) {
  custapi_error_copy(out, &b->error);
}

void custapi_py_wipe(void *p, size_t n) {
  volatile unsigned char *v = p;
  while (n--)
    *v++ = 0;
}
