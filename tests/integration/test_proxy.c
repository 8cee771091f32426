/*
 * Loopback is never proxied (issue 12): with http_proxy, HTTPS_PROXY and ALL_PROXY all set to
 * a recording proxy on 127.0.0.1, an update to any loopback host (127.0.0.1, 127.0.0.2,
 * localhost in any case, a *.localhost name, ::1 in two spellings) goes straight to its host
 * and the proxy records nothing, over both protocols; --proxy does not change that. A host that
 * is not loopback (a made-up name under .invalid, which only the proxy answers) does go through
 * the proxy, from the environment or from --proxy, so the recording proxy is shown to work.
 *
 * The recorder is a child process: for each connection it reads the request's head and body,
 * appends the request line to a log file, and answers an update as the server would (or 403
 * to a CONNECT). It writes the log line before it answers, so the log is complete once the
 * command has its answer.
 */
#include <netdb.h>
#include <sys/prctl.h>

#include "canned.h"

#define REST_OK_BODY "{\"links\":[],\"item\":{\"id\":7}}"
#define XMLRPC_OK_BODY                                                                             \
  "<?xml version=\"1.0\"?><methodResponse><params><param><value><i4>7</i4></value></param>"        \
  "</params></methodResponse>"

static const char *const protocols[] = {"rest", "xmlrpc"};
static const char *const key_env_proxy_base = ITEST_KEY_ENV;

typedef struct recorder {
  pid_t pid;
  unsigned port;
  char log[64];
} recorder;

/* Reads one request (head, then Content-Length bytes of body) into buf; its length, 0 when
 * the peer closed or sent garbage. */
static size_t read_request(int c, char *buf, size_t size) {
  size_t got = 0;
  char *end = NULL;
  while (!end && got < size - 1) {
    ssize_t n = read(c, buf + got, size - 1 - got);
    if (n <= 0)
      return 0;
    got += (size_t)n;
    buf[got] = '\0';
    end = strstr(buf, "\r\n\r\n");
  }
  if (!end)
    return 0;
  const char *cl = NULL;
  for (const char *p = buf; p < end; p++)
    if (strncasecmp(p, "\ncontent-length:", 16) == 0)
      cl = p + 16;
  size_t want = (size_t)(end + 4 - buf) + (cl ? strtoul(cl, NULL, 10) : 0);
  while (got < want && got < size - 1) {
    ssize_t n = read(c, buf + got, size - 1 - got);
    if (n <= 0)
      break;
    got += (size_t)n;
  }
  buf[got] = '\0';
  return got;
}

static void answer_request(int c, const char *request) {
  char answer[1024];
  if (strncmp(request, "CONNECT ", 8) == 0) {
    snprintf(answer, sizeof answer, "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n");
  } else {
    int rest = strstr(request, "/api/2.0/customers/") != NULL;
    const char *body = rest ? REST_OK_BODY : XMLRPC_OK_BODY;
    snprintf(answer, sizeof answer,
             "HTTP/1.1 200 OK\r\nContent-Type: %s\r\nContent-Length: %zu\r\nConnection: "
             "close\r\n\r\n%s",
             rest ? "application/json" : "text/xml", strlen(body), body);
  }
  ssize_t w = write(c, answer, strlen(answer));
  (void)w;
}

static void record(const char *log, const char *request) {
  size_t n = strcspn(request, "\r\n");
  char line[600];
  snprintf(line, sizeof line, "%.*s\n", (int)(n < 500 ? n : 500), request);
  int fd = open(log, O_WRONLY | O_APPEND);
  if (fd >= 0) {
    ssize_t w = write(fd, line, strlen(line));
    (void)w;
    close(fd);
  }
}

/* Starts a recorder on `address` (an IPv4 or IPv6 literal) and a free port. 0, or -1 when
 * the address can't be bound here (no IPv6 loopback, say). */
static int recorder_start(recorder *r, const char *address) {
  memset(r, 0, sizeof *r);
  struct addrinfo hints = {0}, *ai = NULL;
  hints.ai_flags = AI_NUMERICHOST | AI_PASSIVE;
  hints.ai_socktype = SOCK_STREAM;
  if (getaddrinfo(address, "0", &hints, &ai) != 0)
    return -1;
  int fd = socket(ai->ai_family, SOCK_STREAM, 0);
  int ok = fd >= 0 && bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, 16) == 0;
  freeaddrinfo(ai);
  struct sockaddr_storage a;
  socklen_t len = sizeof a;
  if (!ok || getsockname(fd, (struct sockaddr *)&a, &len) != 0) {
    if (fd >= 0)
      close(fd);
    return -1;
  }
  r->port = ntohs(a.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&a)->sin6_port
                                          : ((struct sockaddr_in *)&a)->sin_port);
  snprintf(r->log, sizeof r->log, "/tmp/custapi-proxy-log-XXXXXX");
  int log = mkstemp(r->log);
  ck_assert_int_ge(log, 0);
  close(log);
  r->pid = fork();
  ck_assert_int_ge(r->pid, 0);
  if (r->pid > 0) {
    close(fd);
    return 0;
  }
  prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlives the test */
  alarm(120);
  for (;;) {
    int c = accept(fd, NULL, NULL);
    if (c < 0)
      _exit(1);
    static char request[65536];
    if (read_request(c, request, sizeof request)) {
      record(r->log, request);
      answer_request(c, request);
    }
    close(c);
  }
}

static void recorder_stop(recorder *r) {
  if (r->pid > 0) {
    kill(r->pid, SIGKILL);
    waitpid(r->pid, NULL, 0);
  }
  r->pid = 0;
  if (r->log[0])
    unlink(r->log);
}

/* What the recorder logged: one request line per request. The caller frees it. */
static char *recorded(const recorder *r) { return itest_slurp(r->log); }

/* The environment a user with a proxy has: every variable libcurl reads, in both cases where
 * libcurl reads both. */
typedef struct proxy_env {
  char http[96], https[96], all[96], https_lower[96], all_lower[96];
  const char *entries[7];
} proxy_env;

static void proxy_env_init(proxy_env *e, unsigned proxy_port) {
  snprintf(e->http, sizeof e->http, "http_proxy=http://127.0.0.1:%u", proxy_port);
  snprintf(e->https, sizeof e->https, "HTTPS_PROXY=http://127.0.0.1:%u", proxy_port);
  snprintf(e->https_lower, sizeof e->https_lower, "https_proxy=http://127.0.0.1:%u", proxy_port);
  snprintf(e->all, sizeof e->all, "ALL_PROXY=http://127.0.0.1:%u", proxy_port);
  snprintf(e->all_lower, sizeof e->all_lower, "all_proxy=http://127.0.0.1:%u", proxy_port);
  e->entries[0] = key_env_proxy_base;
  e->entries[1] = e->http;
  e->entries[2] = e->https;
  e->entries[3] = e->https_lower;
  e->entries[4] = e->all;
  e->entries[5] = e->all_lower;
  e->entries[6] = NULL;
}

static cli_result run_update(const char *url, const char *protocol, const char *const *env,
                             const char *proxy_option, int allow_plain_http) {
  const char *args[20] = {"--url",  url,         "--username", REFSERVER_TEST_USER, "--protocol",
                          protocol, "--retries", "0",          "--timeout",         "5"};
  size_t n = 10;
  if (proxy_option) {
    args[n++] = "--proxy";
    args[n++] = proxy_option;
  }
  if (allow_plain_http)
    args[n++] = "--allow-plain-http";
  args[n++] = "update";
  args[n++] = "--id";
  args[n++] = "7";
  args[n++] = "sms_quota=9";
  args[n] = NULL;
  return itest_run_cli(args, env);
}

/* ---- loopback goes straight to its host ---- */

typedef struct loopback_case {
  const char *listen; /* the address the target listens on */
  const char *host;   /* how the URL names it */
} loopback_case;

static const loopback_case loopback_cases[] = {
    {"127.0.0.1", "127.0.0.1"}, {"127.0.0.2", "127.0.0.2"},   {"127.1.2.3", "127.1.2.3"},
    {"127.0.0.1", "localhost"}, {"127.0.0.1", "LocalHost"},   {"127.0.0.1", "api.localhost"},
    {"::1", "[::1]"},           {"::1", "[0:0:0:0:0:0:0:1]"},
};
#define LOOPBACK_CASES (int)(sizeof loopback_cases / sizeof loopback_cases[0])

/* _i: case x protocol x (proxy from the environment only, or --proxy too). */
START_TEST(a_loopback_request_never_reaches_the_proxy) {
  const loopback_case *k = &loopback_cases[_i / 4];
  const char *protocol = protocols[_i % 2];
  int with_option = (_i / 2) % 2;
  recorder proxy, target;
  ck_assert_int_eq(recorder_start(&proxy, "127.0.0.1"), 0);
  /* localhost may be tried on ::1 first: the target listens where the name leads in the end. */
  if (recorder_start(&target, k->listen) < 0) {
    recorder_stop(&proxy);
    fprintf(stderr, "note: %s can't be bound here (no IPv6 loopback?): case %s not run\n",
            k->listen, k->host);
    return;
  }
  char url[128], proxy_url[64];
  snprintf(url, sizeof url, "http://%s:%u", k->host, target.port);
  snprintf(proxy_url, sizeof proxy_url, "http://127.0.0.1:%u", proxy.port);
  proxy_env env;
  proxy_env_init(&env, proxy.port);
  cli_result r = run_update(url, protocol, env.entries, with_option ? proxy_url : NULL, 0);
  char *via_proxy = recorded(&proxy), *direct = recorded(&target);
  recorder_stop(&proxy);
  recorder_stop(&target);
  ck_assert_msg(r.status == 0, "%s %s: exit %d: %s", k->host, protocol, r.status, r.err);
  ck_assert_msg(*via_proxy == '\0', "%s %s: the proxy got %s", k->host, protocol, via_proxy);
  /* Origin form ("PUT /api/...", "POST /api/..."): a request meant for a proxy names the
   * whole URL. */
  ck_assert_msg(strstr(direct, " /api/2.0/") && itest_lines(direct) == 1, "%s %s: target got %s",
                k->host, protocol, direct);
  free(via_proxy);
  free(direct);
  itest_cli_free(&r);
}
END_TEST

/*
 * An update of `url` with a fresh recording proxy, named by every proxy variable (plus `extra`,
 * one more environment entry, when not NULL) or, when `by_option`, by --proxy alone. What the
 * proxy recorded goes to *log (the caller frees it).
 */
static cli_result update_via_recorder(char **log, const char *url, const char *protocol,
                                      int by_option, const char *extra, int allow_plain_http) {
  recorder proxy;
  ck_assert_int_eq(recorder_start(&proxy, "127.0.0.1"), 0);
  char proxy_url[64];
  snprintf(proxy_url, sizeof proxy_url, "http://127.0.0.1:%u", proxy.port);
  proxy_env env;
  proxy_env_init(&env, proxy.port);
  const char *entries[8], *key_only[] = {ITEST_KEY_ENV, NULL};
  memcpy(entries, env.entries, sizeof env.entries);
  entries[6] = extra;
  entries[7] = NULL;
  cli_result r = run_update(url, protocol, by_option ? key_only : entries,
                            by_option ? proxy_url : NULL, allow_plain_http);
  *log = recorded(&proxy);
  recorder_stop(&proxy);
  return r;
}

/* https:// to loopback: no CONNECT reaches HTTPS_PROXY/ALL_PROXY either (nothing listens on
 * the target port, so the command fails to connect, directly). */
START_TEST(an_https_loopback_request_never_reaches_the_proxy) {
  const char *protocol = protocols[_i];
  char closed[64], url[64], *via_proxy;
  itest_closed_port_url(closed, sizeof closed); /* http://127.0.0.1:PORT */
  snprintf(url, sizeof url, "https://127.0.0.2:%s", strrchr(closed, ':') + 1);
  cli_result r = update_via_recorder(&via_proxy, url, protocol, 0, NULL, 0);
  ck_assert_msg(r.status == 7, "%s: exit %d: %s", protocol, r.status, r.err);
  ck_assert_msg(*via_proxy == '\0', "%s: the proxy got %s", protocol, via_proxy);
  free(via_proxy);
  itest_cli_free(&r);
}
END_TEST

/* ---- a host that is not loopback still goes through the proxy ---- */

/* _i: protocol x (environment, or --proxy with no proxy variable). */
START_TEST(a_remote_request_goes_through_the_proxy) {
  const char *protocol = protocols[_i % 2];
  char *via_proxy;
  cli_result r =
      update_via_recorder(&via_proxy, "http://customers.invalid", protocol, _i / 2, NULL, 1);
  ck_assert_msg(r.status == 0, "%s: exit %d: %s", protocol, r.status, r.err);
  ck_assert_msg(strstr(via_proxy, " http://customers.invalid/api/2.0/") &&
                    itest_lines(via_proxy) == 1,
                "%s: the proxy got %s", protocol, via_proxy);
  free(via_proxy);
  itest_cli_free(&r);
}
END_TEST

/* The user's no_proxy still applies to hosts that are not loopback (it used to be merged into
 * our list; libcurl now reads it itself): the made-up name is tried directly and can't be
 * resolved, and the proxy sees nothing. */
START_TEST(no_proxy_still_applies_to_remote_hosts) {
  const char *protocol = protocols[_i];
  char *via_proxy;
  cli_result r = update_via_recorder(&via_proxy, "http://customers.invalid", protocol, 0,
                                     "no_proxy=example.org,customers.invalid", 1);
  ck_assert_msg(r.status == 7, "%s: exit %d: %s", protocol, r.status, r.err);
  ck_assert_msg(*via_proxy == '\0', "%s: the proxy got %s", protocol, via_proxy);
  free(via_proxy);
  itest_cli_free(&r);
}
END_TEST

/* https:// to a remote host: a CONNECT to the proxy (which refuses it). */
START_TEST(a_remote_https_request_tunnels_through_the_proxy) {
  const char *protocol = protocols[_i];
  char *via_proxy;
  cli_result r = update_via_recorder(&via_proxy, "https://customers.invalid", protocol, 0, NULL, 0);
  ck_assert_msg(r.status == 7, "%s: exit %d: %s", protocol, r.status, r.err);
  ck_assert_msg(strncmp(via_proxy, "CONNECT customers.invalid:443 ", 30) == 0,
                "%s: the proxy got %s", protocol, via_proxy);
  free(via_proxy);
  itest_cli_free(&r);
}
END_TEST

static Suite *proxy_suite(void) {
  Suite *s = suite_create("proxy");
  TCase *t = tcase_create("loopback");
  tcase_set_timeout(t, getenv("CUSTAPI_UNDER_VALGRIND") ? 600 : 60);
  tcase_add_loop_test(t, a_loopback_request_never_reaches_the_proxy, 0, LOOPBACK_CASES * 4);
  tcase_add_loop_test(t, an_https_loopback_request_never_reaches_the_proxy, 0, 2);
  tcase_add_loop_test(t, a_remote_request_goes_through_the_proxy, 0, 4);
  tcase_add_loop_test(t, a_remote_https_request_tunnels_through_the_proxy, 0, 2);
  tcase_add_loop_test(t, no_proxy_still_applies_to_remote_hosts, 0, 2);
  suite_add_tcase(s, t);
  return s;
}

int main(void) {
  /* The machine's own proxy settings must not decide the outcome: each test sets its own. */
  static const char *const names[] = {"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY",
                                      "all_proxy",  "ALL_PROXY",  "no_proxy",    "NO_PROXY"};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    unsetenv(names[i]);
  return itest_main(proxy_suite);
}
