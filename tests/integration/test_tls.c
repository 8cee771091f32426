/*
 * TLS through the command, over both protocols, against the reference server serving HTTPS
 * with a certificate made by openssl at test time: refused by default (transport, exit 7, not
 * retried), accepted with --cacert, accepted with --insecure and a warning on stderr.
 * Without openssl the suite is skipped (77).
 */
#include "itest.h"

/* The suite's certificate (harness.h); tls.cert[0] is '\0' when openssl could not make one. */
static refserver_cert tls;

static void up_tls(void) {
  const char *args[] = {"--tls-cert", tls.cert, "--tls-key", tls.key, NULL};
  rs = refserver_start(args);
}

static void down_tls(void) {
  refserver_stop(rs);
  rs = NULL;
}

static const char *const protocols[] = {"rest", "xmlrpc"};

/* custapi -v --protocol P --retries 3 EXTRA... update --id 9 sms_quota=2 */
static cli_result run(const char *protocol, const char *extra1, const char *extra2) {
  NEED_SERVER();
  ck_assert(strncmp(refserver_url(rs), "https://", 8) == 0);
  const char *const env[] = {ITEST_KEY_ENV, NULL};
  const char *args[20] = {"--url",      refserver_url(rs), "--username", REFSERVER_TEST_USER,
                          "--protocol", protocol,          "--retries",  "3",
                          "-v"};
  size_t n = 9;
  if (extra1)
    args[n++] = extra1;
  if (extra2)
    args[n++] = extra2;
  args[n++] = "update";
  args[n++] = "--id";
  args[n++] = "9";
  args[n++] = "sms_quota=2";
  args[n] = NULL;
  cli_result r = itest_run_cli(args, env);
  ck_assert_ptr_null(strstr(r.out, REFSERVER_TEST_KEY));
  ck_assert_ptr_null(strstr(r.err, REFSERVER_TEST_KEY));
  return r;
}

START_TEST(an_unknown_certificate_is_refused_and_not_retried) {
  const char *protocol = protocols[_i];
  size_t before = refserver_request_count(rs);
  cli_result r = run(protocol, NULL, NULL);
  ck_assert_msg(r.status == 7, "%s: exit %d: %s", protocol, r.status, r.err);
  ck_assert_str_eq(itest_error_category(&r), "transport");
  ck_assert_ptr_null(strstr(r.err, "retrying"));
  ck_assert_ptr_null(strstr(r.err, "attempts"));
  ck_assert_ptr_nonnull(strstr(r.err, "certificate"));
  ck_assert_uint_eq(refserver_request_count(rs), before); /* no request got through */
  itest_cli_free(&r);
}
END_TEST

START_TEST(the_certificate_given_with_cacert_is_accepted) {
  const char *protocol = protocols[_i];
  size_t before = refserver_request_count(rs);
  cli_result r = run(protocol, "--cacert", tls.cert);
  ck_assert_msg(r.status == 0, "%s: exit %d: %s", protocol, r.status, r.err);
  ck_assert_ptr_null(strstr(r.err, "warning"));
  ck_assert_uint_eq(refserver_request_count(rs), before + 1);
  json_object *req = itest_last_request();
  ck_assert_str_eq(itest_str(req, "auth"), "valid");
  json_object_put(req);
  itest_cli_free(&r);
}
END_TEST

START_TEST(insecure_connects_with_a_warning) {
  const char *protocol = protocols[_i];
  size_t before = refserver_request_count(rs);
  cli_result r = run(protocol, "--insecure", NULL);
  ck_assert_msg(r.status == 0, "%s: exit %d: %s", protocol, r.status, r.err);
  ck_assert_ptr_nonnull(strstr(r.err, "custapi: warning: TLS certificates are not verified"));
  ck_assert_uint_eq(refserver_request_count(rs), before + 1);
  itest_cli_free(&r);
}
END_TEST

int main(void) {
  if (refserver_cert_make(&tls) < 0) {
    fprintf(stderr, "skipping: openssl could not make a test certificate (is it installed?)\n");
    refserver_cert_remove(&tls);
    return 77;
  }
  refserver *probe = refserver_start(NULL);
  if (!probe) {
    refserver_cert_remove(&tls);
    fprintf(stderr, "skipping: the reference server could not start (see above)\n");
    return 77;
  }
  refserver_stop(probe);
  Suite *s = suite_create("tls");
  TCase *t = itest_tcase(s, "tls", up_tls, down_tls);
  tcase_add_loop_test(t, an_unknown_certificate_is_refused_and_not_retried, 0, 2);
  tcase_add_loop_test(t, the_certificate_given_with_cacert_is_accepted, 0, 2);
  tcase_add_loop_test(t, insecure_connects_with_a_warning, 0, 2);
  SRunner *r = srunner_create(s);
  srunner_run_all(r, CK_NORMAL);
  int failed = srunner_ntests_failed(r);
  srunner_free(r);
  refserver_cert_remove(&tls);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
