/*
 * The page of custapi report. Everything it shows comes from the summary, and every number a
 * program may check carries a data-k attribute naming the JSON summary's member it equals
 * (tests/cli/test_report_page.py reads them back from the rendered page). Every text from an
 * input is HTML-escaped; nothing is fetched (no src=, no href= but in-page anchors) and no
 * script is needed, so the file opens from disk, alone.
 */
#include "report_html.h"

#include <stdio.h>
#include <string.h>

#include "cli_support.h"

/* Text as HTML: < > & " ' escaped; a control character shown as U+FFFD. */
static void esc(FILE *out, const char *text) {
  for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
    switch (*p) {
    case '<':
      fputs("&lt;", out);
      break;
    case '>':
      fputs("&gt;", out);
      break;
    case '&':
      fputs("&amp;", out);
      break;
    case '"':
      fputs("&quot;", out);
      break;
    case '\'':
      fputs("&#39;", out);
      break;
    default:
      if (*p < 0x20 && *p != '\t')
        fputs("\xEF\xBF\xBD", out);
      else
        fputc(*p, out);
    }
  }
}

static void num(FILE *out, const char *key, long value) {
  fprintf(out, "<td class=\"n\" data-k=\"");
  esc(out, key);
  fprintf(out, "\">%ld</td>", value);
}

/* A rate as a percentage on the page, its exact value (as the JSON has it) in data-v. */
static void pct(FILE *out, const char *key, double r) {
  fprintf(out, "<td class=\"n\" data-k=\"");
  esc(out, key);
  fprintf(out, "\" data-v=\"%.6f\">%.2f%%</td>", r, r * 100);
}

static const char *const style =
    "body{font:15px/1.45 system-ui,sans-serif;margin:2em auto;max-width:70em;padding:0 1em;"
    "color:#1b1b1b;background:#fff}"
    "h1{font-size:1.6em;margin:0 0 .3em}h2{margin-top:1.8em;border-bottom:1px solid #ccc}"
    "table{border-collapse:collapse;margin:.5em 0}th,td{border:1px solid #bbb;padding:.25em .6em;"
    "text-align:left;vertical-align:top}caption{text-align:left;font-style:italic}"
    "th{background:#f0f0f0}td.n{text-align:right;"
    "font-variant-numeric:tabular-nums}code,td.v{font-family:ui-monospace,monospace;"
    "word-break:break-all;max-width:24em}"
    ".verdict{font-size:1.3em;padding:.6em 1em;border-radius:.3em;border:2px solid}"
    ".pass{background:#e6f4ea;border-color:#1e7b34}.differ{background:#fde8e8;border-color:#b3261e}"
    "tr.bad td{background:#fff4f4}svg{background:#fafafa;border:1px solid #ddd}"
    ".bar{fill:#3b6ea8}.axis{font-size:11px;fill:#333}";

static void verdict(FILE *out, const report_summary *s) {
  int passes = report_passes(s);
  size_t differing = 0;
  for (size_t i = 0; i <= REPORT_PROPERTIES_MAX; i++) {
    const report_property *p = &s->properties[i];
    if (i < s->property_count || i == REPORT_PROPERTIES_MAX)
      differing += p->differ && report_difference_rate(p) > s->max_rate;
  }
  fprintf(out, "<p class=\"verdict %s\" role=\"status\" data-k=\"verdict\">",
          passes ? "pass" : "differ");
  if (passes)
    fprintf(out,
            "<strong>pass</strong>: no property differs between REST and XML-RPC in more "
            "than %.2f%% of its checks.",
            s->max_rate * 100);
  else
    fprintf(out,
            "<strong>differ</strong>: %zu propert%s differ%s between REST and XML-RPC in "
            "more than %.2f%% of %s checks.",
            differing, differing == 1 ? "y" : "ies", differing == 1 ? "s" : "", s->max_rate * 100,
            differing == 1 ? "its" : "their");
  fputs("</p>\n", out);
}

static void records(FILE *out, const report_summary *s) {
  fputs("<h2 id=\"records\">Records</h2>\n<table>\n<tr><th scope=\"col\">what</th>"
        "<th scope=\"col\">count</th></tr>\n",
        out);
  static const struct {
    const char *label, *key;
    size_t offset;
  } rows[] = {
      {"compared (compare --results)", "records.compared", offsetof(report_summary, compared)},
      {"agreed", "records.agreed", offsetof(report_summary, agreed)},
      {"differed", "records.differed", offsetof(report_summary, differed)},
      {"could not be compared", "records.failed", offsetof(report_summary, failed)},
      {"property checks (gateway --report)", "records.shadow_checks",
       offsetof(report_summary, shadow_checks)},
      {"bulk records (bulk --results)", "records.bulk", offsetof(report_summary, bulk_records)},
      {"bulk records that failed", "records.bulk_failed", offsetof(report_summary, bulk_failed)},
  };
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    fprintf(out, "<tr><th scope=\"row\">%s</th>", rows[i].label);
    num(out, rows[i].key, *(const long *)(const void *)((const char *)s + rows[i].offset));
    fputs("</tr>\n", out);
  }
  fputs("</table>\n", out);
}

static size_t property_rows(const report_summary *s) {
  const report_property *other = &s->properties[REPORT_PROPERTIES_MAX];
  return other->agree + other->differ + other->noise ? REPORT_PROPERTIES_MAX + 1
                                                     : s->property_count;
}

static const report_property *row_property(const report_summary *s, size_t i) {
  return i < s->property_count ? &s->properties[i] : &s->properties[REPORT_PROPERTIES_MAX];
}

static void properties(FILE *out, const report_summary *s) {
  fputs("<h2 id=\"properties\">Properties</h2>\n<p>Each check is one property of one record "
        "(or of one update the gateway read back): <em>agree</em>, <em>differ</em>, or "
        "<em>noise</em> (it changes by itself, so it was not counted as a difference).</p>\n"
        "<table>\n<tr><th scope=\"col\">property</th><th scope=\"col\">checks</th>"
        "<th scope=\"col\">agree</th><th scope=\"col\">differ</th><th scope=\"col\">noise</th>"
        "<th scope=\"col\">difference rate</th><th scope=\"col\">noise rate</th></tr>\n",
        out);
  char key[128];
  for (size_t i = 0; i < property_rows(s); i++) {
    const report_property *p = row_property(s, i);
    fprintf(out, "<tr%s><th scope=\"row\"><code>", p->differ ? " class=\"bad\"" : "");
    esc(out, p->name);
    fputs("</code></th>", out);
#define K(member) (snprintf(key, sizeof key, "properties.%zu.%s", i, member), key)
    num(out, K("checks"), p->agree + p->differ + p->noise);
    num(out, K("agree"), p->agree);
    num(out, K("differ"), p->differ);
    num(out, K("noise"), p->noise);
    pct(out, K("difference_rate"), report_difference_rate(p));
    pct(out, K("noise_rate"), report_noise_rate(p));
#undef K
    fputs("</tr>\n", out);
  }
  fputs("</table>\n", out);
}

static void differences(FILE *out, const report_summary *s) {
  fputs("<h2 id=\"differences\">Differences</h2>\n", out);
  int any = 0;
  for (size_t i = 0; i < property_rows(s); i++) {
    const report_property *p = row_property(s, i);
    if (!p->differ)
      continue;
    any = 1;
    fputs("<h3><code>", out);
    esc(out, p->name);
    fprintf(out,
            "</code>: %ld difference%s</h3>\n<table>\n<caption>The first %d "
            "(values as JSON)</caption>\n<tr><th scope=\"col\">where</th>"
            "<th scope=\"col\">id</th><th scope=\"col\">before (or sent)</th>"
            "<th scope=\"col\">REST</th><th scope=\"col\">XML-RPC</th></tr>\n",
            p->differ, p->differ == 1 ? "" : "s", p->sample_count);
    for (int k = 0; k < p->sample_count; k++) {
      const report_sample *x = &p->samples[k];
      fputs("<tr><td>", out);
      esc(out, x->file);
      fprintf(out, ":%ld</td><td class=\"n\">", x->line);
      if (x->id > 0)
        fprintf(out, "%d", (int)x->id);
      fputs("</td><td class=\"v\">", out);
      esc(out, x->before);
      fputs("</td><td class=\"v\">", out);
      esc(out, x->rest);
      fputs("</td><td class=\"v\">", out);
      esc(out, x->xmlrpc);
      fputs("</td></tr>\n", out);
    }
    fputs("</table>\n", out);
  }
  if (!any)
    fputs("<p>None.</p>\n", out);
}

static void errors(FILE *out, const report_summary *s) {
  fputs("<h2 id=\"errors\">Errors side by side</h2>\n", out);
  size_t pairs =
      s->errors[REPORT_ERROR_PAIRS_MAX].count ? REPORT_ERROR_PAIRS_MAX + 1 : s->error_count;
  if (!pairs) {
    fputs("<p>None.</p>\n", out);
    return;
  }
  fputs("<p>Each row is one failure: what each protocol answered (category, HTTP status, "
        "XML-RPC fault code); <em>-</em> where that protocol did not fail or did not run. A "
        "record compare could not compare at all shows its error under REST, over which the "
        "customer is first read.</p>\n"
        "<table>\n<tr><th scope=\"col\">REST</th><th scope=\"col\">XML-RPC</th>"
        "<th scope=\"col\">count</th></tr>\n",
        out);
  char a[96], b[96], key[64];
  for (size_t i = 0; i < pairs; i++) {
    const report_error_pair *e =
        i < s->error_count ? &s->errors[i] : &s->errors[REPORT_ERROR_PAIRS_MAX];
    report_outcome_text(a, sizeof a, &e->rest);
    report_outcome_text(b, sizeof b, &e->xmlrpc);
    fputs("<tr><td>", out);
    esc(out, a);
    fputs("</td><td>", out);
    esc(out, b);
    fputs("</td>", out);
    snprintf(key, sizeof key, "errors.%zu.count", i);
    num(out, key, e->count);
    fputs("</tr>\n", out);
  }
  fputs("</table>\n", out);
}

/* At most this many bars: neighbouring buckets merge when the range is wider. */
#define BARS_MAX 40

static void histogram(FILE *out, const report_latency *l, const char *protocol) {
  int first = -1, last = -1;
  for (int b = 0; b < REPORT_BUCKETS; b++)
    if (l->buckets[b]) {
      if (first < 0)
        first = b;
      last = b;
    }
  if (first < 0)
    return;
  int span = last - first + 1, per = (span + BARS_MAX - 1) / BARS_MAX,
      bars = (span + per - 1) / per;
  long counts[BARS_MAX] = {0}, top = 1;
  for (int b = first; b <= last; b++)
    counts[(b - first) / per] += l->buckets[b];
  for (int i = 0; i < bars; i++)
    top = counts[i] > top ? counts[i] : top;
  const int w = 640, h = 180, left = 50, bottom = 30, barw = (w - left - 10) / bars;
  fprintf(out,
          "<svg role=\"img\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
          "aria-labelledby=\"hist-%s\">\n<title id=\"hist-%s\">%s latency: %ld calls, from "
          "%ld ms to %ld ms</title>\n",
          w, h, w, h, protocol, protocol, protocol, l->count, l->min_ms, l->max_ms);
  for (int i = 0; i < bars; i++) {
    int bh = (int)((double)counts[i] / (double)top * (h - bottom - 20));
    int lo = first + i * per, hi = lo + per - 1 < last ? lo + per - 1 : last;
    fprintf(out,
            "<rect class=\"bar\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\">"
            "<title>%ld to %ld ms: %ld</title></rect>\n",
            left + i * barw, h - bottom - bh, barw > 2 ? barw - 1 : barw, bh,
            lo ? report_bucket_upper(lo - 1) : 0, report_bucket_upper(hi), counts[i]);
  }
  fprintf(out, "<text class=\"axis\" x=\"%d\" y=\"%d\">%ld ms</text>\n", left, h - 10,
          first ? report_bucket_upper(first - 1) : 0);
  fprintf(out, "<text class=\"axis\" x=\"%d\" y=\"%d\" text-anchor=\"end\">%ld ms</text>\n", w - 10,
          h - 10, report_bucket_upper(last));
  fprintf(out, "<text class=\"axis\" x=\"4\" y=\"16\">%ld</text>\n</svg>\n", top);
}

static void latency(FILE *out, const report_summary *s) {
  fputs("<h2 id=\"latency\">Latency</h2>\n<p>Milliseconds per call (each protocol's update in "
        "compare, its read-back for the gateway, the update in bulk). A percentile is the upper "
        "edge of the histogram bucket holding it (buckets grow by 9%).</p>\n"
        "<table>\n<tr><th scope=\"col\">protocol</th><th scope=\"col\">calls</th>"
        "<th scope=\"col\">p50</th><th scope=\"col\">p90</th><th scope=\"col\">p99</th>"
        "<th scope=\"col\">max</th></tr>\n",
        out);
  static const char *const names[] = {"rest", "xmlrpc"}, *const shown[] = {"REST", "XML-RPC"};
  char key[64];
  for (int p = 0; p < 2; p++) {
    const report_latency *l = &s->latency[p];
    fprintf(out, "<tr><th scope=\"row\">%s</th>", shown[p]);
    snprintf(key, sizeof key, "latency.%s.count", names[p]);
    num(out, key, l->count);
    static const double ps[] = {50, 90, 99};
    static const char *const pk[] = {"p50_ms", "p90_ms", "p99_ms"};
    for (int i = 0; i < 3; i++) {
      long v = report_latency_percentile(l, ps[i]);
      snprintf(key, sizeof key, "latency.%s.%s", names[p], pk[i]);
      if (v >= 0)
        num(out, key, v);
      else
        fputs("<td>-</td>", out);
    }
    snprintf(key, sizeof key, "latency.%s.max_ms", names[p]);
    if (l->count)
      num(out, key, l->max_ms);
    else
      fputs("<td>-</td>", out);
    fputs("</tr>\n", out);
  }
  fputs("</table>\n", out);
  for (int p = 0; p < 2; p++)
    if (s->latency[p].count) {
      fprintf(out, "<h3>%s</h3>\n", shown[p]);
      histogram(out, &s->latency[p], shown[p]);
    }
}

static void inputs(FILE *out, const report_summary *s) {
  fputs("<h2 id=\"inputs\">Inputs</h2>\n<table>\n<tr><th scope=\"col\">file</th>"
        "<th scope=\"col\">kind</th><th scope=\"col\">records</th>"
        "<th scope=\"col\">written by custapi</th></tr>\n",
        out);
  char key[64];
  for (size_t i = 0; i < s->input_count; i++) {
    const report_input *in = &s->inputs[i];
    fputs("<tr><td><code>", out);
    esc(out, in->file);
    fprintf(out, "</code></td><td>%s</td>", report_kind_name(in->kind));
    snprintf(key, sizeof key, "inputs.%zu.lines", i);
    num(out, key, in->lines);
    fputs("<td>", out);
    esc(out, *in->version ? in->version : "-");
    fputs("</td></tr>\n", out);
  }
  fputs("</table>\n<p>Time span: ", out);
  if (*s->first_at) {
    fputs("<time data-k=\"time_span.first\">", out);
    esc(out, s->first_at);
    fputs("</time> to <time data-k=\"time_span.last\">", out);
    esc(out, s->last_at);
    fputs("</time>", out);
  } else {
    fputs("unknown (no line carried a time)", out);
  }
  fputs(". This page: custapi <span data-k=\"custapi_version\">", out);
  esc(out, custapi_version());
  fputs("</span>.</p>\n", out);
}

int report_html_write(FILE *out, const report_summary *s) {
  fprintf(out,
          "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
          "<title>custapi report: REST and XML-RPC</title>\n<style>%s</style>\n</head>\n"
          "<body>\n<main>\n<h1>REST and XML-RPC: custapi report</h1>\n",
          style);
  verdict(out, s);
  fputs("<nav><a href=\"#properties\">Properties</a> · <a href=\"#differences\">Differences</a>"
        " · <a href=\"#errors\">Errors</a> · <a href=\"#latency\">Latency</a> · "
        "<a href=\"#inputs\">Inputs</a></nav>\n",
        out);
  records(out, s);
  properties(out, s);
  differences(out, s);
  errors(out, s);
  latency(out, s);
  inputs(out, s);
  fputs("</main>\n</body>\n</html>\n", out);
  return ferror(out) ? -1 : 0;
}
