/*
 * custapi report's numbers (report_summary.c): counts that stream, samples that are bounded and
 * a fixed-bucket latency histogram, so that a million lines take the memory of ten. The reader
 * (report_read.c) feeds it; the HTML page (report_html.c) and the JSON summary read it.
 */
#ifndef CUSTAPI_CLI_REPORT_SUMMARY_H
#define CUSTAPI_CLI_REPORT_SUMMARY_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#define REPORT_SAMPLES 5          /* sample pairs kept per property */
#define REPORT_VALUE_MAX 120      /* bytes of a sample value shown (cut at a character) */
#define REPORT_PROPERTIES_MAX 200 /* properties counted by name; more go to "(other)" */
#define REPORT_ERROR_PAIRS_MAX 50 /* side-by-side error pairs counted; more go to "(other)" */
#define REPORT_FILES_MAX 64       /* inputs named one by one */
#define REPORT_BUCKETS 160        /* latency buckets: 0 ms, then each 2^(1/8) wider */

typedef enum report_kind { REPORT_COMPARE, REPORT_SHADOW, REPORT_BULK } report_kind;

typedef struct report_sample {
  char file[64];
  long line;
  int32_t id;
  char before[REPORT_VALUE_MAX + 8], rest[REPORT_VALUE_MAX + 8], xmlrpc[REPORT_VALUE_MAX + 8];
} report_sample;

typedef struct report_property {
  char name[72];
  long agree, differ, noise;
  report_sample samples[REPORT_SAMPLES];
  int sample_count;
} report_property;

/* One protocol's outcome, as the errors table shows it: "ok", or its category, status, fault. */
typedef struct report_outcome {
  char category[24];
  int http_status;
  int has_fault;
  int fault_code;
} report_outcome;

typedef struct report_error_pair {
  report_outcome rest, xmlrpc; /* category "" when that side did not run (bulk, one protocol) */
  long count;
} report_error_pair;

typedef struct report_latency {
  long count;
  long min_ms, max_ms;
  long buckets[REPORT_BUCKETS];
} report_latency;

typedef struct report_input {
  char file[256];
  report_kind kind;
  long lines;
  char version[32]; /* custapi's version from the header, or "" */
} report_input;

typedef struct report_summary {
  report_input inputs[REPORT_FILES_MAX];
  size_t input_count;
  long compared, agreed, differed, failed; /* compare records */
  long shadow_checks;                      /* gateway --report lines (one property each) */
  long bulk_records, bulk_failed;
  report_property properties[REPORT_PROPERTIES_MAX + 1]; /* the last one is "(other)" */
  size_t property_count;
  report_error_pair errors[REPORT_ERROR_PAIRS_MAX + 1]; /* the last one is "(other)" */
  size_t error_count;
  report_latency latency[2]; /* [0] REST, [1] XML-RPC */
  char first_at[40], last_at[40];
  double max_rate;
} report_summary;

/* The property of that name, counted from now on ("(other)" once the table is full). */
report_property *report_property_for(report_summary *s, const char *name);
/* 1 when a check of `name` with `verdict` would be kept as a sample (so its values are worth
 * rendering): a difference, while the property has room. */
int report_wants_sample(report_summary *s, const char *name, const char *verdict);
/* Counts one check of a property; keeps a sample of a difference while there is room. */
void report_count(report_summary *s, const char *name, const char *verdict,
                  const report_sample *sample);
/* Counts one failure, side by side (a NULL side did not fail, or did not run). */
void report_count_error(report_summary *s, const report_outcome *rest,
                        const report_outcome *xmlrpc);
/* One call's elapsed time over protocol 0 (REST) or 1 (XML-RPC). */
void report_latency_add(report_latency *l, long ms);
/* The upper bound in ms of the bucket holding the p-th percentile (0 < p <= 100), or -1. */
long report_latency_percentile(const report_latency *l, double p);
/* The upper bound in ms of bucket `b`. */
long report_bucket_upper(int b);
/* Widens the time span to hold `at` (an RFC 3339 UTC time). */
void report_note_time(report_summary *s, const char *at);
/* A value's text for a sample: its JSON as written (NULL: "(absent)"), cut at REPORT_VALUE_MAX
 * bytes, at a character, with "…" appended. */
void report_value_text(char *buf, size_t size, const char *json, size_t len);

/* The share of a property's checks that differ; of those that are noise. */
double report_difference_rate(const report_property *p);
double report_noise_rate(const report_property *p);
/* 1 when no property differs beyond the rate allowed. */
int report_passes(const report_summary *s);
/* "rejected, HTTP 422, fault 422" or "ok" or "-" (did not run). */
void report_outcome_text(char *buf, size_t size, const report_outcome *o);
const char *report_kind_name(report_kind kind);

/* The JSON summary (schemas/report-summary.schema.json); NULL when memory runs out. */
json_object *report_summary_json(const report_summary *s);

#endif
