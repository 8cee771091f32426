/*
 * A server that echoes the credentials never gets them shown (issue 13), wherever the echo
 * is split or cut: the key, or the Basic token, written by the server in two writes split at
 * every position, over both protocols, with and without -v, and into a bulk results file; and
 * a token or key placed so that the message's cut falls at every position inside it. No five
 * bytes in a row of the key, nor of the key's part of the Basic token, may appear anywhere.
 */
#include "canned.h"

#define KEY REFSERVER_TEST_KEY
/* base64("demo:" KEY): the Basic credentials */
#define TOKEN "ZGVtbzp0ZXN0LWtleS03ZjNhOWMyZTUxYjhkMDQ2"
/* Its characters from the 8th on encode only the key's bytes ("demo:" is 5 bytes, so the 7th
 * character already mixes ':' with the key's first byte; that one is checked too). */
#define TOKEN_KEY_PART (&TOKEN[6])

static const char *const protocols[] = {"rest", "xmlrpc"};
static const char *const key_env[] = {ITEST_KEY_ENV, NULL};

static void assert_no_part_of(const char *text, const char *secret, const char *what,
                              const char *where) {
  size_t n = strlen(secret);
  for (size_t i = 0; i + 5 <= n; i++) {
    char part[6];
    memcpy(part, secret + i, 5);
    part[5] = '\0';
    ck_assert_msg(!strstr(text, part), "%s: \"%s\" of %s: %s", where, part, what, text);
  }
}

static void assert_clean(const char *text, const char *where) {
  assert_no_part_of(text, KEY, "the key", where);
  assert_no_part_of(text, TOKEN_KEY_PART, "the Basic token", where);
}

/* before + `secret` with CANNED_SPLIT inserted before its byte `at` + after. */
static void split_echo(char *out, size_t size, const char *before, const char *secret, size_t at,
                       const char *after) {
  snprintf(out, size, "%s%.*s%s%s%s", before, (int)at, secret, CANNED_SPLIT, secret + at, after);
}

/* Runs `args` against one canned answer (served twice, should the command ask again). */
static cli_result run_against(const char *answer, const char *const *args_after_url) {
  const char *const answers[] = {answer, answer, NULL};
  canned k = canned_start(answers);
  const char *args[32] = {"--url", k.url, "--username", "demo", "--retries", "0"};
  size_t n = 6;
  for (size_t i = 0; args_after_url[i]; i++)
    args[n++] = args_after_url[i];
  args[n] = NULL;
  cli_result r = itest_run_cli(args, key_env);
  canned_stop(&k);
  return r;
}

/* The answers that echo: a 400 with a JSON message (both protocols take the same failure
 * path), and for XML-RPC also a fault inside a 200. */
static char *echo_answer(const char *protocol, int fault, const char *secret, size_t at) {
  char body[512];
  if (!fault) {
    split_echo(body, sizeof body, "{\"error\":5,\"message\":\"bad credentials ", secret, at,
               " for demo\"}");
    return canned_answer("400 Bad Request", "application/json", body);
  }
  (void)protocol;
  split_echo(body, sizeof body,
             "<?xml version=\"1.0\"?><methodResponse><fault><value><struct><member><name>"
             "faultCode</name><value><int>400</int></value></member><member><name>faultString"
             "</name><value><string>bad credentials ",
             secret, at,
             " for demo</string></value></member></struct></value></fault></methodResponse>");
  return canned_answer("200 OK", "text/xml", body);
}

static void check_split_echoes(const char *protocol, const char *secret) {
  for (int fault = 0; fault <= (strcmp(protocol, "xmlrpc") == 0); fault++)
    for (size_t at = 0; at <= strlen(secret); at++) {
      char *a = echo_answer(protocol, fault, secret, at);
      const char *args[] = {"--protocol", protocol, "-v",          "update",
                            "--id",       "3",      "sms_quota=1", NULL};
      cli_result r = run_against(a, args);
      free(a);
      ck_assert_msg(r.status == 6, "%s, split at %zu: exit %d: %s", protocol, at, r.status, r.err);
      ck_assert_ptr_nonnull(strstr(r.err, "bad credentials [redacted] for demo"));
      ck_assert_ptr_nonnull(strstr(r.err, "< ")); /* the -v trace of the answer is there */
      assert_clean(r.out, "stdout");
      assert_clean(r.err, "stderr (-v)");
      itest_cli_free(&r);
    }
}

START_TEST(a_key_echoed_in_two_writes_is_redacted_at_every_split) {
  check_split_echoes(protocols[_i], KEY);
}
END_TEST

START_TEST(a_token_echoed_in_two_writes_is_redacted_at_every_split) {
  check_split_echoes(protocols[_i], TOKEN);
}
END_TEST

/* The message quotes 200 bytes of what the server said: with the credential starting at every
 * offset around the cut, none of it shows (it is redacted before the cut is made). */
static void check_cuts(const char *protocol, const char *secret) {
  size_t n = strlen(secret);
  for (size_t pad = 200 - n - 2; pad <= 201; pad++) {
    char body[512];
    int o = snprintf(body, sizeof body, "{\"message\":\"");
    memset(body + o, 'x', pad);
    snprintf(body + o + pad, sizeof body - (size_t)o - pad, "%s and more\"}", secret);
    char *a = canned_answer("401 Unauthorized", "application/json", body);
    const char *args[] = {"--protocol", protocol, "get", "--id", "3", NULL};
    cli_result r = run_against(a, args);
    free(a);
    ck_assert_msg(r.status == 4, "%s, pad %zu: exit %d: %s", protocol, pad, r.status, r.err);
    assert_clean(r.out, "stdout");
    assert_clean(r.err, "stderr");
    itest_cli_free(&r);
  }
}

START_TEST(a_token_at_the_cut_of_a_message_is_not_shown) { check_cuts(protocols[_i], TOKEN); }
END_TEST

START_TEST(a_key_at_the_cut_of_a_message_is_not_shown) { check_cuts(protocols[_i], KEY); }
END_TEST

/* bulk writes each record's error into the results file: redacted there too. */
START_TEST(a_results_file_never_holds_the_echoed_credentials) {
  const char *protocol = protocols[_i];
  char dir[] = "/tmp/custapi-split-XXXXXX";
  ck_assert_ptr_nonnull(mkdtemp(dir));
  char input[64], results[64];
  snprintf(input, sizeof input, "%s/in.jsonl", dir);
  snprintf(results, sizeof results, "%s/results.jsonl", dir);
  FILE *f = fopen(input, "w");
  ck_assert_ptr_nonnull(f);
  fputs("{\"id\":3,\"sms_quota\":1}\n", f);
  fclose(f);
  const char *secrets[] = {KEY, TOKEN};
  for (size_t s = 0; s < 2; s++)
    for (size_t at = 0; at <= strlen(secrets[s]); at += 3) {
      char *a = echo_answer(protocol, 0, secrets[s], at);
      unlink(results);
      const char *args[] = {"--protocol", protocol,    "bulk",  "--input",
                            input,        "--results", results, NULL};
      cli_result r = run_against(a, args);
      free(a);
      ck_assert_msg(r.status == 10, "%s: exit %d: %s", protocol, r.status, r.err);
      char *written = itest_slurp(results);
      ck_assert_ptr_nonnull(strstr(written, "[redacted]"));
      assert_clean(written, "the results file");
      assert_clean(r.out, "stdout");
      assert_clean(r.err, "stderr");
      free(written);
      itest_cli_free(&r);
    }
  unlink(input);
  unlink(results);
  rmdir(dir);
}
END_TEST

static Suite *split_key_suite(void) {
  Suite *s = suite_create("split_key");
  TCase *t = tcase_create("echoes");
  tcase_set_timeout(t, getenv("CUSTAPI_UNDER_VALGRIND") ? 1200 : 120);
  tcase_add_loop_test(t, a_key_echoed_in_two_writes_is_redacted_at_every_split, 0, 2);
  tcase_add_loop_test(t, a_token_echoed_in_two_writes_is_redacted_at_every_split, 0, 2);
  tcase_add_loop_test(t, a_token_at_the_cut_of_a_message_is_not_shown, 0, 2);
  tcase_add_loop_test(t, a_key_at_the_cut_of_a_message_is_not_shown, 0, 2);
  tcase_add_loop_test(t, a_results_file_never_holds_the_echoed_credentials, 0, 2);
  suite_add_tcase(s, t);
  return s;
}

int main(void) { return itest_main(split_key_suite); }
