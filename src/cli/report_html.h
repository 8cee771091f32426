/* custapi report's page (report_html.c): one self-contained HTML file, inline CSS and SVG, no
 * script, nothing fetched. */
#ifndef CUSTAPI_CLI_REPORT_HTML_H
#define CUSTAPI_CLI_REPORT_HTML_H

#include <stdio.h>

#include "report_summary.h"

/* Writes the page; 0, or -1 when writing failed (errno set). */
int report_html_write(FILE *out, const report_summary *s);

#endif
