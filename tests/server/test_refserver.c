/*
 * The reference server's own suite: every endpoint, method, status and fault mode over real
 * HTTP on 127.0.0.1 (libcurl), the capture file, persistence across a restart, start-up
 * refusals, and (with the argument "tls") HTTPS with a certificate made at test time.
 *
 * Responses are checked with json-c and xmlrpc-c's response parser here, and with Python's
 * standard library in interop.py: never with the client's codecs.
 */
#include <check.h>
#include <curl/curl.h>
#include <errno.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xmlrpc-c/base.h>

#include "custapi/custapi.h"
#include "harness.h"

static refserver *rs;
static char cacert[512]; /* the TLS suite's certificate */

/* ---------------------------------------------------------------------------------------
 * HTTP with libcurl
 * ------------------------------------------------------------------------------------- */

typedef struct reply {
  CURLcode rc;
  long status;
  char *body;
  size_t len;
  char *head;
  size_t head_len;
} reply;

typedef enum creds { CREDS_GOOD, CREDS_NONE, CREDS_BAD_KEY, CREDS_BAD_USER } creds;

/* A growing buffer: doubled as needed, so a 64 MiB body costs no quadratic copying. */
typedef struct sink {
  char *buf;
  size_t len, cap;
} sink;

static size_t gather(char *data, size_t size, size_t n, void *userp) {
  sink *b = userp;
  size_t add = size * n;
  if (b->len + add + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + add + 1)
      cap *= 2;
    char *grown = realloc(b->buf, cap);
    if (!grown)
      return 0;
    b->buf = grown;
    b->cap = cap;
  }
  memcpy(b->buf + b->len, data, add);
  b->len += add;
  b->buf[b->len] = '\0';
  return add;
}

static reply http(const char *method, const char *path, const char *body, size_t body_len,
                  const char *const *headers, creds who) {
  reply r = {0};
  sink b = {0}, h = {0};
  char url[1024];
  snprintf(url, sizeof url, "%s%s", refserver_url(rs), path);
  CURL *c = curl_easy_init();
  ck_assert_ptr_nonnull(c);
  curl_easy_setopt(c, CURLOPT_URL, url);
  curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, gather);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, gather);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &h);
  if (cacert[0])
    curl_easy_setopt(c, CURLOPT_CAINFO, cacert);
  if (strcmp(method, "GET") == 0)
    curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
  if (body) {
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
  }
  if (who != CREDS_NONE) {
    curl_easy_setopt(c, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
    curl_easy_setopt(c, CURLOPT_USERNAME, who == CREDS_BAD_USER ? "admin" : REFSERVER_TEST_USER);
    curl_easy_setopt(c, CURLOPT_PASSWORD, who == CREDS_BAD_KEY ? "wrong" : REFSERVER_TEST_KEY);
  }
  struct curl_slist *list = curl_slist_append(NULL, "Expect:");
  for (size_t i = 0; headers && headers[i]; i++)
    list = curl_slist_append(list, headers[i]);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);
  r.rc = curl_easy_perform(c);
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
  curl_slist_free_all(list);
  curl_easy_cleanup(c);
  r.body = b.buf ? b.buf : strdup("");
  r.len = b.len;
  r.head = h.buf ? h.buf : strdup("");
  r.head_len = h.len;
  return r;
}

static void reply_free(reply *r) {
  free(r->body);
  free(r->head);
}

static reply get(const char *path) { return http("GET", path, NULL, 0, NULL, CREDS_GOOD); }
static reply put(const char *path, const char *json) {
  static const char *const h[] = {"Content-Type: application/json", NULL};
  return http("PUT", path, json, strlen(json), h, CREDS_GOOD);
}
static reply put_fault(const char *path, const char *json, const char *fault) {
  char line[128];
  snprintf(line, sizeof line, "X-Custapi-Fault: %s", fault);
  const char *const h[] = {"Content-Type: application/json", line, NULL};
  return http("PUT", path, json, strlen(json), h, CREDS_GOOD);
}

/* 1 if the response head has this header line (name case-insensitive, value exact). */
static int has_header(const reply *r, const char *name, const char *value) {
  char want[256];
  snprintf(want, sizeof want, "%s: %s\r\n", name, value);
  size_t n = strlen(want);
  for (const char *p = r->head; *p; p++)
    if (strncasecmp(p, want, strlen(name) + 1) == 0 &&
        strncmp(p + strlen(name), want + strlen(name), n - strlen(name)) == 0)
      return 1;
  return 0;
}

/* ---------------------------------------------------------------------------------------
 * JSON checks (json-c)
 * ------------------------------------------------------------------------------------- */

static json_object *parse_json(const reply *r) {
  json_object *o = json_tokener_parse(r->body);
  ck_assert_msg(o != NULL, "not JSON: %.200s", r->body);
  return o;
}

static json_object *item_of(json_object *root) {
  json_object *item = NULL;
  ck_assert(json_object_object_get_ex(root, "item", &item));
  ck_assert(json_object_is_type(item, json_type_object));
  return item;
}

static const char *str_field(json_object *o, const char *name) {
  json_object *v = NULL;
  ck_assert_msg(json_object_object_get_ex(o, name, &v), "no field %s", name);
  ck_assert_msg(json_object_is_type(v, json_type_string), "%s is not a string", name);
  return json_object_get_string(v);
}

static long long int_field(json_object *o, const char *name) {
  json_object *v = NULL;
  ck_assert_msg(json_object_object_get_ex(o, name, &v), "no field %s", name);
  ck_assert_msg(json_object_is_type(v, json_type_int), "%s is not an integer", name);
  return json_object_get_int64(v);
}

/* The {"error":{"message":...}} of a reply, checked for shape; caller frees. */
static char *error_message(const reply *r) {
  json_object *root = parse_json(r), *err = NULL;
  ck_assert_msg(json_object_object_get_ex(root, "error", &err), "no error: %s", r->body);
  char *m = strdup(str_field(err, "message"));
  json_object_put(root);
  return m;
}

static void expect_error(const reply *r, long status, const char *needle) {
  ck_assert_int_eq(r->rc, CURLE_OK);
  ck_assert_msg(r->status == status, "status %ld, expected %ld: %s", r->status, status, r->body);
  char *m = error_message(r);
  ck_assert_msg(strstr(m, needle) != NULL, "message '%s' lacks '%s'", m, needle);
  free(m);
}

/* The stored hash of customer `id`, read over REST. */
static char *hash_of(int id) {
  char path[64];
  snprintf(path, sizeof path, "/api/2.0/customers/%d", id);
  reply r = get(path);
  ck_assert_int_eq(r.status, 200);
  json_object *root = parse_json(&r);
  char *h = strdup(str_field(item_of(root), "hash"));
  json_object_put(root);
  reply_free(&r);
  return h;
}

/* ---------------------------------------------------------------------------------------
 * XML-RPC checks (xmlrpc-c's response parser)
 * ------------------------------------------------------------------------------------- */

static reply xcall_raw(const char *xml, const char *fault) {
  char line[128];
  snprintf(line, sizeof line, "X-Custapi-Fault: %s", fault ? fault : "");
  const char *const h[] = {"Content-Type: text/xml", fault ? line : NULL, NULL};
  return http("POST", "/api/2.0/xmlrpc/", xml, strlen(xml), h, CREDS_GOOD);
}

static reply xcall(const char *method, const char *params) {
  char xml[8192];
  snprintf(xml, sizeof xml,
           "<?xml version=\"1.0\"?>\n<methodCall><methodName>%s</methodName><params>%s</params>"
           "</methodCall>",
           method, params);
  return xcall_raw(xml, NULL);
}

/* Parses a methodResponse: the value (new reference) or NULL with *fault set. */
static xmlrpc_value *xresult(const reply *r, int *fault) {
  ck_assert_int_eq(r->status, 200);
  xmlrpc_env env;
  xmlrpc_env_init(&env);
  xmlrpc_value *v = NULL;
  int code = 0;
  const char *text = NULL;
  xmlrpc_parse_response2(&env, r->body, r->len, &v, &code, &text);
  ck_assert_msg(!env.fault_occurred, "unparseable response: %s", r->body);
  xmlrpc_env_clean(&env);
  *fault = text ? code : 0;
  if (text) {
    free((void *)text);
    return NULL;
  }
  return v;
}

static void expect_fault(const reply *r, int code, const char *needle) {
  xmlrpc_env env;
  xmlrpc_env_init(&env);
  xmlrpc_value *v = NULL;
  int got = 0;
  const char *text = NULL;
  ck_assert_msg(r->status == 200, "HTTP %ld: %s", r->status, r->body);
  xmlrpc_parse_response2(&env, r->body, r->len, &v, &got, &text);
  ck_assert_msg(!env.fault_occurred, "unparseable response: %s", r->body);
  ck_assert_msg(text != NULL, "no fault: %s", r->body);
  ck_assert_msg(got == code, "fault %d, expected %d: %s", got, code, text);
  ck_assert_msg(strstr(text, needle) != NULL, "fault '%s' lacks '%s'", text, needle);
  free((void *)text);
  xmlrpc_env_clean(&env);
}

static const char *xmember_string(xmlrpc_value *s, const char *name, char *buf, size_t size) {
  xmlrpc_env env;
  xmlrpc_env_init(&env);
  xmlrpc_value *v = NULL;
  xmlrpc_struct_find_value(&env, s, name, &v);
  ck_assert_msg(!env.fault_occurred && v, "no member %s", name);
  ck_assert_msg(xmlrpc_value_type(v) == XMLRPC_TYPE_STRING, "%s is not a string", name);
  const char *text = NULL;
  xmlrpc_read_string(&env, v, &text);
  snprintf(buf, size, "%s", text);
  free((void *)text);
  xmlrpc_DECREF(v);
  xmlrpc_env_clean(&env);
  return buf;
}

static int xmember_int(xmlrpc_value *s, const char *name) {
  xmlrpc_env env;
  xmlrpc_env_init(&env);
  xmlrpc_value *v = NULL;
  xmlrpc_struct_find_value(&env, s, name, &v);
  ck_assert_msg(!env.fault_occurred && v, "no member %s", name);
  ck_assert_msg(xmlrpc_value_type(v) == XMLRPC_TYPE_INT, "%s is not an int", name);
  int n = 0;
  xmlrpc_read_int(&env, v, &n);
  xmlrpc_DECREF(v);
  xmlrpc_env_clean(&env);
  return n;
}

#define P_INT(n) "<param><value><int>" #n "</int></value></param>"

/* ---------------------------------------------------------------------------------------
 * Fixtures
 * ------------------------------------------------------------------------------------- */

static void server_up(void) { rs = refserver_start(NULL); }
/* Servers that ended uncleanly (a crash, or valgrind's error exit under a wrapper). */
static int unclean_stops;

static void server_down(void) {
  int code = refserver_stop_status(rs);
  if (code != 0) {
    fprintf(stderr, "custapi-refserver ended with status %d\n", code);
    unclean_stops++;
  }
  rs = NULL;
}

static const char *const fault_args[] = {"--fault", "http503:2", "--fault", "reset:1", NULL};
static void faulty_up(void) { rs = refserver_start(fault_args); }

static void need_server(void) { ck_assert_msg(rs != NULL, "the reference server did not start"); }

/* ---------------------------------------------------------------------------------------
 * REST
 * ------------------------------------------------------------------------------------- */

START_TEST(rest_get_seeded_customer) {
  need_server();
  reply r = get("/api/2.0/customers/42");
  ck_assert_int_eq(r.status, 200);
  ck_assert(has_header(&r, "Content-Type", "application/json"));
  json_object *root = parse_json(&r);
  json_object *item = item_of(root);
  ck_assert_int_eq(int_field(item, "id"), 42);
  ck_assert_int_eq(int_field(item, "enterprise_id"), 1);
  ck_assert_str_eq(str_field(item, "email"), "customer42@example.com");
  ck_assert_str_eq(str_field(item, "country"), "ZA");
  ck_assert_str_eq(str_field(item, "country_code"), "ZA");
  ck_assert_str_eq(str_field(item, "is_department"), "no");
  ck_assert_str_eq(str_field(item, "fax"), "");
  ck_assert_str_eq(str_field(item, "status"), "on");
  ck_assert_str_eq(str_field(item, "deleted"), "no");
  ck_assert_int_eq(strlen(str_field(item, "hash")), 16);
  ck_assert(int_field(item, "email_quota") >= 0);
  ck_assert(int_field(item, "email_package_id") > 0);
  /* every schema property is there, with its type */
  for (size_t i = 0; i < custapi_schema_count(); i++) {
    const custapi_property_info *p = custapi_schema_at(i);
    if (p->type == CUSTAPI_TYPE_INTEGER)
      int_field(item, p->name);
    else
      str_field(item, p->name);
  }
  json_object *links = NULL;
  ck_assert(json_object_object_get_ex(root, "links", &links));
  ck_assert_int_eq(json_object_array_length(links), 2);
  json_object *self = json_object_array_get_idx(links, 0);
  ck_assert_str_eq(str_field(self, "rel"), "self");
  str_field(self, "title");
  char want[128];
  snprintf(want, sizeof want, "%s/api/2.0/customers/42", refserver_url(rs));
  ck_assert_str_eq(str_field(self, "href"), want);
  ck_assert_str_eq(str_field(json_object_array_get_idx(links, 1), "rel"), "home");
  /* PHP-style escaped slashes on the wire: clients must cope */
  ck_assert_ptr_nonnull(strstr(r.body, "http:\\/\\/"));
  json_object_put(root);
  reply_free(&r);
}
END_TEST

START_TEST(rest_seed_is_valid_for_the_schema) {
  need_server();
  for (int id = 1; id <= 100; id += 11) {
    char path[64];
    snprintf(path, sizeof path, "/api/2.0/customers/%d", id);
    reply r = get(path);
    ck_assert_int_eq(r.status, 200);
    json_object *root = parse_json(&r), *item = item_of(root);
    custapi_customer *c = NULL;
    ck_assert_int_eq(custapi_customer_new(&c, CUSTAPI_CUSTOMER_IGNORE_READ_ONLY), 0);
    custapi_error err = CUSTAPI_ERROR_INIT;
    json_object_object_foreach(item, key, value) {
      int rc = json_object_is_type(value, json_type_int)
                   ? custapi_customer_set_int(c, key, json_object_get_int64(value), &err)
                   : custapi_customer_set(c, key, json_object_get_string(value), &err);
      ck_assert_msg(rc == 0, "%s", err.message);
    }
    ck_assert_msg(custapi_validate(c, CUSTAPI_VALIDATE_STRICT, 0, NULL, NULL, &err) == 0, "%s",
                  err.message);
    custapi_customer_free(c);
    json_object_put(root);
    reply_free(&r);
  }
  reply r = get("/api/2.0/customers/101");
  ck_assert_int_eq(r.status, 404); /* --seed defaults to 100 */
  reply_free(&r);
}
END_TEST

START_TEST(rest_put_partial_update) {
  need_server();
  reply r = put("/api/2.0/customers/7", "{\"email\":\"new7@example.org\",\"sms_quota\":55,"
                                        "\"website_url\":\"https://ex.org/a/b\"}");
  ck_assert_msg(r.status == 200, "%ld %s", r.status, r.body);
  json_object *root = parse_json(&r), *item = item_of(root);
  ck_assert_str_eq(str_field(item, "email"), "new7@example.org");
  ck_assert_int_eq(int_field(item, "sms_quota"), 55);
  ck_assert_str_eq(str_field(item, "website_url"), "https://ex.org/a/b");
  ck_assert_str_eq(str_field(item, "name"), "Customer 7"); /* untouched */
  ck_assert_int_eq(int_field(item, "id"), 7);
  json_object_put(root);
  reply_free(&r);
  r = get("/api/2.0/customers/7");
  root = parse_json(&r);
  ck_assert_int_eq(int_field(item_of(root), "sms_quota"), 55);
  json_object_put(root);
  reply_free(&r);
}
END_TEST

START_TEST(rest_put_country_and_hash) {
  need_server();
  char *hash = hash_of(8);
  char body[256];
  snprintf(body, sizeof body, "{\"hash\":\"%s\",\"country\":\"de\",\"address\":\"a\\nb\"}", hash);
  reply r = put("/api/2.0/customers/8", body);
  ck_assert_msg(r.status == 200, "%s", r.body);
  json_object *root = parse_json(&r), *item = item_of(root);
  ck_assert_str_eq(str_field(item, "country"), "DE");
  ck_assert_str_eq(str_field(item, "country_code"), "DE");
  ck_assert_str_eq(str_field(item, "address"), "a\nb");
  ck_assert_str_eq(str_field(item, "hash"), hash);
  json_object_put(root);
  reply_free(&r);
  free(hash);
  r = put("/api/2.0/customers/8", "{\"hash\":\"AAAAAAAAAAAAAAAA\",\"name\":\"X\"}");
  expect_error(&r, 422, "hash");
  reply_free(&r);
  r = get("/api/2.0/customers/8");
  root = parse_json(&r);
  ck_assert_str_eq(str_field(item_of(root), "name"), "Customer 8"); /* nothing applied */
  json_object_put(root);
  reply_free(&r);
}
END_TEST

START_TEST(rest_put_rejects_invalid_data) {
  need_server();
  static const struct {
    const char *body, *needle;
  } cases[] = {
      {"{\"sms_quota\":\"5\"}", "must be a JSON integer"},
      {"{\"sms_quota\":5.0}", "must be a JSON integer"},
      {"{\"sms_quota\":5e3}", "must be a JSON integer"},
      {"{\"sms_quota\":null}", "must be a JSON integer"},
      {"{\"sms_quota\":true}", "must be a JSON integer"},
      {"{\"sms_quota\":-1}", "sms_quota"},
      {"{\"sms_quota\":2147483648}", "32-bit"},
      {"{\"email_package_id\":0}", "email_package_id"},
      {"{\"name\":5}", "must be a JSON string"},
      {"{\"name\":\"\"}", "name"},
      {"{\"email\":\"a@\"}", "email"},
      {"{\"status\":\"paused\"}", "status"},
      {"{\"industry\":\"Mining\"}", "industry"},
      {"{\"country\":\"QQ\"}", "country"},
      {"{\"telephone\":\"call me\"}", "telephone"},
      {"{\"address\":\"a\\rb\"}", "address"},
      {"{\"address\":\"\\ud83d\\ude00\"}", "address"},
      {"{\"emial\":\"a@b.co\"}", "did you mean 'email'"},
      {"{\"id\":8}", "read-only"},
      {"{\"fax\":\"\"}", "read-only"},
      {"{\"country_code\":\"ZA\"}", "read-only"},
      {"{}", "nothing to update"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    reply r = put("/api/2.0/customers/9", cases[i].body);
    expect_error(&r, 422, cases[i].needle);
    reply_free(&r);
  }
  reply r = get("/api/2.0/customers/9");
  json_object *root = parse_json(&r);
  ck_assert_int_eq(int_field(item_of(root), "sms_quota"), 9); /* nothing applied */
  json_object_put(root);
  reply_free(&r);
}
END_TEST

START_TEST(rest_put_malformed_is_400) {
  need_server();
  static const char *const bodies[] = {
      "",   "{", "[1,2]", "\"text\"", "{\"a\":1} trailing", "{'name':'x'}", "{\"name\":\"\xff\"}",
      "nul"};
  for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
    reply r = put("/api/2.0/customers/9", bodies[i]);
    ck_assert_msg(r.status == 400, "body %zu: status %ld", i, r.status);
    free(error_message(&r));
    reply_free(&r);
  }
}
END_TEST

START_TEST(rest_not_found_and_methods) {
  need_server();
  reply r = get("/api/2.0/customers/4242");
  expect_error(&r, 404, "4242");
  reply_free(&r);
  r = put("/api/2.0/customers/4242", "{\"name\":\"x\"}");
  expect_error(&r, 404, "4242");
  reply_free(&r);
  static const char *const bad_paths[] = {"/api/2.0/customers/abc",
                                          "/api/2.0/customers/0",
                                          "/api/2.0/customers/-1",
                                          "/api/2.0/customers/",
                                          "/api/2.0/customers/2147483648",
                                          "/api/2.0/lists/1",
                                          "/",
                                          "/api/3.0/customers/1"};
  for (size_t i = 0; i < sizeof bad_paths / sizeof bad_paths[0]; i++) {
    r = get(bad_paths[i]);
    ck_assert_msg(r.status == 404, "%s: %ld", bad_paths[i], r.status);
    reply_free(&r);
  }
  r = http("DELETE", "/api/2.0/customers/1", NULL, 0, NULL, CREDS_GOOD);
  ck_assert_int_eq(r.status, 405);
  ck_assert(has_header(&r, "Allow", "GET, PUT"));
  reply_free(&r);
  r = http("POST", "/api/2.0/customers/1", "{}", 2, NULL, CREDS_GOOD);
  ck_assert_int_eq(r.status, 405);
  reply_free(&r);
  r = get("/api/2.0/xmlrpc/");
  ck_assert_int_eq(r.status, 405);
  ck_assert(has_header(&r, "Allow", "POST"));
  reply_free(&r);
}
END_TEST

START_TEST(rest_home) {
  need_server();
  reply r = get("/api/2.0/");
  ck_assert_int_eq(r.status, 200);
  json_object *root = parse_json(&r), *links = NULL;
  ck_assert(json_object_object_get_ex(root, "links", &links));
  ck_assert(json_object_array_length(links) >= 2);
  json_object_put(root);
  reply_free(&r);
  r = http("PUT", "/api/2.0/", "{}", 2, NULL, CREDS_GOOD);
  ck_assert_int_eq(r.status, 405);
  reply_free(&r);
}
END_TEST

START_TEST(auth_is_checked_first) {
  need_server();
  static const creds bad[] = {CREDS_NONE, CREDS_BAD_KEY, CREDS_BAD_USER};
  for (size_t i = 0; i < 3; i++) {
    reply r = http("GET", "/api/2.0/customers/1", NULL, 0, NULL, bad[i]);
    expect_error(&r, 401, bad[i] == CREDS_NONE ? "authentication required" : "invalid");
    ck_assert_ptr_nonnull(strstr(r.head, "WWW-Authenticate: Basic"));
    reply_free(&r);
    /* before routing: an unknown path and the XML-RPC endpoint answer 401 too */
    r = http("GET", "/nowhere", NULL, 0, NULL, bad[i]);
    ck_assert_int_eq(r.status, 401);
    reply_free(&r);
    const char *call = "<?xml version=\"1.0\"?><methodCall><methodName>system.listMethods"
                       "</methodName><params></params></methodCall>";
    r = http("POST", "/api/2.0/xmlrpc/", call, strlen(call), NULL, bad[i]);
    ck_assert_int_eq(r.status, 401);
    reply_free(&r);
  }
  static const char *const junk[] = {"Authorization: Bearer abc", "Authorization: Basic !!!!",
                                     "Authorization: Basic ZGVtbw==" /* "demo", no colon */};
  for (size_t i = 0; i < 3; i++) {
    const char *h[] = {junk[i], NULL};
    reply r = http("GET", "/api/2.0/customers/1", NULL, 0, h, CREDS_NONE);
    ck_assert_int_eq(r.status, 401);
    reply_free(&r);
  }
}
END_TEST

START_TEST(body_over_1mib_is_413) {
  need_server();
  size_t n = ((size_t)1 << 20) + 10;
  char *big = malloc(n + 1);
  memset(big, ' ', n);
  big[0] = '{';
  big[n - 1] = '}';
  big[n] = '\0';
  reply r = put("/api/2.0/customers/1", big);
  ck_assert_int_eq(r.status, 413);
  reply_free(&r);
  r = xcall_raw(big, NULL);
  ck_assert_int_eq(r.status, 413);
  reply_free(&r);
  /* just under the limit is parsed (and is a valid empty-ish object: 422) */
  big[n - 11] = '}';
  big[n - 10] = '\0';
  r = put("/api/2.0/customers/1", big);
  ck_assert_int_eq(r.status, 422);
  reply_free(&r);
  free(big);
}
END_TEST

/* ---------------------------------------------------------------------------------------
 * XML-RPC
 * ------------------------------------------------------------------------------------- */

START_TEST(xmlrpc_get_customer) {
  need_server();
  static const char *const names[] = {"customers.GetCustomer", "GetCustomer"};
  for (size_t i = 0; i < 2; i++) {
    reply r = xcall(names[i], P_INT(12));
    ck_assert(has_header(&r, "Content-Type", "text/xml"));
    int fault;
    xmlrpc_value *s = xresult(&r, &fault);
    ck_assert_msg(s != NULL, "fault %d", fault);
    ck_assert_int_eq(xmlrpc_value_type(s), XMLRPC_TYPE_STRUCT);
    char buf[256];
    ck_assert_int_eq(xmember_int(s, "id"), 12);
    ck_assert_int_eq(xmember_int(s, "enterprise_id"), 1);
    ck_assert_int_eq(xmember_int(s, "email_quota"), 1012);
    ck_assert_str_eq(xmember_string(s, "email", buf, sizeof buf), "customer12@example.com");
    ck_assert_str_eq(xmember_string(s, "fax", buf, sizeof buf), "");
    ck_assert_str_eq(xmember_string(s, "is_department", buf, sizeof buf), "no");
    xmlrpc_DECREF(s);
    reply_free(&r);
  }
}
END_TEST

START_TEST(xmlrpc_update_customer) {
  need_server();
  reply r = xcall(
      "customers.UpdateCustomer",
      "<param><value><i4>13</i4></value></param><param><value><struct>"
      "<member><name>name</name><value>Untyped Name</value></member>"
      "<member><name>sms_quota</name><value><int>77</int></value></member>"
      "<member><name>email_quota</name><value><i4>78</i4></value></member>"
      "<member><name>address</name><value><string>x &amp; y &lt;z&gt;</string></value></member>"
      "</struct></value></param>");
  int fault;
  xmlrpc_value *v = xresult(&r, &fault);
  ck_assert_msg(v != NULL, "fault %d: %s", fault, r.body);
  ck_assert_int_eq(xmlrpc_value_type(v), XMLRPC_TYPE_INT);
  xmlrpc_env env;
  xmlrpc_env_init(&env);
  int id = 0;
  xmlrpc_read_int(&env, v, &id);
  ck_assert_int_eq(id, 13);
  xmlrpc_DECREF(v);
  xmlrpc_env_clean(&env);
  reply_free(&r);
  /* visible over the other protocol */
  r = get("/api/2.0/customers/13");
  json_object *root = parse_json(&r), *item = item_of(root);
  ck_assert_str_eq(str_field(item, "name"), "Untyped Name");
  ck_assert_int_eq(int_field(item, "sms_quota"), 77);
  ck_assert_int_eq(int_field(item, "email_quota"), 78);
  ck_assert_str_eq(str_field(item, "address"), "x & y <z>");
  json_object_put(root);
  reply_free(&r);
  /* the bare name too */
  r = xcall("UpdateCustomer",
            P_INT(13) "<param><value><struct><member><name>status</name>"
                      "<value><string>off</string></value></member></struct></value>"
                      "</param>");
  v = xresult(&r, &fault);
  ck_assert_ptr_nonnull(v);
  xmlrpc_DECREF(v);
  reply_free(&r);
}
END_TEST

START_TEST(xmlrpc_list_methods) {
  need_server();
  reply r = xcall("system.listMethods", "");
  int fault;
  xmlrpc_value *a = xresult(&r, &fault);
  ck_assert_ptr_nonnull(a);
  ck_assert_int_eq(xmlrpc_value_type(a), XMLRPC_TYPE_ARRAY);
  xmlrpc_env env;
  xmlrpc_env_init(&env);
  int n = xmlrpc_array_size(&env, a), seen = 0;
  for (int i = 0; i < n; i++) {
    xmlrpc_value *item;
    xmlrpc_array_read_item(&env, a, (unsigned)i, &item);
    const char *name;
    xmlrpc_read_string(&env, item, &name);
    seen += strcmp(name, "customers.UpdateCustomer") == 0 || strcmp(name, "UpdateCustomer") == 0 ||
            strcmp(name, "customers.GetCustomer") == 0 || strcmp(name, "GetCustomer") == 0;
    free((void *)name);
    xmlrpc_DECREF(item);
  }
  ck_assert(!env.fault_occurred);
  ck_assert_int_eq(seen, 4);
  xmlrpc_env_clean(&env);
  xmlrpc_DECREF(a);
  reply_free(&r);
}
END_TEST

#define STRUCT(members) "<param><value><struct>" members "</struct></value></param>"
#define MEMBER(n, v) "<member><name>" n "</name><value>" v "</value></member>"

START_TEST(xmlrpc_faults) {
  need_server();
  static const struct {
    const char *method, *params;
    int code;
    const char *needle;
  } cases[] = {
      {"customers.GetCustomer", P_INT(5000), 404, "5000"},
      {"customers.GetCustomer", P_INT(-3), 404, "-3"},
      {"customers.UpdateCustomer", P_INT(5000) STRUCT(MEMBER("name", "x")), 404, "5000"},
      {"customers.UpdateCustomer", P_INT(14) STRUCT(MEMBER("email", "<string>a@</string>")), 422,
       "email"},
      {"customers.UpdateCustomer", P_INT(14) STRUCT(MEMBER("sms_quota", "<string>5</string>")), 422,
       "must be an <int>"},
      {"customers.UpdateCustomer", P_INT(14) STRUCT(MEMBER("sms_quota", "<double>5.0</double>")),
       422, "must be an <int>"},
      {"customers.UpdateCustomer", P_INT(14) STRUCT(MEMBER("name", "<int>5</int>")), 422,
       "must be a <string>"},
      {"customers.UpdateCustomer", P_INT(14) STRUCT(MEMBER("emial", "x")), 422, "did you mean"},
      {"customers.UpdateCustomer", P_INT(14) STRUCT(MEMBER("enterprise_id", "<int>2</int>")), 422,
       "read-only"},
      {"customers.UpdateCustomer", P_INT(14) STRUCT(MEMBER("hash", "WRONGHASH1234567")), 422,
       "hash"},
      {"customers.UpdateCustomer", P_INT(14) STRUCT(""), 422, "nothing to update"},
      {"customers.UpdateCustomer", P_INT(14), -32602, "parameters"},
      {"customers.UpdateCustomer", "<param><value><string>14</string></value></param>" STRUCT(""),
       -32602, "id"},
      {"customers.UpdateCustomer", P_INT(14) P_INT(1), -32602, "struct"},
      {"customers.GetCustomer", "", -32602, "parameters"},
      {"customers.GetCustomer", P_INT(1) P_INT(2), -32602, "parameters"},
      {"customers.DeleteCustomer", P_INT(1), -32601, "DeleteCustomer"},
      {"system.listMethods", P_INT(1), -32602, "parameters"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    reply r = xcall(cases[i].method, cases[i].params);
    expect_fault(&r, cases[i].code, cases[i].needle);
    reply_free(&r);
  }
  reply r = xcall_raw("this is not xml", NULL);
  expect_fault(&r, -32700, "parse");
  reply_free(&r);
  r = xcall_raw("<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY a \"b\">]><methodCall><methodName>"
                "system.listMethods</methodName><params/></methodCall>",
                NULL);
  expect_fault(&r, -32700, "DOCTYPE");
  reply_free(&r);
  r = xcall_raw("<?xml version=\"1.0\"?><methodCall><methodName>customers.GetCustomer"
                "</methodName><params><param><value><int>1</int>",
                NULL);
  expect_fault(&r, -32700, "parse");
  reply_free(&r);
}
END_TEST

/* ---------------------------------------------------------------------------------------
 * The capture file
 * ------------------------------------------------------------------------------------- */

START_TEST(capture_records_requests) {
  need_server();
  size_t before = refserver_request_count(rs);
  const char *const h[] = {"Content-Type: application/json", "X-Test-Header: Hello/World", NULL};
  const char *body = "{\"unique_id\":\"caf\xc3\xa9 / \\\"q\\\"\"}";
  reply r = http("PUT", "/api/2.0/customers/15", body, strlen(body), h, CREDS_GOOD);
  ck_assert_msg(r.status == 200, "%s", r.body);
  reply_free(&r);
  ck_assert_uint_eq(refserver_request_count(rs), before + 1);
  char *line = refserver_last_request(rs);
  ck_assert_ptr_nonnull(line);
  ck_assert_ptr_null(strstr(line, REFSERVER_TEST_KEY)); /* the key is never stored */
  json_object *o = json_tokener_parse(line), *headers = NULL;
  ck_assert_ptr_nonnull(o);
  ck_assert_str_eq(str_field(o, "method"), "PUT");
  ck_assert_str_eq(str_field(o, "path"), "/api/2.0/customers/15");
  ck_assert_str_eq(str_field(o, "body"), body);
  ck_assert_str_eq(str_field(o, "auth"), "valid");
  ck_assert_str_eq(str_field(o, "user"), REFSERVER_TEST_USER);
  ck_assert(json_object_object_get_ex(o, "headers", &headers));
  ck_assert_str_eq(str_field(headers, "content-type"), "application/json");
  ck_assert_str_eq(str_field(headers, "x-test-header"), "Hello/World");
  ck_assert_str_eq(str_field(headers, "authorization"), "Basic [redacted]");
  json_object_put(o);
  free(line);

  /* a refused request is recorded too, with its verdict */
  r = http("GET", "/api/2.0/customers/15", NULL, 0, NULL, CREDS_BAD_KEY);
  reply_free(&r);
  ck_assert_uint_eq(refserver_request_count(rs), before + 2);
  line = refserver_last_request(rs);
  o = json_tokener_parse(line);
  ck_assert_str_eq(str_field(o, "auth"), "invalid");
  ck_assert_str_eq(str_field(o, "body"), "");
  json_object_put(o);
  free(line);
}
END_TEST

/* ---------------------------------------------------------------------------------------
 * Fault injection
 * ------------------------------------------------------------------------------------- */

START_TEST(fault_header_status_modes) {
  need_server();
  reply r = put_fault("/api/2.0/customers/1", "{\"name\":\"Z\"}", "http500");
  expect_error(&r, 500, "http500");
  reply_free(&r);
  r = put_fault("/api/2.0/customers/1", "{\"name\":\"Z\"}", "html500");
  ck_assert_int_eq(r.status, 500);
  ck_assert(has_header(&r, "Content-Type", "text/html"));
  ck_assert_ptr_nonnull(strstr(r.body, "<html>"));
  reply_free(&r);
  static const char *const retry_modes[] = {"http503", "http429"};
  static const long statuses[] = {503, 429};
  for (size_t i = 0; i < 2; i++) {
    r = put_fault("/api/2.0/customers/1", "{\"name\":\"Z\"}", retry_modes[i]);
    expect_error(&r, statuses[i], retry_modes[i]);
    ck_assert(has_header(&r, "Retry-After", "1"));
    reply_free(&r);
  }
  r = put_fault("/api/2.0/customers/1", "{\"name\":\"Z\"}", "redirect");
  ck_assert_int_eq(r.status, 302);
  ck_assert(has_header(&r, "Location", "/elsewhere"));
  reply_free(&r);
  /* none of these touched the customer */
  r = get("/api/2.0/customers/1");
  json_object *root = parse_json(&r);
  ck_assert_str_eq(str_field(item_of(root), "name"), "Customer 1");
  json_object_put(root);
  reply_free(&r);
  /* an unknown mode in the header is a 400 that says so */
  r = put_fault("/api/2.0/customers/1", "{}", "explode");
  expect_error(&r, 400, "unknown fault mode 'explode'");
  reply_free(&r);
}
END_TEST

START_TEST(fault_header_body_modes) {
  need_server();
  reply r = put_fault("/api/2.0/customers/1", "{\"name\":\"Z\"}", "badjson");
  ck_assert_int_eq(r.status, 200);
  ck_assert(has_header(&r, "Content-Type", "application/json"));
  ck_assert_ptr_null(json_tokener_parse(r.body));
  reply_free(&r);
  r = put_fault("/api/2.0/customers/1", "{\"name\":\"Z\"}", "wrongshape");
  ck_assert_int_eq(r.status, 200);
  ck_assert_str_eq(r.body, "{\"foo\":1}");
  reply_free(&r);
  r = put_fault("/api/2.0/customers/1", "{}", "huge");
  ck_assert_int_eq(r.status, 200);
  ck_assert_uint_eq(r.len, (size_t)64 << 20);
  ck_assert(strncmp(r.body, "{\"links\"", 8) == 0);
  ck_assert_str_eq(r.body + r.len - 3, "\"}}");
  reply_free(&r);

  const char *call = "<?xml version=\"1.0\"?><methodCall><methodName>customers.GetCustomer"
                     "</methodName><params>" P_INT(1) "</params></methodCall>";
  r = xcall_raw(call, "badxml");
  ck_assert_int_eq(r.status, 200);
  ck_assert(has_header(&r, "Content-Type", "text/xml"));
  ck_assert_ptr_nonnull(strstr(r.body, "<methodResponse>"));
  ck_assert_ptr_null(strstr(r.body, "</methodResponse>"));
  reply_free(&r);
  r = xcall_raw(call, "wrongshape");
  int fault;
  xmlrpc_value *v = xresult(&r, &fault);
  ck_assert_ptr_nonnull(v);
  ck_assert_int_eq(xmlrpc_value_type(v), XMLRPC_TYPE_STRING);
  xmlrpc_DECREF(v);
  reply_free(&r);
  r = xcall_raw(call, "xmlfault:-32603");
  expect_fault(&r, -32603, "injected");
  reply_free(&r);
  r = xcall_raw(call, "xmlfault:401");
  expect_fault(&r, 401, "injected");
  reply_free(&r);
  r = xcall_raw(call, "doctype");
  ck_assert_int_eq(r.status, 200);
  ck_assert_ptr_nonnull(strstr(r.body, "<!DOCTYPE"));
  ck_assert_ptr_nonnull(strstr(r.body, "<!ENTITY"));
  reply_free(&r);
  r = xcall_raw(call, "huge");
  ck_assert_uint_eq(r.len, (size_t)64 << 20);
  ck_assert(strncmp(r.body, "<?xml", 5) == 0);
  ck_assert_ptr_nonnull(strstr(r.body + r.len - 80, "</methodResponse>"));
  reply_free(&r);
}
END_TEST

static double now_s(void) {
  struct timeval tv;
  gettimeofday(&tv, NULL);
  return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

START_TEST(fault_header_reset_and_delay) {
  need_server();
  reply r = put_fault("/api/2.0/customers/1", "{\"name\":\"Z\"}", "reset");
  ck_assert_msg(r.rc == CURLE_GOT_NOTHING || r.rc == CURLE_RECV_ERROR, "curl: %s",
                curl_easy_strerror(r.rc));
  reply_free(&r);
  double t0 = now_s();
  r = put_fault("/api/2.0/customers/16", "{\"name\":\"Delayed\"}", "delay:300");
  double took = now_s() - t0;
  ck_assert_int_eq(r.status, 200); /* answered normally after the delay */
  ck_assert_msg(took >= 0.29, "took %.3f s", took);
  reply_free(&r);
  r = get("/api/2.0/customers/16");
  json_object *root = parse_json(&r);
  ck_assert_str_eq(str_field(item_of(root), "name"), "Delayed");
  json_object_put(root);
  reply_free(&r);
}
END_TEST

START_TEST(fault_option_counts_requests) {
  need_server();
  /* started with --fault http503:2 --fault reset:1: two 503s, one reset, then normal */
  size_t before = refserver_request_count(rs);
  for (int i = 0; i < 2; i++) {
    reply r = get("/api/2.0/customers/1");
    ck_assert_int_eq(r.status, 503);
    ck_assert(has_header(&r, "Retry-After", "1"));
    reply_free(&r);
  }
  reply r = get("/api/2.0/customers/1");
  ck_assert_int_ne(r.rc, CURLE_OK);
  reply_free(&r);
  r = get("/api/2.0/customers/1");
  ck_assert_int_eq(r.status, 200);
  reply_free(&r);
  ck_assert_uint_eq(refserver_request_count(rs), before + 4);
}
END_TEST

/* ---------------------------------------------------------------------------------------
 * Persistence, shutdown, start-up refusals
 * ------------------------------------------------------------------------------------- */

START_TEST(persistence_across_restart) {
  /* its own server: a restart must happen in the process that started it */
  refserver *saved = rs;
  rs = refserver_start(NULL);
  need_server();
  reply r = put("/api/2.0/customers/17", "{\"name\":\"Survivor\",\"sms_quota\":4321}");
  ck_assert_int_eq(r.status, 200);
  reply_free(&r);
  unsigned old_port = refserver_port(rs);
  ck_assert_int_eq(refserver_restart(rs), 0);
  ck_assert_uint_ne(refserver_port(rs), 0);
  (void)old_port; /* port 0 usually gives a new one; not guaranteed, so not asserted */
  r = get("/api/2.0/customers/17");
  ck_assert_int_eq(r.status, 200);
  json_object *root = parse_json(&r), *item = item_of(root);
  ck_assert_str_eq(str_field(item, "name"), "Survivor");
  ck_assert_int_eq(int_field(item, "sms_quota"), 4321);
  json_object_put(root);
  reply_free(&r);
  /* seeding happens only into an empty table: customer 18 is still the seed, not re-seeded */
  r = get("/api/2.0/customers/18");
  ck_assert_int_eq(r.status, 200);
  reply_free(&r);
  ck_assert_int_eq(refserver_stop_status(rs), 0);
  rs = saved;
}
END_TEST

START_TEST(clean_shutdown) {
  refserver *own = refserver_start(NULL);
  ck_assert_ptr_nonnull(own);
  refserver *saved = rs;
  rs = own;
  reply r = put_fault("/api/2.0/customers/2", "{}", "delay:100");
  reply_free(&r);
  rs = saved;
  ck_assert_int_eq(refserver_stop_status(own), 0);
}
END_TEST

/* Runs the server directly; returns its exit code and puts its stderr in `err`. */
static int run_server(const char *const *args, const char *key, char *err, size_t errsize) {
  int pipefd[2];
  ck_assert_int_eq(pipe(pipefd), 0);
  pid_t pid = fork();
  if (pid == 0) {
    dup2(pipefd[1], 2);
    close(pipefd[0]);
    if (key)
      setenv("CUSTAPI_REFSERVER_KEY", key, 1);
    else
      unsetenv("CUSTAPI_REFSERVER_KEY");
    const char *argv[16] = {getenv("CUSTAPI_REFSERVER")};
    for (int i = 0; args[i] && i < 14; i++)
      argv[i + 1] = args[i];
    execv(argv[0], (char *const *)argv);
    _exit(127);
  }
  close(pipefd[1]);
  size_t n = 0;
  ssize_t got;
  while (n + 1 < errsize && (got = read(pipefd[0], err + n, errsize - n - 1)) > 0)
    n += (size_t)got;
  err[n] = '\0';
  /* Read to the end: a message longer than `err` (the usage after an unknown option) must not
   * meet a closed pipe, or the server dies of SIGPIPE instead of exiting 2. */
  char rest[512];
  while (read(pipefd[0], rest, sizeof rest) > 0)
    ;
  close(pipefd[0]);
  int status;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

START_TEST(startup_refusals) {
  if (!getenv("CUSTAPI_REFSERVER"))
    return;
  char err[2048];
  static const struct {
    const char *args[6];
    const char *key, *needle;
  } cases[] = {
      {{"--listen", "127.0.0.1:0", NULL}, NULL, "no API key"},
      {{"--fault", "explode", NULL}, "k", "unknown fault mode 'explode'"},
      {{"--fault", "delay", NULL}, "k", "needs an argument"},
      {{"--fault", "delay:abc", NULL}, "k", "bad delay"},
      {{"--fault", "http500:0", NULL}, "k", "bad request count"},
      {{"--fault", "http500:x", NULL}, "k", "bad request count"},
      {{"--fault", "xmlfault:1:2:3", NULL}, "k", "bad request count"},
      {{"--key", "secret", NULL}, "k", "never taken from the command line"},
      {{"--listen", "nowhere", NULL}, "k", "HOST:PORT"},
      {{"--listen", "127.0.0.1:70000", NULL}, "k", "port"},
      {{"--tls-cert", "x.pem", NULL}, "k", "go together"},
      {{"--bogus", NULL}, "k", "unknown option '--bogus'"},
      {{"--threads", "-1", NULL}, "k", "--threads"},
      {{"--seed", "ten", NULL}, "k", "--seed"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    int code = run_server(cases[i].args, cases[i].key, err, sizeof err);
    ck_assert_msg(code == 2, "case %zu: exit %d (%s)", i, code, err);
    ck_assert_msg(strstr(err, cases[i].needle) != NULL, "case %zu: '%s' lacks '%s'", i, err,
                  cases[i].needle);
    ck_assert_msg(strchr(err, '\n') == err + strlen(err) - 1 || i == 11,
                  "case %zu: not one line: %s", i, err);
  }
}
END_TEST

START_TEST(key_file_option) {
  char dir[] = "/tmp/refserver-key.XXXXXX";
  ck_assert_ptr_nonnull(mkdtemp(dir));
  char path[256];
  snprintf(path, sizeof path, "%s/key", dir);
  FILE *f = fopen(path, "w");
  fputs("file-key-123\n", f);
  fclose(f);
  const char *args[] = {"--key-file", path, NULL};
  refserver *own = refserver_start(args);
  ck_assert_ptr_nonnull(own);
  refserver *saved = rs;
  rs = own;
  reply r = get("/api/2.0/customers/1"); /* the test key: the file wins */
  ck_assert_int_eq(r.status, 401);
  reply_free(&r);
  CURL *c = curl_easy_init();
  char url[128];
  snprintf(url, sizeof url, "%s/api/2.0/customers/1", refserver_url(own));
  curl_easy_setopt(c, CURLOPT_URL, url);
  curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
  curl_easy_setopt(c, CURLOPT_USERPWD, "demo:file-key-123");
  curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  ck_assert_int_eq(curl_easy_perform(c), CURLE_OK);
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  ck_assert_int_eq(status, 200);
  curl_easy_cleanup(c);
  rs = saved;
  refserver_stop(own);
  unlink(path);
  rmdir(dir);
}
END_TEST

/* ---------------------------------------------------------------------------------------
 * HTTPS
 * ------------------------------------------------------------------------------------- */

static refserver_cert certificate; /* the TLS suite's certificate and key (harness.h) */

static void tls_up(void) {
  const char *args[] = {"--tls-cert", certificate.cert, "--tls-key", certificate.key, NULL};
  rs = refserver_start(args);
}

START_TEST(https_rest_and_xmlrpc) {
  need_server();
  ck_assert(strncmp(refserver_url(rs), "https://", 8) == 0);
  reply r = get("/api/2.0/customers/3");
  ck_assert_msg(r.rc == CURLE_OK, "%s", curl_easy_strerror(r.rc));
  ck_assert_int_eq(r.status, 200);
  ck_assert_ptr_nonnull(strstr(r.body, "https:\\/\\/127.0.0.1"));
  reply_free(&r);
  r = xcall("customers.GetCustomer", P_INT(3));
  int fault;
  xmlrpc_value *v = xresult(&r, &fault);
  ck_assert_ptr_nonnull(v);
  xmlrpc_DECREF(v);
  reply_free(&r);
  /* plain HTTP to the TLS port gets no customer */
  CURL *c = curl_easy_init();
  char url[128];
  snprintf(url, sizeof url, "http://127.0.0.1:%u/api/2.0/customers/3", refserver_port(rs));
  curl_easy_setopt(c, CURLOPT_URL, url);
  curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
  curl_easy_setopt(c, CURLOPT_TIMEOUT, 5L);
  curl_easy_setopt(c, CURLOPT_USERPWD, "demo:" REFSERVER_TEST_KEY);
  CURLcode rc = curl_easy_perform(c);
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  ck_assert(rc != CURLE_OK || status != 200);
  curl_easy_cleanup(c);
}
END_TEST

START_TEST(https_verification_fails_without_the_ca) {
  need_server();
  char saved[sizeof cacert];
  memcpy(saved, cacert, sizeof cacert);
  cacert[0] = '\0';
  reply r = get("/api/2.0/customers/3");
  memcpy(cacert, saved, sizeof cacert);
  ck_assert_int_eq(r.rc, CURLE_PEER_FAILED_VERIFICATION);
  reply_free(&r);
}
END_TEST

/* ---------------------------------------------------------------------------------------
 * Main
 * ------------------------------------------------------------------------------------- */

static TCase *tcase(Suite *s, const char *name, void (*up)(void)) {
  TCase *tc = tcase_create(name);
  tcase_set_timeout(tc, 60);
  tcase_add_unchecked_fixture(tc, up, server_down);
  suite_add_tcase(s, tc);
  return tc;
}

int main(int argc, char **argv) {
  int tls = argc > 1 && strcmp(argv[1], "tls") == 0;
  curl_global_init(CURL_GLOBAL_DEFAULT);
  Suite *s = suite_create(tls ? "refserver-tls" : "refserver");
  if (tls) {
    if (system("command -v openssl >/dev/null 2>&1") != 0) {
      printf("SKIP: openssl is not installed: can't make a test certificate\n");
      return 77;
    }
    if (refserver_cert_make(&certificate) < 0) {
      printf("SKIP: openssl could not make a test certificate\n");
      return 77;
    }
    snprintf(cacert, sizeof cacert, "%s", certificate.cert);
    TCase *tc = tcase(s, "https", tls_up);
    tcase_add_test(tc, https_rest_and_xmlrpc);
    tcase_add_test(tc, https_verification_fails_without_the_ca);
  } else {
    TCase *tc = tcase(s, "rest", server_up);
    tcase_add_test(tc, rest_get_seeded_customer);
    tcase_add_test(tc, rest_seed_is_valid_for_the_schema);
    tcase_add_test(tc, rest_put_partial_update);
    tcase_add_test(tc, rest_put_country_and_hash);
    tcase_add_test(tc, rest_put_rejects_invalid_data);
    tcase_add_test(tc, rest_put_malformed_is_400);
    tcase_add_test(tc, rest_not_found_and_methods);
    tcase_add_test(tc, rest_home);
    tcase_add_test(tc, auth_is_checked_first);
    tcase_add_test(tc, body_over_1mib_is_413);
    tc = tcase(s, "xmlrpc", server_up);
    tcase_add_test(tc, xmlrpc_get_customer);
    tcase_add_test(tc, xmlrpc_update_customer);
    tcase_add_test(tc, xmlrpc_list_methods);
    tcase_add_test(tc, xmlrpc_faults);
    tc = tcase(s, "capture", server_up);
    tcase_add_test(tc, capture_records_requests);
    tc = tcase(s, "faults", server_up);
    tcase_add_test(tc, fault_header_status_modes);
    tcase_add_test(tc, fault_header_body_modes);
    tcase_add_test(tc, fault_header_reset_and_delay);
    tc = tcase(s, "fault-option", faulty_up);
    tcase_add_test(tc, fault_option_counts_requests);
    tc = tcase_create("lifecycle");
    tcase_add_test(tc, persistence_across_restart);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, clean_shutdown);
    tcase_add_test(tc, startup_refusals);
    tcase_add_test(tc, key_file_option);
    suite_add_tcase(s, tc);
  }
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr) + unclean_stops;
  srunner_free(sr);
  if (tls)
    refserver_cert_remove(&certificate);
  curl_global_cleanup();
  return failed ? 1 : 0;
}
