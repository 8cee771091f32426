/*
 * --resume: which records of the input to send again, read from the results file of the run
 * being finished, so that the install ends as a clean run of the whole input would leave it.
 *
 * An update sets some properties of one customer, and a customer's lines are applied one after
 * another in input order, so what a customer holds depends on the order its lines were
 * applied. A record is skipped when its last result is ok, it was applied after every earlier
 * line of its id that is skipped, and no earlier line of its id is being sent again. Anything
 * else is sent, and with it every later line of the same id, in input order: a failed line is
 * sent again, and so are the lines of its id that had been applied after it.
 *
 * A line that failed in as many runs as the limit allows (--max-attempts) is given up on
 * (abandoned): never sent again, and not in the way of its id's later lines, which go on as if
 * it were not in the input.
 */
#ifndef CUSTAPI_RESUME_PLAN_H
#define CUSTAPI_RESUME_PLAN_H

#include <stdint.h>
#include <stdio.h>

#include "custapi/custapi.h"
#include "results_file.h"

typedef struct resume_plan resume_plan;

/*
 * Reads a results file from its start. An empty file, or one holding only the start of the
 * header this input would get (a kill while it was written), is "fresh" (*fresh = 1: write a
 * header). Otherwise its first line must be the header of this input (else CUSTAPI_EUSAGE: not
 * a results file, or one made from other input); every complete line after it must be a result
 * line whose line number is one of the input's (else CUSTAPI_EUSAGE naming the line); an
 * unterminated last line must be the start of a result line (torn by a kill: ignored, and its
 * record sent again). *keep is the length of the complete lines: truncate the file to it
 * before appending. Memory: 32 bytes per result line, whatever the line numbers say.
 */
int custapi__resume_plan_read(resume_plan **out, int *fresh, long *keep, FILE *in,
                              const input_fingerprint *fp, const char *path, custapi_error *err);
void custapi__resume_plan_free(resume_plan *plan);

/* Result lines read (ok or not). */
long custapi__resume_plan_results(const resume_plan *plan);

/*
 * Whether the record at `line`, of `id`, is to be skipped (1) or sent (0). Ask for every
 * record the input yields, in input order (the plan follows each id's lines as it goes).
 */
int custapi__resume_plan_skip(resume_plan *plan, long line, int32_t id, int max_tries);
/* (Returns 2 for a line given up on: its last result failed and `max_tries` runs took it.) */

/* The runs that took input line `line` so far (0: none). */
int custapi__resume_plan_tries(const resume_plan *plan, long line);
/* Result lines read (each line's every result, before the last was kept). */
long custapi__resume_plan_lines_read(const resume_plan *plan);
/* The file's line numbers (seq) of the results kept, one per input line, ascending, in a new
 * array (custapi__free): what a compacted file keeps. -1 when memory runs out. */
int custapi__resume_plan_kept(long **seqs, size_t *n, const resume_plan *plan);

#endif
