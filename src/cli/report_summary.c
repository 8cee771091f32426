/* custapi report's numbers: streaming counts, bounded samples, a fixed-bucket histogram. */
#include "report_summary.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli_support.h"

report_property *report_property_for(report_summary *s, const char *name) {
  for (size_t i = 0; i < s->property_count; i++)
    if (strcmp(s->properties[i].name, name) == 0)
      return &s->properties[i];
  if (s->property_count < REPORT_PROPERTIES_MAX && strlen(name) < sizeof s->properties[0].name) {
    report_property *p = &s->properties[s->property_count++];
    snprintf(p->name, sizeof p->name, "%s", name);
    return p;
  }
  /* Full (or a name too long to be a property): counted together, so no check is lost. */
  report_property *other = &s->properties[REPORT_PROPERTIES_MAX];
  snprintf(other->name, sizeof other->name, "%s", "(other)");
  return other;
}

/* A name that may hold a credential: its values are never shown. */
static int secret_name(const char *name) {
  static const char *const words[] = {"password", "passwd", "secret",        "token",
                                      "api_key",  "apikey", "authorization", "credential"};
  for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
    if (strstr(name, words[i]))
      return 1;
  return 0;
}

int report_wants_sample(report_summary *s, const char *name, const char *verdict) {
  return strcmp(verdict, "differ") == 0 &&
         report_property_for(s, name)->sample_count < REPORT_SAMPLES;
}

void report_count(report_summary *s, const char *name, const char *verdict,
                  const report_sample *sample) {
  report_property *p = report_property_for(s, name);
  if (strcmp(verdict, "agree") == 0) {
    p->agree++;
  } else if (strcmp(verdict, "noise") == 0) {
    p->noise++;
  } else {
    p->differ++;
    if (sample && p->sample_count < REPORT_SAMPLES) {
      report_sample *kept = &p->samples[p->sample_count++];
      *kept = *sample;
      if (secret_name(name)) {
        snprintf(kept->before, sizeof kept->before, "(redacted)");
        snprintf(kept->rest, sizeof kept->rest, "(redacted)");
        snprintf(kept->xmlrpc, sizeof kept->xmlrpc, "(redacted)");
      }
    }
  }
}

static int same_outcome(const report_outcome *a, const report_outcome *b) {
  return strcmp(a->category, b->category) == 0 && a->http_status == b->http_status &&
         a->has_fault == b->has_fault && (!a->has_fault || a->fault_code == b->fault_code);
}

void report_count_error(report_summary *s, const report_outcome *rest,
                        const report_outcome *xmlrpc) {
  static const report_outcome none = {"", 0, 0, 0};
  const report_outcome *r = rest ? rest : &none, *x = xmlrpc ? xmlrpc : &none;
  for (size_t i = 0; i < s->error_count; i++)
    if (same_outcome(&s->errors[i].rest, r) && same_outcome(&s->errors[i].xmlrpc, x)) {
      s->errors[i].count++;
      return;
    }
  if (s->error_count < REPORT_ERROR_PAIRS_MAX) {
    report_error_pair *e = &s->errors[s->error_count++];
    e->rest = *r;
    e->xmlrpc = *x;
    e->count = 1;
    return;
  }
  report_error_pair *other = &s->errors[REPORT_ERROR_PAIRS_MAX];
  snprintf(other->rest.category, sizeof other->rest.category, "(other)");
  snprintf(other->xmlrpc.category, sizeof other->xmlrpc.category, "(other)");
  other->count++;
}

/* Bucket 0 holds 0 ms; bucket b >= 1 holds (upper(b-1), upper(b)], upper(b) = 2^((b-1)/8). */
long report_bucket_upper(int b) {
  if (b <= 0)
    return 0;
  return (long)ceil(pow(2.0, (b - 1) / 8.0));
}

static int bucket_of(long ms) {
  if (ms <= 0)
    return 0;
  int b = 1 + (int)ceil(8.0 * log2((double)ms) - 1e-9);
  while (b > 1 && report_bucket_upper(b - 1) >= ms) /* ceil's rounding: the smallest bucket */
    b--;
  return b < REPORT_BUCKETS ? b : REPORT_BUCKETS - 1;
}

void report_latency_add(report_latency *l, long ms) {
  if (ms < 0)
    ms = 0;
  if (l->count == 0 || ms < l->min_ms)
    l->min_ms = ms;
  if (ms > l->max_ms)
    l->max_ms = ms;
  l->count++;
  l->buckets[bucket_of(ms)]++;
}

long report_latency_percentile(const report_latency *l, double p) {
  if (l->count == 0)
    return -1;
  long want = (long)ceil(p / 100.0 * (double)l->count), seen = 0;
  if (want < 1)
    want = 1;
  for (int b = 0; b < REPORT_BUCKETS; b++) {
    seen += l->buckets[b];
    if (seen >= want) {
      long upper = report_bucket_upper(b);
      return upper < l->max_ms ? upper : l->max_ms; /* never above what was seen */
    }
  }
  return l->max_ms;
}

void report_note_time(report_summary *s, const char *at) {
  if (!at || !*at || strlen(at) >= sizeof s->first_at)
    return;
  if (!*s->first_at || strcmp(at, s->first_at) < 0)
    snprintf(s->first_at, sizeof s->first_at, "%s", at);
  if (strcmp(at, s->last_at) > 0)
    snprintf(s->last_at, sizeof s->last_at, "%s", at);
}

void report_value_text(char *buf, size_t size, const char *json, size_t len) {
  if (!json) {
    json = "(absent)";
    len = strlen(json);
  }
  size_t max = size - 4 < REPORT_VALUE_MAX ? size - 4 : REPORT_VALUE_MAX;
  if (len <= max) {
    memcpy(buf, json, len);
    buf[len] = '\0';
    return;
  }
  size_t cut = max;
  while (cut > 0 && ((unsigned char)json[cut] & 0xC0) == 0x80) /* not inside a character */
    cut--;
  memcpy(buf, json, cut);
  memcpy(buf + cut, "\xE2\x80\xA6", 4); /* … and its NUL */
}

static long checks_of(const report_property *p) { return p->agree + p->differ + p->noise; }

double report_difference_rate(const report_property *p) {
  long n = checks_of(p);
  return n ? (double)p->differ / (double)n : 0;
}

double report_noise_rate(const report_property *p) {
  long n = checks_of(p);
  return n ? (double)p->noise / (double)n : 0;
}

static size_t properties_used(const report_summary *s) {
  return checks_of(&s->properties[REPORT_PROPERTIES_MAX]) ? REPORT_PROPERTIES_MAX + 1
                                                          : s->property_count;
}

static const report_property *property_at(const report_summary *s, size_t i) {
  return i < s->property_count ? &s->properties[i] : &s->properties[REPORT_PROPERTIES_MAX];
}

int report_passes(const report_summary *s) {
  for (size_t i = 0; i < properties_used(s); i++) {
    const report_property *p = property_at(s, i);
    if (p->differ && report_difference_rate(p) > s->max_rate)
      return 0;
  }
  return 1;
}

void report_outcome_text(char *buf, size_t size, const report_outcome *o) {
  if (!*o->category) {
    snprintf(buf, size, "-");
    return;
  }
  int n = snprintf(buf, size, "%s", o->category);
  if (o->http_status && n >= 0 && (size_t)n < size)
    n += snprintf(buf + n, size - (size_t)n, ", HTTP %d", o->http_status);
  if (o->has_fault && n >= 0 && (size_t)n < size)
    snprintf(buf + n, size - (size_t)n, ", fault %d", o->fault_code);
}

const char *report_kind_name(report_kind kind) {
  static const char *const names[] = {"compare-results", "gateway-report", "bulk-results"};
  return names[kind];
}

/* ---- the JSON summary ---- */

static json_object *rate(double r) {
  /* Six decimals: the page shows the same number rounded, the test reads it back. */
  return json_object_new_double(round(r * 1e6) / 1e6);
}

static json_object *sample_json(const report_sample *x) {
  json_object *o = json_object_new_object();
  int failed = custapi__json_add(o, "file", json_object_new_string(x->file));
  failed |= custapi__json_add(o, "line", json_object_new_int64(x->line));
  failed |= custapi__json_add_if(o, "id", x->id > 0, x->id > 0 ? json_object_new_int(x->id) : NULL);
  failed |= custapi__json_add(o, "before", json_object_new_string(x->before));
  failed |= custapi__json_add(o, "rest", json_object_new_string(x->rest));
  failed |= custapi__json_add(o, "xmlrpc", json_object_new_string(x->xmlrpc));
  return custapi__json_built(o, failed);
}

static json_object *property_json(const report_property *p) {
  json_object *o = json_object_new_object(), *samples = json_object_new_array();
  int failed = custapi__json_add(o, "name", json_object_new_string(p->name));
  failed |= custapi__json_add(o, "checks", json_object_new_int64(checks_of(p)));
  failed |= custapi__json_add(o, "agree", json_object_new_int64(p->agree));
  failed |= custapi__json_add(o, "differ", json_object_new_int64(p->differ));
  failed |= custapi__json_add(o, "noise", json_object_new_int64(p->noise));
  failed |= custapi__json_add(o, "difference_rate", rate(report_difference_rate(p)));
  failed |= custapi__json_add(o, "noise_rate", rate(report_noise_rate(p)));
  for (int i = 0; i < p->sample_count; i++)
    failed |= custapi__json_append(samples, sample_json(&p->samples[i]));
  failed |= custapi__json_add(o, "samples", samples);
  return custapi__json_built(o, failed);
}

static json_object *outcome_json(const report_outcome *o) {
  if (!*o->category)
    return NULL; /* did not run: a JSON null */
  json_object *j = json_object_new_object();
  int failed = custapi__json_add(j, "category", json_object_new_string(o->category));
  failed |= custapi__json_add_if(j, "http_status", o->http_status != 0,
                                 o->http_status ? json_object_new_int(o->http_status) : NULL);
  failed |= custapi__json_add_if(j, "fault_code", o->has_fault,
                                 o->has_fault ? json_object_new_int(o->fault_code) : NULL);
  return custapi__json_built(j, failed);
}

static int add_outcome(json_object *obj, const char *key, const report_outcome *o) {
  json_object *v = outcome_json(o);
  return custapi__json_add_if(obj, key, *o->category != '\0', v);
}

static json_object *latency_json(const report_latency *l) {
  json_object *o = json_object_new_object(), *hist = json_object_new_array();
  int failed = custapi__json_add(o, "count", json_object_new_int64(l->count));
  static const double ps[] = {50, 90, 99};
  static const char *const keys[] = {"p50_ms", "p90_ms", "p99_ms"};
  for (int i = 0; i < 3; i++) {
    long v = report_latency_percentile(l, ps[i]);
    failed |= custapi__json_add_if(o, keys[i], v >= 0, v >= 0 ? json_object_new_int64(v) : NULL);
  }
  failed |= custapi__json_add_if(o, "min_ms", l->count > 0,
                                 l->count ? json_object_new_int64(l->min_ms) : NULL);
  failed |= custapi__json_add_if(o, "max_ms", l->count > 0,
                                 l->count ? json_object_new_int64(l->max_ms) : NULL);
  for (int b = 0; b < REPORT_BUCKETS; b++) {
    if (!l->buckets[b])
      continue;
    json_object *bucket = json_object_new_object();
    int bf = custapi__json_add(bucket, "le_ms", json_object_new_int64(report_bucket_upper(b)));
    bf |= custapi__json_add(bucket, "count", json_object_new_int64(l->buckets[b]));
    failed |= custapi__json_append(hist, custapi__json_built(bucket, bf));
  }
  failed |= custapi__json_add(o, "histogram", hist);
  return custapi__json_built(o, failed);
}

json_object *report_summary_json(const report_summary *s) {
  json_object *o = json_object_new_object();
  int passes = report_passes(s);
  int failed = custapi__json_add(o, "custapi_report", json_object_new_int(1));
  failed |= custapi__json_add(o, "ok", json_object_new_boolean(passes));
  failed |= custapi__json_add(o, "verdict", json_object_new_string(passes ? "pass" : "differ"));
  failed |= custapi__json_add(o, "max_difference_rate", rate(s->max_rate));
  failed |= custapi__json_add(o, "custapi_version", json_object_new_string(custapi_version()));

  json_object *inputs = json_object_new_array();
  for (size_t i = 0; i < s->input_count; i++) {
    const report_input *in = &s->inputs[i];
    json_object *j = json_object_new_object();
    int f = custapi__json_add(j, "file", json_object_new_string(in->file));
    f |= custapi__json_add(j, "kind", json_object_new_string(report_kind_name(in->kind)));
    f |= custapi__json_add(j, "lines", json_object_new_int64(in->lines));
    f |= custapi__json_add_if(j, "custapi_version", *in->version != '\0',
                              *in->version ? json_object_new_string(in->version) : NULL);
    failed |= custapi__json_append(inputs, custapi__json_built(j, f));
  }
  failed |= custapi__json_add(o, "inputs", inputs);
  json_object *span = json_object_new_object();
  failed |= custapi__json_add_if(span, "first", *s->first_at != '\0',
                                 *s->first_at ? json_object_new_string(s->first_at) : NULL);
  failed |= custapi__json_add_if(span, "last", *s->last_at != '\0',
                                 *s->last_at ? json_object_new_string(s->last_at) : NULL);
  failed |= custapi__json_add(o, "time_span", span);

  json_object *records = json_object_new_object();
  failed |= custapi__json_add(records, "compared", json_object_new_int64(s->compared));
  failed |= custapi__json_add(records, "agreed", json_object_new_int64(s->agreed));
  failed |= custapi__json_add(records, "differed", json_object_new_int64(s->differed));
  failed |= custapi__json_add(records, "failed", json_object_new_int64(s->failed));
  failed |= custapi__json_add(records, "shadow_checks", json_object_new_int64(s->shadow_checks));
  failed |= custapi__json_add(records, "bulk", json_object_new_int64(s->bulk_records));
  failed |= custapi__json_add(records, "bulk_failed", json_object_new_int64(s->bulk_failed));
  failed |= custapi__json_add(o, "records", records);

  json_object *props = json_object_new_array();
  for (size_t i = 0; i < properties_used(s); i++)
    failed |= custapi__json_append(props, property_json(property_at(s, i)));
  failed |= custapi__json_add(o, "properties", props);

  json_object *errors = json_object_new_array();
  size_t pairs =
      s->errors[REPORT_ERROR_PAIRS_MAX].count ? REPORT_ERROR_PAIRS_MAX + 1 : s->error_count;
  for (size_t i = 0; i < pairs; i++) {
    const report_error_pair *e =
        i < s->error_count ? &s->errors[i] : &s->errors[REPORT_ERROR_PAIRS_MAX];
    json_object *j = json_object_new_object();
    int f = add_outcome(j, "rest", &e->rest);
    f |= add_outcome(j, "xmlrpc", &e->xmlrpc);
    f |= custapi__json_add(j, "count", json_object_new_int64(e->count));
    failed |= custapi__json_append(errors, custapi__json_built(j, f));
  }
  failed |= custapi__json_add(o, "errors", errors);

  json_object *latency = json_object_new_object();
  failed |= custapi__json_add(latency, "rest", latency_json(&s->latency[0]));
  failed |= custapi__json_add(latency, "xmlrpc", latency_json(&s->latency[1]));
  failed |= custapi__json_add(o, "latency", latency);
  return custapi__json_built(o, failed);
}
