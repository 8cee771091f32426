/*
 * Answers that can be trusted (issue 22, item 8), from servers that misbehave, over both
 * protocols: a customer in an answer whose id is not the one asked is a protocol error (exit 9)
 * naming both ids, for update, get, --read-back, bulk and the gateway's translation; a key or
 * Basic token that a server echoes inside a customer field never reaches stdout (nor the
 * gateway's answers); a flood of 1xx answers is a protocol error, not retried; an update whose
 * request went out and whose answer did not come back says it may have been applied.
 */
#include "canned.h"
#include "test_dir.h"

#define KEY REFSERVER_TEST_KEY
/* base64("demo:" KEY): what a server echoing the Authorization header shows */
#define TOKEN "ZGVtbzp0ZXN0LWtleS03ZjNhOWMyZTUxYjhkMDQ2"

static const char *const protocols[] = {"rest", "xmlrpc"};

/* An HTTP 200 holding `body` (a new buffer). */
static char *http_200(const char *protocol, const char *body) {
  return canned_answer("200 OK", strcmp(protocol, "rest") == 0 ? "application/json" : "text/xml",
                       body);
}

/* A customer of `id` named `name` with `address`: REST's envelope or XML-RPC's struct. */
static char *customer_answer(const char *protocol, int id, const char *name, const char *address) {
  char body[1024];
  if (strcmp(protocol, "rest") == 0)
    snprintf(body, sizeof body,
             "{\"links\":[],\"item\":{\"id\":%d,\"name\":\"%s\",\"address\":\"%s\","
             "\"sms_quota\":9}}",
             id, name, address);
  else
    snprintf(body, sizeof body,
             "<?xml version=\"1.0\"?><methodResponse><params><param><value><struct>"
             "<member><name>id</name><value><int>%d</int></value></member>"
             "<member><name>name</name><value><string>%s</string></value></member>"
             "<member><name>address</name><value><string>%s</string></value></member>"
             "<member><name>sms_quota</name><value><int>9</int></value></member>"
             "</struct></value></param></params></methodResponse>",
             id, name, address);
  return http_200(protocol, body);
}

static char *xmlrpc_int_answer(int value) {
  char body[256];
  snprintf(body, sizeof body,
           "<?xml version=\"1.0\"?><methodResponse><params><param><value><int>%d</int></value>"
           "</param></params></methodResponse>",
           value);
  return http_200("xmlrpc", body);
}

/* custapi --url K --username demo --protocol P --retries R ARGS... against canned answers. */
static cli_result run_canned(const char *const *answers, const char *protocol, const char *retries,
                             const char *const *args) {
  canned k = canned_start(answers);
  const char *const env[] = {ITEST_KEY_ENV, NULL};
  const char *full[32] = {"--url",      k.url,    "--username", REFSERVER_TEST_USER,
                          "--protocol", protocol, "--retries",  retries};
  size_t n = 8;
  for (size_t i = 0; args[i]; i++)
    full[n++] = args[i];
  full[n] = NULL;
  cli_result r = itest_run_cli(full, env);
  canned_stop(&k);
  return r;
}

#define RUN_CANNED(answers, protocol, retries, ...)                                                \
  run_canned((answers), (protocol), (retries), (const char *const[]){__VA_ARGS__, NULL})

/* Exit 9, one stderr line naming both ids, no customer printed. */
static void assert_wrong_customer(cli_result *r, const char *row) {
  ck_assert_msg(r->status == 9, "%s: exit %d: %s %s", row, r->status, r->out, r->err);
  ck_assert_str_eq(itest_error_category(r), "protocol");
  ck_assert_uint_eq(itest_lines(r->err), 1);
  ck_assert_msg(strstr(r->err, "answer carries customer 2, not customer 1 that was asked for"),
                "%s: %s", row, r->err);
  ck_assert_msg(strstr(r->out, "\"customer\"") == NULL, "%s: %s", row, r->out);
}

START_TEST(a_read_of_another_customer_is_a_protocol_error) {
  const char *protocol = protocols[_i];
  char *answer = customer_answer(protocol, 2, "Bob", "2 Road");
  const char *const answers[] = {answer, NULL};
  cli_result r = RUN_CANNED(answers, protocol, "0", "get", "--id", "1");
  assert_wrong_customer(&r, protocol);
  itest_cli_free(&r);
  free(answer);
}
END_TEST

/* REST's update answers with the customer; XML-RPC's with an integer, then --read-back reads. */
START_TEST(an_update_answered_for_another_customer_is_a_protocol_error) {
  const char *protocol = protocols[_i];
  char *first = _i ? xmlrpc_int_answer(1) : customer_answer("rest", 2, "Bob", "2 Road");
  char *second = customer_answer(protocol, 2, "Bob", "2 Road");
  const char *const answers[] = {first, second, NULL};
  cli_result r =
      RUN_CANNED(answers, protocol, "0", "--read-back", "update", "--id", "1", "sms_quota=9");
  assert_wrong_customer(&r, protocol);
  if (!_i) { /* the update itself: it may have been applied, to whichever customer */
    ck_assert_msg(strstr(r.err, "may have been applied"), "%s", r.err);
    ck_assert_msg(strstr(r.out, "\"maybe_applied\":true"), "%s", r.out);
  }
  itest_cli_free(&r);
  free(first);
  free(second);
}
END_TEST

/* bulk's REST answers are checked without building the customer: the id still answers. */
START_TEST(bulk_records_answered_for_another_customer_fail) {
  test_dir d;
  test_dir_make(&d, "trust");
  char input[128], results[128];
  snprintf(input, sizeof input, "%s", test_dir_file(&d, "in.jsonl"));
  snprintf(results, sizeof results, "%s", test_dir_file(&d, "results"));
  test_dir_write(input, "{\"id\":1,\"sms_quota\":9}\n{\"id\":3,\"sms_quota\":9}\n");
  /* the first record's answer is customer 2's; the second's is its own, with "id" spelled
   * with an escape (the fast reader hands such a text to the full decoder) */
  char *wrong = customer_answer("rest", 2, "Bob", "2 Road");
  char *escaped = http_200("rest", "{\"links\":[],\"item\":{\"\\u0069d\":3,\"name\":\"C\"}}");
  const char *const answers[] = {wrong, escaped, NULL};
  cli_result r = RUN_CANNED(answers, "rest", "0", "bulk", "--input", input, "--results", results,
                            "--concurrency", "1");
  ck_assert_msg(r.status == 10, "exit %d: %s %s", r.status, r.out, r.err);
  char *text = itest_slurp(results);
  ck_assert_msg(strstr(text, "{\"line\":1,\"id\":1,\"ok\":false"), "%s", text);
  ck_assert_msg(strstr(text, "\"category\":\"protocol\""), "%s", text);
  ck_assert_msg(strstr(text, "answer carries customer 2, not customer 1"), "%s", text);
  ck_assert_msg(strstr(text, "{\"line\":2,\"id\":3,\"ok\":true"), "%s", text);
  free(text);
  itest_cli_free(&r);
  free(wrong);
  free(escaped);
  test_dir_remove(&d);
}
END_TEST

/* A server that echoes the key, and the Basic token, inside a customer's fields: stdout shows
 * "[redacted]", never them, in JSON and in text, for get and for REST's update answer. */
START_TEST(credentials_echoed_in_a_customer_are_redacted) {
  const char *protocol = protocols[_i];
  char *answer = customer_answer(protocol, 1, KEY, "Basic " TOKEN " and " KEY "!");
  const char *const answers[] = {answer, answer, answer, NULL};
  const char *outputs[] = {"json", "text"};
  for (int o = 0; o < 2; o++) {
    cli_result r = RUN_CANNED(answers, protocol, "0", "--output", outputs[o], "get", "--id", "1");
    ck_assert_msg(r.status == 0, "%s: exit %d: %s", protocol, r.status, r.err);
    ck_assert_msg(strstr(r.out, KEY) == NULL && strstr(r.out, TOKEN) == NULL, "%s: %s", protocol,
                  r.out);
    ck_assert_msg(strstr(r.err, KEY) == NULL && strstr(r.err, TOKEN) == NULL, "%s", r.err);
    ck_assert_msg(strstr(r.out, "[redacted]"), "%s", r.out);
    if (o == 0)
      ck_assert_msg(strstr(r.out, "\"address\":\"Basic [redacted] and [redacted]!\""), "%s", r.out);
    itest_cli_free(&r);
  }
  if (!_i) {
    cli_result r = RUN_CANNED(answers, protocol, "0", "update", "--id", "1", "sms_quota=9");
    ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
    ck_assert_msg(strstr(r.out, KEY) == NULL && strstr(r.out, TOKEN) == NULL, "%s", r.out);
    ck_assert_msg(strstr(r.out, "\"name\":\"[redacted]\""), "%s", r.out);
    itest_cli_free(&r);
  }
  free(answer);
}
END_TEST

/* 1xx answers without end: a protocol error at once, not a transport error retried (the second
 * connection's answer would succeed). */
START_TEST(a_flood_of_interim_answers_is_protocol_not_retried) {
  const char *protocol = protocols[_i];
  char flood[40 * 32] = "";
  for (int i = 0; i < 40; i++)
    strcat(flood, "HTTP/1.1 102 Processing\r\n\r\n");
  char *ok = customer_answer(protocol, 1, "Ann", "1 Road");
  const char *const answers[] = {flood, ok, NULL};
  cli_result r = RUN_CANNED(answers, protocol, "3", "get", "--id", "1");
  ck_assert_msg(r.status == 9, "%s: exit %d: %s %s", protocol, r.status, r.out, r.err);
  ck_assert_str_eq(itest_error_category(&r), "protocol");
  ck_assert_msg(strstr(r.err, "interim (1xx) answers and no final one"), "%s", r.err);
  ck_assert_msg(strstr(r.err, "attempts") == NULL, "retried: %s", r.err);
  itest_cli_free(&r);
  /* a few are normal: a 100 Continue and two 102s before the answer */
  char *normal = malloc(strlen(ok) + 128);
  sprintf(normal,
          "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 102 Processing\r\n\r\n"
          "HTTP/1.1 102 Processing\r\n\r\n%s",
          ok);
  const char *const fine[] = {normal, NULL};
  r = RUN_CANNED(fine, protocol, "0", "get", "--id", "1");
  ck_assert_msg(r.status == 0, "%s: exit %d: %s", protocol, r.status, r.err);
  itest_cli_free(&r);
  free(normal);
  free(ok);
}
END_TEST

/* The update went out, and no answer came back (a server that stalls past --timeout; one that
 * cuts the connection): it may have been applied, in the message and in the JSON. A connection
 * refused sent nothing: no such words. */
START_TEST(an_update_without_an_answer_may_have_been_applied) {
  const char *protocol = protocols[_i];
  const char *const stall[] = {CANNED_STALL, NULL};
  const char *const cut[] = {"", NULL};
  for (int c = 0; c < 2; c++) {
    cli_result r = RUN_CANNED(c ? cut : stall, protocol, "0", "--timeout", "1", "update", "--id",
                              "1", "sms_quota=9");
    ck_assert_msg(r.status == 7, "%s: exit %d: %s %s", protocol, r.status, r.out, r.err);
    ck_assert_uint_eq(itest_lines(r.err), 1);
    ck_assert_msg(strstr(r.err, "the update may have been applied"), "%s", r.err);
    json_object *e = itest_member(r.json, "error");
    ck_assert(json_object_get_boolean(itest_member(e, "maybe_applied")));
    itest_cli_free(&r);
  }
  char url[64];
  itest_closed_port_url(url, sizeof url);
  const char *const env[] = {ITEST_KEY_ENV, NULL};
  const char *args[] = {
      "--url",  url,    "--username", REFSERVER_TEST_USER, "--protocol", protocol, "--retries", "0",
      "update", "--id", "1",          "sms_quota=9",       NULL};
  cli_result r = itest_run_cli(args, env);
  ck_assert_int_eq(r.status, 7);
  ck_assert_msg(strstr(r.err, "may have been applied") == NULL, "%s", r.err);
  ck_assert_msg(strstr(r.out, "maybe_applied") == NULL, "%s", r.out);
  itest_cli_free(&r);
}
END_TEST

/* bulk's results line says it too. */
START_TEST(a_bulk_update_without_an_answer_may_have_been_applied) {
  const char *protocol = protocols[_i];
  test_dir d;
  test_dir_make(&d, "trust");
  char input[128], results[128];
  snprintf(input, sizeof input, "%s", test_dir_file(&d, "in.jsonl"));
  snprintf(results, sizeof results, "%s", test_dir_file(&d, "results"));
  test_dir_write(input, "{\"id\":1,\"sms_quota\":9}\n");
  const char *const cut[] = {"", NULL};
  cli_result r = RUN_CANNED(cut, protocol, "0", "bulk", "--input", input, "--results", results);
  ck_assert_msg(r.status == 10, "exit %d: %s %s", r.status, r.out, r.err);
  char *text = itest_slurp(results);
  ck_assert_msg(strstr(text, "\"maybe_applied\":true"), "%s", text);
  ck_assert_msg(strstr(text, "the update may have been applied"), "%s", text);
  free(text);
  itest_cli_free(&r);
  test_dir_remove(&d);
}
END_TEST

/* ---- the gateway's translation ---- */

typedef struct gateway {
  pid_t pid;
  unsigned port;
  char dir[64];
} gateway;

/* custapi --url UPSTREAM gateway --listen 127.0.0.1:0 --upstream U --port-file F, and with
 * `record` (not NULL) --record RECORD --shadow --report REPORT. */
static gateway gateway_start(const char *upstream_url, const char *upstream, const char *record,
                             const char *report) {
  gateway g = {0};
  snprintf(g.dir, sizeof g.dir, "/tmp/custapi-trust-gw-XXXXXX");
  ck_assert_ptr_nonnull(mkdtemp(g.dir));
  char port_file[96];
  snprintf(port_file, sizeof port_file, "%s/port", g.dir);
  g.pid = fork();
  ck_assert_int_ge(g.pid, 0);
  if (g.pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    int null = open("/dev/null", O_RDWR);
    dup2(null, 0);
    dup2(null, 1);
    dup2(null, 2);
    const char *exe = itest_custapi_exe();
    if (record)
      execl(exe, exe, "--url", upstream_url, "gateway", "--listen", "127.0.0.1:0", "--upstream",
            upstream, "--port-file", port_file, "--record", record, "--shadow", "--report", report,
            (char *)NULL);
    else
      execl(exe, exe, "--url", upstream_url, "gateway", "--listen", "127.0.0.1:0", "--upstream",
            upstream, "--port-file", port_file, (char *)NULL);
    _exit(127);
  }
  for (int waited = 0; waited < 10000; waited += 10) {
    FILE *f = fopen(port_file, "r");
    if (f && fscanf(f, "%u", &g.port) == 1) {
      fclose(f);
      return g;
    }
    if (f)
      fclose(f);
    usleep(10000);
  }
  ck_abort_msg("the gateway did not listen");
  return g;
}

static void gateway_stop(gateway *g) {
  kill(g->pid, SIGTERM);
  waitpid(g->pid, NULL, 0);
  char path[96];
  snprintf(path, sizeof path, "%s/port", g->dir);
  unlink(path);
  rmdir(g->dir);
}

/* One raw call to the gateway (a new buffer with the whole answer). */
static char *gateway_call(const gateway *g, const char *request) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {0};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons((unsigned short)g->port);
  ck_assert_int_eq(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
  ck_assert_int_eq(write(fd, request, strlen(request)), (ssize_t)strlen(request));
  size_t cap = 65536, len = 0;
  char *buf = malloc(cap);
  ssize_t n;
  while ((n = read(fd, buf + len, cap - 1 - len)) > 0)
    len += (size_t)n;
  buf[len] = '\0';
  close(fd);
  return buf;
}

static char *xmlrpc_get_customer(const gateway *g, int id) {
  char body[256], request[1024];
  snprintf(body, sizeof body,
           "<?xml version=\"1.0\"?><methodCall><methodName>customers.GetCustomer</methodName>"
           "<params><param><value><int>%d</int></value></param></params></methodCall>",
           id);
  snprintf(request, sizeof request,
           "POST /api/2.0/xmlrpc/ HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Basic " TOKEN
           "\r\nContent-Type: text/xml\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n%s",
           strlen(body), body);
  return gateway_call(g, request);
}

/* An XML-RPC caller's GetCustomer(1), translated to REST, answered upstream with customer 2:
 * a fault naming both ids, never the other customer's struct. The caller's own key, echoed
 * upstream inside a field, comes back redacted. */
START_TEST(the_gateways_translation_holds_answers_to_the_same_rules) {
  char *wrong = customer_answer("rest", 2, "Bob", "2 Road");
  char *echo = customer_answer("rest", 1, KEY, "Basic " TOKEN);
  const char *const answers[] = {wrong, echo, NULL};
  canned k = canned_start(answers);
  gateway g = gateway_start(k.url, "rest", NULL, NULL);
  char *a = xmlrpc_get_customer(&g, 1);
  ck_assert_msg(strstr(a, "<name>faultCode</name>"), "%s", a);
  ck_assert_msg(strstr(a, "answer carries customer 2, not customer 1"), "%s", a);
  ck_assert_msg(strstr(a, "Bob") == NULL, "%s", a);
  free(a);
  a = xmlrpc_get_customer(&g, 1);
  ck_assert_msg(strstr(a, "<name>faultCode</name>") == NULL, "%s", a);
  ck_assert_msg(strstr(a, KEY) == NULL && strstr(a, TOKEN) == NULL, "%s", a);
  ck_assert_msg(strstr(a, "[redacted]"), "%s", a);
  free(a);
  gateway_stop(&g);
  canned_stop(&k);
  free(wrong);
  free(echo);
}
END_TEST

/* The reference server, its XML-RPC reads of `name` diverging, so that the shadow reports it. */
SERVER_FIXTURE(diverging, "--diverge", "xmlrpc-reads:name=Other", NULL)

/* A caller that puts its own key (and Basic token) in a customer's fields, through the gateway
 * with --record and --shadow --report, over each caller protocol: neither file holds them. */
START_TEST(the_gateways_record_and_report_hold_no_credentials) {
  NEED_SERVER();
  test_dir d;
  test_dir_make(&d, "trust-gw");
  char record[128], report[128];
  snprintf(record, sizeof record, "%s", test_dir_file(&d, "record.jsonl"));
  snprintf(report, sizeof report, "%s", test_dir_file(&d, "report.jsonl"));
  gateway g = gateway_start(refserver_url(rs), "same", record, report);
  char body[512], request[1536];
  if (_i == 0) {
    snprintf(body, sizeof body, "{\"name\":\"%s\",\"address\":\"Basic %s\"}", KEY, TOKEN);
    snprintf(request, sizeof request,
             "PUT /api/2.0/customers/5 HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Basic " TOKEN
             "\r\nContent-Type: application/json\r\nContent-Length: %zu\r\nConnection: "
             "close\r\n\r\n%s",
             strlen(body), body);
  } else {
    snprintf(body, sizeof body,
             "<?xml version=\"1.0\"?><methodCall><methodName>customers.UpdateCustomer"
             "</methodName><params><param><value><int>5</int></value></param><param><value>"
             "<struct><member><name>name</name><value><string>%s</string></value></member>"
             "<member><name>address</name><value><string>Basic %s</string></value></member>"
             "</struct></value></param></params></methodCall>",
             KEY, TOKEN);
    snprintf(request, sizeof request,
             "POST /api/2.0/xmlrpc/ HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Basic " TOKEN
             "\r\nContent-Type: text/xml\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n%s",
             strlen(body), body);
  }
  char *a = gateway_call(&g, request);
  ck_assert_msg(strstr(a, " 200 "), "%s", a);
  free(a);
  gateway_stop(&g); /* the shadow reads finish first */
  char *rec = itest_slurp(record), *rep = itest_slurp(report);
  ck_assert_msg(strstr(rec, "\"id\":5"), "%s", rec);
  ck_assert_msg(strstr(rec, KEY) == NULL && strstr(rec, TOKEN) == NULL, "record: %s", rec);
  ck_assert_msg(strstr(rec, "[redacted]"), "%s", rec);
  ck_assert_msg(strstr(rep, "\"property\":\"name\""), "report: %s", rep);
  ck_assert_msg(strstr(rep, KEY) == NULL && strstr(rep, TOKEN) == NULL, "report: %s", rep);
  ck_assert_msg(strstr(rep, "[redacted]"), "%s", rep);
  free(rec);
  free(rep);
  test_dir_remove(&d);
}
END_TEST

static Suite *trust_suite(void) {
  Suite *s = suite_create("trust");
  TCase *t = tcase_create("answers");
  tcase_set_timeout(t, getenv("CUSTAPI_UNDER_VALGRIND") ? 600 : 60);
  tcase_add_loop_test(t, a_read_of_another_customer_is_a_protocol_error, 0, 2);
  tcase_add_loop_test(t, an_update_answered_for_another_customer_is_a_protocol_error, 0, 2);
  tcase_add_test(t, bulk_records_answered_for_another_customer_fail);
  tcase_add_loop_test(t, credentials_echoed_in_a_customer_are_redacted, 0, 2);
  tcase_add_loop_test(t, a_flood_of_interim_answers_is_protocol_not_retried, 0, 2);
  tcase_add_loop_test(t, an_update_without_an_answer_may_have_been_applied, 0, 2);
  tcase_add_loop_test(t, a_bulk_update_without_an_answer_may_have_been_applied, 0, 2);
  tcase_add_test(t, the_gateways_translation_holds_answers_to_the_same_rules);
  suite_add_tcase(s, t);
  TCase *g = itest_tcase(s, "gateway_files", up_diverging, down_diverging);
  tcase_add_loop_test(g, the_gateways_record_and_report_hold_no_credentials, 0, 2);
  return s;
}

int main(void) { return itest_main(trust_suite); }
