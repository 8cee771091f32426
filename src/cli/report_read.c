/*
 * Reading the inputs of custapi report: compare --results files, the gateway's --report files
 * and bulk --results files, each told by its header, each line checked for the members the
 * report counts. Streams: one line in memory at a time, one json-c tokener reused.
 */
#include "report_read.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_support.h"

typedef struct reader {
  report_summary *s;
  report_input *input;
  const char *path;
  const char *shown; /* the file's name as the samples and messages show it */
  long line;
  custapi_error *err;
} reader;

static int refuse(reader *r, const char *what) {
  return custapi__error_set(r->err, CUSTAPI_CATEGORY_USAGE, NULL, "%.200s:%ld: %s", r->path,
                            r->line, what);
}

static json_object *member(json_object *o, const char *key) {
  json_object *v = NULL;
  return json_object_object_get_ex(o, key, &v) ? v : NULL;
}

static int is_type(json_object *v, json_type t) { return v && json_object_is_type(v, t); }

static const char *string_member(json_object *o, const char *key) {
  json_object *v = member(o, key);
  return is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

static int verdict_ok(const char *v) {
  return v && (strcmp(v, "agree") == 0 || strcmp(v, "differ") == 0 || strcmp(v, "noise") == 0);
}

/* {"rest":N,"xmlrpc":N}, either may be missing; anything else there is refused. */
static int take_elapsed(reader *r, json_object *o) {
  json_object *e = member(o, "elapsed_ms");
  if (!e)
    return 0;
  if (!is_type(e, json_type_object))
    return refuse(r, "elapsed_ms is not an object of milliseconds per protocol");
  static const char *const keys[] = {"rest", "xmlrpc"};
  for (int p = 0; p < 2; p++) {
    json_object *v = member(e, keys[p]);
    if (!v)
      continue;
    if (!is_type(v, json_type_int) || json_object_get_int64(v) < 0)
      return refuse(r, "elapsed_ms holds something other than a whole number of milliseconds");
    report_latency_add(&r->s->latency[p], (long)json_object_get_int64(v));
  }
  return 0;
}

static int take_at(reader *r, json_object *o, const char *key) {
  json_object *v = member(o, key);
  if (v && !is_type(v, json_type_string))
    return refuse(r, "the time is not a string");
  report_note_time(r->s, v ? json_object_get_string(v) : NULL);
  return 0;
}

static int32_t id_of(json_object *o) {
  json_object *v = member(o, "id");
  return is_type(v, json_type_int) ? (int32_t)json_object_get_int(v) : 0;
}

static void sample_start(report_sample *x, reader *r, json_object *o) {
  memset(x, 0, sizeof *x);
  snprintf(x->file, sizeof x->file, "%s", r->shown);
  x->line = r->line;
  x->id = id_of(o);
}

/* An outcome object {"ok","category","http_status","fault_code"} into `out`; 1 when it failed. */
static int take_outcome(reader *r, json_object *o, report_outcome *out, int *bad) {
  memset(out, 0, sizeof *out);
  const char *category = string_member(o, "category");
  json_object *ok = member(o, "ok");
  if (!is_type(ok, json_type_boolean) || !category) {
    *bad = refuse(r, "an outcome without ok and category");
    return 0;
  }
  snprintf(out->category, sizeof out->category, "%s", category);
  json_object *status = member(o, "http_status"), *fault = member(o, "fault_code");
  if (is_type(status, json_type_int))
    out->http_status = json_object_get_int(status);
  if (is_type(fault, json_type_int)) {
    out->has_fault = 1;
    out->fault_code = json_object_get_int(fault);
  }
  return !json_object_get_boolean(ok);
}

/* An error object {"category","http_status","fault_code",...} as an outcome. */
static int error_outcome(reader *r, json_object *e, report_outcome *out) {
  memset(out, 0, sizeof *out);
  const char *category = is_type(e, json_type_object) ? string_member(e, "category") : NULL;
  if (!category)
    return refuse(r, "an error without a category");
  snprintf(out->category, sizeof out->category, "%s", category);
  json_object *status = member(e, "http_status"), *fault = member(e, "fault_code");
  if (is_type(status, json_type_int))
    out->http_status = json_object_get_int(status);
  if (is_type(fault, json_type_int)) {
    out->has_fault = 1;
    out->fault_code = json_object_get_int(fault);
  }
  return 0;
}

static int compare_line(reader *r, json_object *o) {
  report_summary *s = r->s;
  const char *verdict = string_member(o, "verdict");
  if (!verdict)
    return refuse(r, "a compare results line without a verdict");
  if (take_at(r, o, "at") < 0)
    return -1;
  s->compared++;
  if (strcmp(verdict, "failed") == 0) {
    report_outcome e;
    if (error_outcome(r, member(o, "error"), &e) < 0)
      return -1;
    s->failed++;
    /* Under REST: the snapshot that stopped it is read over REST (or nothing was sent). */
    report_count_error(s, &e, NULL);
    return 0;
  }
  if (strcmp(verdict, "agree") != 0 && strcmp(verdict, "differ") != 0)
    return refuse(r, "a verdict other than agree, differ or failed");
  json_object *props = member(o, "properties"), *outcomes = member(o, "outcomes");
  json_object *others = member(o, "other_differences");
  if (!is_type(props, json_type_array) || !is_type(outcomes, json_type_object) ||
      !is_type(others, json_type_array))
    return refuse(r, "a compare results line without properties, outcomes or other_differences");
  if (strcmp(verdict, "agree") == 0)
    s->agreed++;
  else
    s->differed++;
  for (size_t i = 0; i < json_object_array_length(props); i++) {
    json_object *p = json_object_array_get_idx(props, i);
    const char *name = is_type(p, json_type_object) ? string_member(p, "name") : NULL;
    const char *v = name ? string_member(p, "verdict") : NULL;
    if (!verdict_ok(v))
      return refuse(r, "a property without a name and a verdict agree, differ or noise");
    report_sample x;
    sample_start(&x, r, o);
    report_value_text(x.before, sizeof x.before, member(p, "before"));
    report_value_text(x.rest, sizeof x.rest, member(p, "after_rest"));
    report_value_text(x.xmlrpc, sizeof x.xmlrpc, member(p, "after_xmlrpc"));
    report_count(s, name, v, &x);
  }
  /* What is not a property (an update failing over one protocol only) counts under one name. */
  report_sample x;
  sample_start(&x, r, o);
  json_object *first = json_object_array_length(others) ? json_object_array_get_idx(others, 0)
                                                        : NULL;
  report_value_text(x.rest, sizeof x.rest, first);
  snprintf(x.before, sizeof x.before, "-");
  snprintf(x.xmlrpc, sizeof x.xmlrpc, "-");
  report_count(s, "(outcome)", first ? "differ" : "agree", &x);
  report_outcome out[2];
  int bad = 0, failed = 0;
  static const char *const keys[] = {"rest", "xmlrpc"};
  for (int p = 0; p < 2; p++) {
    json_object *one = member(outcomes, keys[p]);
    if (!is_type(one, json_type_object))
      return refuse(r, "outcomes without rest and xmlrpc");
    failed |= take_outcome(r, one, &out[p], &bad);
    if (bad)
      return -1;
  }
  if (failed)
    report_count_error(s, strcmp(out[0].category, "ok") ? &out[0] : NULL,
                       strcmp(out[1].category, "ok") ? &out[1] : NULL);
  return take_elapsed(r, o);
}

static int shadow_line(reader *r, json_object *o) {
  report_summary *s = r->s;
  const char *name = string_member(o, "property"), *verdict = string_member(o, "verdict");
  if (!name || !verdict_ok(verdict))
    return refuse(r, "a gateway report line without a property and a verdict agree, differ or "
                     "noise");
  if (take_at(r, o, "at") < 0)
    return -1;
  s->shadow_checks++;
  report_sample x;
  sample_start(&x, r, o);
  report_value_text(x.before, sizeof x.before, member(o, "sent"));
  report_value_text(x.rest, sizeof x.rest, member(o, "rest"));
  report_value_text(x.xmlrpc, sizeof x.xmlrpc, member(o, "xmlrpc"));
  report_count(s, name, verdict, &x);
  json_object *rf = member(o, "rest_read_failed"), *xf = member(o, "xmlrpc_read_failed");
  if (rf || xf) {
    report_outcome failed = {"read_failed", 0, 0, 0};
    report_count_error(s, rf ? &failed : NULL, xf ? &failed : NULL);
  }
  return take_elapsed(r, o);
}

static int bulk_line(reader *r, json_object *o) {
  report_summary *s = r->s;
  json_object *ok = member(o, "ok"), *line = member(o, "line");
  if (!is_type(ok, json_type_boolean) || !is_type(line, json_type_int))
    return refuse(r, "a bulk results line without line and ok");
  if (take_at(r, o, "at") < 0)
    return -1;
  s->bulk_records++;
  if (!json_object_get_boolean(ok)) {
    s->bulk_failed++;
    report_outcome e;
    if (error_outcome(r, member(o, "error"), &e) < 0)
      return -1;
    /* One protocol ran: the side its timing names (REST when it names none). */
    json_object *elapsed = member(o, "elapsed_ms");
    int xmlrpc = is_type(elapsed, json_type_object) && member(elapsed, "xmlrpc");
    report_count_error(s, xmlrpc ? NULL : &e, xmlrpc ? &e : NULL);
  }
  return take_elapsed(r, o);
}

/* The first line: which kind of file this is, and the custapi version it names. */
static int header(reader *r, json_object *o) {
  static const struct {
    const char *key;
    report_kind kind;
  } kinds[] = {{"custapi_compare_results", REPORT_COMPARE},
               {"custapi_shadow_report", REPORT_SHADOW},
               {"custapi_bulk_results", REPORT_BULK}};
  for (size_t i = 0; o && i < sizeof kinds / sizeof kinds[0]; i++) {
    json_object *v = member(o, kinds[i].key);
    if (!v)
      continue;
    if (!is_type(v, json_type_int) || json_object_get_int(v) != 1)
      return refuse(r, "a header of a version this custapi does not read");
    r->input->kind = kinds[i].kind;
    const char *version = string_member(o, "custapi_version");
    snprintf(r->input->version, sizeof r->input->version, "%s", version ? version : "");
    return 0;
  }
  return refuse(r, "not a compare --results, gateway --report or bulk --results file (its "
                   "first line is not their header)");
}

static int take_line(reader *r, json_tokener *tok, const char *text, size_t len) {
  json_tokener_reset(tok);
  json_object *o = json_tokener_parse_ex(tok, text, (int)len);
  if (!o || json_tokener_get_error(tok) != json_tokener_success ||
      json_tokener_get_parse_end(tok) != len || !json_object_is_type(o, json_type_object)) {
    json_object_put(o);
    return refuse(r, "not one JSON object");
  }
  int rc;
  if (r->line == 1)
    rc = header(r, o);
  else if (r->input->kind == REPORT_COMPARE)
    rc = compare_line(r, o);
  else if (r->input->kind == REPORT_SHADOW)
    rc = shadow_line(r, o);
  else
    rc = bulk_line(r, o);
  json_object_put(o);
  return rc;
}

static report_input *input_for(report_summary *s, const char *path) {
  static report_input overflow; /* inputs past the table: counted, not named */
  if (s->input_count == REPORT_FILES_MAX)
    return &overflow;
  report_input *in = &s->inputs[s->input_count++];
  snprintf(in->file, sizeof in->file, "%s", path);
  return in;
}

int report_read_file(report_summary *s, const char *path, custapi_error *err) {
  FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
  if (!f)
    return custapi__error_set(err, CUSTAPI_CATEGORY_USAGE, NULL, "can't open %.200s: %s", path,
                              strerror(errno));
  const char *slash = strrchr(path, '/');
  reader r = {s, input_for(s, path), path, slash ? slash + 1 : path, 0, err};
  json_tokener *tok = json_tokener_new_ex(64);
  char *buf = NULL;
  size_t cap = 0;
  ssize_t n;
  int rc = tok ? 0 : custapi__error_oom(err);
  while (rc == 0 && (n = getline(&buf, &cap, f)) >= 0) {
    r.line++;
    size_t len = (size_t)n;
    if (len > REPORT_LINE_MAX) {
      rc = refuse(&r, "a line longer than 1 MiB");
      break;
    }
    if (len && buf[len - 1] == '\n')
      len--;
    if (len == 0 && r.line > 1)
      continue; /* a blank line (the end of a file written by hand) */
    rc = take_line(&r, tok, buf, len);
    if (rc == 0)
      r.input->lines++;
  }
  if (rc == 0 && ferror(f))
    rc = custapi__error_set(err, CUSTAPI_CATEGORY_USAGE, NULL, "can't read %.200s: %s", path,
                            strerror(errno));
  if (rc == 0 && r.line == 0)
    rc = custapi__error_set(err, CUSTAPI_CATEGORY_USAGE, NULL,
                            "%.200s: empty (a results or report file starts with its header)",
                            path);
  if (rc == 0)
    r.input->lines--; /* the header is no record */
  free(buf);
  if (tok)
    json_tokener_free(tok);
  if (f != stdin)
    fclose(f);
  return rc;
}
