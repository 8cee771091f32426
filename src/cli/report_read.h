/* custapi report's reader (report_read.c): one input file, streamed line by line into the
 * summary, its kind told by its first line. */
#ifndef CUSTAPI_CLI_REPORT_READ_H
#define CUSTAPI_CLI_REPORT_READ_H

#include "custapi/custapi.h"
#include "report_summary.h"

/* Longest line read; a longer one is refused (no results line comes near it). */
#define REPORT_LINE_MAX (1024 * 1024)

/*
 * Reads `path` ("-": standard input) into `s`. Fails with a usage error naming the file and
 * the line ("report.jsonl:3: ...") when a line is not what its file's header says it holds, and
 * when the first line is no header that custapi writes.
 */
int report_read_file(report_summary *s, const char *path, custapi_error *err);

#endif
