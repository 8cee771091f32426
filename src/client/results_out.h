/*
 * Where `custapi bulk` writes its results: a file, or standard output (`--results -`). A file
 * is the run's own while it runs: created 0600 (it holds customer data; an existing file keeps
 * its mode), locked with flock so that a second run on it (an overlapping cron job, a resume
 * started too early) is refused at once, and never the input itself. Each line goes out with
 * one write(2) on an O_APPEND descriptor, so a kill at any moment leaves whole lines (at most a
 * torn last one, which a resume drops).
 */
#ifndef CUSTAPI_RESULTS_OUT_H
#define CUSTAPI_RESULTS_OUT_H

#include <stddef.h>
#include <sys/stat.h>

#include "custapi/custapi.h"
#include "results_file.h"
#include "resume_plan.h"

typedef struct results_out {
  int fd; /* -1: none */
  int is_stdout;
  const char *path; /* as given, for messages */
} results_out;

/* custapi__results_out_open's `resume`: read the file back (RESULTS_RESUME), and compact it
 * whatever its size (RESULTS_COMPACT; else only when it holds more than twice as many result
 * lines as the input has lines). */
#define RESULTS_RESUME 1
#define RESULTS_COMPACT 2

/*
 * Opens `path` ("-": standard output) and writes the header when it has none. With `resume`,
 * reads the file back into *plan first and drops a torn last line, then compacts it when it
 * holds more than twice the input's lines of results (or always, with RESULTS_COMPACT; a
 * compaction that fails leaves the file as it was and, unless asked for, is not an error).
 * Refused (CUSTAPI_EUSAGE, the file untouched): the input's own file (`input`: its stat),
 * without `resume` a file that already holds results, with it one that is not custapi's
 * results of this input; a file another run holds is CUSTAPI_EBUSY.
 */
int custapi__results_out_open(results_out *out, resume_plan **plan, const char *path, int resume,
                              const input_fingerprint *fp, const struct stat *input,
                              custapi_error *err);

/* One whole line, with one write(2) (CUSTAPI_EINTERNAL when it can't be written). */
int custapi__results_out_write(results_out *out, const char *line, size_t len, custapi_error *err);

/* Closes (and so unlocks) the file; accepts a results_out that never opened. */
void custapi__results_out_close(results_out *out);

#endif
