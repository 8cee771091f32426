/* The pure parts of `custapi bulk`: the results file (fingerprint, lines, reading it back for
 * --resume) and the progress line. No network. */
#include <check.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/cli/progress.h"
#include "../../src/cli/results_file.h"

static FILE *text_file(const char *text) {
  FILE *f = fmemopen((void *)text, strlen(text), "r");
  ck_assert_ptr_nonnull(f);
  return f;
}

static input_fingerprint fingerprint_of(const char *text, custapi_bulk_format format, long *n) {
  input_fingerprint fp;
  FILE *f = text_file(text);
  ck_assert_int_eq(input_scan(&fp, n, f, format), 0);
  fclose(f);
  return fp;
}

START_TEST(fnv1a64_known_values) {
  /* The published FNV-1a-64 test vectors. */
  ck_assert_uint_eq(fnv1a64(FNV1A64_INIT, "", 0), 0xcbf29ce484222325ull);
  ck_assert_uint_eq(fnv1a64(FNV1A64_INIT, "a", 1), 0xaf63dc4c8601ec8cull);
  ck_assert_uint_eq(fnv1a64(FNV1A64_INIT, "foobar", 6), 0x85944171f73967e8ull);
  /* Folding in pieces is folding the whole. */
  ck_assert_uint_eq(fnv1a64(fnv1a64(FNV1A64_INIT, "foo", 3), "bar", 3), 0x85944171f73967e8ull);
}
END_TEST

START_TEST(scan_counts_records) {
  long n;
  input_fingerprint fp = fingerprint_of("{\"id\":1}\n\n  \n{\"id\":2}", CUSTAPI_BULK_JSONL, &n);
  ck_assert_int_eq(n, 2);
  ck_assert_uint_eq(fp.bytes, 21);
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
  input_fingerprint fp = {1, 42, 0xabcdefull};
  int n = results_header(buf, sizeof buf, &fp);
  ck_assert_str_eq(buf, "{\"custapi_bulk_results\":1,\"input_bytes\":42,"
                        "\"input_hash\":\"fnv1a64:0000000000abcdef\"}\n");
  ck_assert_int_eq(n, (int)strlen(buf));
  fp.known = 0;
  results_header(buf, sizeof buf, &fp);
  ck_assert_str_eq(buf, "{\"custapi_bulk_results\":1,\"input_bytes\":null,\"input_hash\":null}\n");
  ck_assert_int_eq(results_header(buf, 10, &fp), -1);
}
END_TEST

START_TEST(record_lines) {
  custapi_bulk_outcome o = {0};
  o.line = 3;
  o.id = 42;
  o.attempts = 1;
  size_t len;
  char *line = results_line(&o, &len);
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
  line = results_line(&o, &len);
  ck_assert_str_eq(line,
                   "{\"line\":3,\"id\":null,\"ok\":false,\"attempts\":2,\"error\":{\"category\":"
                   "\"not_found\",\"message\":\"customer 42 not found\",\"http_status\":404,"
                   "\"fault_code\":null,\"property\":null}}\n");
  custapi_free(line);
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
          char *line = results_line(&o, &len);
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

static const char *input = "{\"id\":5,\"sms_quota\":1}\n";

/* A results file made from `input`, then `rest`. */
static char *results_for(const char *rest) {
  long n;
  input_fingerprint fp = fingerprint_of(input, CUSTAPI_BULK_JSONL, &n);
  char header[200];
  results_header(header, sizeof header, &fp);
  char *text = malloc(strlen(header) + strlen(rest) + 1);
  strcpy(text, header);
  strcat(text, rest);
  return text;
}

static int read_index(resume_index **x, int *fresh, long *keep, const char *text,
                      custapi_error *err) {
  long n;
  input_fingerprint fp = fingerprint_of(input, CUSTAPI_BULK_JSONL, &n);
  FILE *f = text_file(text);
  int rc = resume_index_read(x, fresh, keep, f, &fp, "r.jsonl", err);
  fclose(f);
  return rc;
}

START_TEST(resume_reads_ok_lines_and_drops_a_torn_one) {
  char *text = results_for("{\"line\":1,\"id\":5,\"ok\":true,\"attempts\":1}\n"
                           "{\"line\":2,\"id\":6,\"ok\":false,\"attempts\":4,\"error\":{}}\n"
                           "{\"line\":4,\"id\":7,\"ok\":true,\"attempts\":1}\n"
                           "{\"line\":9,\"id\":5,\"ok\":true,\"attempts\":1}\n"
                           "{\"line\":10,\"id\":8,\"ok\":tr");
  resume_index *x;
  int fresh;
  long keep;
  custapi_error err;
  ck_assert_int_eq(read_index(&x, &fresh, &keep, text, &err), 0);
  ck_assert_int_eq(fresh, 0);
  ck_assert_int_eq(keep, (long)(strstr(text, "{\"line\":10") - text));
  ck_assert_int_eq(resume_index_done(x), 3);
  ck_assert(resume_index_skip(x, 1, 5));
  ck_assert(!resume_index_skip(x, 2, 6)); /* failed: sent again */
  ck_assert(resume_index_skip(x, 4, 7));
  ck_assert(!resume_index_skip(x, 10, 8)); /* torn: sent again */
  /* An earlier line of id 5 that failed is not sent again: line 9 of id 5 must stay last. */
  ck_assert(resume_index_skip(x, 3, 5));
  ck_assert(!resume_index_skip(x, 12, 5));
  ck_assert(!resume_index_skip(x, 100000, 9));
  resume_index_free(x);
  free(text);
}
END_TEST

START_TEST(resume_refuses_other_input_and_foreign_files) {
  resume_index *x;
  int fresh;
  long keep;
  custapi_error err;
  ck_assert_int_eq(read_index(&x, &fresh, &keep,
                              "{\"custapi_bulk_results\":1,\"input_bytes\":24,\"input_hash\":"
                              "\"fnv1a64:0000000000000001\"}\n",
                              &err),
                   CUSTAPI_EUSAGE);
  ck_assert_ptr_nonnull(strstr(err.message, "other input"));
  ck_assert_int_eq(
      read_index(&x, &fresh, &keep,
                 "{\"custapi_bulk_results\":1,\"input_bytes\":null,\"input_hash\":null}\n", &err),
      CUSTAPI_EUSAGE);
  ck_assert_ptr_nonnull(strstr(err.message, "standard input"));
  ck_assert_int_eq(read_index(&x, &fresh, &keep, "hello\n", &err), CUSTAPI_EUSAGE);
  ck_assert_ptr_nonnull(strstr(err.message, "not a custapi bulk results file"));
  char *text = results_for("{\"line\":1}\n");
  ck_assert_int_eq(read_index(&x, &fresh, &keep, text, &err), CUSTAPI_EUSAGE);
  ck_assert_ptr_nonnull(strstr(err.message, "line 2: not a result line"));
  free(text);
  /* Empty, or only a torn header: a fresh start. */
  ck_assert_int_eq(read_index(&x, &fresh, &keep, "{\"custapi_bulk_res", &err), 0);
  ck_assert_int_eq(fresh, 1);
  ck_assert_int_eq(keep, 0);
  resume_index_free(x);
  resume_index_free(NULL);
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

int main(void) {
  Suite *s = suite_create("results");
  TCase *t = tcase_create("results");
  tcase_add_test(t, fnv1a64_known_values);
  tcase_add_test(t, scan_counts_records);
  tcase_add_test(t, header_line);
  tcase_add_test(t, record_lines);
  tcase_add_test(t, plain_lines_match_json_c);
  tcase_add_test(t, resume_reads_ok_lines_and_drops_a_torn_one);
  tcase_add_test(t, resume_refuses_other_input_and_foreign_files);
  tcase_add_test(t, progress_lines);
  tcase_add_test(t, progress_is_throttled);
  suite_add_tcase(s, t);
  SRunner *r = srunner_create(s);
  srunner_run_all(r, CK_NORMAL);
  int failed = srunner_ntests_failed(r);
  srunner_free(r);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
