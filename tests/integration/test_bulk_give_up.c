/*
 * Lines that give up (issue 22, item 2), over both protocols: a line failed in --max-attempts
 * runs is abandoned (its last error kept, never sent again, its id's later lines not held
 * back), counted in the summary (exit 10); a results file resumed again and again is compacted
 * by itself; bulk --compact rewrites it to one line per input line, and a kill -9 at any moment
 * of that leaves the old file or the new one, whole.
 */
#include <signal.h>

#include "test_dir.h"

SERVER_FIXTURE(plain, "--seed", "600", NULL)

static const char *const key_env[] = {ITEST_KEY_ENV, NULL};
static const char *const protocols[] = {"rest", "xmlrpc"};

static test_dir d;

static void make_dir(void) { test_dir_make(&d, "give-up"); }
static void remove_dir(void) { test_dir_remove(&d); }
static const char *in_dir(const char *name) { return test_dir_file(&d, name); }
static void write_file(const char *path, const char *text) { test_dir_write(path, text); }

static long member_int(json_object *o, const char *key) {
  return (long)json_object_get_int64(itest_member(o, key));
}

/* custapi --url URL --username demo --protocol P bulk --input IN --results RES --resume ... */
static cli_result tick(const char *protocol, const char *max_attempts) {
  NEED_SERVER();
  const char *args[] = {"--url",
                        refserver_url(rs),
                        "--username",
                        REFSERVER_TEST_USER,
                        "--protocol",
                        protocol,
                        "--retries",
                        "0",
                        "bulk",
                        "--input",
                        in_dir("in.jsonl"),
                        "--results",
                        in_dir("results"),
                        "--resume",
                        "--max-attempts",
                        max_attempts,
                        NULL};
  return itest_run_cli(args, key_env);
}

static long sms_quota_of(int32_t id) {
  custapi_client *c = itest_library_client(CUSTAPI_PROTOCOL_REST);
  custapi_result *r;
  ck_assert_int_eq(custapi_get(&r, c, id), 0);
  long v = (long)custapi_customer_get(custapi_result_customer(r), "sms_quota")->integer;
  custapi_result_free(r);
  custapi_client_free(c);
  return v;
}

/* Line 2 always fails (a customer that does not exist); line 3 is refused by the validator;
 * line 4, of line 3's id, is fine. With --max-attempts 2: two runs try them, the second gives
 * up on both ("abandoned":true with the last error), the third sends nothing, and line 4 is
 * applied as if line 3 were not in the input. */
START_TEST(a_line_that_always_fails_is_given_up) {
  const char *protocol = protocols[_i];
  make_dir();
  int32_t id = _i ? 41 : 40;
  char input[256];
  snprintf(input, sizeof input,
           "{\"id\":%d,\"sms_quota\":1}\n{\"id\":999999,\"sms_quota\":2}\n"
           "{\"id\":%d,\"status\":\"gone\"}\n{\"id\":%d,\"sms_quota\":4}\n",
           id + 10, id, id);
  write_file(in_dir("in.jsonl"), input);
  for (int run = 1; run <= 3; run++) {
    size_t before = refserver_request_count(rs);
    cli_result r = tick(protocol, "2");
    ck_assert_msg(r.status == 10, "%s run %d: exit %d: %s %s", protocol, run, r.status, r.out,
                  r.err);
    long abandoned = member_int(r.json, "abandoned"), failed = member_int(r.json, "failed");
    ck_assert_int_eq(abandoned, run == 1 ? 0 : 2);
    ck_assert_int_eq(failed, run == 1 ? 2 : 0);
    ck_assert_int_eq(
        member_int(r.json, "succeeded") + failed + abandoned + member_int(r.json, "skipped"), 4);
    if (run == 3) { /* nothing left that may be sent */
      ck_assert_uint_eq(refserver_request_count(rs), before);
      ck_assert_msg(strstr(r.err, "abandoned lines are not sent again"), "%s", r.err);
    }
    itest_cli_free(&r);
  }
  ck_assert_int_eq(sms_quota_of(id), 4);
  char *text = itest_slurp(in_dir("results"));
  ck_assert_msg(strstr(text, "{\"line\":2,\"id\":999999,\"ok\":false,\"attempts\":1,\"tries\":2,"
                             "\"abandoned\":true,\"error\":{\"category\":\"not_found\""),
                "%s", text);
  ck_assert_msg(strstr(text, "\"line\":3,\"id\":") &&
                    strstr(text, "\"tries\":2,\"abandoned\":true,"
                                 "\"error\":{\"category\":\"invalid\""),
                "%s", text);
  free(text);
  /* a higher maximum lets them go again */
  size_t before = refserver_request_count(rs);
  cli_result r = tick(protocol, "3");
  ck_assert_int_eq(r.status, 10);
  ck_assert_uint_gt(refserver_request_count(rs), before);
  itest_cli_free(&r);
  remove_dir();
}
END_TEST

static size_t lines_in(const char *path) {
  char *text = itest_slurp(path);
  size_t n = itest_lines(text);
  free(text);
  return n;
}

/* A failing line resumed every minute for a long time: the file stays within about three times
 * the input's lines (compacted by the resume that finds more than twice), whatever the count of
 * runs, and what it says stays right. */
START_TEST(a_results_file_resumed_often_stays_small) {
  const char *protocol = protocols[_i];
  make_dir();
  write_file(in_dir("in.jsonl"), "{\"id\":50,\"sms_quota\":1}\n{\"id\":999999,\"sms_quota\":2}\n"
                                 "{\"id\":51,\"sms_quota\":3}\n{\"id\":50,\"sms_quota\":4}\n");
  size_t most = 0;
  for (int run = 1; run <= 20; run++) {
    cli_result r = tick(protocol, "1000");
    ck_assert_msg(r.status == 10, "exit %d: %s", r.status, r.err);
    itest_cli_free(&r);
    size_t n = lines_in(in_dir("results"));
    if (n > most)
      most = n;
  }
  ck_assert_msg(most <= 1 + 2 * 4 + 1, "the results file grew to %zu lines", most);
  /* every input line still has its result; the failing one counts its 20 runs */
  char *text = itest_slurp(in_dir("results"));
  ck_assert_msg(strstr(text, "{\"line\":2,\"id\":999999,\"ok\":false,\"attempts\":1,\"tries\":20,"),
                "%s", text);
  ck_assert_msg(strstr(text, "{\"line\":4,\"id\":50,\"ok\":true"), "%s", text);
  free(text);
  ck_assert_int_eq(sms_quota_of(50), 4);
  remove_dir();
}
END_TEST

/* ---- bulk --compact, and a kill at any moment of it ---- */

#define BIG_LINES 8000
#define KILLS 24

static void copy_file(const char *from, const char *to) {
  char *text = itest_slurp(from);
  write_file(to, text);
  free(text);
}

static pid_t spawn_compact(void) {
  pid_t pid = fork();
  ck_assert_int_ge(pid, 0);
  if (pid == 0) {
    int null = open("/dev/null", O_RDWR);
    dup2(null, 0);
    dup2(null, 1);
    dup2(null, 2);
    const char *exe = itest_custapi_exe();
    execl(exe, exe, "bulk", "--input", in_dir("in.jsonl"), "--results", in_dir("results"),
          "--compact", (char *)NULL);
    _exit(127);
  }
  return pid;
}

START_TEST(compact_leaves_the_old_file_or_the_new_whatever_the_kill) {
  make_dir();
  /* an input of BIG_LINES lines and a results file of three runs over it (no server needed:
   * compacting reads and writes files only) */
  FILE *f = fopen(in_dir("in.jsonl"), "wb");
  for (int i = 1; i <= BIG_LINES; i++)
    fprintf(f, "{\"id\":%d,\"sms_quota\":%d}\n", i % 500 + 1, i);
  fclose(f);
  custapi_bulk_input *in;
  custapi_bulk_results *res;
  custapi_error err = CUSTAPI_ERROR_INIT;
  ck_assert_int_eq(custapi_bulk_input_open(&in, in_dir("in.jsonl"), NULL, &err), 0);
  ck_assert_int_eq(custapi_bulk_results_open(&res, in_dir("results"), in, 0, &err), 0);
  custapi_error failure = CUSTAPI_ERROR_INIT;
  failure.category = CUSTAPI_CATEGORY_SERVER;
  snprintf(failure.message, sizeof failure.message, "HTTP 503 Service Unavailable");
  for (int run = 0; run < 3; run++)
    for (int i = 1; i <= BIG_LINES; i++) {
      custapi_bulk_outcome o = {
          i, i % 500 + 1, run < 2 && i % 7 == 0 ? CUSTAPI_ESERVER : 0, 1, 200, 1, NULL, NULL, 0};
      o.error = o.status ? &failure : NULL;
      ck_assert_int_eq(custapi_bulk_results_write(res, &o, &err), 0);
    }
  custapi_bulk_results_free(res);
  custapi_bulk_input_free(in);
  copy_file(in_dir("results"), in_dir("old"));
  /* the compacted file, from a run left alone */
  int status;
  long start = itest_now_ms();
  pid_t pid = spawn_compact();
  waitpid(pid, &status, 0);
  long took = itest_now_ms() - start + 1; /* a whole compaction, start to exit */
  ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  copy_file(in_dir("results"), in_dir("new"));
  char *old = itest_slurp(in_dir("old")), *new = itest_slurp(in_dir("new"));
  ck_assert_uint_eq(itest_lines(old), 1 + 3 * BIG_LINES);
  ck_assert_uint_eq(itest_lines(new), 1 + BIG_LINES);
  /* now kill -9 at moments spread over a compaction's life: 0 to about twice its length */
  int left_old = 0, left_new = 0;
  for (int round = 0; round < KILLS; round++) {
    copy_file(in_dir("old"), in_dir("results"));
    pid = spawn_compact();
    long delay_us = (long)round * took * 2000 / KILLS;
    usleep((useconds_t)delay_us);
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    char *now = itest_slurp(in_dir("results"));
    left_old += strcmp(now, old) == 0;
    left_new += strcmp(now, new) == 0;
    ck_assert_msg(strcmp(now, old) == 0 || strcmp(now, new) == 0,
                  "round %d (kill after %ld us): the file is neither the old nor the new "
                  "(%zu lines)",
                  round, delay_us, itest_lines(now));
    free(now);
    /* whatever the kill left, the next compaction (or resume) finishes the job */
  }
  /* the kills landed before the rename and after it (else the test proved nothing) */
  ck_assert_msg(left_old > 0 && left_new > 0, "old %d, new %d of %d kills over %ld ms", left_old,
                left_new, KILLS, took);
  pid = spawn_compact();
  waitpid(pid, &status, 0);
  char *last = itest_slurp(in_dir("results"));
  ck_assert_str_eq(last, new);
  free(last);
  free(old);
  free(new);
  remove_dir();
}
END_TEST

/* --compact needs both files; another run's lock makes it busy; the input must be the file's. */
START_TEST(compact_refusals) {
  make_dir();
  write_file(in_dir("in.jsonl"), "{\"id\":1,\"sms_quota\":1}\n");
  const char *no_results[] = {"bulk", "--input", in_dir("in.jsonl"), "--compact", NULL};
  cli_result r = itest_run_cli(no_results, NULL);
  ck_assert_int_eq(r.status, 2);
  ck_assert_msg(strstr(r.err, "--compact rewrites --results FILE"), "%s", r.err);
  itest_cli_free(&r);
  write_file(in_dir("results"), "{\"custapi_bulk_results\":1,\"input_bytes\":1,\"input_hash\":"
                                "\"fnv1a64:0000000000000000\"}\n");
  const char *args[] = {"bulk",      "--input", in_dir("in.jsonl"), "--results", in_dir("results"),
                        "--compact", NULL};
  r = itest_run_cli(args, NULL);
  ck_assert_int_eq(r.status, 2);
  ck_assert_msg(strstr(r.err, "made from other input"), "%s", r.err);
  itest_cli_free(&r);
  const char *max_without[] = {"bulk", "--input", in_dir("in.jsonl"), "--max-attempts", "2", NULL};
  r = itest_run_cli(max_without, NULL);
  ck_assert_int_eq(r.status, 2);
  ck_assert_msg(strstr(r.err, "--max-attempts counts the runs recorded in --results"), "%s", r.err);
  itest_cli_free(&r);
  remove_dir();
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("bulk_give_up");
  TCase *t = itest_tcase(s, "give_up", up_plain, down_plain);
  tcase_add_loop_test(t, a_line_that_always_fails_is_given_up, 0, 2);
  tcase_add_loop_test(t, a_results_file_resumed_often_stays_small, 0, 2);
  tcase_add_test(t, compact_refusals);
  /* dozens of compactions, each killed: slow under the sanitizers and valgrind */
  TCase *k = tcase_create("kills");
  tcase_set_timeout(k, getenv("CUSTAPI_UNDER_VALGRIND") ? 1200 : 300);
  tcase_add_test(k, compact_leaves_the_old_file_or_the_new_whatever_the_kill);
  suite_add_tcase(s, k);
  return s;
}

int main(void) { return itest_main(suite); }
