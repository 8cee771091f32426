/*
 * The input of `custapi bulk`: a file, or standard input. A file's format follows its name
 * (or --format); standard input has no name, so without --format its first line decides: a
 * JSON object is JSON Lines, a CSV header naming an `id` column is CSV, anything else is
 * refused before a record is read, with the hint to say --format csv.
 */
#ifndef CUSTAPI_BULK_INPUT_H
#define CUSTAPI_BULK_INPUT_H

#include <stddef.h>
#include <stdio.h>
#include <sys/stat.h>

#include "custapi/custapi.h"

typedef struct bulk_input {
  FILE *stream; /* the records; for standard input looked at, its first bytes replayed */
  custapi_bulk_format format;
  struct stat st; /* of the file, or of standard input */
  int is_stdin;
} bulk_input;

/* Opens `path` ("-": standard input); `format` is the one given, or NULL. On failure
 * (CUSTAPI_EINVALID: can't open, or standard input of no format we know) err says why. */
int custapi__bulk_input_open(bulk_input *in, const char *path, const custapi_bulk_format *format,
                             custapi_error *err);
void custapi__bulk_input_close(bulk_input *in);

/* The format the first non-blank line of `text` shows (a BOM ignored): 0 JSON Lines, 1 CSV,
 * -1 neither. Pure. */
int custapi__bulk_input_sniff(const char *text, size_t len);

#endif
