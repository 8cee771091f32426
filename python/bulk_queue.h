/*
 * The Python binding's bulk run (custapi.Client.bulk): custapi_bulk_run on a thread of its own,
 * the GIL released, each outcome written to the results file and copied into a bounded queue
 * that Python takes from in batches. Nothing here touches Python objects: the run goes on at C
 * speed while Python turns the batches into Outcome objects, and a consumer that falls behind
 * holds the run up (the queue is full) rather than growing it.
 */
#ifndef CUSTAPI_PY_BULK_QUEUE_H
#define CUSTAPI_PY_BULK_QUEUE_H

#include <stddef.h>
#include <stdint.h>

#include <custapi/custapi.h>

/* One record's outcome, copied out of the borrowed custapi_bulk_outcome: what every outcome has,
 * packed so that Python reads a batch of them at once with struct (_bulk.py). A failure's error
 * travels beside it (custapi_py_bulk_take). */
typedef struct custapi_py_outcome {
  long line;
  int32_t id;
  int status;
  int attempts;
  int http_status;
  long elapsed_ms;
  int has_result; /* XML-RPC's integer result is in `result` */
  int64_t result;
} custapi_py_outcome;

typedef struct custapi_py_bulk custapi_py_bulk;

/* custapi_py_bulk_new flag: finish the run recorded in the results file. */
#define CUSTAPI_PY_BULK_RESUME 1u

/* A run of `input` (borrowed; it must outlive the run), with the results file at
 * `results_path` (NULL: none) opened as the command opens --results. */
int custapi_py_bulk_new(custapi_py_bulk **out, const char *results_path, custapi_bulk_input *input,
                        unsigned flags, custapi_error *err);
void custapi_py_bulk_free(custapi_py_bulk *bulk);
/* How many runs may take a record before its failure is final (the command's --max-attempts):
 * custapi_bulk_results_set_max_attempts on the run's results file; CUSTAPI_EUSAGE without one
 * or below 1. */
int custapi_py_bulk_set_max_attempts(custapi_py_bulk *bulk, int max_attempts);
/* Runs to the end (call it on a thread of its own); the status custapi_bulk_run returned. */
int custapi_py_bulk_run(custapi_py_bulk *bulk, custapi_client *client, int concurrency,
                        custapi_validate_mode mode, unsigned customer_flags);
/* Up to `max` outcomes into out[], waiting at most `timeout_ms` for the first; errors[i] is
 * out[i]'s error where out[i].status != 0 (left alone otherwise), *failures how many those are.
 * *finished is 1 once the run has ended and every outcome has been taken. */
size_t custapi_py_bulk_take(custapi_py_bulk *bulk, custapi_py_outcome *out, custapi_error *errors,
                            size_t max, int timeout_ms, size_t *failures, int *finished);
/* Start nothing more; updates in flight finish and are written to the results file, but no
 * longer queued (nobody will take them). A second call also ends those in flight at once. */
void custapi_py_bulk_stop(custapi_py_bulk *bulk);
/* records, succeeded, failed, skipped, elapsed_ms, so far or at the end. */
void custapi_py_bulk_summary(custapi_py_bulk *bulk, long counts[5]);
/* Why the run stopped, when custapi_py_bulk_run returned neither 0 nor CUSTAPI_EPARTIAL. */
void custapi_py_bulk_error(custapi_py_bulk *bulk, custapi_error *out);
/* Clears memory that held a key: a store the compiler may not drop. */
void custapi_py_wipe(void *p, size_t n);

#endif
