/*
 * Compacting a results file: one line per input line (the header, then each line's last
 * result, in the order they were applied), so that a file resumed every minute does not grow
 * without end. The new file is written beside the old, synced, locked and renamed over it, so
 * that a kill at any moment leaves the old file or the new, whole.
 */
#ifndef CUSTAPI_RESULTS_COMPACT_H
#define CUSTAPI_RESULTS_COMPACT_H

#include "custapi/custapi.h"
#include "resume_plan.h"

/*
 * Rewrites the results file at `path`, open (and locked) on `fd` and read back into `plan`:
 * PATH.compact is written (the old file's mode), fsynced, locked, renamed over PATH, and the
 * folder fsynced. *new_fd is then the new file, open for appending and locked; the caller
 * closes `fd`. On failure (CUSTAPI_EINTERNAL naming the file and the reason) PATH is as it was
 * and PATH.compact is removed.
 */
int custapi__results_compact(int *new_fd, int fd, const char *path, const resume_plan *plan,
                             custapi_error *err);

#endif
