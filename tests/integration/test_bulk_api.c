/*
 * What custapi bulk does, done by a C program through the public header alone (this suite links
 * the shared libcustapi and sees include/ only): reading records, a resumable bulk run with a
 * results file, the refusals that protect that file, and the JSON of errors, outcomes and
 * results.
 */
#include <sys/stat.h>

#include "itest.h"

SERVER_FIXTURE(plain, NULL)

static char dir[64];

static void make_dir(void) {
  snprintf(dir, sizeof dir, "/tmp/custapi-bulk-api-XXXXXX");
  ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void remove_dir(void) {
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  ck_assert_int_eq(system(cmd), 0);
}

static void up(void) {
  up_plain();
  make_dir();
}

static void down(void) {
  remove_dir();
  down_plain();
}

static const char *path_of(const char *name) {
  static char paths[4][128];
  static int next;
  char *p = paths[next++ % 4];
  snprintf(p, sizeof paths[0], "%s/%s", dir, name);
  return p;
}

static const char *write_file(const char *name, const char *text) {
  const char *p = path_of(name);
  FILE *f = fopen(p, "wb");
  ck_assert_ptr_nonnull(f);
  fputs(text, f);
  fclose(f);
  return p;
}

static FILE *memory_input(const char *text) {
  FILE *f = fmemopen((void *)text, strlen(text), "rb");
  ck_assert_ptr_nonnull(f);
  return f;
}

/* ---- records ---- */

START_TEST(records_are_read_one_by_one_and_a_bad_one_is_passed_over) {
  FILE *in = memory_input("{\"id\":5,\"sms_quota\":7}\n\n{\"id\":6,\"emial\":\"x\"}\n"
                          "{\"id\":8,\"name\":\"Ann\"}\n");
  custapi_records *r;
  custapi_error err;
  ck_assert_int_eq(custapi_records_open(&r, in, CUSTAPI_BULK_JSONL, 0, &err), 0);
  custapi_customer *c;
  ck_assert_int_eq(custapi_records_next(&c, r, &err), 1);
  ck_assert_int_eq(custapi_records_line(r), 1);
  ck_assert_int_eq(custapi_records_id(r), 5);
  ck_assert_int_eq(custapi_customer_get(c, "sms_quota")->integer, 7);
  custapi_customer_free(c);
  ck_assert_int_eq(custapi_records_next(&c, r, &err), CUSTAPI_EINVALID);
  ck_assert_ptr_null(c);
  ck_assert_int_eq(custapi_records_line(r), 3); /* the blank line 2 is skipped */
  ck_assert_int_eq(custapi_records_id(r), 6);
  ck_assert_msg(strstr(err.message, "line 3") && strstr(err.message, "email"), "%s", err.message);
  ck_assert_int_eq(custapi_records_failed(r), 0);
  ck_assert_int_eq(custapi_records_next(&c, r, &err), 1);
  ck_assert_int_eq(custapi_records_line(r), 4);
  ck_assert_str_eq(custapi_customer_get(c, "name")->string, "Ann");
  custapi_customer_free(c);
  ck_assert_int_eq(custapi_records_next(&c, r, &err), 0);
  ck_assert_ptr_null(c);
  custapi_records_free(r);
  custapi_records_free(NULL);
  fclose(in);
}
END_TEST

START_TEST(a_csv_header_without_id_is_refused_at_open) {
  FILE *in = memory_input("name,sms_quota\nAnn,3\n");
  custapi_records *r = (custapi_records *)1;
  custapi_error err;
  ck_assert_int_eq(custapi_records_open(&r, in, CUSTAPI_BULK_CSV, 0, &err), CUSTAPI_EINVALID);
  ck_assert_ptr_null(r);
  ck_assert_msg(strstr(err.message, "id"), "%s", err.message);
  fclose(in);
}
END_TEST

START_TEST(a_record_too_long_is_refused_and_the_next_is_read) {
  size_t n = 1024 * 1024 + 64;
  char *text = malloc(n + 64);
  ck_assert_ptr_nonnull(text);
  strcpy(text, "{\"id\":1,\"name\":\"");
  size_t at = strlen(text);
  memset(text + at, 'a', n);
  strcpy(text + at + n, "\"}\n{\"id\":2}\n");
  FILE *in = memory_input(text);
  custapi_records *r;
  custapi_error err;
  ck_assert_int_eq(custapi_records_open(&r, in, CUSTAPI_BULK_JSONL, 0, &err), 0);
  custapi_customer *c;
  ck_assert_int_eq(custapi_records_next(&c, r, &err), CUSTAPI_EINVALID);
  ck_assert_msg(strstr(err.message, "line 1"), "%s", err.message);
  ck_assert_int_eq(custapi_records_failed(r), 0);
  ck_assert_int_eq(custapi_records_next(&c, r, &err), 1);
  ck_assert_int_eq(custapi_records_line(r), 2);
  ck_assert_int_eq(custapi_records_id(r), 2);
  custapi_customer_free(c);
  ck_assert_int_eq(custapi_records_next(&c, r, &err), 0);
  custapi_records_free(r);
  fclose(in);
  free(text);
}
END_TEST

/* ---- JSON ---- */

START_TEST(errors_and_outcomes_as_json) {
  custapi_error err = {0};
  err.category = CUSTAPI_CATEGORY_REJECTED;
  err.http_status = 422;
  snprintf(err.property, sizeof err.property, "email");
  snprintf(err.message, sizeof err.message, "email: not a valid address: \"a/b\"");
  char *text;
  ck_assert_int_eq(custapi_error_to_json(&text, &err), 0);
  ck_assert_str_eq(text, "{\"category\":\"rejected\",\"message\":\"email: not a valid address: "
                         "\\\"a/b\\\"\",\"http_status\":422,\"fault_code\":null,"
                         "\"property\":\"email\"}");
  custapi_free(text);
  custapi_bulk_outcome o = {3, 42, 0, 1, 200, 5, NULL, NULL, 0};
  ck_assert_int_eq(custapi_bulk_outcome_to_json(&text, &o), 0);
  ck_assert_str_eq(text, "{\"line\":3,\"id\":42,\"ok\":true,\"attempts\":1}");
  custapi_free(text);
  custapi_bulk_outcome bad = {4, 0, CUSTAPI_EREJECTED, 2, 422, 5, &err, NULL, 0};
  ck_assert_int_eq(custapi_bulk_outcome_to_json(&text, &bad), 0);
  ck_assert_msg(strncmp(text,
                        "{\"line\":4,\"id\":null,\"ok\":false,\"attempts\":2,\"error\":"
                        "{\"category\":\"rejected\"",
                        71) == 0,
                "%s", text);
  custapi_free(text);
}
END_TEST

/* ---- the input ---- */

START_TEST(the_input_knows_its_format_and_records) {
  const char *csv = write_file("in.CSV", "\xEF\xBB\xBFid,sms_quota\n1,2\n\n\"3\",4\n");
  custapi_bulk_input *in;
  custapi_error err;
  ck_assert_int_eq(custapi_bulk_input_open(&in, csv, NULL, &err), 0);
  ck_assert_int_eq(custapi_bulk_input_format(in), CUSTAPI_BULK_CSV);
  ck_assert_int_eq(custapi_bulk_input_records(in), 2);
  ck_assert_ptr_nonnull(custapi_bulk_input_stream(in));
  custapi_bulk_input_free(in);
  custapi_bulk_format jsonl = CUSTAPI_BULK_JSONL;
  ck_assert_int_eq(custapi_bulk_input_open(&in, csv, &jsonl, &err), 0);
  ck_assert_int_eq(custapi_bulk_input_format(in), CUSTAPI_BULK_JSONL); /* as told */
  custapi_bulk_input_free(in);
  custapi_bulk_input_free(NULL);
  ck_assert_int_eq(custapi_bulk_input_open(&in, path_of("missing.jsonl"), NULL, &err),
                   CUSTAPI_EINVALID);
  ck_assert_ptr_null(in);
  ck_assert_msg(strstr(err.message, "missing.jsonl"), "%s", err.message);
}
END_TEST

/* ---- a resumable run ---- */

typedef struct api_run {
  custapi_bulk_results *results;
  long stop_after; /* stop the run after this many outcomes (an interruption); 0: never */
  long done;
  custapi_error write_err;
} api_run;

static int on_done(const custapi_bulk_outcome *o, void *payload) {
  api_run *r = payload;
  int rc = custapi_bulk_results_write(r->results, o, &r->write_err);
  if (rc < 0)
    return rc;
  if (r->stop_after && ++r->done >= r->stop_after)
    return CUSTAPI_EINTERNAL;
  return 0;
}

/* One run of `input` writing `results`, through the public API only; returns its status. */
static int bulk_api_run(custapi_bulk_summary *sum, custapi_client *client, const char *input,
                        const char *results, unsigned flags, long stop_after) {
  custapi_bulk_input *in;
  custapi_error err;
  ck_assert_msg(custapi_bulk_input_open(&in, input, NULL, &err) == 0, "%s", err.message);
  api_run r = {NULL, stop_after, 0, {0}};
  ck_assert_msg(custapi_bulk_results_open(&r.results, results, in, flags, &err) == 0, "%s",
                err.message);
  custapi_bulk_options o = CUSTAPI_BULK_OPTIONS_INIT;
  o.format = custapi_bulk_input_format(in);
  o.concurrency = 1; /* so that "after 3 outcomes" is 3 records in input order */
  o.done = on_done;
  o.done_payload = &r;
  o.skip = custapi_bulk_results_skip;
  o.skip_payload = r.results;
  int rc = custapi_bulk_run(sum, client, custapi_bulk_input_stream(in), &o);
  custapi_bulk_results_free(r.results);
  custapi_bulk_input_free(in);
  return rc;
}

static long lines_of(const char *path) {
  char *text = itest_slurp(path);
  ck_assert_ptr_nonnull(text);
  long n = (long)itest_lines(text);
  free(text);
  return n;
}

static int64_t quota_of(custapi_client *c, int32_t id) {
  custapi_result *res;
  ck_assert_int_eq(custapi_get(&res, c, id), 0);
  int64_t v = custapi_customer_get(custapi_result_customer(res), "sms_quota")->integer;
  custapi_result_free(res);
  return v;
}

START_TEST(an_interrupted_run_is_finished_by_a_resume) {
  NEED_SERVER();
  const char *input = write_file("in.jsonl", "{\"id\":31,\"sms_quota\":1}\n"
                                             "{\"id\":32,\"sms_quota\":2}\n"
                                             "{\"id\":33,\"sms_quota\":3}\n"
                                             "{\"id\":31,\"sms_quota\":4}\n"
                                             "{\"id\":34,\"sms_quota\":5}\n"
                                             "{\"id\":35,\"sms_quota\":6}\n");
  const char *results = path_of("results.jsonl");
  custapi_client *c = itest_library_client(CUSTAPI_PROTOCOL_REST);
  custapi_bulk_summary s = CUSTAPI_BULK_SUMMARY_INIT;
  ck_assert_int_eq(bulk_api_run(&s, c, input, results, 0, 3), CUSTAPI_EINTERNAL);
  ck_assert_int_eq(s.succeeded, 3);
  ck_assert_int_eq(lines_of(results), 1 + 3); /* the fingerprint, then one line per outcome */
  struct stat st;
  ck_assert_int_eq(stat(results, &st), 0);
  ck_assert_int_eq(st.st_mode & 0777, 0600); /* it holds customer data */

  ck_assert_int_eq(bulk_api_run(&s, c, input, results, CUSTAPI_BULK_RESULTS_RESUME, 0), 0);
  ck_assert_int_eq(s.skipped, 3);
  ck_assert_int_eq(s.succeeded, 3);
  ck_assert_int_eq(lines_of(results), 1 + 6);
  ck_assert_int_eq(quota_of(c, 31), 4); /* the last line of an id wins */
  ck_assert_int_eq(quota_of(c, 35), 6);

  /* Everything done: a second resume sends nothing. */
  ck_assert_int_eq(bulk_api_run(&s, c, input, results, CUSTAPI_BULK_RESULTS_RESUME, 0), 0);
  ck_assert_int_eq(s.skipped, 6);
  ck_assert_int_eq(s.succeeded, 0);
  custapi_client_free(c);
}
END_TEST

START_TEST(results_files_that_would_lose_or_mix_results_are_refused) {
  const char *input = write_file("in.jsonl", "{\"id\":1,\"sms_quota\":1}\n");
  const char *other = write_file("other.jsonl", "{\"id\":2,\"sms_quota\":1}\n");
  const char *results = path_of("r.jsonl");
  custapi_bulk_input *in, *in2;
  custapi_error err;
  ck_assert_int_eq(custapi_bulk_input_open(&in, input, NULL, &err), 0);
  ck_assert_int_eq(custapi_bulk_input_open(&in2, other, NULL, &err), 0);
  custapi_bulk_results *r = NULL, *r2 = (custapi_bulk_results *)1;
  /* the input itself */
  ck_assert_int_eq(custapi_bulk_results_open(&r2, input, in, 0, &err), CUSTAPI_EUSAGE);
  ck_assert_ptr_null(r2);
  ck_assert_msg(strstr(err.message, "is the input itself"), "%s", err.message);
  /* a file another run holds */
  ck_assert_int_eq(custapi_bulk_results_open(&r, results, in, 0, &err), 0);
  ck_assert_int_eq(custapi_bulk_results_open(&r2, results, in, CUSTAPI_BULK_RESULTS_RESUME, &err),
                   CUSTAPI_EBUSY); /* busy, not broken: monitoring tells the two apart */
  ck_assert_int_eq(err.category, CUSTAPI_CATEGORY_BUSY);
  ck_assert_msg(strstr(err.message, "another custapi bulk run holds"), "%s", err.message);
  custapi_bulk_outcome o = {1, 1, 0, 1, 200, 1, NULL, NULL, 0};
  ck_assert_int_eq(custapi_bulk_results_write(r, &o, &err), 0);
  custapi_bulk_results_free(r);
  /* without resume, a file with results; with it, results of other input */
  ck_assert_int_eq(custapi_bulk_results_open(&r2, results, in, 0, &err), CUSTAPI_EUSAGE);
  ck_assert_msg(strstr(err.message, "already holds results"), "%s", err.message);
  ck_assert_int_eq(custapi_bulk_results_open(&r2, results, in2, CUSTAPI_BULK_RESULTS_RESUME, &err),
                   CUSTAPI_EUSAGE);
  ck_assert_msg(strstr(err.message, "other input"), "%s", err.message);
  /* a resume can't read standard output back */
  ck_assert_int_eq(custapi_bulk_results_open(&r2, "-", in, CUSTAPI_BULK_RESULTS_RESUME, &err),
                   CUSTAPI_EUSAGE);
  ck_assert_msg(strstr(err.message, "standard output can't be read back"), "%s", err.message);
  /* nor read standard input again */
  int saved = dup(STDIN_FILENO), fd = open(input, O_RDONLY);
  ck_assert(saved >= 0 && fd >= 0 && dup2(fd, STDIN_FILENO) == STDIN_FILENO);
  custapi_bulk_format jsonl = CUSTAPI_BULK_JSONL;
  custapi_bulk_input *piped;
  ck_assert_int_eq(custapi_bulk_input_open(&piped, "-", &jsonl, &err), 0);
  ck_assert_int_eq(custapi_bulk_input_records(piped), -1); /* not known */
  ck_assert_int_eq(
      custapi_bulk_results_open(&r2, results, piped, CUSTAPI_BULK_RESULTS_RESUME, &err),
      CUSTAPI_EUSAGE);
  ck_assert_msg(strstr(err.message, "standard input can't be read again"), "%s", err.message);
  custapi_bulk_input_free(piped);
  ck_assert_int_eq(dup2(saved, STDIN_FILENO), STDIN_FILENO);
  close(saved);
  close(fd);
  /* the file is as it was: resuming the right input skips its one record */
  ck_assert_int_eq(custapi_bulk_results_open(&r, results, in, CUSTAPI_BULK_RESULTS_RESUME, &err),
                   0);
  ck_assert_int_eq(custapi_bulk_results_skip(1, 1, r), 1);
  custapi_bulk_results_free(r);
  custapi_bulk_results_free(NULL);
  custapi_bulk_input_free(in);
  custapi_bulk_input_free(in2);
}
END_TEST

static off_t size_of(const char *path) {
  struct stat st;
  ck_assert_int_eq(stat(path, &st), 0);
  return st.st_size;
}

/* CUSTAPI_BULK_RESULTS_BATCH: lines are held until a flush writes them all, whole and in order;
 * more than 64 KiB held are written without one; free writes what is left. */
START_TEST(batched_results_are_written_at_each_flush) {
  const char *input = write_file("batched-in.jsonl", "{\"id\":1,\"sms_quota\":1}\n");
  const char *results = path_of("batched.jsonl");
  custapi_bulk_input *in;
  custapi_bulk_results *r;
  custapi_error err;
  ck_assert_int_eq(custapi_bulk_input_open(&in, input, NULL, &err), 0);
  ck_assert_msg(custapi_bulk_results_open(&r, results, in, CUSTAPI_BULK_RESULTS_BATCH, &err) == 0,
                "%s", err.message);
  off_t header = size_of(results);
  ck_assert_int_gt(header, 0); /* the header is written at once */
  ck_assert_int_eq(custapi_bulk_results_flush(r, &err), 0); /* nothing held: nothing to do */
  custapi_bulk_outcome o = {1, 1, 0, 1, 200, 1, NULL, NULL, 0};
  char *one;
  ck_assert_int_eq(custapi_bulk_outcome_to_json(&one, &o), 0);
  off_t line = (off_t)strlen(one) + (off_t)strlen(",\"tries\":1") + 1; /* the file counts runs */
  custapi_free(one);
  for (int i = 0; i < 3; i++)
    ck_assert_int_eq(custapi_bulk_results_write(r, &o, &err), 0);
  ck_assert_int_eq(size_of(results), header); /* held */
  ck_assert_int_eq(custapi_bulk_results_flush(r, &err), 0);
  ck_assert_int_eq(size_of(results), header + 3 * line);
  /* past 64 KiB held, the lines go out without waiting for a flush */
  int n = (int)(70 * 1024 / line);
  for (int i = 0; i < n; i++)
    ck_assert_int_eq(custapi_bulk_results_write(r, &o, &err), 0);
  off_t now = size_of(results);
  ck_assert_int_gt(now, header + 3 * line);
  ck_assert_int_lt(now, header + (3 + n) * line);
  ck_assert_int_eq((now - header) % line, 0); /* whole lines only */
  custapi_bulk_results_free(r); /* writes the rest */
  ck_assert_int_eq(size_of(results), header + (3 + n) * line);
  /* and the file is a sound results file: a resume skips the record */
  ck_assert_int_eq(custapi_bulk_results_open(&r, results, in, CUSTAPI_BULK_RESULTS_RESUME, &err),
                   0);
  ck_assert_int_eq(custapi_bulk_results_skip(1, 1, r), 1);
  custapi_bulk_results_free(r);
  custapi_bulk_input_free(in);
}
END_TEST

START_TEST(results_as_json_over_both_protocols) {
  NEED_SERVER();
  custapi_customer *props;
  custapi_error err;
  ck_assert_int_eq(custapi_customer_new(&props, 0), 0);
  ck_assert_int_eq(custapi_customer_set(props, "sms_quota", "17", &err), 0);
  for (int p = 0; p < 2; p++) {
    custapi_client *c = itest_library_client(p ? CUSTAPI_PROTOCOL_XMLRPC : CUSTAPI_PROTOCOL_REST);
    custapi_result *res;
    ck_assert_int_eq(custapi_update(&res, c, 41, props, CUSTAPI_VALIDATE_PARTIAL), 0);
    char *text;
    ck_assert_int_eq(custapi_result_to_json(&text, res), 0);
    json_object *o = json_tokener_parse(text);
    ck_assert_msg(o != NULL, "%s", text);
    ck_assert_str_eq(itest_str(o, "protocol"), p ? "xmlrpc" : "rest");
    ck_assert_int_eq(json_object_get_int(itest_member(o, "http_status")), 200);
    ck_assert_int_eq(json_object_get_int(itest_member(o, "attempts")), 1);
    ck_assert(json_object_is_type(itest_member(o, "elapsed_ms"), json_type_int));
    json_object *customer = itest_member(o, "customer"), *result = itest_member(o, "result");
    if (p) { /* XML-RPC answers with the id, and no customer */
      ck_assert_int_eq(json_object_get_int(result), 41);
      ck_assert_ptr_null(customer);
    } else {
      ck_assert_ptr_null(result);
      ck_assert_int_eq(json_object_get_int(itest_member(customer, "sms_quota")), 17);
    }
    json_object_put(o);
    custapi_free(text);
    custapi_result_free(res);
    custapi_client_free(c);
  }
  custapi_customer_free(props);
}
END_TEST

static Suite *bulk_api_suite(void) {
  Suite *s = suite_create("bulk_api");
  TCase *t = tcase_create("pure");
  tcase_add_test(t, records_are_read_one_by_one_and_a_bad_one_is_passed_over);
  tcase_add_test(t, a_csv_header_without_id_is_refused_at_open);
  tcase_add_test(t, a_record_too_long_is_refused_and_the_next_is_read);
  tcase_add_test(t, errors_and_outcomes_as_json);
  suite_add_tcase(s, t);
  t = itest_tcase(s, "files", up, down);
  tcase_add_test(t, the_input_knows_its_format_and_records);
  tcase_add_test(t, an_interrupted_run_is_finished_by_a_resume);
  tcase_add_test(t, results_files_that_would_lose_or_mix_results_are_refused);
  tcase_add_test(t, batched_results_are_written_at_each_flush);
  tcase_add_test(t, results_as_json_over_both_protocols);
  return s;
}

int main(void) { return itest_main(bulk_api_suite); }
