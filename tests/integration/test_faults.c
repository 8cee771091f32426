/*
 * The fault matrix (issue 8): the custapi command against the reference server with one
 * fault injected, over both protocols. One row per case x protocol: the exit code, the
 * error category, how many requests the server saw (so retries are counted where they land),
 * the elapsed time within generous bounds, and the key nowhere in stdout or stderr (every run
 * is made with -v, so the whole trace is searched too).
 *
 * Then what the reference server cannot do, from a canned responder: a body cut off or
 * stalled mid-way (a transport error, never a hang) and Retry-After beyond 30 s or as a date.
 */
#include "canned.h"

#define WRONG_KEY "wrong-key-0b7d21c9e4"

/* ---- the secret in every form it could leak ---- */

static void base64(char *out, const char *in) {
  static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  size_t n = strlen(in), o = 0;
  for (size_t i = 0; i < n; i += 3) {
    unsigned v = (unsigned char)in[i] << 16;
    if (i + 1 < n)
      v |= (unsigned char)in[i + 1] << 8;
    if (i + 2 < n)
      v |= (unsigned char)in[i + 2];
    out[o++] = abc[(v >> 18) & 63];
    out[o++] = abc[(v >> 12) & 63];
    out[o++] = i + 1 < n ? abc[(v >> 6) & 63] : '=';
    out[o++] = i + 2 < n ? abc[v & 63] : '=';
  }
  out[o] = '\0';
}

/* Neither the key nor the Basic credentials built from it appear in `text`. */
static void assert_no_secret(const char *text, const char *key, const char *what, const char *row) {
  char pair[128], b64[200];
  snprintf(pair, sizeof pair, "%s:%s", REFSERVER_TEST_USER, key);
  base64(b64, pair);
  ck_assert_msg(!strstr(text, key), "%s: the key is in %s", row, what);
  ck_assert_msg(!strstr(text, b64), "%s: the Basic credentials are in %s", row, what);
}

static void assert_no_secrets(const cli_result *r, const char *row) {
  assert_no_secret(r->out, REFSERVER_TEST_KEY, "stdout", row);
  assert_no_secret(r->err, REFSERVER_TEST_KEY, "stderr", row);
  assert_no_secret(r->out, WRONG_KEY, "stdout", row);
  assert_no_secret(r->err, WRONG_KEY, "stderr", row);
}

/* The last line of a text (the failure line after a -v trace), in a static buffer. */
static const char *last_line(const char *s) {
  static char line[1024];
  size_t n = strlen(s);
  if (n && s[n - 1] == '\n')
    n--;
  size_t start = n;
  while (start && s[start - 1] != '\n')
    start--;
  snprintf(line, sizeof line, "%.*s", (int)(n - start), s + start);
  return line;
}

/* A slower command under a wrapper (valgrind) widens the upper time bounds. */
static long slack_ms(void) { return getenv("CUSTAPI_CLI_WRAPPER") ? 30000 : 0; }

/* ---- the matrix ---- */

typedef struct row {
  const char *name;
  const char *protocol;
  const char *fault;   /* the server's --fault, or NULL */
  const char *id;      /* "7" unless a case needs another */
  const char *prop;    /* the update's one property */
  const char *key;     /* REFSERVER_TEST_KEY unless the case is wrong credentials */
  const char *retries; /* --retries */
  const char *timeout; /* --timeout, seconds */
  int exit_code;
  const char *category; /* NULL for success */
  size_t requests;      /* what the server saw */
  long min_ms, max_ms;  /* elapsed, generous */
  const char *says;     /* in the error message, or NULL */
} row;

#define OK_PROP "sms_quota=9"
#define K REFSERVER_TEST_KEY
/* Retry-After: 1 means at least a second; a 1 s timeout twice at least two. */
#define ROWS_FOR(p, truncated)                                                                       \
  {"503 then ok", p, "http503:1", "7", OK_PROP, K, "2", "10", 0, NULL, 2, 950, 10000, NULL},         \
      {"429 then ok", p, "http429:1", "7", OK_PROP, K, "2", "10", 0, NULL, 2, 950, 10000, NULL},     \
      {"503 with no retries",                                                                        \
       p,                                                                                            \
       "http503",                                                                                    \
       "7",                                                                                          \
       OK_PROP,                                                                                      \
       K,                                                                                            \
       "0",                                                                                          \
       "10",                                                                                         \
       8,                                                                                            \
       "server",                                                                                     \
       1,                                                                                            \
       0,                                                                                            \
       5000,                                                                                         \
       "503"},                                                                                       \
      {"500 until the retries run out",                                                              \
       p,                                                                                            \
       "http500",                                                                                    \
       "7",                                                                                          \
       OK_PROP,                                                                                      \
       K,                                                                                            \
       "2",                                                                                          \
       "10",                                                                                         \
       8,                                                                                            \
       "server",                                                                                     \
       3,                                                                                            \
       250,                                                                                          \
       10000,                                                                                        \
       "after 3 attempts"},                                                                          \
      {"HTML 500 until the retries run out",                                                         \
       p,                                                                                            \
       "html500",                                                                                    \
       "7",                                                                                          \
       OK_PROP,                                                                                      \
       K,                                                                                            \
       "1",                                                                                          \
       "10",                                                                                         \
       8,                                                                                            \
       "server",                                                                                     \
       2,                                                                                            \
       90,                                                                                           \
       10000,                                                                                        \
       "HTTP 500 Internal Server Error (after 2 attempts)"},                                         \
      {"reset once then ok", p, "reset:1", "7", OK_PROP, K, "2", "10", 0, NULL, 2, 90, 10000, NULL}, \
      {"reset every time", p, "reset", "7",   OK_PROP,           K, "1", "10", 7,                    \
       "transport",        2, 90,      10000, "after 2 attempts"},                                   \
      {"delay past the timeout",                                                                     \
       p,                                                                                            \
       "delay:1500",                                                                                 \
       "7",                                                                                          \
       OK_PROP,                                                                                      \
       K,                                                                                            \
       "0",                                                                                          \
       "1",                                                                                          \
       7,                                                                                            \
       "transport",                                                                                  \
       1,                                                                                            \
       950,                                                                                          \
       2900,                                                                                         \
       "timed out"},                                                                                 \
      {"delay past the timeout, retried",                                                            \
       p,                                                                                            \
       "delay:1500",                                                                                 \
       "7",                                                                                          \
       OK_PROP,                                                                                      \
       K,                                                                                            \
       "1",                                                                                          \
       "1",                                                                                          \
       7,                                                                                            \
       "transport",                                                                                  \
       2,                                                                                            \
       1950,                                                                                         \
       5500,                                                                                         \
       "timed out"},                                                                                 \
      {"truncated body",       p, truncated, "7", OK_PROP, K, "2", "10", 9, "protocol", 1, 0, 5000,  \
       "may have been applied"},                                                                     \
      {"64 MiB body", p, "huge",     "7", OK_PROP, K,     "2",                                       \
       "10",          9, "protocol", 1,   0,       10000, "larger than 1048576 bytes"},              \
      {"wrong shape", p, "wrongshape", "7", OK_PROP, K,    "2",                                      \
       "10",          9, "protocol",   1,   0,       5000, "may have been applied"},                 \
      {"DOCTYPE with entities",                                                                      \
       p,                                                                                            \
       "doctype",                                                                                    \
       "7",                                                                                          \
       OK_PROP,                                                                                      \
       K,                                                                                            \
       "2",                                                                                          \
       "10",                                                                                         \
       9,                                                                                            \
       "protocol",                                                                                   \
       1,                                                                                            \
       0,                                                                                            \
       5000,                                                                                         \
       NULL},                                                                                        \
      {"redirect", p, "redirect", "7", OK_PROP, K,    "2",                                           \
       "10",       9, "protocol", 1,   0,       5000, "/elsewhere"},                                 \
      {"wrong credentials",                                                                          \
       p,                                                                                            \
       NULL,                                                                                         \
       "7",                                                                                          \
       OK_PROP,                                                                                      \
       WRONG_KEY,                                                                                    \
       "2",                                                                                          \
       "10",                                                                                         \
       4,                                                                                            \
       "auth",                                                                                       \
       1,                                                                                            \
       0,                                                                                            \
       5000,                                                                                         \
       NULL},                                                                                        \
      {"unknown id", p, NULL, "999999", OK_PROP, K, "2", "10", 5, "not_found", 1, 0, 5000, NULL},    \
  {                                                                                                  \
    "server-side rejection", p, NULL, "7", "hash=NotTheStoredHash1", K, "2", "10", 6, "rejected",    \
        1, 0, 5000, "hash"                                                                           \
  }

#define XMLRPC_FAULT(code, exit, category, requests, says)                                         \
  {                                                                                                \
    "fault " code, "xmlrpc", "xmlfault:" code, "7", OK_PROP, K, "2", "10", exit, category,         \
        requests, 0, 10000, says                                                                   \
  }

static const row rows[] = {
    ROWS_FOR("rest", "badjson"),
    ROWS_FOR("xmlrpc", "badxml"),
    XMLRPC_FAULT("401", 4, "auth", 1, "fault 401"),
    XMLRPC_FAULT("403", 4, "auth", 1, "fault 403"),
    XMLRPC_FAULT("404", 5, "not_found", 1, "fault 404"),
    XMLRPC_FAULT("422", 6, "rejected", 1, "fault 422"),
    XMLRPC_FAULT("17", 6, "rejected", 1, "fault 17"),
    XMLRPC_FAULT("-32700", 9, "protocol", 1, "fault -32700"),
    XMLRPC_FAULT("-32600", 9, "protocol", 1, "fault -32600"),
    XMLRPC_FAULT("-32601", 9, "protocol", 1, "fault -32601"),
    XMLRPC_FAULT("-32603", 8, "server", 3, "after 3 attempts"),
    XMLRPC_FAULT("503", 8, "server", 3, "after 3 attempts"),
    XMLRPC_FAULT("-32603:1", 0, NULL, 2, NULL),
};

#define ROW_COUNT ((int)(sizeof rows / sizeof rows[0]))

START_TEST(fault_row) {
  const row *w = &rows[_i];
  char name[160];
  snprintf(name, sizeof name, "[%s over %s]", w->name, w->protocol);
  const char *server_args[] = {"--fault", w->fault, NULL};
  refserver *server = rs = refserver_start(w->fault ? server_args : NULL);
  ck_assert_msg(server != NULL, "%s the reference server did not start", name);
  char env_key[128];
  snprintf(env_key, sizeof env_key, "CUSTAPI_API_KEY=%s", w->key);
  const char *const env[] = {env_key, NULL};
  const char *const args[] = {"--url",      refserver_url(server),
                              "--username", REFSERVER_TEST_USER,
                              "--protocol", w->protocol,
                              "--retries",  w->retries,
                              "--timeout",  w->timeout,
                              "-v",         "update",
                              "--id",       w->id,
                              w->prop,      NULL};
  cli_result r = itest_run_cli(args, env);
  size_t seen = refserver_request_count(server);
  refserver_stop(server);
  rs = NULL;

  assert_no_secrets(&r, name);
  ck_assert_msg(r.status == w->exit_code, "%s exit %d, expected %d; stdout %.300s; last line %s",
                name, r.status, w->exit_code, r.out, last_line(r.err));
  ck_assert_msg(seen == w->requests, "%s the server saw %zu requests, expected %zu", name, seen,
                w->requests);
  ck_assert_msg(r.elapsed_ms >= w->min_ms && r.elapsed_ms <= w->max_ms + slack_ms(),
                "%s took %ld ms, expected %ld..%ld", name, r.elapsed_ms, w->min_ms, w->max_ms);
  ck_assert_msg(r.json != NULL, "%s stdout is not one JSON object: %.300s", name, r.out);
  json_object *ok = NULL;
  ck_assert(json_object_object_get_ex(r.json, "ok", &ok));
  if (!w->category) {
    ck_assert_msg(json_object_get_boolean(ok), "%s", name);
    json_object *attempts = NULL;
    ck_assert(json_object_object_get_ex(r.json, "attempts", &attempts));
    ck_assert_msg(json_object_get_int(attempts) == (int)w->requests, "%s attempts %d", name,
                  json_object_get_int(attempts));
  } else {
    ck_assert_msg(!json_object_get_boolean(ok), "%s", name);
    const char *category = itest_error_category(&r);
    ck_assert_msg(category && strcmp(category, w->category) == 0, "%s category %s, expected %s",
                  name, category ? category : "(none)", w->category);
    const char *line = last_line(r.err);
    ck_assert_msg(strncmp(line, "custapi: ", 9) == 0 && !strstr(line, "warning"),
                  "%s the last stderr line is not the failure: %s", name, line);
    if (w->says)
      ck_assert_msg(strstr(line, w->says), "%s the message lacks \"%s\": %s", name, w->says, line);
  }
  itest_cli_free(&r);
}
END_TEST

/* ---- canned answers: cut off and stalled bodies, Retry-After ---- */

#define HEAD_1000 "HTTP/1.1 200 OK\r\nContent-Type: %s\r\nContent-Length: 1000\r\n\r\n"
#define PARTIAL "<?xml version=\"1.0\"?><methodResponse><params><param><value>{\"item\":"

static const char *content_type_of(const char *protocol) {
  return strcmp(protocol, "rest") == 0 ? "application/json" : "text/xml";
}

static const char *const protocols[] = {"rest", "xmlrpc"};

static cli_result run_canned(const canned *k, const char *protocol, const char *retries,
                             const char *timeout) {
  const char *const env[] = {ITEST_KEY_ENV, NULL};
  const char *const args[] = {"--url",      k->url,   "--username", REFSERVER_TEST_USER,
                              "--protocol", protocol, "--retries",  retries,
                              "--timeout",  timeout,  "-v",         "update",
                              "--id",       "7",      OK_PROP,      NULL};
  return itest_run_cli(args, env);
}

/* The server sends a tenth of the body it announced and then nothing: the per-attempt
 * timeout ends it as a transport error. */
START_TEST(a_stalled_body_times_out) {
  const char *protocol = protocols[_i];
  char answer[512];
  snprintf(answer, sizeof answer, HEAD_1000 "%s" CANNED_STALL, content_type_of(protocol), PARTIAL);
  const char *const answers[] = {answer, NULL};
  canned k = canned_start(answers);
  cli_result r = run_canned(&k, protocol, "0", "1");
  canned_stop(&k);
  assert_no_secrets(&r, protocol);
  ck_assert_msg(r.status == 7, "%s: exit %d: %s", protocol, r.status, last_line(r.err));
  ck_assert_str_eq(itest_error_category(&r), "transport");
  ck_assert_ptr_nonnull(strstr(last_line(r.err), "timed out"));
  ck_assert_int_ge(r.elapsed_ms, 950);
  ck_assert_int_le(r.elapsed_ms, 2900 + slack_ms());
  itest_cli_free(&r);
}
END_TEST

/* The connection closes before the announced body is complete: a transport error (retried,
 * as a reset is), not a protocol error over half a document. */
START_TEST(a_body_cut_off_is_transport) {
  const char *protocol = protocols[_i];
  char answer[512];
  snprintf(answer, sizeof answer, HEAD_1000 "%s", content_type_of(protocol), PARTIAL);
  const char *const answers[] = {answer, answer, NULL};
  canned k = canned_start(answers);
  cli_result r = run_canned(&k, protocol, "1", "10");
  canned_stop(&k);
  assert_no_secrets(&r, protocol);
  ck_assert_msg(r.status == 7, "%s: exit %d: %s", protocol, r.status, last_line(r.err));
  ck_assert_str_eq(itest_error_category(&r), "transport");
  ck_assert_ptr_nonnull(strstr(last_line(r.err), "after 2 attempts"));
  itest_cli_free(&r);
}
END_TEST

/* Beyond 30 s the call ends at once, saying how long the server asked for. */
START_TEST(a_retry_after_beyond_30_s_ends_the_call) {
  const char *protocol = protocols[_i];
  const char *const answers[] = {
      "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 31\r\nContent-Length: 0\r\n\r\n", NULL};
  canned k = canned_start(answers);
  cli_result r = run_canned(&k, protocol, "3", "10");
  canned_stop(&k);
  ck_assert_msg(r.status == 8, "%s: exit %d: %s", protocol, r.status, last_line(r.err));
  ck_assert_ptr_nonnull(strstr(last_line(r.err), "retry after 31 s"));
  ck_assert_int_le(r.elapsed_ms, 5000 + slack_ms());
  itest_cli_free(&r);
}
END_TEST

/* Retry-After as an HTTP date two seconds ahead: the retry waits for it. */
START_TEST(a_retry_after_date_is_waited_for) {
  const char *protocol = protocols[_i];
  char answer[256], ok[256];
  time_t when = time(NULL) + 2;
  struct tm tm;
  char date[64];
  strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", gmtime_r(&when, &tm));
  snprintf(answer, sizeof answer,
           "HTTP/1.1 429 Too Many Requests\r\nRetry-After: %s\r\nContent-Length: 0\r\n\r\n", date);
  const char *body = strcmp(protocol, "rest") == 0
                         ? "{\"links\":[],\"item\":{\"id\":7}}"
                         : "<?xml version=\"1.0\"?><methodResponse><params><param><value><i4>7"
                           "</i4></value></param></params></methodResponse>";
  snprintf(ok, sizeof ok, "HTTP/1.1 200 OK\r\nContent-Type: %s\r\nContent-Length: %zu\r\n\r\n%s",
           content_type_of(protocol), strlen(body), body);
  const char *const answers[] = {answer, ok, NULL};
  canned k = canned_start(answers);
  cli_result r = run_canned(&k, protocol, "1", "10");
  canned_stop(&k);
  ck_assert_msg(r.status == 0, "%s: exit %d: %s", protocol, r.status, last_line(r.err));
  ck_assert_int_ge(r.elapsed_ms, 900); /* the date has one-second resolution */
  ck_assert_int_le(r.elapsed_ms, 10000 + slack_ms());
  itest_cli_free(&r);
}
END_TEST

static Suite *faults_suite(void) {
  Suite *s = suite_create("faults");
  TCase *t = tcase_create("matrix");
  tcase_set_timeout(t, getenv("CUSTAPI_UNDER_VALGRIND") ? 600 : 60);
  tcase_add_loop_test(t, fault_row, 0, ROW_COUNT);
  suite_add_tcase(s, t);
  t = tcase_create("canned");
  tcase_set_timeout(t, getenv("CUSTAPI_UNDER_VALGRIND") ? 600 : 60);
  tcase_add_loop_test(t, a_stalled_body_times_out, 0, 2);
  tcase_add_loop_test(t, a_body_cut_off_is_transport, 0, 2);
  tcase_add_loop_test(t, a_retry_after_beyond_30_s_ends_the_call, 0, 2);
  tcase_add_loop_test(t, a_retry_after_date_is_waited_for, 0, 2);
  suite_add_tcase(s, t);
  return s;
}

int main(void) { return itest_main(faults_suite); }
