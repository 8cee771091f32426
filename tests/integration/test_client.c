/*
 * The client library against the reference server: what goes on the wire (checked from the
 * server's capture of each request), what comes back, the error model, the retry policy
 * (counted by the server), timeouts, the size cap, keep-alive and the redacted trace.
 */
#define _GNU_SOURCE /* strcasestr */
#include <stdint.h>

#include "canned.h"
#include "itest.h"

#include "custapi/custapi.h"

SERVER_FIXTURE(plain, NULL)
SERVER_FIXTURE(f503x2, "--fault", "http503:2", NULL)
SERVER_FIXTURE(f500, "--fault", "http500", NULL)
SERVER_FIXTURE(html500, "--fault", "html500", NULL)
SERVER_FIXTURE(f429x1, "--fault", "http429:1", NULL)
SERVER_FIXTURE(resetx1, "--fault", "reset:1", NULL)
SERVER_FIXTURE(reset, "--fault", "reset", NULL)
SERVER_FIXTURE(delay, "--fault", "delay:3000", NULL)
SERVER_FIXTURE(delayx1, "--fault", "delay:3000:1", NULL)
SERVER_FIXTURE(badjson, "--fault", "badjson", NULL)
SERVER_FIXTURE(huge, "--fault", "huge", NULL)
SERVER_FIXTURE(wrongshape, "--fault", "wrongshape", NULL)
SERVER_FIXTURE(redirect, "--fault", "redirect", NULL)
SERVER_FIXTURE(delay600, "--fault", "delay:600", NULL)

/* ---- helpers ---- */

typedef struct trace_log {
  char text[1 << 16];
  size_t len;
} trace_log;

static void collect_trace(custapi_trace_kind kind, const char *text, size_t len, void *payload) {
  trace_log *t = payload;
  (void)kind;
  if (t->len + len + 2 < sizeof t->text) {
    memcpy(t->text + t->len, text, len);
    t->len += len;
    t->text[t->len++] = '\n';
    t->text[t->len] = '\0';
  }
}

static custapi_options options(custapi_protocol protocol) {
  custapi_options o = CUSTAPI_OPTIONS_INIT;
  o.base_url = refserver_url(rs);
  o.protocol = protocol;
  o.username = REFSERVER_TEST_USER;
  o.api_key = REFSERVER_TEST_KEY;
  return o;
}

static custapi_client *client_with(const custapi_options *o) {
  custapi_client *c;
  custapi_error err;
  ck_assert_msg(custapi_client_new(&c, o, &err) == 0, "%s", err.message);
  return c;
}

static custapi_client *rest_client(void) {
  NEED_SERVER();
  custapi_options o = options(CUSTAPI_PROTOCOL_REST);
  return client_with(&o);
}

static custapi_customer *props(const char *const *pairs) {
  custapi_customer *c;
  custapi_error err;
  ck_assert_int_eq(custapi_customer_new(&c, 0), 0);
  for (size_t i = 0; pairs[i]; i += 2)
    ck_assert_msg(custapi_customer_set(c, pairs[i], pairs[i + 1], &err) == 0, "%s", err.message);
  return c;
}

/* Updates customer 42's sms_quota on `c`; returns the status, the result in *out. */
static int update_quota(custapi_result **out, custapi_client *c, const char *quota) {
  custapi_customer *p = props((const char *const[]){"sms_quota", quota, NULL});
  int rc = custapi_update(out, c, 42, p, CUSTAPI_VALIDATE_PARTIAL);
  custapi_customer_free(p);
  return rc;
}

/* ---- the wire ---- */

START_TEST(update_sends_put_with_typed_json_and_returns_the_customer) {
  custapi_client *c = rest_client();
  custapi_customer *p =
      props((const char *const[]){"sms_quota", "321", "website_url", "https://shop.example/a/b",
                                  "postal_code", "0042", "country", "gb", NULL});
  size_t before = refserver_request_count(rs);
  custapi_result *r;
  ck_assert_msg(custapi_update(&r, c, 42, p, CUSTAPI_VALIDATE_PARTIAL) == 0, "%s",
                custapi_client_last_error(c)->message);
  ck_assert_uint_eq(refserver_request_count(rs), before + 1);
  ck_assert_str_eq(custapi_result_protocol(r), "rest");
  ck_assert_int_eq(custapi_result_http_status(r), 200);
  ck_assert_int_eq(custapi_result_attempts(r), 1);
  ck_assert_int_ge(custapi_result_elapsed_ms(r), 0);
  int64_t v;
  ck_assert_int_eq(custapi_result_value(&v, r), 0);
  const custapi_customer *got = custapi_result_customer(r);
  ck_assert_ptr_nonnull(got);
  ck_assert_int_eq(custapi_customer_get(got, "sms_quota")->type, CUSTAPI_VALUE_INTEGER);
  ck_assert_int_eq(custapi_customer_get(got, "sms_quota")->integer, 321);
  ck_assert_str_eq(custapi_customer_get(got, "website_url")->string, "https://shop.example/a/b");
  ck_assert_str_eq(custapi_customer_get(got, "country")->string, "GB");
  ck_assert_int_eq(custapi_customer_get(got, "id")->integer, 42);

  json_object *req = itest_last_request();
  ck_assert_str_eq(itest_str(req, "method"), "PUT");
  ck_assert_str_eq(itest_str(req, "path"), "/api/2.0/customers/42");
  ck_assert_str_eq(itest_str(req, "auth"), "valid");
  ck_assert_str_eq(itest_str(req, "user"), REFSERVER_TEST_USER);
  ck_assert_str_eq(itest_header(req, "user-agent"), "custapi/0.1.0");
  ck_assert_str_eq(itest_header(req, "accept"), "application/json");
  ck_assert_str_eq(itest_header(req, "content-type"), "application/json");
  ck_assert_ptr_nonnull(itest_header(req, "authorization"));
  ck_assert(strncmp(itest_header(req, "authorization"), "Basic ", 6) == 0);
  ck_assert_ptr_null(itest_header(req, "expect"));
  const char *body = itest_str(req, "body");
  ck_assert_ptr_null(strstr(body, "\\/"));
  json_object *b = json_tokener_parse(body);
  ck_assert_ptr_nonnull(b);
  ck_assert_int_eq(json_object_object_length(b), 4);
  json_object *m;
  ck_assert(json_object_object_get_ex(b, "sms_quota", &m));
  ck_assert(json_object_is_type(m, json_type_int));
  ck_assert_int_eq(json_object_get_int(m), 321);
  ck_assert(json_object_object_get_ex(b, "postal_code", &m));
  ck_assert(json_object_is_type(m, json_type_string));
  ck_assert_str_eq(json_object_get_string(m), "0042");
  ck_assert(json_object_object_get_ex(b, "country", &m));
  ck_assert_str_eq(json_object_get_string(m), "GB");
  json_object_put(b);
  json_object_put(req);
  custapi_result_free(r);
  custapi_customer_free(p);
  custapi_client_free(c);
}
END_TEST

/* Pooled handles keep their header list while Accept and Content-Type stay the same: a GET
 * after a PUT (and a PUT after a GET) on one client must still carry its own headers. */
START_TEST(headers_follow_each_request_on_a_reused_handle) {
  custapi_client *c = rest_client();
  custapi_customer *p = props((const char *const[]){"sms_quota", "5", NULL});
  for (int round = 0; round < 3; round++) {
    custapi_result *r;
    ck_assert_msg(custapi_update(&r, c, 42, p, CUSTAPI_VALIDATE_PARTIAL) == 0, "%s",
                  custapi_client_last_error(c)->message);
    custapi_result_free(r);
    json_object *req = itest_last_request();
    ck_assert_str_eq(itest_str(req, "method"), "PUT");
    ck_assert_str_eq(itest_header(req, "accept"), "application/json");
    ck_assert_str_eq(itest_header(req, "content-type"), "application/json");
    json_object_put(req);
    ck_assert_msg(custapi_get(&r, c, 42) == 0, "%s", custapi_client_last_error(c)->message);
    custapi_result_free(r);
    req = itest_last_request();
    ck_assert_str_eq(itest_str(req, "method"), "GET");
    ck_assert_str_eq(itest_header(req, "accept"), "application/json");
    ck_assert_ptr_null(itest_header(req, "content-type"));
    json_object_put(req);
  }
  custapi_customer_free(p);
  custapi_client_free(c);
}
END_TEST

START_TEST(get_reads_the_customer) {
  custapi_client *c = rest_client();
  custapi_result *r;
  ck_assert_int_eq(custapi_get(&r, c, 7), 0);
  ck_assert_str_eq(custapi_result_protocol(r), "rest");
  ck_assert_int_eq(custapi_result_http_status(r), 200);
  const custapi_customer *got = custapi_result_customer(r);
  ck_assert_int_eq(custapi_customer_get(got, "id")->integer, 7);
  ck_assert_uint_eq(custapi_customer_get(got, "hash")->string_len, 16);
  json_object *req = itest_last_request();
  ck_assert_str_eq(itest_str(req, "method"), "GET");
  ck_assert_str_eq(itest_str(req, "path"), "/api/2.0/customers/7");
  ck_assert_str_eq(itest_str(req, "body"), "");
  ck_assert_ptr_null(itest_header(req, "content-type"));
  json_object_put(req);
  custapi_result_free(r);
  custapi_client_free(c);
}
END_TEST

START_TEST(hash_read_first_then_echoed_is_accepted) {
  custapi_client *c = rest_client();
  custapi_result *r;
  ck_assert_int_eq(custapi_get(&r, c, 5), 0);
  const custapi_field *h = custapi_customer_get(custapi_result_customer(r), "hash");
  custapi_customer *p = props((const char *const[]){"hash", h->string, "name", "Five", NULL});
  custapi_result_free(r);
  ck_assert_msg(custapi_update(&r, c, 5, p, CUSTAPI_VALIDATE_PARTIAL) == 0, "%s",
                custapi_client_last_error(c)->message);
  ck_assert_str_eq(custapi_customer_get(custapi_result_customer(r), "name")->string, "Five");
  custapi_result_free(r);
  custapi_customer_free(p);
  custapi_client_free(c);
}
END_TEST

START_TEST(fill_required_reads_first_and_sends_name_email_hash) {
  custapi_client *c = rest_client();
  custapi_customer *p = props((const char *const[]){"sms_quota", "9", NULL});
  size_t before = refserver_request_count(rs);
  custapi_result *r;
  ck_assert_msg(custapi_update(&r, c, 9, p, CUSTAPI_VALIDATE_FILL_REQUIRED) == 0, "%s",
                custapi_client_last_error(c)->message);
  ck_assert_uint_eq(refserver_request_count(rs), before + 2); /* GET, then PUT */
  json_object *req = itest_last_request();
  ck_assert_str_eq(itest_str(req, "method"), "PUT");
  json_object *b = json_tokener_parse(itest_str(req, "body"));
  ck_assert_ptr_nonnull(b);
  ck_assert_str_eq(itest_str(b, "name"), "Customer 9");
  ck_assert_str_eq(itest_str(b, "email"), "customer9@example.com");
  ck_assert_uint_eq(strlen(itest_str(b, "hash")), 16);
  ck_assert_int_eq(json_object_object_length(b), 4);
  json_object_put(b);
  json_object_put(req);
  ck_assert_int_eq(custapi_result_attempts(r), 1);
  custapi_result_free(r);
  custapi_customer_free(p);
  custapi_client_free(c);
}
END_TEST

START_TEST(invalid_input_sends_nothing) {
  custapi_client *c = rest_client();
  size_t before = refserver_request_count(rs);
  custapi_customer *p = props((const char *const[]){"email", "not-an-address", NULL});
  custapi_result *r = (custapi_result *)1;
  ck_assert_int_eq(custapi_update(&r, c, 42, p, CUSTAPI_VALIDATE_PARTIAL), CUSTAPI_EINVALID);
  ck_assert_ptr_null(r);
  ck_assert_str_eq(custapi_client_last_error(c)->property, "email");
  custapi_customer_free(p);
  /* strict mode without the required properties */
  p = props((const char *const[]){"sms_quota", "1", NULL});
  ck_assert_int_eq(custapi_update(&r, c, 42, p, CUSTAPI_VALIDATE_STRICT), CUSTAPI_EINVALID);
  ck_assert_int_eq(custapi_update(&r, c, 0, p, CUSTAPI_VALIDATE_PARTIAL), CUSTAPI_EINVALID);
  ck_assert_uint_eq(refserver_request_count(rs), before);
  custapi_customer_free(p);
  custapi_client_free(c);
}
END_TEST

START_TEST(server_answers_map_to_categories_without_retry) {
  custapi_client *c = rest_client();
  custapi_result *r;
  size_t before = refserver_request_count(rs);
  /* not found */
  custapi_customer *p = props((const char *const[]){"sms_quota", "1", NULL});
  ck_assert_int_eq(custapi_update(&r, c, 999, p, CUSTAPI_VALIDATE_PARTIAL), CUSTAPI_ENOTFOUND);
  const custapi_error *e = custapi_client_last_error(c);
  ck_assert_int_eq(e->category, CUSTAPI_CATEGORY_NOT_FOUND);
  ck_assert_int_eq(e->http_status, 404);
  ck_assert_ptr_nonnull(strstr(e->message, "HTTP 404"));
  ck_assert_int_eq(custapi_get(&r, c, 999), CUSTAPI_ENOTFOUND);
  custapi_customer_free(p);
  /* rejected: a hash that does not match */
  p = props((const char *const[]){"hash", "abcdefabcdef1234", NULL});
  ck_assert_int_eq(custapi_update(&r, c, 42, p, CUSTAPI_VALIDATE_PARTIAL), CUSTAPI_EREJECTED);
  ck_assert_int_eq(custapi_client_last_error(c)->http_status, 422);
  ck_assert_ptr_nonnull(strstr(custapi_client_last_error(c)->message, "hash"));
  custapi_customer_free(p);
  ck_assert_uint_eq(refserver_request_count(rs), before + 3);
  custapi_client_free(c);

  /* auth: a wrong key */
  custapi_options o = options(CUSTAPI_PROTOCOL_REST);
  o.api_key = "not-the-key";
  c = client_with(&o);
  before = refserver_request_count(rs);
  ck_assert_int_eq(custapi_get(&r, c, 1), CUSTAPI_EAUTH);
  ck_assert_int_eq(custapi_client_last_error(c)->http_status, 401);
  ck_assert_uint_eq(refserver_request_count(rs), before + 1);
  json_object *req = itest_last_request();
  ck_assert_str_eq(itest_str(req, "auth"), "invalid");
  json_object_put(req);
  custapi_client_free(c);
}
END_TEST

START_TEST(xmlrpc_update_returns_the_integer) {
  NEED_SERVER();
  custapi_options o = options(CUSTAPI_PROTOCOL_XMLRPC);
  custapi_client *c = client_with(&o);
  custapi_result *r;
  ck_assert_msg(update_quota(&r, c, "55") == 0, "%s", custapi_client_last_error(c)->message);
  ck_assert_str_eq(custapi_result_protocol(r), "xmlrpc");
  int64_t v = 0;
  ck_assert_int_eq(custapi_result_value(&v, r), 1);
  ck_assert_ptr_null(custapi_result_customer(r));
  json_object *req = itest_last_request();
  ck_assert_str_eq(itest_str(req, "method"), "POST");
  ck_assert_str_eq(itest_str(req, "path"), "/api/2.0/xmlrpc/");
  ck_assert_str_eq(itest_str(req, "auth"), "valid");
  ck_assert_str_eq(itest_header(req, "user-agent"), "custapi/0.1.0");
  ck_assert_ptr_nonnull(strstr(itest_header(req, "content-type"), "text/xml"));
  json_object_put(req);
  custapi_result_free(r);
  /* The same customer read over REST shows the XML-RPC update. */
  custapi_client_free(c);
  c = rest_client();
  ck_assert_int_eq(custapi_get(&r, c, 42), 0);
  ck_assert_int_eq(custapi_customer_get(custapi_result_customer(r), "sms_quota")->integer, 55);
  custapi_result_free(r);
  custapi_client_free(c);
}
END_TEST

START_TEST(connection_is_kept_alive_across_calls) {
  NEED_SERVER();
  trace_log *log = calloc(1, sizeof *log);
  custapi_options o = options(CUSTAPI_PROTOCOL_REST);
  o.trace = collect_trace;
  o.trace_payload = log;
  custapi_client *c = client_with(&o);
  custapi_result *r;
  ck_assert_int_eq(custapi_get(&r, c, 3), 0);
  custapi_result_free(r);
  ck_assert_ptr_null(strstr(log->text, "Re-using existing connection"));
  ck_assert_int_eq(update_quota(&r, c, "8"), 0);
  custapi_result_free(r);
  ck_assert_ptr_nonnull(strstr(log->text, "Re-using existing connection"));
  custapi_client_free(c);
  free(log);
}
END_TEST

START_TEST(trace_is_redacted) {
  NEED_SERVER();
  trace_log *log = calloc(1, sizeof *log);
  custapi_options o = options(CUSTAPI_PROTOCOL_REST);
  o.trace = collect_trace;
  o.trace_payload = log;
  custapi_client *c = client_with(&o);
  custapi_result *r;
  ck_assert_int_eq(update_quota(&r, c, "11"), 0);
  custapi_result_free(r);
  ck_assert_ptr_nonnull(strstr(log->text, "Authorization: Basic [redacted]"));
  ck_assert_ptr_nonnull(strstr(log->text, "PUT /api/2.0/customers/42 HTTP/1.1"));
  ck_assert_ptr_nonnull(strstr(log->text, "\"sms_quota\":11")); /* request body */
  ck_assert_ptr_nonnull(strstr(log->text, "HTTP/1.1 200"));     /* response head */
  ck_assert_ptr_null(strstr(log->text, REFSERVER_TEST_KEY));
  ck_assert_ptr_null(strstr(log->text, "ZGVtbzp0ZXN0LWtleS03ZjNhOWMyZTUxYjhkMDQ2")); /* b64 */
  custapi_client_free(c);
  free(log);
}
END_TEST

START_TEST(dry_run_sends_nothing_and_redacts) {
  custapi_client *c = rest_client();
  size_t before = refserver_request_count(rs);
  custapi_customer *p = props((const char *const[]){"email", "x@example.com", NULL});
  char *text;
  ck_assert_int_eq(custapi_update_dry_run(&text, c, 42, p, CUSTAPI_VALIDATE_PARTIAL), 0);
  char first[256];
  snprintf(first, sizeof first, "PUT %s/api/2.0/customers/42 HTTP/1.1\n", refserver_url(rs));
  ck_assert_msg(strncmp(text, first, strlen(first)) == 0, "%s", text);
  ck_assert_ptr_nonnull(strstr(text, "Authorization: Basic [redacted]\n"));
  ck_assert_ptr_nonnull(strstr(text, "User-Agent: custapi/0.1.0\n"));
  ck_assert_ptr_nonnull(strstr(text, "Content-Type: application/json\n"));
  ck_assert_ptr_nonnull(strstr(text, "\n\n{\"email\":\"x@example.com\"}\n"));
  ck_assert_ptr_null(strstr(text, REFSERVER_TEST_KEY));
  custapi_free(text);
  ck_assert_int_eq(custapi_update_dry_run(&text, c, 42, p, CUSTAPI_VALIDATE_STRICT),
                   CUSTAPI_EINVALID);
  ck_assert_ptr_null(text);
  ck_assert_uint_eq(refserver_request_count(rs), before);
  custapi_customer_free(p);
  custapi_client_free(c);
}
END_TEST

START_TEST(refused_connection_is_transport) {
  NEED_SERVER();
  custapi_options o = options(CUSTAPI_PROTOCOL_REST);
  char url[64];
  itest_closed_port_url(url, sizeof url);
  o.base_url = url;
  o.retries = 1;
  custapi_client *c = client_with(&o);
  custapi_result *r;
  long start = itest_now_ms();
  ck_assert_int_eq(custapi_get(&r, c, 1), CUSTAPI_ETRANSPORT);
  ck_assert_int_ge(itest_now_ms() - start, 90); /* one backoff wait of 100..200 ms */
  ck_assert_ptr_nonnull(strstr(custapi_client_last_error(c)->message, "after 2 attempts"));
  ck_assert_int_eq(custapi_client_last_error(c)->http_status, 0);
  custapi_client_free(c);
}
END_TEST

/* ---- retries, timeouts, faults ---- */

START_TEST(retries_503_honouring_retry_after) {
  custapi_client *c = rest_client();
  size_t before = refserver_request_count(rs);
  long start = itest_now_ms();
  custapi_result *r;
  ck_assert_msg(update_quota(&r, c, "12") == 0, "%s", custapi_client_last_error(c)->message);
  long took = itest_now_ms() - start;
  ck_assert_int_eq(custapi_result_attempts(r), 3);
  ck_assert_uint_eq(refserver_request_count(rs), before + 3);
  ck_assert_int_ge(took, 1900); /* two Retry-After: 1 waits */
  ck_assert_int_lt(took, 20000);
  ck_assert_int_ge(custapi_result_elapsed_ms(r), 1900);
  custapi_result_free(r);
  custapi_client_free(c);
}
END_TEST

START_TEST(retries_500_then_gives_up_as_server) {
  NEED_SERVER();
  custapi_options o = options(CUSTAPI_PROTOCOL_REST);
  o.retries = 2;
  custapi_client *c = client_with(&o);
  size_t before = refserver_request_count(rs);
  custapi_result *r;
  ck_assert_int_eq(update_quota(&r, c, "13"), CUSTAPI_ESERVER);
  ck_assert_uint_eq(refserver_request_count(rs), before + 3);
  const custapi_error *e = custapi_client_last_error(c);
  ck_assert_int_eq(e->http_status, 500);
  ck_assert_ptr_nonnull(strstr(e->message, "after 3 attempts"));
  custapi_client_free(c);
  o.retries = 0;
  c = client_with(&o);
  before = refserver_request_count(rs);
  ck_assert_int_eq(custapi_get(&r, c, 1), CUSTAPI_ESERVER);
  ck_assert_uint_eq(refserver_request_count(rs), before + 1);
  custapi_client_free(c);
}
END_TEST

START_TEST(html_error_page_is_reduced_to_its_status_line) {
  NEED_SERVER();
  custapi_options o = options(CUSTAPI_PROTOCOL_REST);
  o.retries = 0;
  custapi_client *c = client_with(&o);
  custapi_result *r;
  ck_assert_int_eq(update_quota(&r, c, "14"), CUSTAPI_ESERVER);
  ck_assert_str_eq(custapi_client_last_error(c)->message, "HTTP 500 Internal Server Error");
  custapi_client_free(c);
}
END_TEST

START_TEST(retries_429_after_retry_after) {
  custapi_client *c = rest_client();
  long start = itest_now_ms();
  custapi_result *r;
  ck_assert_int_eq(update_quota(&r, c, "15"), 0);
  ck_assert_int_eq(custapi_result_attempts(r), 2);
  ck_assert_int_ge(itest_now_ms() - start, 900);
  custapi_result_free(r);
  custapi_client_free(c);
}
END_TEST

START_TEST(retries_a_reset_connection) {
  custapi_client *c = rest_client();
  size_t before = refserver_request_count(rs);
  custapi_result *r;
  ck_assert_msg(update_quota(&r, c, "16") == 0, "%s", custapi_client_last_error(c)->message);
  ck_assert_int_eq(custapi_result_attempts(r), 2);
  ck_assert_uint_eq(refserver_request_count(rs), before + 2);
  custapi_result_free(r);
  custapi_client_free(c);
}
END_TEST

START_TEST(resets_every_time_is_transport) {
  NEED_SERVER();
  custapi_options o = options(CUSTAPI_PROTOCOL_REST);
  o.retries = 1;
  custapi_client *c = client_with(&o);
  size_t before = refserver_request_count(rs);
  custapi_result *r;
  ck_assert_int_eq(update_quota(&r, c, "17"), CUSTAPI_ETRANSPORT);
  ck_assert_uint_eq(refserver_request_count(rs), before + 2);
  custapi_client_free(c);
}
END_TEST

START_TEST(timeout_bounds_each_attempt) {
  NEED_SERVER();
  custapi_options o = options(CUSTAPI_PROTOCOL_REST);
  o.timeout_ms = 1000;
  o.retries = 0;
  custapi_client *c = client_with(&o);
  custapi_result *r;
  long start = itest_now_ms();
  ck_assert_int_eq(update_quota(&r, c, "18"), CUSTAPI_ETRANSPORT);
  long took = itest_now_ms() - start;
  ck_assert_int_ge(took, 900);
  ck_assert_int_lt(took, 2900); /* the server would have answered at 3000 */
  ck_assert_ptr_nonnull(strstr(custapi_client_last_error(c)->message, "timed out"));
  custapi_client_free(c);
}
END_TEST

START_TEST(a_timed_out_attempt_is_retried) {
  NEED_SERVER();
  custapi_options o = options(CUSTAPI_PROTOCOL_REST);
  o.timeout_ms = 1000;
  custapi_client *c = client_with(&o);
  custapi_result *r;
  ck_assert_msg(update_quota(&r, c, "19") == 0, "%s", custapi_client_last_error(c)->message);
  ck_assert_int_eq(custapi_result_attempts(r), 2);
  custapi_result_free(r);
  custapi_client_free(c);
}
END_TEST

START_TEST(undecodable_2xx_is_protocol_and_not_retried) {
  custapi_client *c = rest_client();
  size_t before = refserver_request_count(rs);
  custapi_result *r;
  ck_assert_int_eq(update_quota(&r, c, "20"), CUSTAPI_EPROTOCOL);
  ck_assert_uint_eq(refserver_request_count(rs), before + 1);
  ck_assert_ptr_nonnull(
      strstr(custapi_client_last_error(c)->message, "the update may have been applied"));
  ck_assert_int_eq(custapi_client_last_error(c)->http_status, 200);
  custapi_client_free(c);
}
END_TEST

START_TEST(oversized_response_is_cut_off) {
  NEED_SERVER();
  custapi_options o = options(CUSTAPI_PROTOCOL_REST);
  custapi_client *c = client_with(&o);
  size_t before = refserver_request_count(rs);
  custapi_result *r;
  long start = itest_now_ms();
  ck_assert_int_eq(custapi_get(&r, c, 1), CUSTAPI_EPROTOCOL);
  ck_assert_str_eq(custapi_client_last_error(c)->message, "response larger than 1048576 bytes");
  ck_assert_uint_eq(refserver_request_count(rs), before + 1);
  ck_assert_int_lt(itest_now_ms() - start, 10000);
  custapi_client_free(c);
  o.max_response_bytes = 1000;
  c = client_with(&o);
  ck_assert_int_eq(update_quota(&r, c, "21"), CUSTAPI_EPROTOCOL);
  /* the update reached the server; its answer could not be taken: it may have been applied */
  ck_assert_str_eq(custapi_client_last_error(c)->message,
                   "response larger than 1000 bytes; the update may have been applied (its "
                   "request went out, its answer did not come back): read the customer to know");
  ck_assert_int_eq(custapi_client_maybe_applied(c), 1);
  custapi_client_free(c);
}
END_TEST

START_TEST(wrong_shape_is_protocol) {
  custapi_client *c = rest_client();
  custapi_result *r;
  ck_assert_int_eq(update_quota(&r, c, "22"), CUSTAPI_EPROTOCOL);
  ck_assert_ptr_nonnull(strstr(custapi_client_last_error(c)->message, "item"));
  ck_assert_int_eq(custapi_get(&r, c, 1), CUSTAPI_EPROTOCOL);
  custapi_client_free(c);
}
END_TEST

START_TEST(redirect_is_not_followed) {
  custapi_client *c = rest_client();
  size_t before = refserver_request_count(rs);
  custapi_result *r;
  ck_assert_int_eq(update_quota(&r, c, "23"), CUSTAPI_EPROTOCOL);
  ck_assert_uint_eq(refserver_request_count(rs), before + 1);
  const custapi_error *e = custapi_client_last_error(c);
  ck_assert_int_eq(e->http_status, 302);
  ck_assert_ptr_nonnull(strstr(e->message, "/elsewhere"));
  custapi_client_free(c);
}
END_TEST

/* ---- many transfers on one loop (what bulk builds on) ---- */

#include "codec_table.h"
#include "rest.h"
#include "transport.h"
#include "xmlrpc.h"

typedef struct done_count {
  int done, ok;
  custapi_transport *transport;
} done_count;

static void count_done(custapi_transfer *x, void *payload) {
  done_count *d = payload;
  custapi_http_response resp;
  int retryable;
  custapi_error err;
  if (custapi__transfer_response(&resp, &retryable, x, &err) == 0 && resp.status == 200)
    d->ok++;
  d->done++;
  custapi__transfer_release(d->transport, x);
}

START_TEST(transfers_run_concurrently_on_one_loop) {
  NEED_SERVER();
  custapi_transport_config tc = {0};
  tc.username = REFSERVER_TEST_USER;
  tc.password = REFSERVER_TEST_KEY;
  tc.timeout_ms = tc.connect_timeout_ms = 10000;
  tc.max_response_bytes = 1 << 20;
  custapi_transport *t;
  custapi_error err;
  ck_assert_int_eq(custapi__transport_new(&t, &tc, &err), 0);
  custapi_endpoint ep = {refserver_url(rs), ""};
  custapi_http_request req[3];
  done_count d = {0, 0, t};
  long start = itest_now_ms();
  for (int i = 0; i < 3; i++) {
    ck_assert_int_eq(custapi__rest_backend.encode_get(&req[i], &ep, 10 + i, &err), 0);
    custapi_transfer *x;
    ck_assert_int_eq(custapi__transport_start(&x, t, &req[i], count_done, &d, &err), 0);
  }
  ck_assert_uint_eq(custapi__transport_pending(t), 3);
  while (custapi__transport_pending(t))
    ck_assert_int_eq(custapi__transport_step(t, &err), 0);
  long took = itest_now_ms() - start;
  ck_assert_int_eq(d.done, 3);
  ck_assert_int_eq(d.ok, 3);
  ck_assert_int_ge(took, 550);  /* each waited its 600 ms ... */
  ck_assert_int_lt(took, 1500); /* ... at the same time, not one after the other (1800) */
  for (int i = 0; i < 3; i++)
    custapi__http_request_clear(&req[i]);
  custapi__transport_free(t);
}
END_TEST

/* ---- loopback is never proxied ---- */

START_TEST(loopback_ignores_the_proxy) {
  NEED_SERVER();
  char dead[64];
  itest_closed_port_url(dead, sizeof dead);
  custapi_options o = options(CUSTAPI_PROTOCOL_REST);
  o.proxy = dead; /* a proxy that is not there: going through it would fail */
  o.retries = 0;
  custapi_client *c = client_with(&o);
  custapi_result *r;
  ck_assert_msg(custapi_get(&r, c, 4) == 0, "%s", custapi_client_last_error(c)->message);
  custapi_result_free(r);
  custapi_client_free(c);
}
END_TEST

/* ---- TLS ---- */

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

static void count_warning(const char *property, const char *message, void *payload) {
  (void)property;
  (void)message;
  ++*(int *)payload;
}

START_TEST(tls_verified_with_the_given_ca) {
  NEED_SERVER();
  ck_assert(strncmp(refserver_url(rs), "https://", 8) == 0);
  custapi_options o = options(CUSTAPI_PROTOCOL_REST);
  o.cacert = tls.cert;
  custapi_client *c = client_with(&o);
  custapi_result *r;
  ck_assert_msg(custapi_get(&r, c, 6) == 0, "%s", custapi_client_last_error(c)->message);
  custapi_result_free(r);
  custapi_client_free(c);
}
END_TEST

START_TEST(tls_unverified_is_transport_and_not_retried) {
  NEED_SERVER();
  trace_log *log = calloc(1, sizeof *log);
  custapi_options o = options(CUSTAPI_PROTOCOL_REST);
  o.trace = collect_trace;
  o.trace_payload = log;
  custapi_client *c = client_with(&o);
  size_t before = refserver_request_count(rs);
  custapi_result *r;
  ck_assert_int_eq(custapi_get(&r, c, 6), CUSTAPI_ETRANSPORT);
  ck_assert_ptr_null(strstr(log->text, "retrying"));
  ck_assert_ptr_null(strstr(custapi_client_last_error(c)->message, "attempts"));
  ck_assert_uint_eq(refserver_request_count(rs), before); /* no request was sent */
  custapi_client_free(c);
  free(log);
}
END_TEST

START_TEST(tls_insecure_connects_and_warns) {
  NEED_SERVER();
  int warnings = 0;
  custapi_options o = options(CUSTAPI_PROTOCOL_REST);
  o.insecure = 1;
  o.warn = count_warning;
  o.warn_payload = &warnings;
  custapi_client *c = client_with(&o);
  ck_assert_int_eq(warnings, 1);
  custapi_result *r;
  ck_assert_int_eq(custapi_get(&r, c, 6), 0);
  custapi_result_free(r);
  custapi_client_free(c);
}
END_TEST

/* ---- answers the reference server does not give: the canned responder (canned.h) ---- */

static custapi_client *canned_client(const char *url, int retries) {
  custapi_options o = CUSTAPI_OPTIONS_INIT;
  o.base_url = url;
  o.username = "demo";
  o.api_key = "k";
  o.retries = retries;
  return client_with(&o);
}

#define ENVELOPE_BODY "{\"links\":[],\"item\":{\"id\":42,\"sms_quota\":1}}"
#define OK_RESPONSE                                                                                \
  "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n"                     \
  "Content-Length: 43\r\n\r\n" ENVELOPE_BODY

START_TEST(a_long_retry_after_ends_the_call_at_once) {
  const char *const answers[] = {
      "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 120\r\nConnection: close\r\n"
      "Content-Length: 0\r\n\r\n",
      NULL};
  canned responder = canned_start(answers);
  const char *url = responder.url;
  custapi_client *c = canned_client(url, 3);
  custapi_result *r;
  long start = itest_now_ms();
  ck_assert_int_eq(update_quota(&r, c, "1"), CUSTAPI_ESERVER);
  ck_assert_int_lt(itest_now_ms() - start, 5000);
  const custapi_error *e = custapi_client_last_error(c);
  ck_assert_int_eq(e->http_status, 503);
  ck_assert_msg(strstr(e->message, "retry after 120 s"), "%s", e->message);
  custapi_client_free(c);
  canned_stop(&responder);
}
END_TEST

START_TEST(a_far_retry_after_date_ends_the_call_at_once) {
  const char *const answers[] = {
      "HTTP/1.1 429 Too Many Requests\r\nRetry-After: Fri, 31 Dec 2099 23:59:59 GMT\r\n"
      "Connection: close\r\nContent-Length: 0\r\n\r\n",
      NULL};
  canned responder = canned_start(answers);
  const char *url = responder.url;
  custapi_client *c = canned_client(url, 3);
  custapi_result *r;
  ck_assert_int_eq(update_quota(&r, c, "1"), CUSTAPI_ESERVER);
  ck_assert_ptr_nonnull(strstr(custapi_client_last_error(c)->message, "retry after"));
  custapi_client_free(c);
  canned_stop(&responder);
}
END_TEST

START_TEST(a_past_retry_after_date_retries_at_once) {
  const char *const answers[] = {
      "HTTP/1.1 503 Service Unavailable\r\nRetry-After: Wed, 21 Oct 2015 07:28:00 GMT\r\n"
      "Connection: close\r\nContent-Length: 0\r\n\r\n",
      OK_RESPONSE, NULL};
  canned responder = canned_start(answers);
  const char *url = responder.url;
  custapi_client *c = canned_client(url, 3);
  custapi_result *r;
  long start = itest_now_ms();
  ck_assert_msg(update_quota(&r, c, "1") == 0, "%s", custapi_client_last_error(c)->message);
  ck_assert_int_lt(itest_now_ms() - start, 900);
  ck_assert_int_eq(custapi_result_attempts(r), 2);
  ck_assert_int_eq(custapi_customer_get(custapi_result_customer(r), "sms_quota")->integer, 1);
  custapi_result_free(r);
  custapi_client_free(c);
  canned_stop(&responder);
}
END_TEST

START_TEST(an_empty_2xx_is_success_without_a_customer) {
  const char *const answers[] = {"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n", NULL};
  canned responder = canned_start(answers);
  const char *url = responder.url;
  custapi_client *c = canned_client(url, 0);
  custapi_result *r;
  ck_assert_int_eq(update_quota(&r, c, "1"), 0);
  ck_assert_int_eq(custapi_result_http_status(r), 204);
  ck_assert_ptr_null(custapi_result_customer(r));
  custapi_result_free(r);
  custapi_client_free(c);
  canned_stop(&responder);
}
END_TEST

START_TEST(a_501_is_not_retried) {
  const char *const answers[] = {
      "HTTP/1.1 501 Not Implemented\r\nContent-Type: text/plain\r\nConnection: close\r\n"
      "Content-Length: 12\r\n\r\nno such verb",
      OK_RESPONSE, NULL};
  canned responder = canned_start(answers);
  const char *url = responder.url;
  custapi_client *c = canned_client(url, 3);
  custapi_result *r;
  ck_assert_int_eq(update_quota(&r, c, "1"), CUSTAPI_ESERVER);
  ck_assert_str_eq(custapi_client_last_error(c)->message, "HTTP 501 Not Implemented: no such verb");
  custapi_client_free(c);
  canned_stop(&responder);
}
END_TEST

static Suite *client_suite(void) {
  Suite *s = suite_create("client");
  TCase *t = itest_tcase(s, "wire", up_plain, down_plain);
  tcase_add_test(t, update_sends_put_with_typed_json_and_returns_the_customer);
  tcase_add_test(t, get_reads_the_customer);
  tcase_add_test(t, headers_follow_each_request_on_a_reused_handle);
  tcase_add_test(t, hash_read_first_then_echoed_is_accepted);
  tcase_add_test(t, fill_required_reads_first_and_sends_name_email_hash);
  tcase_add_test(t, invalid_input_sends_nothing);
  tcase_add_test(t, server_answers_map_to_categories_without_retry);
  tcase_add_test(t, xmlrpc_update_returns_the_integer);
  tcase_add_test(t, connection_is_kept_alive_across_calls);
  tcase_add_test(t, trace_is_redacted);
  tcase_add_test(t, dry_run_sends_nothing_and_redacts);
  tcase_add_test(t, refused_connection_is_transport);
  tcase_add_test(t, loopback_ignores_the_proxy);
  tcase_add_test(itest_tcase(s, "503x2", up_f503x2, down_f503x2),
                 retries_503_honouring_retry_after);
  tcase_add_test(itest_tcase(s, "500", up_f500, down_f500), retries_500_then_gives_up_as_server);
  tcase_add_test(itest_tcase(s, "html500", up_html500, down_html500),
                 html_error_page_is_reduced_to_its_status_line);
  tcase_add_test(itest_tcase(s, "429x1", up_f429x1, down_f429x1), retries_429_after_retry_after);
  tcase_add_test(itest_tcase(s, "resetx1", up_resetx1, down_resetx1), retries_a_reset_connection);
  tcase_add_test(itest_tcase(s, "reset", up_reset, down_reset), resets_every_time_is_transport);
  tcase_add_test(itest_tcase(s, "delay", up_delay, down_delay), timeout_bounds_each_attempt);
  tcase_add_test(itest_tcase(s, "delayx1", up_delayx1, down_delayx1),
                 a_timed_out_attempt_is_retried);
  tcase_add_test(itest_tcase(s, "badjson", up_badjson, down_badjson),
                 undecodable_2xx_is_protocol_and_not_retried);
  tcase_add_test(itest_tcase(s, "huge", up_huge, down_huge), oversized_response_is_cut_off);
  tcase_add_test(itest_tcase(s, "wrongshape", up_wrongshape, down_wrongshape),
                 wrong_shape_is_protocol);
  tcase_add_test(itest_tcase(s, "redirect", up_redirect, down_redirect), redirect_is_not_followed);
  tcase_add_test(itest_tcase(s, "concurrent", up_delay600, down_delay600),
                 transfers_run_concurrently_on_one_loop);
  t = tcase_create("canned");
  tcase_set_timeout(t, 30);
  tcase_add_test(t, a_long_retry_after_ends_the_call_at_once);
  tcase_add_test(t, a_far_retry_after_date_ends_the_call_at_once);
  tcase_add_test(t, a_past_retry_after_date_retries_at_once);
  tcase_add_test(t, an_empty_2xx_is_success_without_a_customer);
  tcase_add_test(t, a_501_is_not_retried);
  suite_add_tcase(s, t);
  if (tls.cert[0]) {
    t = itest_tcase(s, "tls", up_tls, down_tls);
    tcase_add_test(t, tls_verified_with_the_given_ca);
    tcase_add_test(t, tls_unverified_is_transport_and_not_retried);
    tcase_add_test(t, tls_insecure_connects_and_warns);
  }
  return s;
}

int main(void) {
  /* One trial start: where the server can't run, the whole suite is skipped, saying why. */
  refserver *probe = refserver_start(NULL);
  if (!probe) {
    fprintf(stderr, "skipping: the reference server could not start (see above)\n");
    return 77;
  }
  refserver_stop(probe);
  if (refserver_cert_make(&tls) < 0) {
    fprintf(stderr, "note: openssl could not make a certificate; the TLS cases do not run\n");
    tls.cert[0] = '\0';
  }
  custapi_global_init();
  SRunner *r = srunner_create(client_suite());
  srunner_run_all(r, CK_NORMAL);
  int failed = srunner_ntests_failed(r);
  srunner_free(r);
  custapi_global_shutdown();
  if (tls.cert[0])
    refserver_cert_remove(&tls);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
