/*
 * The key's handling through the command (issue 8): Basic credentials over plain HTTP to a
 * remote host refused before any connection, control characters and ':' refused where they
 * would reach a header, core dumps disabled, a server that echoes the key back never gets it
 * shown, --dry-run and -v redacted, over both protocols.
 */
#include <sys/resource.h>

#include "canned.h"

SERVER_FIXTURE(plain, NULL)
SERVER_FIXTURE(slow, "--fault", "delay:2000", NULL)

static const char *const protocols[] = {"rest", "xmlrpc"};
static const char *const key_env[] = {ITEST_KEY_ENV, NULL};

static void assert_no_key(const cli_result *r) {
  ck_assert_msg(!strstr(r->out, REFSERVER_TEST_KEY), "the key is on stdout: %s", r->out);
  ck_assert_msg(!strstr(r->err, REFSERVER_TEST_KEY), "the key is on stderr: %s", r->err);
  /* base64("demo:" key), the Basic credentials */
  ck_assert_ptr_null(strstr(r->out, "ZGVtbzp0ZXN0LWtleS03ZjNhOWMyZTUxYjhkMDQ2"));
  ck_assert_ptr_null(strstr(r->err, "ZGVtbzp0ZXN0LWtleS03ZjNhOWMyZTUxYjhkMDQ2"));
}

/* ---- plain HTTP ---- */

/* A listening socket nobody accepts on: the kernel still completes connections to it, and a
 * non-blocking accept afterwards says whether anyone connected. */
static int listener(char *url, size_t size) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  ck_assert_int_ge(fd, 0);
  struct sockaddr_in a = {0};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
  ck_assert_int_eq(listen(fd, 4), 0);
  ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
  snprintf(url, size, "http://127.0.0.1:%u", (unsigned)ntohs(a.sin_port));
  fcntl(fd, F_SETFL, O_NONBLOCK);
  return fd;
}

static int someone_connected(int fd) {
  int c = accept(fd, NULL, NULL);
  if (c < 0)
    return 0;
  close(c);
  return 1;
}

/* The remote host is reached through a loopback "proxy" that only counts connections, so the
 * test never leaves the machine. */
START_TEST(plain_http_to_a_remote_host_is_refused_before_any_connection) {
  const char *protocol = protocols[_i];
  char proxy[64];
  int fd = listener(proxy, sizeof proxy);
  const char *args[] = {"--url",      "http://mail.example.com",
                        "--username", "demo",
                        "--proxy",    proxy,
                        "--protocol", protocol,
                        "--retries",  "0",
                        "--timeout",  "1",
                        "update",     "--id",
                        "3",          "sms_quota=1",
                        NULL,         NULL};
  cli_result r = itest_run_cli(args, key_env);
  ck_assert_msg(r.status == 2, "%s: exit %d: %s", protocol, r.status, r.err);
  ck_assert_str_eq(itest_error_category(&r), "usage");
  ck_assert_ptr_nonnull(strstr(r.err, "plain http://"));
  ck_assert_ptr_nonnull(strstr(r.err, "--allow-plain-http"));
  ck_assert_uint_eq(itest_lines(r.err), 1);
  ck_assert(!someone_connected(fd));
  assert_no_key(&r);
  itest_cli_free(&r);

  /* With --allow-plain-http it goes ahead (and times out: the proxy never answers). */
  args[16] = NULL;
  const char *allowed[18];
  memcpy(allowed, args, sizeof args);
  allowed[16] = "--allow-plain-http";
  allowed[17] = NULL;
  r = itest_run_cli(allowed, key_env);
  ck_assert_msg(r.status == 7, "%s: exit %d: %s", protocol, r.status, r.err);
  ck_assert(someone_connected(fd));
  assert_no_key(&r);
  itest_cli_free(&r);
  close(fd);
}
END_TEST

/* ---- control characters and ':' ---- */

typedef struct refusal {
  const char *option, *value; /* or an environment entry when option is NULL */
  const char *says;
} refusal;

static const refusal refusals[] = {
    {"--username", "de\nmo", "control character"},
    {"--username", "de\tmo", "control character"},
    {"--username", "de\x7fmo", "control character"},
    {"--username", "de:mo", "':'"},
    {NULL, "CUSTAPI_USERNAME=de\rmo", "control character"},
    {"--url", "http://127.0.0.1:1/\r\nX-Injected: 1", "control character"},
    {"--xmlrpc-prefix", "customers.\r\nX-Injected: 1", "control character"},
    {"--proxy", "http://127.0.0.1:1/\nx", "control character"},
};

START_TEST(control_characters_and_colons_are_refused_before_sending) {
  const refusal *f = &refusals[_i];
  NEED_SERVER();
  const char *env[] = {ITEST_KEY_ENV, f->option ? NULL : f->value, NULL};
  const char *args[] = {"--url",
                        refserver_url(rs),
                        "--username",
                        "demo",
                        f->option ? f->option : "--retries",
                        f->option ? f->value : "0",
                        "update",
                        "--id",
                        "3",
                        "sms_quota=1",
                        NULL};
  if (!f->option) /* the environment's username applies only when none is given */
    args[2] = "--retries", args[3] = "0";
  size_t before = refserver_request_count(rs);
  cli_result r = itest_run_cli(args, env);
  ck_assert_msg(r.status == 2, "case %d: exit %d: %s", _i, r.status, r.err);
  ck_assert_msg(strstr(r.err, f->says), "case %d: %s", _i, r.err);
  ck_assert_uint_eq(itest_lines(r.err), 1);
  ck_assert_uint_eq(refserver_request_count(rs), before);
  assert_no_key(&r);
  itest_cli_free(&r);
}
END_TEST

/* ---- core dumps ---- */

/* Reads "Max core file size" of a process: soft limit into *out. Returns 0, -1 if not found. */
static int core_limit_of(pid_t pid, char *out, size_t size) {
  char path[64], line[256];
  snprintf(path, sizeof path, "/proc/%d/limits", (int)pid);
  FILE *f = fopen(path, "r");
  if (!f)
    return -1;
  int rc = -1;
  while (fgets(line, sizeof line, f))
    if (strncmp(line, "Max core file size", 18) == 0 && sscanf(line + 18, "%63s", out) == 1 &&
        size > 0) {
      rc = 0;
      break;
    }
  fclose(f);
  return rc;
}

START_TEST(the_command_disables_core_dumps) {
  NEED_SERVER();
  struct rlimit lim;
  ck_assert_int_eq(getrlimit(RLIMIT_CORE, &lim), 0);
  if (lim.rlim_max == 0) {
    fprintf(stderr, "note: core dumps are already off here (hard limit 0): nothing to show\n");
    return;
  }
  const char *exe = getenv("CUSTAPI_EXE");
  ck_assert_ptr_nonnull(exe);
  pid_t pid = fork();
  ck_assert_int_ge(pid, 0);
  if (pid == 0) {
    struct rlimit on = {lim.rlim_max, lim.rlim_max}; /* allow them: the command must say no */
    setrlimit(RLIMIT_CORE, &on);
    int null = open("/dev/null", O_RDWR);
    dup2(null, 0), dup2(null, 1), dup2(null, 2);
    setenv("CUSTAPI_API_KEY", REFSERVER_TEST_KEY, 1);
    execl(exe, exe, "--url", refserver_url(rs), "--username", "demo", "--retries", "0", "get",
          "--id", "3", (char *)NULL);
    _exit(127);
  }
  /* Once the server has the request, main() has long run its set-up. */
  for (int i = 0; i < 500 && refserver_request_count(rs) == 0; i++)
    usleep(10000);
  char soft[64] = "";
  int found = core_limit_of(pid, soft, sizeof soft);
  int status;
  waitpid(pid, &status, 0);
  ck_assert_int_eq(refserver_request_count(rs), 1);
  ck_assert_int_eq(found, 0);
  ck_assert_str_eq(soft, "0");
  ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}
END_TEST

/* ---- a server that echoes the key ---- */

#define ECHO_JSON                                                                                  \
  "{\"error\":{\"message\":\"bad key " REFSERVER_TEST_KEY                                          \
  " (Authorization: Basic ZGVtbzp0ZXN0LWtleS03ZjNhOWMyZTUxYjhkMDQ2)\"}}"
#define ECHO_FAULT                                                                                 \
  "<?xml version=\"1.0\"?><methodResponse><fault><value><struct><member><name>faultCode</name>"    \
  "<value><int>401</int></value></member><member><name>faultString</name><value><string>bad "      \
  "key " REFSERVER_TEST_KEY "</string></value></member></struct></value></fault></methodResponse>"

START_TEST(a_key_echoed_by_the_server_is_not_shown) {
  const char *protocol = protocols[_i];
  char answer[1024];
  if (strcmp(protocol, "rest") == 0)
    snprintf(answer, sizeof answer,
             "HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nContent-Length: "
             "%zu\r\n\r\n%s",
             strlen(ECHO_JSON), ECHO_JSON);
  else
    snprintf(answer, sizeof answer,
             "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: %zu\r\n\r\n%s",
             strlen(ECHO_FAULT), ECHO_FAULT);
  const char *const answers[] = {answer, answer, NULL};
  for (int verbose = 0; verbose < 2; verbose++) {
    canned k = canned_start(answers);
    const char *args[] = {"--url",
                          k.url,
                          "--username",
                          "demo",
                          "--protocol",
                          protocol,
                          "--retries",
                          "0",
                          "update",
                          "--id",
                          "3",
                          "sms_quota=1",
                          verbose ? "-v" : NULL,
                          NULL};
    cli_result r = itest_run_cli(args, key_env);
    canned_stop(&k);
    ck_assert_msg(r.status == 4, "%s: exit %d: %s", protocol, r.status, r.err);
    ck_assert_ptr_nonnull(strstr(r.err, "bad key"));
    assert_no_key(&r);
    itest_cli_free(&r);
  }
}
END_TEST

/* ---- --dry-run and -v ---- */

START_TEST(dry_run_and_verbose_redact_the_credentials) {
  const char *protocol = protocols[_i];
  NEED_SERVER();
  const char *args[] = {
      "--url",     refserver_url(rs), "--username", "demo", "--protocol",  protocol,
      "--dry-run", "update",          "--id",       "3",    "sms_quota=1", NULL};
  size_t before = refserver_request_count(rs);
  cli_result r = itest_run_cli(args, key_env);
  ck_assert_msg(r.status == 0, "%s: exit %d: %s", protocol, r.status, r.err);
  ck_assert_ptr_nonnull(strstr(r.out, "Authorization: Basic [redacted]"));
  ck_assert_uint_eq(refserver_request_count(rs), before);
  assert_no_key(&r);
  itest_cli_free(&r);
  args[6] = "-v";
  r = itest_run_cli(args, key_env);
  ck_assert_msg(r.status == 0, "%s: exit %d: %s", protocol, r.status, r.err);
  ck_assert_ptr_nonnull(strstr(r.err, "> Authorization: Basic [redacted]"));
  ck_assert_uint_eq(refserver_request_count(rs), before + 1);
  assert_no_key(&r);
  itest_cli_free(&r);
}
END_TEST

static Suite *secrets_suite(void) {
  Suite *s = suite_create("secrets");
  TCase *t = tcase_create("plain-http");
  tcase_set_timeout(t, getenv("CUSTAPI_UNDER_VALGRIND") ? 600 : 60);
  tcase_add_loop_test(t, plain_http_to_a_remote_host_is_refused_before_any_connection, 0, 2);
  tcase_add_loop_test(t, a_key_echoed_by_the_server_is_not_shown, 0, 2);
  suite_add_tcase(s, t);
  t = itest_tcase(s, "refusals", up_plain, down_plain);
  tcase_add_loop_test(t, control_characters_and_colons_are_refused_before_sending, 0,
                      (int)(sizeof refusals / sizeof refusals[0]));
  tcase_add_loop_test(t, dry_run_and_verbose_redact_the_credentials, 0, 2);
  t = itest_tcase(s, "core", up_slow, down_slow);
  tcase_add_test(t, the_command_disables_core_dumps);
  return s;
}

int main(void) { return itest_main(secrets_suite); }
