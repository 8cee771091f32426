/* The progress line of `custapi bulk` on a terminal: formatting (pure) and throttled drawing. */
#ifndef CUSTAPI_CLI_PROGRESS_H
#define CUSTAPI_CLI_PROGRESS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Redraws at most this often: a terminal can't show more, and each redraw costs a write. */
#define PROGRESS_INTERVAL_MS 100

/*
 * "[#####-----]  412/1000  41%  205.3/s  3 errors  ETA 0:03" (total < 0: unknown, then only
 * "412 done  205.3/s  3 errors"). `done` counts records finished (ok or failed) or skipped.
 */
void progress_format(char *buf, size_t size, long done, long total, long errors, double rate_per_s);

typedef struct progress {
  FILE *out;        /* stderr, or NULL: draw nothing (not a terminal) */
  long total;       /* -1: unknown */
  uint64_t last_ms; /* of the last redraw */
  int drawn;        /* a line is on screen */
} progress;

/* Draws when PROGRESS_INTERVAL_MS have passed since the last time (or `force`). */
void progress_update(progress *p, uint64_t now_ms, long done, long errors, double rate_per_s,
                     int force);
/* Erases the line, so that other output starts on a clean line. */
void progress_clear(progress *p);

#endif
