/*
 * The results file of `custapi bulk`: a first line that fingerprints the input, then one JSON
 * line per record, each written with one write(2) on an O_APPEND descriptor so that a kill at any
 * moment leaves whole lines (at most a torn last one, which a resume drops). Pure parts here
 * (formatting, the fingerprint, reading a results file back); no network.
 */
#ifndef CUSTAPI_RESULTS_FILE_H
#define CUSTAPI_RESULTS_FILE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "custapi/custapi.h"

#define RESULTS_FORMAT_VERSION 1
#define FNV1A64_INIT 0xcbf29ce484222325ull

/* What identifies an input: its size and FNV-1a-64 hash (known = 0 for standard input), and
 * how many lines it has (the last one counted with or without its line break). */
typedef struct input_fingerprint {
  int known;
  uint64_t bytes;
  uint64_t hash;
  uint64_t lines;
} input_fingerprint;

/* Folds `len` bytes into an FNV-1a-64 hash (start from FNV1A64_INIT). */
uint64_t custapi__fnv1a64(uint64_t hash, const void *data, size_t len);

/*
 * Reads `in` to its end: fingerprint, and the number of records it holds as `format` counts them
 * (non-blank lines; for CSV, rows outside quotes after the header). Cheap: no parsing. The
 * caller rewinds. Returns 0, or -1 on a read error (errno set).
 */
int custapi__input_scan(input_fingerprint *fp, long *records, FILE *in, custapi_bulk_format format);

/* The first line, with its "\n": {"custapi_bulk_results":1,"input_bytes":N,"input_hash":"hex"}
 * (both null for standard input). Returns the length, or -1 if it does not fit. */
int custapi__results_header(char *buf, size_t size, const input_fingerprint *fp);

/* One record's line, with its "\n", in a new buffer (free with custapi_free); NULL on OOM:
 * {"line":3,"id":42,"ok":true,"attempts":1} or ..."ok":false,"attempts":N,"error":{...}}. */
char *custapi__results_line(const custapi_bulk_outcome *outcome, size_t *len);

/* The line a results file holds: the one above with the timing members every results file
 * carries (issue 24): ...,"at":"2026-12-06T03:32:00.123Z","elapsed_ms":{"rest":35}}. `at` is
 * when the call started; with no `protocol` the line has no timing members. */
char *custapi__results_line_timed(const custapi_bulk_outcome *outcome, const char *protocol,
                                  const char *at, size_t *len);

#endif
