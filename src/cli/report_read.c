/*
 * Reading the inputs of custapi report: compare --results files, the gateway's --report files
 * and bulk --results files, each told by its header, each line checked strictly (the library's
 * JSON checker) and for the members the report counts. Streams: one line in memory at a time.
 */
#include "report_read.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_support.h"
#include "report_json.h"

typedef struct reader {
  report_summary *s;
  report_input *input;
  const char *path;
  const char *shown; /* the file's name as the samples show it */
  long line;
  rj_line json;
  custapi_error *err;
} reader;

static int refuse(reader *r, const char *what) {
  return custapi__error_set(r->err, CUSTAPI_CATEGORY_USAGE, NULL, "%.200s:%ld: %s", r->path,
                            r->line, what);
}

#define J (&r->json)

/* A string member's text (decoded, cut to size), or NULL when absent or not a string. */
static const char *string_member(reader *r, int obj, const char *key, char *buf, size_t size) {
  return rj_string(J, rj_member(J, obj, key), buf, size);
}

static int verdict_ok(const char *v) {
  return v && (strcmp(v, "agree") == 0 || strcmp(v, "differ") == 0 || strcmp(v, "noise") == 0);
}

/* {"rest":N,"xmlrpc":N}, either may be missing; anything else there is refused. */
static int take_elapsed(reader *r, int obj) {
  int e = rj_member(J, obj, "elapsed_ms");
  if (e < 0)
    return 0;
  if (!rj_is(J, e, '{'))
    return refuse(r, "elapsed_ms is not an object of milliseconds per protocol");
  static const char *const keys[] = {"rest", "xmlrpc"};
  for (int p = 0; p < 2; p++) {
    int v = rj_member(J, e, keys[p]);
    int64_t ms;
    if (v < 0)
      continue;
    if (!rj_int(J, v, &ms) || ms < 0 || ms > 86400000)
      return refuse(r, "elapsed_ms holds something other than a whole number of milliseconds");
    report_latency_add(&r->s->latency[p], (long)ms);
  }
  return 0;
}

static int take_at(reader *r, int obj, const char *key) {
  int v = rj_member(J, obj, key);
  char at[40];
  if (v >= 0 && !rj_is(J, v, '"'))
    return refuse(r, "the time is not a string");
  report_note_time(r->s, v >= 0 ? rj_string(J, v, at, sizeof at) : NULL);
  return 0;
}

static void sample_start(report_sample *x, reader *r, int obj) {
  int64_t id = 0;
  memset(x, 0, sizeof *x);
  snprintf(x->file, sizeof x->file, "%s", r->shown);
  x->line = r->line;
  x->id = rj_int(J, rj_member(J, obj, "id"), &id) && id > 0 && id <= INT32_MAX ? (int32_t)id : 0;
}

static void sample_value(reader *r, char *buf, size_t size, int obj, const char *key) {
  int v = rj_member(J, obj, key);
  report_value_text(buf, size, v >= 0 ? J->tokens[v].text : NULL, v >= 0 ? J->tokens[v].len : 0);
}

/* Counts one check, rendering the sample's values only when it will be kept. */
static void count(reader *r, int obj, int props, const char *name, const char *verdict,
                  const char *const keys[3]) {
  if (!report_wants_sample(r->s, name, verdict)) {
    report_count(r->s, name, verdict, NULL);
    return;
  }
  report_sample x;
  sample_start(&x, r, obj);
  sample_value(r, x.before, sizeof x.before, props, keys[0]);
  sample_value(r, x.rest, sizeof x.rest, props, keys[1]);
  sample_value(r, x.xmlrpc, sizeof x.xmlrpc, props, keys[2]);
  report_count(r->s, name, verdict, &x);
}

/* An outcome or error object's category, HTTP status and fault code. */
static int take_outcome(reader *r, int o, report_outcome *out) {
  memset(out, 0, sizeof *out);
  if (!string_member(r, o, "category", out->category, sizeof out->category))
    return refuse(r, "an outcome or error without a category");
  int64_t v;
  if (rj_int(J, rj_member(J, o, "http_status"), &v))
    out->http_status = (int)v;
  if (rj_int(J, rj_member(J, o, "fault_code"), &v)) {
    out->has_fault = 1;
    out->fault_code = (int)v;
  }
  return 0;
}

static int compare_line(reader *r, int o) {
  report_summary *s = r->s;
  char verdict[16], name[80], v[16];
  if (!string_member(r, o, "verdict", verdict, sizeof verdict))
    return refuse(r, "a compare results line without a verdict");
  if (take_at(r, o, "at") < 0)
    return -1;
  if (strcmp(verdict, "failed") == 0) {
    report_outcome e;
    if (take_outcome(r, rj_member(J, o, "error"), &e) < 0)
      return -1;
    s->compared++;
    s->failed++;
    /* Under REST: the snapshot that stopped it is read over REST (or nothing was sent). */
    report_count_error(s, &e, NULL);
    return 0;
  }
  if (strcmp(verdict, "agree") != 0 && strcmp(verdict, "differ") != 0)
    return refuse(r, "a verdict other than agree, differ or failed");
  int props = rj_member(J, o, "properties"), outcomes = rj_member(J, o, "outcomes");
  int others = rj_member(J, o, "other_differences");
  if (!rj_is(J, props, '[') || !rj_is(J, outcomes, '{') || !rj_is(J, others, '['))
    return refuse(r, "a compare results line without properties, outcomes or other_differences");
  report_outcome out[2];
  int failed = 0;
  static const char *const sides[] = {"rest", "xmlrpc"};
  for (int p = 0; p < 2; p++) {
    int one = rj_member(J, outcomes, sides[p]), ok = rj_member(J, one, "ok");
    if (!rj_is(J, one, '{') || !(rj_is(J, ok, 't') || rj_is(J, ok, 'f')))
      return refuse(r, "outcomes without rest and xmlrpc, each with ok");
    if (take_outcome(r, one, &out[p]) < 0)
      return -1;
    failed |= rj_is(J, ok, 'f');
  }
  static const char *const keys[3] = {"before", "after_rest", "after_xmlrpc"};
  int item = -1;
  for (int i = 0; i < J->tokens[props].size; i++) {
    item = rj_item(J, props, item);
    if (!string_member(r, item, "name", name, sizeof name) ||
        !verdict_ok(string_member(r, item, "verdict", v, sizeof v)))
      return refuse(r, "a property without a name and a verdict agree, differ or noise");
  }
  s->compared++;
  if (strcmp(verdict, "agree") == 0)
    s->agreed++;
  else
    s->differed++;
  item = -1;
  for (int i = 0; i < J->tokens[props].size; i++) {
    item = rj_item(J, props, item);
    count(r, o, item, string_member(r, item, "name", name, sizeof name),
          string_member(r, item, "verdict", v, sizeof v), keys);
  }
  /* What is not a property (an update failing over one protocol only) counts under one name:
   * its sample shows the first such difference. */
  int differs = J->tokens[others].size > 0;
  if (report_wants_sample(s, "(outcome)", differs ? "differ" : "agree")) {
    report_sample x;
    int first = rj_item(J, others, -1);
    sample_start(&x, r, o);
    report_value_text(x.rest, sizeof x.rest, J->tokens[first].text, J->tokens[first].len);
    snprintf(x.before, sizeof x.before, "-");
    snprintf(x.xmlrpc, sizeof x.xmlrpc, "-");
    report_count(s, "(outcome)", "differ", &x);
  } else {
    report_count(s, "(outcome)", differs ? "differ" : "agree", NULL);
  }
  if (failed)
    report_count_error(s, strcmp(out[0].category, "ok") ? &out[0] : NULL,
                       strcmp(out[1].category, "ok") ? &out[1] : NULL);
  return take_elapsed(r, o);
}

static int shadow_line(reader *r, int o) {
  char name[80], verdict[16];
  if (!string_member(r, o, "property", name, sizeof name) ||
      !verdict_ok(string_member(r, o, "verdict", verdict, sizeof verdict)))
    return refuse(r, "a gateway report line without a property and a verdict agree, differ or "
                     "noise");
  if (take_at(r, o, "at") < 0 || take_elapsed(r, o) < 0)
    return -1;
  r->s->shadow_checks++;
  static const char *const keys[3] = {"sent", "rest", "xmlrpc"};
  count(r, o, o, name, verdict, keys);
  int rf = rj_is(J, rj_member(J, o, "rest_read_failed"), 't');
  int xf = rj_is(J, rj_member(J, o, "xmlrpc_read_failed"), 't');
  if (rf || xf) {
    report_outcome failed = {"read_failed", 0, 0, 0};
    report_count_error(r->s, rf ? &failed : NULL, xf ? &failed : NULL);
  }
  return 0;
}

static int bulk_line(reader *r, int o) {
  int ok = rj_member(J, o, "ok");
  int64_t line;
  if (!(rj_is(J, ok, 't') || rj_is(J, ok, 'f')) || !rj_int(J, rj_member(J, o, "line"), &line))
    return refuse(r, "a bulk results line without line and ok");
  report_outcome e;
  if (rj_is(J, ok, 'f') && take_outcome(r, rj_member(J, o, "error"), &e) < 0)
    return -1;
  if (take_at(r, o, "at") < 0 || take_elapsed(r, o) < 0)
    return -1;
  r->s->bulk_records++;
  if (rj_is(J, ok, 'f')) {
    r->s->bulk_failed++;
    /* One protocol ran: the side its timing names (REST when it names none). */
    int xmlrpc = rj_member(J, rj_member(J, o, "elapsed_ms"), "xmlrpc") >= 0;
    report_count_error(r->s, xmlrpc ? NULL : &e, xmlrpc ? &e : NULL);
  }
  return 0;
}

/* The first line: which kind of file this is, and the custapi version it names. */
static int header(reader *r, int o) {
  static const struct {
    const char *key;
    report_kind kind;
  } kinds[] = {{"custapi_compare_results", REPORT_COMPARE},
               {"custapi_shadow_report", REPORT_SHADOW},
               {"custapi_bulk_results", REPORT_BULK}};
  for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
    int v = rj_member(J, o, kinds[i].key);
    int64_t version;
    if (v < 0)
      continue;
    if (!rj_int(J, v, &version) || version != 1)
      return refuse(r, "a header of a version this custapi does not read");
    r->input->kind = kinds[i].kind;
    if (!string_member(r, o, "custapi_version", r->input->version, sizeof r->input->version))
      r->input->version[0] = '\0';
    return 0;
  }
  return refuse(r, "not a compare --results, gateway --report or bulk --results file (its "
                   "first line is not their header)");
}

static int take_line(reader *r, const char *text, size_t len) {
  int rc = rj_parse(J, text, len);
  if (rc == -2)
    return custapi__error_oom(r->err);
  if (rc < 0) {
    char what[160];
    snprintf(what, sizeof what, "not one JSON object: %s%s%.60s", J->problem, *J->key ? " in " : "",
             J->key);
    return refuse(r, what);
  }
  if (r->line == 1)
    return header(r, 0);
  if (r->input->kind == REPORT_COMPARE)
    return compare_line(r, 0);
  if (r->input->kind == REPORT_SHADOW)
    return shadow_line(r, 0);
  return bulk_line(r, 0);
}

static report_input *input_for(report_summary *s, const char *path) {
  static report_input overflow; /* inputs past the table: counted, not named */
  if (s->input_count == REPORT_FILES_MAX)
    return &overflow;
  report_input *in = &s->inputs[s->input_count++];
  snprintf(in->file, sizeof in->file, "%s", path);
  return in;
}

/* One line into buf, with its line break; 0 at the end; -1 when longer than the limit, -2
 * when it holds a NUL byte. *ended: the last line, without a line break. */
static long read_line(FILE *f, char *buf, size_t size, int *ended) {
  *ended = 0;
  if (!fgets(buf, (int)size, f))
    return 0;
  size_t n = strlen(buf);
  if (n && buf[n - 1] == '\n')
    return (long)n;
  if (feof(f) && !ferror(f)) {
    *ended = 1;
    return (long)n; /* a NUL in a last line without a line break: the JSON check refuses it */
  }
  return n + 1 < size - 1 ? -2 : -1; /* stopped short of the limit: at a NUL */
}

int report_read_file(report_summary *s, const char *path, custapi_error *err) {
  FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
  if (!f)
    return custapi__error_set(err, CUSTAPI_CATEGORY_USAGE, NULL, "can't open %.200s: %s", path,
                              strerror(errno));
  const char *slash = strrchr(path, '/');
  reader r = {s, input_for(s, path), path, slash ? slash + 1 : path, 0, {0}, err};
  char *buf = custapi__malloc(REPORT_LINE_MAX + 2);
  int rc = buf ? 0 : custapi__error_oom(err), ended;
  long n;
  while (rc == 0 && (n = read_line(f, buf, REPORT_LINE_MAX + 2, &ended)) != 0) {
    r.line++;
    if (n < 0) {
      rc = refuse(&r, n == -1 ? "a line longer than 1 MiB" : "a NUL byte in the line");
      break;
    }
    size_t len = (size_t)n - !ended;
    if (len == 0 && r.line > 1)
      continue; /* a blank line (the end of a file written by hand) */
    rc = take_line(&r, buf, len);
    if (rc == 0)
      r.input->lines++;
  }
  if (rc == 0 && ferror(f))
    rc = custapi__error_set(err, CUSTAPI_CATEGORY_USAGE, NULL, "can't read %.200s: %s", path,
                            strerror(errno));
  if (rc == 0 && r.line == 0)
    rc =
        custapi__error_set(err, CUSTAPI_CATEGORY_USAGE, NULL,
                           "%.200s: empty (a results or report file starts with its header)", path);
  if (rc == 0)
    r.input->lines--; /* the header is no record */
  custapi__free(buf);
  rj_free(&r.json);
  if (f != stdin)
    fclose(f);
  return rc;
}
