/* The example programs of docs/library.md, run against the reference server, so they can't
 * rot. Their paths come from the environment (meson sets them). */
#include "itest.h"

SERVER_FIXTURE(plain, NULL)

static cli_result run_example(const char *protocol, const char *id, const char *quota) {
  NEED_SERVER();
  const char *exe = getenv("EXAMPLE_UPDATE_CUSTOMER");
  ck_assert_ptr_nonnull(exe);
  const char *args[] = {refserver_url(rs), REFSERVER_TEST_USER, id, quota, protocol, NULL};
  const char *env[] = {ITEST_KEY_ENV, NULL};
  return itest_run_program(exe, args, env, NULL);
}

START_TEST(update_customer_over_rest_prints_the_customer) {
  cli_result r = run_example("rest", "12", "321");
  ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
  ck_assert_ptr_nonnull(strstr(r.out, "updated customer 12 over rest in 1 attempt(s), HTTP 200"));
  ck_assert_ptr_nonnull(strstr(r.out, "\"sms_quota\":321"));
  itest_cli_free(&r);
}
END_TEST

START_TEST(update_customer_over_xmlrpc_prints_the_integer) {
  cli_result r = run_example("xmlrpc", "13", "654");
  ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
  ck_assert_ptr_nonnull(strstr(r.out, "over xmlrpc"));
  ck_assert_ptr_nonnull(strstr(r.out, "result: 13"));
  itest_cli_free(&r);
}
END_TEST

START_TEST(update_customer_reports_errors_with_the_exit_codes) {
  cli_result r = run_example("rest", "999999", "1");
  ck_assert_int_eq(r.status, 5); /* not_found */
  ck_assert_ptr_nonnull(strstr(r.err, "not_found"));
  itest_cli_free(&r);
  r = run_example("rest", "12", "-5");
  ck_assert_int_eq(r.status, 3); /* invalid: nothing sent */
  itest_cli_free(&r);
}
END_TEST

/* examples/resumable_bulk.c: a run, a resume that finds everything done, a refused rerun. */
static cli_result run_bulk_example(const char *input, const char *results, const char *flag) {
  const char *exe = getenv("EXAMPLE_RESUMABLE_BULK");
  ck_assert_ptr_nonnull(exe);
  const char *args[] = {refserver_url(rs), REFSERVER_TEST_USER, input, results, flag, NULL};
  const char *env[] = {ITEST_KEY_ENV, NULL};
  return itest_run_program(exe, args, env, NULL);
}

START_TEST(resumable_bulk_runs_resumes_and_refuses_to_overwrite) {
  NEED_SERVER();
  char dir[] = "/tmp/custapi-example-XXXXXX", input[64], results[64];
  ck_assert_ptr_nonnull(mkdtemp(dir));
  snprintf(input, sizeof input, "%s/in.csv", dir);
  snprintf(results, sizeof results, "%s/results.jsonl", dir);
  FILE *f = fopen(input, "w");
  ck_assert_ptr_nonnull(f);
  fputs("id,sms_quota\n21,7\n22,8\n23,-1\n", f);
  fclose(f);
  cli_result r = run_bulk_example(input, results, NULL);
  ck_assert_msg(r.status == 10, "exit %d: %s %s", r.status, r.out, r.err); /* partial */
  ck_assert_str_eq(r.out, "3 records: 2 succeeded, 1 failed, 0 skipped\n");
  ck_assert_ptr_nonnull(strstr(r.err, "line 4"));
  itest_cli_free(&r);
  r = run_bulk_example(input, results, "--resume"); /* the failed record is sent again */
  ck_assert_msg(r.status == 10, "exit %d: %s %s", r.status, r.out, r.err);
  ck_assert_str_eq(r.out, "3 records: 0 succeeded, 1 failed, 2 skipped\n");
  itest_cli_free(&r);
  r = run_bulk_example(input, results, NULL);
  ck_assert_int_eq(r.status, 2); /* usage: the file already holds results */
  ck_assert_ptr_nonnull(strstr(r.err, "already holds results"));
  itest_cli_free(&r);
  char *text = itest_slurp(results);
  ck_assert_ptr_nonnull(text);
  ck_assert_int_eq(itest_lines(text), 1 + 3 + 1); /* fingerprint, first run, the resume */
  free(text);
  unlink(input);
  unlink(results);
  rmdir(dir);
}
END_TEST

static Suite *examples_suite(void) {
  Suite *s = suite_create("examples");
  TCase *t = itest_tcase(s, "update_customer", up_plain, down_plain);
  tcase_add_test(t, update_customer_over_rest_prints_the_customer);
  tcase_add_test(t, update_customer_over_xmlrpc_prints_the_integer);
  tcase_add_test(t, update_customer_reports_errors_with_the_exit_codes);
  tcase_add_test(t, resumable_bulk_runs_resumes_and_refuses_to_overwrite);
  return s;
}

int main(void) { return itest_main(examples_suite); }
