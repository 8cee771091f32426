/*
 * custapi bulk run unattended (issue 22, item 1), over both protocols: -q with --results FILE
 * prints nothing when every record succeeded or nothing was left, one summary line on stderr
 * and a non-zero exit when something failed; a results file another run holds gets exit 12
 * (busy), silent under -q; a results file of other input says what to do.
 */
#include <sys/file.h>

#include "test_dir.h"

SERVER_FIXTURE(plain, "--seed", "600", NULL)

static const char *const key_env[] = {ITEST_KEY_ENV, NULL};
static const char *const protocols[] = {"rest", "xmlrpc"};

static test_dir d;

static void make_dir(void) { test_dir_make(&d, "cron"); }
static void remove_dir(void) { test_dir_remove(&d); }
static const char *in_dir(const char *name) { return test_dir_file(&d, name); }
static void write_file(const char *path, const char *text) { test_dir_write(path, text); }

static size_t lines_of(const char *path) {
  char *text = itest_slurp(path);
  size_t n = itest_lines(text);
  free(text);
  return n;
}

/* custapi [-q] --retries 0 --url URL --username demo --protocol P bulk --input IN --results
 * RES --resume: the README's cron line, against the test's server. */
static cli_result cron_tick(const char *protocol, const char *input, int quiet) {
  NEED_SERVER();
  const char *args[20];
  size_t n = 0;
  if (quiet)
    args[n++] = "-q";
  const char *rest[] = {
      "--retries",       "0",        "--url", refserver_url(rs), "--username", REFSERVER_TEST_USER,
      "--protocol",      protocol,   "bulk",  "--input",         input,        "--results",
      in_dir("results"), "--resume", NULL};
  for (size_t i = 0; rest[i]; i++)
    args[n++] = rest[i];
  args[n] = NULL;
  return itest_run_cli(args, key_env);
}

START_TEST(quiet_cron_tick_prints_nothing_when_all_is_done) {
  for (size_t p = 0; p < 2; p++) {
    make_dir();
    write_file(in_dir("in.jsonl"), "{\"id\":11,\"sms_quota\":1}\n{\"id\":12,\"sms_quota\":2}\n"
                                   "{\"id\":11,\"sms_quota\":3}\n");
    /* a tick with work, then one with nothing left */
    for (int tick = 0; tick < 2; tick++) {
      size_t before = refserver_request_count(rs);
      cli_result r = cron_tick(protocols[p], in_dir("in.jsonl"), 1);
      ck_assert_msg(r.status == 0, "%s tick %d: exit %d: %s %s", protocols[p], tick, r.status,
                    r.out, r.err);
      ck_assert_msg(r.out[0] == '\0', "%s tick %d: stdout: %s", protocols[p], tick, r.out);
      ck_assert_msg(r.err[0] == '\0', "%s tick %d: stderr: %s", protocols[p], tick, r.err);
      ck_assert_uint_eq(refserver_request_count(rs), before + (tick == 0 ? 3 : 0));
      itest_cli_free(&r);
    }
    /* the results file keeps the full record */
    ck_assert_uint_eq(lines_of(in_dir("results")), 4);
    remove_dir();
  }
}
END_TEST

START_TEST(quiet_cron_tick_that_fails_says_one_line) {
  for (size_t p = 0; p < 2; p++) {
    make_dir();
    write_file(in_dir("in.jsonl"),
               "{\"id\":11,\"sms_quota\":1}\n{\"id\":12,\"status\":\"gone\"}\n");
    cli_result r = cron_tick(protocols[p], in_dir("in.jsonl"), 1);
    ck_assert_msg(r.status == 10, "%s: exit %d: %s %s", protocols[p], r.status, r.out, r.err);
    ck_assert_msg(r.out[0] == '\0', "%s: stdout: %s", protocols[p], r.out);
    ck_assert_uint_eq(itest_lines(r.err), 1);
    ck_assert_msg(strstr(r.err, "custapi: bulk: 2 records: 1 succeeded, 1 failed"), "%s", r.err);
    ck_assert_msg(strstr(r.err, "every failure is in the results file"), "%s", r.err);
    itest_cli_free(&r);
    /* the failure is on record: line 2, invalid */
    char *text = itest_slurp(in_dir("results"));
    ck_assert_msg(strstr(text, "{\"line\":2,\"id\":12,\"ok\":false"), "%s", text);
    ck_assert_msg(strstr(text, "\"category\":\"invalid\""), "%s", text);
    free(text);
    remove_dir();
  }
}
END_TEST

/* Another run holds the results file (here: the test holds its lock): exit 12, busy; nothing
 * sent; under -q not a word, without it one line and the JSON error. */
START_TEST(held_results_file_is_busy_not_broken) {
  make_dir();
  write_file(in_dir("in.jsonl"), "{\"id\":11,\"sms_quota\":1}\n");
  int fd = open(in_dir("results"), O_RDWR | O_CREAT, 0600);
  ck_assert_int_ge(fd, 0);
  ck_assert_int_eq(flock(fd, LOCK_EX | LOCK_NB), 0);
  for (size_t p = 0; p < 2; p++) {
    for (int quiet = 1; quiet >= 0; quiet--) {
      size_t before = refserver_request_count(rs);
      cli_result r = cron_tick(protocols[p], in_dir("in.jsonl"), quiet);
      ck_assert_msg(r.status == 12, "%s: exit %d: %s %s", protocols[p], r.status, r.out, r.err);
      ck_assert_uint_eq(refserver_request_count(rs), before);
      if (quiet) {
        ck_assert_msg(r.out[0] == '\0' && r.err[0] == '\0', "-q: %s %s", r.out, r.err);
      } else {
        ck_assert_str_eq(itest_error_category(&r), "busy");
        ck_assert_uint_eq(itest_lines(r.err), 1);
        ck_assert_msg(strstr(r.err, "another custapi bulk run holds the results file"), "%s",
                      r.err);
      }
      itest_cli_free(&r);
    }
  }
  close(fd);
  /* once it is free, the same line does the work */
  cli_result r = cron_tick("rest", in_dir("in.jsonl"), 1);
  ck_assert_msg(r.status == 0, "exit %d: %s %s", r.status, r.out, r.err);
  itest_cli_free(&r);
  remove_dir();
}
END_TEST

/* The input changed since the results were written: refused (exit 2, nothing sent, the file
 * untouched), and the message says what to do about it. */
START_TEST(input_changed_names_what_to_do) {
  make_dir();
  write_file(in_dir("in.jsonl"), "{\"id\":11,\"sms_quota\":1}\n");
  cli_result r = cron_tick("rest", in_dir("in.jsonl"), 1);
  ck_assert_int_eq(r.status, 0);
  itest_cli_free(&r);
  char *was = itest_slurp(in_dir("results"));
  write_file(in_dir("in.jsonl"), "{\"id\":11,\"sms_quota\":2}\n");
  size_t before = refserver_request_count(rs);
  r = cron_tick("rest", in_dir("in.jsonl"), 1);
  ck_assert_int_eq(r.status, 2);
  ck_assert_uint_eq(itest_lines(r.err), 1);
  ck_assert_msg(strstr(r.err, "made from other input"), "%s", r.err);
  ck_assert_msg(strstr(r.err, "give this input a new --results file"), "%s", r.err);
  ck_assert_uint_eq(refserver_request_count(rs), before);
  char *now = itest_slurp(in_dir("results"));
  ck_assert_str_eq(now, was);
  free(was);
  free(now);
  itest_cli_free(&r);
  remove_dir();
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("bulk_cron");
  TCase *t = itest_tcase(s, "cron", up_plain, down_plain);
  tcase_add_test(t, quiet_cron_tick_prints_nothing_when_all_is_done);
  tcase_add_test(t, quiet_cron_tick_that_fails_says_one_line);
  tcase_add_test(t, held_results_file_is_busy_not_broken);
  tcase_add_test(t, input_changed_names_what_to_do);
  return s;
}

int main(void) { return itest_main(suite); }
