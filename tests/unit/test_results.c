/* The pure parts of `custapi bulk`: the results file (fingerprint, lines, reading it back for
 * --resume) and the progress line. No network. */
#include <check.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/cli/progress.h"
#include "bulk_input.h"
#include "results_file.h"
#include "resume_plan.h"

static FILE *text_file(const char *text) {
  FILE *f = fmemopen((void *)text, strlen(text), "r");
  ck_assert_ptr_nonnull(f);
  return f;
}

static input_fingerprint fingerprint_of(const char *text, custapi_bulk_format format, long *n) {
  input_fingerprint fp;
  FILE *f = text_file(text);
  ck_assert_int_eq(custapi__input_scan(&fp, n, f, format), 0);
  fclose(f);
  return fp;
}

START_TEST(fnv1a64_known_values) {
  /* The published FNV-1a-64 test vectors. */
  ck_assert_uint_eq(custapi__fnv1a64(FNV1A64_INIT, "", 0), 0xcbf29ce484222325ull);
  ck_assert_uint_eq(custapi__fnv1a64(FNV1A64_INIT, "a", 1), 0xaf63dc4c8601ec8cull);
  ck_assert_uint_eq(custapi__fnv1a64(FNV1A64_INIT, "foobar", 6), 0x85944171f73967e8ull);
  /* Folding in pieces is folding the whole. */
  ck_assert_uint_eq(custapi__fnv1a64(custapi__fnv1a64(FNV1A64_INIT, "foo", 3), "bar", 3),
                    0x85944171f73967e8ull);
}
END_TEST

START_TEST(scan_counts_records) {
  long n;
  input_fingerprint fp = fingerprint_of("{\"id\":1}\n\n  \n{\"id\":2}", CUSTAPI_BULK_JSONL, &n);
  ck_assert_int_eq(n, 2);
  ck_assert_uint_eq(fp.bytes, 21);
  ck_assert_uint_eq(fp.lines, 4); /* the last one without its line break */
  ck_assert(fp.known);
  /* CSV: the header is not a record; a line break inside quotes is data; a BOM is not content. */
  fingerprint_of("\xEF\xBB\xBFid,address\r\n1,\"a\nb\"\r\n\r\n2,\"x \"\"y\"\"\"\r\n",
                 CUSTAPI_BULK_CSV, &n);
  ck_assert_int_eq(n, 2);
  fingerprint_of("", CUSTAPI_BULK_CSV, &n);
  ck_assert_int_eq(n, 0);
}
END_TEST

START_TEST(header_line) {
  char buf[200];
  input_fingerprint fp = {1, 42, 0xabcdefull, 0};
  int n = custapi__results_header(buf, sizeof buf, &fp);
  ck_assert_str_eq(buf, "{\"custapi_bulk_results\":1,\"input_bytes\":42,"
                        "\"input_hash\":\"fnv1a64:0000000000abcdef\"}\n");
  ck_assert_int_eq(n, (int)strlen(buf));
  fp.known = 0;
  custapi__results_header(buf, sizeof buf, &fp);
  ck_assert_str_eq(buf, "{\"custapi_bulk_results\":1,\"input_bytes\":null,\"input_hash\":null}\n");
  ck_assert_int_eq(custapi__results_header(buf, 10, &fp), -1);
}
END_TEST

START_TEST(record_lines) {
  custapi_bulk_outcome o = {0};
  o.line = 3;
  o.id = 42;
  o.attempts = 1;
  size_t len;
  char *line = custapi__results_line(&o, &len);
  ck_assert_str_eq(line, "{\"line\":3,\"id\":42,\"ok\":true,\"attempts\":1}\n");
  ck_assert_uint_eq(len, strlen(line));
  custapi_free(line);
  custapi_error err = {0};
  err.category = CUSTAPI_CATEGORY_NOT_FOUND;
  err.http_status = 404;
  strcpy(err.message, "customer 42 not found");
  o.status = CUSTAPI_ENOTFOUND;
  o.attempts = 2;
  o.error = &err;
  o.id = 0; /* unreadable id */
  line = custapi__results_line(&o, &len);
  ck_assert_str_eq(line,
                   "{\"line\":3,\"id\":null,\"ok\":false,\"attempts\":2,\"error\":{\"category\":"
                   "\"not_found\",\"message\":\"customer 42 not found\",\"http_status\":404,"
                   "\"fault_code\":null,\"property\":null}}\n");
  custapi_free(line);
}
END_TEST

/* The lines a results file holds carry the time of the call and its protocol (issue 24). */
START_TEST(record_lines_timed) {
  custapi_bulk_outcome o = {0};
  o.line = 3;
  o.id = 42;
  o.attempts = 1;
  o.elapsed_ms = 35;
  size_t len;
  char *line = custapi__results_line_timed(&o, "xmlrpc", "2026-12-06T03:32:00.123Z", &len);
  ck_assert_str_eq(line, "{\"line\":3,\"id\":42,\"ok\":true,\"attempts\":1,\"at\":"
                         "\"2026-12-06T03:32:00.123Z\",\"elapsed_ms\":{\"xmlrpc\":35}}\n");
  ck_assert_uint_eq(len, strlen(line));
  custapi_free(line);
  custapi_error err = {0};
  err.category = CUSTAPI_CATEGORY_TRANSPORT;
  strcpy(err.message, "timed out");
  o.status = CUSTAPI_ETRANSPORT;
  o.error = &err;
  o.elapsed_ms = -1; /* never a negative time */
  line = custapi__results_line_timed(&o, "rest", "2026-12-06T03:32:00.123Z", &len);
  ck_assert_ptr_nonnull(strstr(line, "\"property\":null},\"at\":\"2026-12-06T03:32:00.123Z\","
                                     "\"elapsed_ms\":{\"rest\":0}}\n"));
  ck_assert_uint_eq(len, strlen(line));
  custapi_free(line);
  /* No protocol: the line as custapi_bulk_outcome_to_json gives it. */
  char *plain = custapi__results_line(&o, &len);
  line = custapi__results_line_timed(&o, NULL, "x", &len);
  ck_assert_str_eq(line, plain);
  custapi_free(line);
  custapi_free(plain);
}
END_TEST

/* Six lines: ids 5, 6, 5, 7, 6, 5 (the plan is asked about them in this order). */
static const char *input = "{\"id\":5,\"sms_quota\":1}\n{\"id\":6,\"sms_quota\":1}\n"
                           "{\"id\":5,\"name\":\"x\"}\n{\"id\":7,\"sms_quota\":1}\n"
                           "{\"id\":6,\"sms_quota\":2}\n{\"id\":5,\"sms_quota\":3}\n";
static const int32_t input_ids[7] = {0, 5, 6, 5, 7, 6, 5};

/* A results file made from `input`, then `rest`. */
static char *results_for(const char *rest) {
  long n;
  input_fingerprint fp = fingerprint_of(input, CUSTAPI_BULK_JSONL, &n);
  char header[200];
  custapi__results_header(header, sizeof header, &fp);
  char *text = malloc(strlen(header) + strlen(rest) + 1);
  strcpy(text, header);
  strcat(text, rest);
  return text;
}

static int read_plan(resume_plan **x, int *fresh, long *keep, const char *text,
                     custapi_error *err) {
  long n;
  input_fingerprint fp = fingerprint_of(input, CUSTAPI_BULK_JSONL, &n);
  ck_assert_uint_eq(fp.lines, 6);
  FILE *f = text_file(text);
  int rc = custapi__resume_plan_read(x, fresh, keep, f, &fp, "r.jsonl", err);
  fclose(f);
  return rc;
}

/* The plan for the whole input, as "s" (skipped) or "S" (sent) per line: "ssSsSS". */
static void plan_of(const char *results, char *out) {
  char *text = results_for(results);
  resume_plan *x;
  int fresh;
  long keep;
  custapi_error err;
  ck_assert_msg(read_plan(&x, &fresh, &keep, text, &err) == 0, "%s", err.message);
  for (long line = 1; line <= 6; line++)
    out[line - 1] = custapi__resume_plan_skip(x, line, input_ids[line]) ? 's' : 'S';
  out[6] = '\0';
  custapi__resume_plan_free(x);
  free(text);
}

#define OK(line, id) "{\"line\":" #line ",\"id\":" #id ",\"ok\":true,\"attempts\":1}\n"
#define FAILED(line, id)                                                                           \
  "{\"line\":" #line ",\"id\":" #id ",\"ok\":false,\"attempts\":4,\"error\":{}}\n"

START_TEST(plan_skips_what_a_clean_run_would_keep) {
  char plan[8];
  plan_of(OK(1, 5) OK(2, 6) OK(3, 5) OK(4, 7) OK(5, 6) OK(6, 5), plan);
  ck_assert_str_eq(plan, "ssssss");
  plan_of("", plan); /* nothing recorded: everything sent */
  ck_assert_str_eq(plan, "SSSSSS");
  /* Killed after line 4: the rest is sent. */
  plan_of(OK(2, 6) OK(1, 5) OK(4, 7) OK(3, 5), plan);
  ck_assert_str_eq(plan, "ssssSS");
}
END_TEST

/* The bug: line 1 of id 5 failed, its later lines 3 and 6 succeeded. Skipping line 1 left its
 * update unapplied; sending it alone would undo lines 3 and 6. All three go again, in order. */
START_TEST(plan_resends_a_failed_line_and_the_later_lines_of_its_id) {
  char plan[8];
  plan_of(FAILED(1, 5) OK(2, 6) OK(3, 5) OK(4, 7) OK(5, 6) OK(6, 5), plan);
  ck_assert_str_eq(plan, "SsSssS");
  /* Interleaved ids: a failure of id 6 (line 2) touches id 6 only. */
  plan_of(OK(1, 5) FAILED(2, 6) OK(3, 5) OK(4, 7) OK(5, 6) OK(6, 5), plan);
  ck_assert_str_eq(plan, "sSssSs");
  /* A line of id 5 never recorded (lost in a kill) in the middle: from there on, id 5 again. */
  plan_of(OK(1, 5) OK(2, 6) OK(4, 7) OK(5, 6) OK(6, 5), plan);
  ck_assert_str_eq(plan, "ssSssS");
}
END_TEST

/* Results accumulate over resumes: each line's last result counts, and the order in which the
 * lines of an id were applied. */
START_TEST(plan_follows_the_order_things_were_applied) {
  char plan[8];
  /* A resume sent line 1 again after line 3 had been applied, then was killed: line 3 (and
   * 6) must go again, or line 1 would have the last word. */
  plan_of(FAILED(1, 5) OK(3, 5) OK(2, 6) OK(4, 7) OK(5, 6) OK(1, 5), plan);
  ck_assert_str_eq(plan, "ssSssS");
  /* ... and once that resume got through, nothing is left. */
  plan_of(FAILED(1, 5) OK(3, 5) OK(2, 6) OK(4, 7) OK(5, 6) OK(1, 5) OK(3, 5) OK(6, 5), plan);
  ck_assert_str_eq(plan, "ssssss");
  /* A line ok once and failed later (sent again, then failed): its last result counts. */
  plan_of(OK(1, 5) OK(2, 6) OK(3, 5) OK(4, 7) OK(5, 6) OK(6, 5) FAILED(4, 7), plan);
  ck_assert_str_eq(plan, "sssSss");
  /* A result whose id is not the input's at that line is no result of that record. */
  plan_of(OK(1, 9) OK(2, 6), plan);
  ck_assert_str_eq(plan, "SsSSSS");
}
END_TEST

START_TEST(plan_drops_a_torn_last_line) {
  char *text = results_for(OK(1, 5) OK(2, 6) "{\"line\":3,\"id\":5,\"ok\":tr");
  resume_plan *x;
  int fresh;
  long keep;
  custapi_error err;
  ck_assert_int_eq(read_plan(&x, &fresh, &keep, text, &err), 0);
  ck_assert_int_eq(fresh, 0);
  ck_assert_int_eq(keep, (long)(strstr(text, "{\"line\":3") - text));
  ck_assert_int_eq(custapi__resume_plan_results(x), 2);
  ck_assert(custapi__resume_plan_skip(x, 1, 5));
  ck_assert(custapi__resume_plan_skip(x, 2, 6));
  ck_assert(!custapi__resume_plan_skip(x, 3, 5)); /* torn: sent again */
  custapi__resume_plan_free(x);
  free(text);
  /* Cut anywhere in a result line, even right after its brace: the same. */
  text = results_for(OK(1, 5) "{");
  ck_assert_int_eq(read_plan(&x, &fresh, &keep, text, &err), 0);
  custapi__resume_plan_free(x);
  free(text);
  /* An unfinished last line that no kill of ours leaves: refused, the file left as it is. */
  text = results_for(OK(1, 5) "# my notes");
  ck_assert_int_eq(read_plan(&x, &fresh, &keep, text, &err), CUSTAPI_EUSAGE);
  ck_assert_ptr_nonnull(strstr(err.message, "line 3: an unfinished line"));
  free(text);
}
END_TEST

START_TEST(plan_refuses_line_numbers_beyond_the_input) {
  resume_plan *x;
  int fresh;
  long keep;
  custapi_error err;
  /* 2^34: sizing anything by it took 4 GB. Refused before anything is sized by it. */
  char *text = results_for(OK(1, 5) "{\"line\":17179869184,\"id\":5,\"ok\":true,\"attempts\":1}\n");
  ck_assert_int_eq(read_plan(&x, &fresh, &keep, text, &err), CUSTAPI_EUSAGE);
  ck_assert_msg(strstr(err.message, "line 3: input line 17179869184 is beyond the input's 6 "
                                    "lines") != NULL,
                "%s", err.message);
  free(text);
  text = results_for(OK(7, 5)); /* one past the last line */
  ck_assert_int_eq(read_plan(&x, &fresh, &keep, text, &err), CUSTAPI_EUSAGE);
  free(text);
  text = results_for(OK(6, 5)); /* the last line itself */
  ck_assert_int_eq(read_plan(&x, &fresh, &keep, text, &err), 0);
  custapi__resume_plan_free(x);
  free(text);
  text = results_for("{\"line\":0,\"id\":5,\"ok\":true,\"attempts\":1}\n");
  ck_assert_int_eq(read_plan(&x, &fresh, &keep, text, &err), CUSTAPI_EUSAGE);
  free(text);
}
END_TEST

START_TEST(plan_refuses_other_input_and_foreign_files) {
  resume_plan *x;
  int fresh;
  long keep;
  custapi_error err;
  ck_assert_int_eq(read_plan(&x, &fresh, &keep,
                             "{\"custapi_bulk_results\":1,\"input_bytes\":24,\"input_hash\":"
                             "\"fnv1a64:0000000000000001\"}\n",
                             &err),
                   CUSTAPI_EUSAGE);
  ck_assert_ptr_nonnull(strstr(err.message, "other input"));
  ck_assert_int_eq(
      read_plan(&x, &fresh, &keep,
                "{\"custapi_bulk_results\":1,\"input_bytes\":null,\"input_hash\":null}\n", &err),
      CUSTAPI_EUSAGE);
  ck_assert_ptr_nonnull(strstr(err.message, "standard input"));
  ck_assert_int_eq(read_plan(&x, &fresh, &keep, "hello\n", &err), CUSTAPI_EUSAGE);
  ck_assert_ptr_nonnull(strstr(err.message, "not a custapi bulk results file"));
  /* No header and no line break at all: refused too (it was taken for a fresh file and
   * overwritten). */
  ck_assert_int_eq(read_plan(&x, &fresh, &keep, "my precious notes", &err), CUSTAPI_EUSAGE);
  ck_assert_ptr_nonnull(strstr(err.message, "not a custapi bulk results file"));
  ck_assert_int_eq(read_plan(&x, &fresh, &keep, "{\"line\":1,\"id\":5,\"ok\":true}\n", &err),
                   CUSTAPI_EUSAGE);
  char *text = results_for("{\"line\":1}\n");
  ck_assert_int_eq(read_plan(&x, &fresh, &keep, text, &err), CUSTAPI_EUSAGE);
  ck_assert_ptr_nonnull(strstr(err.message, "line 2: not a result line"));
  free(text);
  /* A result line with a repeated key is ambiguous: refused. */
  text = results_for("{\"line\":1,\"line\":3,\"id\":5,\"ok\":true,\"attempts\":1}\n");
  ck_assert_int_eq(read_plan(&x, &fresh, &keep, text, &err), CUSTAPI_EUSAGE);
  ck_assert_ptr_nonnull(strstr(err.message, "line 2: not a result line"));
  free(text);
  /* Empty, or only the start of this input's header (a kill while it was written): fresh. */
  ck_assert_int_eq(read_plan(&x, &fresh, &keep, "", &err), 0);
  ck_assert_int_eq(fresh, 1);
  custapi__resume_plan_free(x);
  ck_assert_int_eq(read_plan(&x, &fresh, &keep, "{\"custapi_bulk_res", &err), 0);
  ck_assert_int_eq(fresh, 1);
  ck_assert_int_eq(keep, 0);
  custapi__resume_plan_free(x);
  custapi__resume_plan_free(NULL);
}
END_TEST

START_TEST(standard_input_format_from_its_first_line) {
  static const struct {
    const char *text;
    int want;
  } cases[] = {
      {"{\"id\":1,\"sms_quota\":1}\n", 0},
      {"\n  \n  {\"id\":1}", 0},
      {"\xEF\xBB\xBF{\"id\":1}\n", 0},
      {"id,sms_quota\n1,2\n", 1},
      {"\xEF\xBB\xBFname,id\r\n", 1},
      {"\"id\",\"name\"\n", 1},
      {"email,id\r\n", 1},
      {"email, id\n", -1},
      {"ID,name\n", -1}, /* the reader names columns exactly: refused with the hint */
      {"identifier,name\n", -1},
      {"[1,2]\n", -1},
      {"", -1},
      {"\n\n", -1},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    ck_assert_msg(custapi__bulk_input_sniff(cases[i].text, strlen(cases[i].text)) == cases[i].want,
                  "case %zu", i);
}
END_TEST

START_TEST(progress_lines) {
  char buf[160];
  progress_format(buf, sizeof buf, 250, 1000, 0, 50.0);
  ck_assert_str_eq(buf, "[#####---------------] 250/1000  25%  50.0/s  ETA 0:15");
  progress_format(buf, sizeof buf, 10, 1000, 1, 0.0);
  ck_assert_str_eq(buf, "[--------------------] 10/1000   1%  0.0/s  1 error  ETA --:--");
  progress_format(buf, sizeof buf, 412, -1, 3, 205.25);
  ck_assert_str_eq(buf, "412 done  205.2/s  3 errors");
  progress_format(buf, sizeof buf, 1200, 1000, 0, 1.0); /* an estimate that fell short */
  ck_assert_str_eq(buf, "[####################] 1200/1200 100%  1.0/s  ETA 0:00");
  progress_format(buf, sizeof buf, 0, 100000, 0, 10.0);
  ck_assert_ptr_nonnull(strstr(buf, "ETA 2:46:40"));
}
END_TEST

START_TEST(progress_is_throttled) {
  char *text = NULL;
  size_t len = 0;
  FILE *out = open_memstream(&text, &len);
  progress p = {out, 100, 0, 0};
  progress_update(&p, 1000, 1, 0, 1.0, 0);
  progress_update(&p, 1050, 2, 0, 1.0, 0); /* too soon: not drawn */
  progress_update(&p, 1100, 3, 0, 1.0, 0);
  progress_update(&p, 1101, 4, 0, 1.0, 1); /* forced */
  progress_clear(&p);
  fclose(out);
  ck_assert_ptr_null(strstr(text, " 2/100"));
  ck_assert_ptr_nonnull(strstr(text, " 1/100"));
  ck_assert_ptr_nonnull(strstr(text, " 3/100"));
  ck_assert_ptr_nonnull(strstr(text, " 4/100"));
  ck_assert_ptr_null(strchr(text, '\n')); /* one line, redrawn in place */
  free(text);
  progress none = {NULL, 100, 0, 0}; /* not a terminal: nothing at all */
  progress_update(&none, 5000, 1, 0, 1.0, 1);
  progress_clear(&none);
}
END_TEST

/* Lines without an error are written without json-c: the bytes must be the ones json-c writes. */
START_TEST(plain_lines_match_json_c) {
  const long lines[] = {1, 9, 10, 123456789, LONG_MAX};
  const int32_t ids[] = {INT32_MIN, -1, 0, 1, 42, INT32_MAX};
  const int attempts[] = {0, 1, 10, INT_MAX};
  for (size_t a = 0; a < sizeof lines / sizeof *lines; a++)
    for (size_t b = 0; b < sizeof ids / sizeof *ids; b++)
      for (size_t c = 0; c < sizeof attempts / sizeof *attempts; c++)
        for (int failed = 0; failed <= 1; failed++) {
          custapi_bulk_outcome o = {0};
          o.line = lines[a];
          o.id = ids[b];
          o.attempts = attempts[c];
          o.status = failed ? CUSTAPI_ETRANSPORT : 0; /* failed without an error: no member */
          json_object *want = json_object_new_object();
          json_object_object_add(want, "line", json_object_new_int64(o.line));
          json_object_object_add(want, "id", o.id > 0 ? json_object_new_int(o.id) : NULL);
          json_object_object_add(want, "ok", json_object_new_boolean(!failed));
          json_object_object_add(want, "attempts", json_object_new_int(o.attempts));
          size_t len;
          char *line = custapi__results_line(&o, &len);
          ck_assert_ptr_nonnull(line);
          const char *text = json_object_to_json_string_ext(
              want, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
          ck_assert_uint_eq(len, strlen(text) + 1);
          ck_assert_int_eq(memcmp(line, text, len - 1), 0);
          ck_assert_int_eq(line[len - 1], '\n');
          ck_assert_int_eq(line[len], '\0');
          custapi_free(line);
          json_object_put(want);
        }
}
END_TEST


int main(void) {
  Suite *s = suite_create("results");
  TCase *t = tcase_create("results");
  tcase_add_test(t, fnv1a64_known_values);
  tcase_add_test(t, scan_counts_records);
  tcase_add_test(t, header_line);
  tcase_add_test(t, record_lines);
  tcase_add_test(t, record_lines_timed);
  tcase_add_test(t, plan_skips_what_a_clean_run_would_keep);
  tcase_add_test(t, plan_resends_a_failed_line_and_the_later_lines_of_its_id);
  tcase_add_test(t, plan_follows_the_order_things_were_applied);
  tcase_add_test(t, plan_drops_a_torn_last_line);
  tcase_add_test(t, plan_refuses_line_numbers_beyond_the_input);
  tcase_add_test(t, plan_refuses_other_input_and_foreign_files);
  tcase_add_test(t, standard_input_format_from_its_first_line);
  tcase_add_test(t, progress_lines);
  tcase_add_test(t, progress_is_throttled);
  tcase_add_test(t, plain_lines_match_json_c);
  suite_add_tcase(s, t);
  SRunner *r = srunner_create(s);
  srunner_run_all(r, CK_NORMAL);
  int failed = srunner_ntests_failed(r);
  srunner_free(r);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
