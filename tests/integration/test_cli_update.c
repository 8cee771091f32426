/*
 * The custapi command's update and get against the reference server: stdout JSON as custapi(1)
 * says, the stderr line, every exit code the server's answers and faults produce,
 * the key's handling (file or environment, never shown), --dry-run, -v, --timeout.
 */
#include "itest.h"

SERVER_FIXTURE(plain, NULL)
SERVER_FIXTURE(f500, "--fault", "http500", NULL)
SERVER_FIXTURE(badjson, "--fault", "badjson", NULL)
SERVER_FIXTURE(delay, "--fault", "delay:3000", NULL)
SERVER_FIXTURE(x401, "--fault", "xmlfault:401", NULL)
SERVER_FIXTURE(x404, "--fault", "xmlfault:404", NULL)
SERVER_FIXTURE(x422, "--fault", "xmlfault:422", NULL)
SERVER_FIXTURE(x32603, "--fault", "xmlfault:-32603", NULL)
SERVER_FIXTURE(badxml, "--fault", "badxml", NULL)
SERVER_FIXTURE(doctype, "--fault", "doctype", NULL)

static const char *const key_env[] = {ITEST_KEY_ENV, NULL};

/*
 * Loop tests run once per protocol (Check's _i): the same command, the same exit codes, only
 * the wire differs.
 */
static const char *const protocols[] = {"rest", "xmlrpc"};

static cli_result run_as(int i, const char *const *args) {
  const char *full[48] = {"--protocol", protocols[i]};
  size_t n = 2;
  for (size_t k = 0; args[k] && n < 47; k++)
    full[n++] = args[k];
  full[n] = NULL;
  return itest_run_on_server(ITEST_KEY_ENV, full);
}

#define PRUN(...) run_as(_i, (const char *const[]){__VA_ARGS__, NULL})


static int starts_with(const char *s, const char *prefix) {
  return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* A failure: the exit code, the category in the JSON object, one line on stderr. */
static void assert_failure(const cli_result *r, int code, const char *category) {
  ck_assert_msg(r->status == code, "exit %d, expected %d; stdout %s stderr %s", r->status, code,
                r->out, r->err);
  ck_assert_ptr_nonnull(r->json);
  ck_assert(!json_object_get_boolean(itest_member(r->json, "ok")));
  ck_assert_str_eq(itest_error_category(r), category);
  json_object *e = itest_member(r->json, "error");
  itest_member(e, "message");
  itest_member(e, "http_status");
  itest_member(e, "fault_code");
  itest_member(e, "property");
  ck_assert(strncmp(r->err, "custapi: ", 9) == 0);
  ck_assert_uint_ge(itest_lines(r->err), 1);
  ck_assert_ptr_null(strstr(r->out, REFSERVER_TEST_KEY));
  ck_assert_ptr_null(strstr(r->err, REFSERVER_TEST_KEY));
}

/* ---- success ---- */

START_TEST(update_prints_the_result_object) {
  cli_result r = ITEST_RUN("update", "--id", "42", "sms_quota=4242", "address=1 Main St");
  ck_assert_msg(r.status == 0, "%s %s", r.out, r.err);
  ck_assert_str_eq(r.err, "");
  ck_assert_uint_eq(itest_lines(r.out), 1);
  ck_assert_ptr_nonnull(r.json);
  ck_assert_str_eq(json_object_get_string(itest_member(r.json, "protocol")), "rest");
  ck_assert_int_eq(json_object_get_int(itest_member(r.json, "id")), 42);
  ck_assert(json_object_get_boolean(itest_member(r.json, "ok")));
  ck_assert_int_eq(json_object_get_int(itest_member(r.json, "http_status")), 200);
  ck_assert_int_eq(json_object_get_int(itest_member(r.json, "attempts")), 1);
  json_object *c = itest_member(r.json, "customer");
  json_object *q = itest_member(c, "sms_quota");
  ck_assert(json_object_is_type(q, json_type_int));
  ck_assert_int_eq(json_object_get_int(q), 4242);
  ck_assert_str_eq(json_object_get_string(itest_member(c, "address")), "1 Main St");
  /* The output's keys are in the order custapi(1) shows. */
  ck_assert(starts_with(r.out, "{\"protocol\":\"rest\",\"id\":42,\"ok\":true,\"http_status\":200,"
                               "\"attempts\":1,\"customer\":{"));
  itest_cli_free(&r);
  json_object *req = itest_last_request();
  ck_assert_str_eq(itest_str(req, "method"), "PUT");
  json_object *b = json_tokener_parse(itest_str(req, "body"));
  ck_assert_int_eq(json_object_get_int(itest_member(b, "sms_quota")), 4242);
  ck_assert(json_object_is_type(itest_member(b, "sms_quota"), json_type_int));
  json_object_put(b);
  json_object_put(req);
}
END_TEST

START_TEST(update_from_json_file) {
  char path[] = "/tmp/custapi-json-XXXXXX";
  int fd = mkstemp(path);
  ck_assert_int_ge(fd, 0);
  const char *doc = "{\"sms_quota\":\"77\",\"website_url\":\"https:\\/\\/x.example\\/p\"}";
  ck_assert_int_eq(write(fd, doc, strlen(doc)), (int)strlen(doc));
  close(fd);
  cli_result r = ITEST_RUN("update", "--id", "43", "--json", path, "email_quota=5");
  unlink(path);
  ck_assert_msg(r.status == 0, "%s %s", r.out, r.err);
  json_object *c = itest_member(r.json, "customer");
  ck_assert_int_eq(json_object_get_int(itest_member(c, "sms_quota")), 77);
  ck_assert_int_eq(json_object_get_int(itest_member(c, "email_quota")), 5);
  ck_assert_str_eq(json_object_get_string(itest_member(c, "website_url")), "https://x.example/p");
  ck_assert_ptr_null(strstr(r.out, "\\/"));
  itest_cli_free(&r);
}
END_TEST

START_TEST(get_prints_the_customer) {
  cli_result r = PRUN("get", "--id", "8");
  ck_assert_msg(r.status == 0, "%s %s", r.out, r.err);
  ck_assert_str_eq(json_object_get_string(itest_member(r.json, "protocol")), protocols[_i]);
  ck_assert_int_eq(json_object_get_int(itest_member(r.json, "id")), 8);
  ck_assert(json_object_get_boolean(itest_member(r.json, "ok")));
  json_object *c = itest_member(r.json, "customer");
  ck_assert_int_eq(json_object_get_int(itest_member(c, "id")), 8);
  ck_assert_int_eq(json_object_get_string_len(itest_member(c, "hash")), 16);
  char start[96];
  snprintf(start, sizeof start, "{\"protocol\":\"%s\",\"id\":8,\"ok\":true,\"customer\":{",
           protocols[_i]);
  ck_assert(starts_with(r.out, start));
  itest_cli_free(&r);
  r = PRUN("get", "--id", "8", "--output", "text");
  ck_assert_int_eq(r.status, 0);
  ck_assert_ptr_null(r.json);
  ck_assert_ptr_nonnull(strstr(r.out, "protocol"));
  ck_assert_ptr_nonnull(strstr(r.out, "\"customer8@example.com\""));
  itest_cli_free(&r);
}
END_TEST

START_TEST(xmlrpc_update_prints_result_and_with_read_back_the_customer) {
  cli_result r = ITEST_RUN("--protocol", "xmlrpc", "update", "--id", "44", "sms_quota=44");
  ck_assert_msg(r.status == 0, "%s %s", r.out, r.err);
  ck_assert_str_eq(json_object_get_string(itest_member(r.json, "protocol")), "xmlrpc");
  ck_assert(json_object_is_type(itest_member(r.json, "result"), json_type_int));
  ck_assert(!json_object_object_get_ex(r.json, "customer", NULL));
  itest_cli_free(&r);
  r = ITEST_RUN("update", "--protocol", "xmlrpc", "--id", "44", "sms_quota=45", "--read-back");
  ck_assert_msg(r.status == 0, "%s %s", r.out, r.err);
  itest_member(r.json, "result");
  ck_assert_int_eq(json_object_get_int(itest_member(itest_member(r.json, "customer"), "sms_quota")), 45);
  itest_cli_free(&r);
}
END_TEST

START_TEST(text_output_is_readable_lines) {
  cli_result r = ITEST_RUN("update", "--id", "45", "sms_quota=3", "--output", "text");
  ck_assert_int_eq(r.status, 0);
  ck_assert_ptr_null(r.json);
  ck_assert_ptr_nonnull(strstr(r.out, "http_status"));
  ck_assert_ptr_nonnull(strstr(r.out, "sms_quota"));
  itest_cli_free(&r);
}
END_TEST

/* ---- the key, --dry-run, -v ---- */

static void write_key_file(char *path, const char *content, mode_t mode) {
  int fd = mkstemp(path);
  ck_assert_int_ge(fd, 0);
  ck_assert_int_eq(write(fd, content, strlen(content)), (int)strlen(content));
  close(fd);
  chmod(path, mode);
}

START_TEST(key_from_a_file) {
  NEED_SERVER();
  char path[] = "/tmp/custapi-key-XXXXXX";
  write_key_file(path, REFSERVER_TEST_KEY "\n", 0600);
  const char *args[] = {
      "--url", refserver_url(rs), "--username", "demo", "--api-key-file", path, "get", "--id", "2",
      NULL};
  cli_result r = itest_run_cli(args, NULL);
  ck_assert_msg(r.status == 0, "%s %s", r.out, r.err);
  ck_assert_str_eq(r.err, ""); /* 0600: no warning */
  itest_cli_free(&r);
  chmod(path, 0644);
  r = itest_run_cli(args, NULL);
  ck_assert_int_eq(r.status, 0);
  ck_assert_ptr_nonnull(strstr(r.err, "readable by group or others"));
  ck_assert_ptr_null(strstr(r.err, REFSERVER_TEST_KEY));
  itest_cli_free(&r);
  unlink(path);
  /* An empty file is refused before anything is sent. */
  char empty[] = "/tmp/custapi-key-XXXXXX";
  write_key_file(empty, "\n", 0600);
  args[5] = empty;
  size_t before = refserver_request_count(rs);
  r = itest_run_cli(args, NULL);
  assert_failure(&r, 2, "usage");
  ck_assert_ptr_nonnull(strstr(r.err, "empty"));
  itest_cli_free(&r);
  unlink(empty);
  ck_assert_uint_eq(refserver_request_count(rs), before);
}
END_TEST

START_TEST(no_key_or_key_on_the_command_line_is_usage) {
  NEED_SERVER();
  const char *args[] = {"--url", refserver_url(rs), "get", "--id", "2", NULL};
  cli_result r = itest_run_cli(args, NULL);
  assert_failure(&r, 2, "usage");
  itest_cli_free(&r);
  const char *on_line[] = {
      "--url", refserver_url(rs), "--api-key", "sekrit-on-argv", "get", "--id", "2", NULL};
  r = itest_run_cli(on_line, NULL);
  assert_failure(&r, 2, "usage");
  ck_assert_ptr_null(strstr(r.out, "sekrit-on-argv"));
  ck_assert_ptr_null(strstr(r.err, "sekrit-on-argv"));
  itest_cli_free(&r);
}
END_TEST

START_TEST(dry_run_prints_the_request_and_sends_nothing) {
  size_t before = refserver_request_count(rs);
  cli_result r = ITEST_RUN("update", "--id", "42", "email=dry@example.com", "--dry-run");
  ck_assert_msg(r.status == 0, "%s %s", r.out, r.err);
  ck_assert_uint_eq(refserver_request_count(rs), before);
  char first[128];
  snprintf(first, sizeof first, "PUT %s/api/2.0/customers/42 HTTP/1.1\n", refserver_url(rs));
  ck_assert(strncmp(r.out, first, strlen(first)) == 0);
  ck_assert_ptr_nonnull(strstr(r.out, "Authorization: Basic [redacted]\n"));
  ck_assert_ptr_nonnull(strstr(r.out, "\n\n{\"email\":\"dry@example.com\"}\n"));
  ck_assert_ptr_null(strstr(r.out, REFSERVER_TEST_KEY));
  ck_assert_ptr_null(strstr(r.out, "ZGVtbzp0ZXN0LWtleS03ZjNhOWMyZTUxYjhkMDQ2"));
  ck_assert_ptr_null(strstr(r.err, REFSERVER_TEST_KEY));
  itest_cli_free(&r);
  /* Over XML-RPC the same: the call's XML, no key. */
  r = ITEST_RUN("update", "--protocol", "xmlrpc", "--id", "42", "sms_quota=1", "--dry-run");
  ck_assert_msg(r.status == 0, "%s %s", r.out, r.err);
  ck_assert_ptr_nonnull(strstr(r.out, "POST "));
  ck_assert_ptr_nonnull(strstr(r.out, "/api/2.0/xmlrpc/ HTTP/1.1\n"));
  ck_assert_ptr_nonnull(strstr(r.out, "UpdateCustomer"));
  ck_assert_ptr_null(strstr(r.out, REFSERVER_TEST_KEY));
  itest_cli_free(&r);
  ck_assert_uint_eq(refserver_request_count(rs), before);
}
END_TEST

START_TEST(verbose_traces_on_stderr_redacted) {
  cli_result r = ITEST_RUN("-v", "update", "--id", "46", "sms_quota=46");
  ck_assert_int_eq(r.status, 0);
  ck_assert_ptr_nonnull(r.json); /* stdout stays one JSON object */
  ck_assert_ptr_nonnull(strstr(r.err, "> PUT /api/2.0/customers/46 HTTP/1.1"));
  ck_assert_ptr_nonnull(strstr(r.err, "> Authorization: Basic [redacted]"));
  ck_assert_ptr_nonnull(strstr(r.err, "< HTTP/1.1 200"));
  ck_assert_ptr_null(strstr(r.err, REFSERVER_TEST_KEY));
  ck_assert_ptr_null(strstr(r.err, "ZGVtbzp0ZXN0LWtleS03ZjNhOWMyZTUxYjhkMDQ2"));
  itest_cli_free(&r);
}
END_TEST

START_TEST(loopback_is_never_proxied) {
  NEED_SERVER();
  char dead[64], http_proxy[96], all_proxy[96];
  itest_closed_port_url(dead, sizeof dead);
  snprintf(http_proxy, sizeof http_proxy, "http_proxy=%s", dead);
  snprintf(all_proxy, sizeof all_proxy, "ALL_PROXY=%s", dead);
  const char *env[] = {ITEST_KEY_ENV, http_proxy, all_proxy, "no_proxy=", "NO_PROXY=", NULL};
  const char *args[] = {
      "--url", refserver_url(rs), "--username", "demo", "--retries", "0", "get", "--id", "3", NULL};
  cli_result r = itest_run_cli(args, env);
  ck_assert_msg(r.status == 0, "%s %s", r.out, r.err);
  itest_cli_free(&r);
  const char *with_option[] = {"--url",      refserver_url(rs),
                               "--username", "demo",
                               "--proxy",    dead,
                               "--retries",  "0",
                               "get",        "--id",
                               "3",          NULL};
  r = itest_run_cli(with_option, key_env);
  ck_assert_msg(r.status == 0, "%s %s", r.out, r.err);
  itest_cli_free(&r);
}
END_TEST

/* ---- exit codes ---- */

/* The HTTP status of an error: REST's own, or over XML-RPC 200 with the fault code. */
static void assert_status(const cli_result *r, int i, int rest_status, int fault) {
  json_object *e = itest_member(r->json, "error");
  if (i == 0 || !fault) {
    ck_assert_int_eq(json_object_get_int(itest_member(e, "http_status")), rest_status);
  } else {
    ck_assert_int_eq(json_object_get_int(itest_member(e, "http_status")), 200);
    ck_assert_int_eq(json_object_get_int(itest_member(e, "fault_code")), fault);
  }
}

START_TEST(exit_codes_of_the_server_answers) {
  size_t before = refserver_request_count(rs);
  cli_result r = PRUN("update", "--id", "42", "email=a@");
  assert_failure(&r, 3, "invalid");
  ck_assert_str_eq(json_object_get_string(itest_member(itest_member(r.json, "error"), "property")), "email");
  itest_cli_free(&r);
  r = PRUN("update", "--id", "0", "sms_quota=1");
  assert_failure(&r, 3, "invalid");
  itest_cli_free(&r);
  r = PRUN("update", "sms_quota=1");
  assert_failure(&r, 2, "usage");
  itest_cli_free(&r);
  ck_assert_uint_eq(refserver_request_count(rs), before); /* nothing was sent */

  r = PRUN("update", "--id", "999", "sms_quota=1");
  assert_failure(&r, 5, "not_found");
  assert_status(&r, _i, 404, 404);
  itest_cli_free(&r);
  r = PRUN("get", "--id", "999");
  assert_failure(&r, 5, "not_found");
  itest_cli_free(&r);
  r = PRUN("update", "--id", "42", "hash=0000000000000000");
  assert_failure(&r, 6, "rejected");
  assert_status(&r, _i, 422, 422);
  itest_cli_free(&r);
  const char *wrong_env[] = {"CUSTAPI_API_KEY=wrong-key", NULL};
  const char *args[] = {"--url", refserver_url(rs), "--username", "demo", "--protocol",
                        protocols[_i], "get", "--id", "1", NULL};
  r = itest_run_cli(args, wrong_env);
  assert_failure(&r, 4, "auth");
  assert_status(&r, _i, 401, 0); /* HTTP 401 over both: Basic auth comes before the protocol */
  itest_cli_free(&r);
  ck_assert_uint_eq(refserver_request_count(rs), before + 4);
}
END_TEST

START_TEST(usage_exit_codes_before_connecting) {
  const char *remote[] = {"--url", "http://mail.example.com", "--username", "u", "get", "--id", "1",
                          NULL};
  cli_result r = itest_run_cli(remote, key_env);
  assert_failure(&r, 2, "usage");
  ck_assert_ptr_nonnull(strstr(r.err, "plain http"));
  itest_cli_free(&r);
  const char *bad_user[] = {"--url", "http://127.0.0.1:1", "--username", "a:b", "get", "--id", "1",
                            NULL};
  r = itest_run_cli(bad_user, key_env);
  assert_failure(&r, 2, "usage");
  itest_cli_free(&r);
  const char *bad_proto[] = {
      "--url", "http://127.0.0.1:1", "--protocol", "soap", "get", "--id", "1", NULL};
  r = itest_run_cli(bad_proto, key_env);
  assert_failure(&r, 2, "usage");
  itest_cli_free(&r);
  const char *nothing[] = {"--url", "http://127.0.0.1:1", "update", "--id", "1", NULL};
  r = itest_run_cli(nothing, key_env);
  assert_failure(&r, 3, "invalid"); /* as in every command: test_facts.c */
  ck_assert_ptr_nonnull(strstr(r.err, "nothing to update"));
  itest_cli_free(&r);
  const char *ctl[] = {"--url", "http://127.0.0.1:1/\x01", "--username", "u", "get", "--id", "1",
                       NULL};
  r = itest_run_cli(ctl, key_env);
  assert_failure(&r, 2, "usage");
  itest_cli_free(&r);
}
END_TEST

START_TEST(transport_exit_code_when_nobody_listens) {
  NEED_SERVER();
  char url[64];
  itest_closed_port_url(url, sizeof url);
  const char *args[] = {"--url", url, "--username", "u", "--protocol", protocols[_i], "--retries",
                        "0", "get", "--id", "1", NULL};
  cli_result r = itest_run_cli(args, key_env);
  assert_failure(&r, 7, "transport");
  itest_cli_free(&r);
}
END_TEST

START_TEST(server_exit_code_after_retries) {
  size_t before = refserver_request_count(rs);
  cli_result r = PRUN("--retries", "2", "update", "--id", "42", "sms_quota=1");
  assert_failure(&r, 8, "server");
  ck_assert_uint_eq(refserver_request_count(rs), before + 3);
  ck_assert_int_eq(json_object_get_int(itest_member(itest_member(r.json, "error"), "http_status")), 500);
  itest_cli_free(&r);
}
END_TEST

START_TEST(protocol_exit_code_for_a_bad_body) {
  cli_result r = PRUN("update", "--id", "42", "sms_quota=1");
  assert_failure(&r, 9, "protocol");
  ck_assert_ptr_nonnull(strstr(r.err, "may have been applied"));
  itest_cli_free(&r);
}
END_TEST

START_TEST(timeout_fails_as_transport_in_about_the_timeout) {
  size_t before = refserver_request_count(rs);
  cli_result r = PRUN("--timeout", "1", "--retries", "0", "update", "--id", "42", "sms_quota=1");
  assert_failure(&r, 7, "transport");
  ck_assert_int_ge(r.elapsed_ms, 900);
  ck_assert_int_lt(r.elapsed_ms, 2900);
  ck_assert_uint_eq(refserver_request_count(rs), before + 1);
  itest_cli_free(&r);
}
END_TEST

/* XML-RPC faults through the command: the same exit codes as REST's statuses. */
static void xmlrpc_fault_case(int code, const char *category, int fault, size_t requests) {
  size_t before = refserver_request_count(rs);
  cli_result r =
      ITEST_RUN("--protocol", "xmlrpc", "--retries", "1", "update", "--id", "42", "sms_quota=1");
  assert_failure(&r, code, category);
  if (fault)
    ck_assert_int_eq(json_object_get_int(itest_member(itest_member(r.json, "error"), "fault_code")), fault);
  ck_assert_uint_eq(refserver_request_count(rs), before + requests);
  itest_cli_free(&r);
}

START_TEST(xmlrpc_fault_401_is_auth) { xmlrpc_fault_case(4, "auth", 401, 1); }
END_TEST
START_TEST(xmlrpc_fault_404_is_not_found) { xmlrpc_fault_case(5, "not_found", 404, 1); }
END_TEST
START_TEST(xmlrpc_fault_422_is_rejected) { xmlrpc_fault_case(6, "rejected", 422, 1); }
END_TEST
START_TEST(xmlrpc_server_fault_is_retried_then_server) {
  xmlrpc_fault_case(8, "server", -32603, 2);
}
END_TEST
START_TEST(xmlrpc_bad_xml_is_protocol) { xmlrpc_fault_case(9, "protocol", 0, 1); }
END_TEST
START_TEST(xmlrpc_doctype_is_protocol) { xmlrpc_fault_case(9, "protocol", 0, 1); }
END_TEST

static Suite *cli_suite(void) {
  Suite *s = suite_create("cli_update");
  TCase *t = itest_tcase(s, "plain", up_plain, down_plain);
  tcase_add_test(t, update_prints_the_result_object);
  tcase_add_test(t, update_from_json_file);
  tcase_add_loop_test(t, get_prints_the_customer, 0, 2);
  tcase_add_test(t, xmlrpc_update_prints_result_and_with_read_back_the_customer);
  tcase_add_test(t, text_output_is_readable_lines);
  tcase_add_test(t, key_from_a_file);
  tcase_add_test(t, no_key_or_key_on_the_command_line_is_usage);
  tcase_add_test(t, dry_run_prints_the_request_and_sends_nothing);
  tcase_add_test(t, verbose_traces_on_stderr_redacted);
  tcase_add_test(t, loopback_is_never_proxied);
  tcase_add_loop_test(t, exit_codes_of_the_server_answers, 0, 2);
  tcase_add_test(t, usage_exit_codes_before_connecting);
  tcase_add_loop_test(t, transport_exit_code_when_nobody_listens, 0, 2);
  tcase_add_loop_test(itest_tcase(s, "500", up_f500, down_f500), server_exit_code_after_retries,
                      0, 2);
  tcase_add_loop_test(itest_tcase(s, "badjson", up_badjson, down_badjson),
                      protocol_exit_code_for_a_bad_body, 0, 2);
  tcase_add_loop_test(itest_tcase(s, "delay", up_delay, down_delay),
                      timeout_fails_as_transport_in_about_the_timeout, 0, 2);
  tcase_add_test(itest_tcase(s, "x401", up_x401, down_x401), xmlrpc_fault_401_is_auth);
  tcase_add_test(itest_tcase(s, "x404", up_x404, down_x404), xmlrpc_fault_404_is_not_found);
  tcase_add_test(itest_tcase(s, "x422", up_x422, down_x422), xmlrpc_fault_422_is_rejected);
  tcase_add_test(itest_tcase(s, "x32603", up_x32603, down_x32603),
                 xmlrpc_server_fault_is_retried_then_server);
  tcase_add_test(itest_tcase(s, "badxml", up_badxml, down_badxml), xmlrpc_bad_xml_is_protocol);
  tcase_add_test(itest_tcase(s, "doctype", up_doctype, down_doctype), xmlrpc_doctype_is_protocol);
  return s;
}

int main(void) { return itest_main(cli_suite); }
