/*
 * Streaming readers of bulk input: JSON Lines (`{"id":42,"sms_quota":5}` per line) and CSV
 * (header row `id,prop,...`, RFC 4180 quoting, an empty cell meaning "not sent", a leading BOM
 * ignored). One record in memory at a time, however long the input.
 */
#ifndef CUSTAPI_RECORDS_H
#define CUSTAPI_RECORDS_H

#include <stdint.h>
#include <stdio.h>

#include "custapi/custapi.h"

typedef struct custapi_records custapi_records;

/* The largest record accepted, in bytes: far above any real update. */
#define CUSTAPI_RECORD_MAX (1024 * 1024)

/*
 * Reads records from `in` (borrowed, positioned at the start). `customer_flags` are those of
 * every customer made (CUSTAPI_CUSTOMER_ALLOW_UNKNOWN ...). For CSV, the header row is read and
 * checked here: a fatal error (CUSTAPI_EINVALID naming the problem) when it is missing, has no
 * `id` column, an empty or repeated column name, or a name the schema refuses.
 */
int custapi__records_new(custapi_records **out, FILE *in, custapi_bulk_format format,
                         unsigned customer_flags, custapi_error *err);
void custapi__records_free(custapi_records *records);

typedef enum records_status {
  RECORDS_END = 0,   /* no more records */
  RECORDS_OK = 1,    /* a record: *line, *id, *customer set (the customer is the caller's) */
  RECORDS_BAD = -1,  /* this record is invalid (err says why, naming its line); go on */
  RECORDS_FATAL = -2 /* the input can't be read further (err says why) */
} records_status;

/*
 * The next record. `line` is the line where the record starts (1-based, the CSV header
 * counting as line 1). Blank lines are skipped. On RECORDS_BAD, *line and, when it could be
 * read, *id are still set.
 */
records_status custapi__records_next(custapi_records *records, long *line, int32_t *id,
                                     custapi_customer **customer, custapi_error *err);

/* Whether the next record can be read without waiting on the input's writer (input_ready.h):
 * always for a regular file; for a pipe, when bytes are buffered or readable. */
int custapi__records_ready(const custapi_records *records);
/* The descriptor to wait on while custapi__records_ready is 0, or -1 (it never is). */
int custapi__records_wait_fd(const custapi_records *records);

/* For tests only: with `on` 0, every JSON Lines record is read by the general (json-c) reader,
 * not the fast path for flat records, so that the two can be compared. On by default. */
void custapi__records_set_fast_path(custapi_records *records, int on);

#endif
