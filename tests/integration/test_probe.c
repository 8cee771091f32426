/* custapi probe against the reference server: with the prefix, without it, bad credentials,
 * nothing listening, and the library call. */
#include "itest.h"

#include "custapi/custapi.h"

SERVER_FIXTURE(plain, NULL)
SERVER_FIXTURE(bare, "--bare-methods", NULL)


START_TEST(both_usable_with_the_default_prefix) {
  cli_result r = ITEST_RUN("probe");
  ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
  ck_assert(json_object_get_boolean(itest_member(r.json, "ok")));
  json_object *rest = itest_member(r.json, "rest"), *x = itest_member(r.json, "xmlrpc");
  ck_assert(json_object_get_boolean(itest_member(rest, "usable")));
  ck_assert(json_object_get_boolean(itest_member(rest, "credentials_accepted")));
  ck_assert_str_eq(json_object_get_string(itest_member(rest, "tls")), "none");
  ck_assert(json_object_get_boolean(itest_member(x, "prefix_matches")));
  ck_assert_str_eq(json_object_to_json_string(itest_member(x, "customer_methods")),
                   "[ \"customers.UpdateCustomer\", \"customers.GetCustomer\", \"UpdateCustomer\", "
                   "\"GetCustomer\" ]");
  itest_cli_free(&r);
  /* what it asked: the REST home and system.listMethods, nothing that writes */
  json_object *req = itest_last_request();
  ck_assert_str_eq(itest_str(req, "method"), "POST");
  ck_assert_ptr_nonnull(strstr(itest_str(req, "body"), "system.listMethods"));
  json_object_put(req);
}
END_TEST

START_TEST(a_server_without_the_prefix_is_named_with_the_fix) {
  cli_result r = ITEST_RUN("probe");
  ck_assert_int_eq(r.status, 2);
  json_object *x = itest_member(r.json, "xmlrpc");
  ck_assert(!json_object_get_boolean(itest_member(x, "usable")));
  ck_assert(!json_object_get_boolean(itest_member(x, "prefix_matches")));
  ck_assert_str_eq(json_object_get_string(itest_member(x, "suggested_prefix")), "");
  ck_assert(json_object_get_boolean(itest_member(itest_member(r.json, "rest"), "usable")));
  ck_assert_ptr_nonnull(strstr(r.err, "--xmlrpc-prefix ''"));
  ck_assert_uint_eq(itest_lines(r.err), 1);
  itest_cli_free(&r);
  r = ITEST_RUN("probe", "--xmlrpc-prefix", "");
  ck_assert_int_eq(r.status, 0);
  itest_cli_free(&r);
  /* and an update with the bare names works */
  r = ITEST_RUN("--protocol", "xmlrpc", "--xmlrpc-prefix", "", "update", "--id", "3", "sms_quota=9");
  ck_assert_int_eq(r.status, 0);
  itest_cli_free(&r);
}
END_TEST

START_TEST(wrong_credentials_exit_4_and_nothing_answers_exit_7) {
  cli_result r = itest_run_on_server("CUSTAPI_API_KEY=wrong-key", (const char *const[]){"probe", NULL});
  ck_assert_int_eq(r.status, 4);
  ck_assert(!json_object_get_boolean(itest_member(itest_member(r.json, "rest"), "credentials_accepted")));
  ck_assert_ptr_null(strstr(r.out, "wrong-key"));
  itest_cli_free(&r);
  char url[64];
  itest_closed_port_url(url, sizeof url);
  const char *args[] = {"--url", url, "--username", "demo", "--retries", "0", "probe", NULL};
  const char *env[] = {ITEST_KEY_ENV, NULL};
  r = itest_run_cli(args, env);
  ck_assert_int_eq(r.status, 7);
  ck_assert(!json_object_get_boolean(itest_member(itest_member(r.json, "xmlrpc"), "usable")));
  itest_cli_free(&r);
}
END_TEST

START_TEST(library_probe_report) {
  NEED_SERVER();
  custapi_client *c = itest_library_client(CUSTAPI_PROTOCOL_XMLRPC);
  custapi_probe *p;
  ck_assert_int_eq(custapi_probe_run(&p, c), 0);
  ck_assert(custapi_probe_usable(p));
  ck_assert_str_eq(custapi_probe_protocol(p), "xmlrpc");
  ck_assert_int_eq(custapi_probe_http_status(p), 200);
  ck_assert_uint_eq(custapi_probe_method_count(p), 5);
  ck_assert_str_eq(custapi_probe_method_at(p, 4), "system.listMethods");
  ck_assert_ptr_null(custapi_probe_method_at(p, 5));
  ck_assert_int_eq(custapi_probe_prefix_matches(p), 1);
  ck_assert_ptr_null(custapi_probe_error(p));
  custapi_probe_free(p);
  custapi_probe_free(NULL);
  custapi_client_free(c);
}
END_TEST

static Suite *probe_suite(void) {
  Suite *s = suite_create("probe");
  TCase *t = itest_tcase(s, "prefixed", up_plain, down_plain);
  tcase_add_test(t, both_usable_with_the_default_prefix);
  tcase_add_test(t, wrong_credentials_exit_4_and_nothing_answers_exit_7);
  tcase_add_test(t, library_probe_report);
  t = itest_tcase(s, "bare", up_bare, down_bare);
  tcase_add_test(t, a_server_without_the_prefix_is_named_with_the_fix);
  return s;
}

int main(void) { return itest_main(probe_suite); }
