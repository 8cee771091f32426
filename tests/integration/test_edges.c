/*
 * The terminal and stdout stay clean, and the unlucky operator gets told what happened
 * (issue 12 item 6):
 *  - -v shows what a server sent with its control characters (C0, DEL, C1 as UTF-8 and as raw
 *    bytes) escaped, in headers and bodies, over both protocols;
 *  - stdout's JSON is valid UTF-8 whatever the command line held; text that would be sent (the
 *    URL, the username, the XML-RPC prefix, the proxy) is refused when it is not UTF-8, before
 *    anything is sent;
 *  - a key file that is not a regular file (FIFO, directory, device) is refused at once;
 *  - a response head over the limit is a protocol error saying so, at the limit it is read;
 *  - a full disk under stdout or the results file is an error naming the cause.
 */
#include <sys/un.h>

#include "canned.h"

SERVER_FIXTURE(plain, NULL)

static const char *const protocols[] = {"rest", "xmlrpc"};
static const char *const key_env[] = {ITEST_KEY_ENV, NULL};

static const char *content_type_of(const char *protocol) {
  return strcmp(protocol, "rest") == 0 ? "application/json" : "text/xml";
}

/* Valid UTF-8 from end to end (the text's own strlen: a NUL would end it early). */
static int is_utf8(const char *s) {
  const unsigned char *p = (const unsigned char *)s;
  while (*p) {
    size_t n = *p < 0x80                    ? 1
               : (*p >= 0xC2 && *p <= 0xDF) ? 2
               : (*p >= 0xE0 && *p <= 0xEF) ? 3
               : (*p >= 0xF0 && *p <= 0xF4) ? 4
                                            : 0;
    if (n == 0)
      return 0;
    for (size_t i = 1; i < n; i++)
      if ((p[i] & 0xC0) != 0x80)
        return 0;
    p += n;
  }
  return 1;
}

/* No byte a terminal would act on: C0 but LF, DEL, raw 0x80-0x9F, and U+0080-U+009F. */
static void assert_terminal_clean(const char *text, const char *what, const char *row) {
  for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
    ck_assert_msg(*p >= 0x20 || *p == '\n', "%s: %s has control byte 0x%02X at %ld", row, what, *p,
                  (long)(p - (const unsigned char *)text));
    ck_assert_msg(*p != 0x7F, "%s: %s has DEL", row, what);
    ck_assert_msg(!(*p == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F), "%s: %s has U+00%02X", row, what,
                  p[1]);
  }
  ck_assert_msg(is_utf8(text), "%s: %s is not UTF-8", row, what);
}

/* ---- -v escapes what the server sent ---- */

/* An OSC that sets the window title and rings the bell, a CSI as UTF-8 C1 (U+009B), the same
 * as a raw 8-bit byte, DEL, and a clear-screen in the body. */
#define EVIL_HEADER                                                                                \
  "X-Evil: \x1b]0;pwned\x07 \xc2\x9b"                                                              \
  "31m \x9b"                                                                                       \
  "2J \x7f \x85\r\n"
#define EVIL_BODY_REST "{\"links\":[],\"item\":{\"id\":7}}\x1b[2J\xc2\x9d"
#define EVIL_BODY_XMLRPC                                                                           \
  "<?xml version=\"1.0\"?><methodResponse><params><param><value><i4>7</i4></value></param>"        \
  "</params></methodResponse>\x1b[2J\xc2\x9d"

START_TEST(verbose_escapes_what_the_server_sent) {
  const char *protocol = protocols[_i];
  const char *body = strcmp(protocol, "rest") == 0 ? EVIL_BODY_REST : EVIL_BODY_XMLRPC;
  char answer[1024];
  snprintf(answer, sizeof answer,
           "HTTP/1.1 200 OK\r\nContent-Type: %s\r\n" EVIL_HEADER "Content-Length: %zu\r\n\r\n%s",
           content_type_of(protocol), strlen(body), body);
  const char *const answers[] = {answer, NULL};
  canned k = canned_start(answers);
  const char *args[] = {"--url",       k.url,    "--username", REFSERVER_TEST_USER,
                        "--protocol",  protocol, "--retries",  "0",
                        "-v",          "update", "--id",       "7",
                        "sms_quota=9", NULL};
  cli_result r = itest_run_cli(args, key_env);
  canned_stop(&k);
  /* Whatever the decoder thinks of the trailing bytes, the trace shows them, escaped. */
  ck_assert_msg(strstr(r.err, "< X-Evil: \\x1B]0;pwned\\x07 \\u009B31m \\x9B2J \\x7F \\x85"),
                "%s: %s", protocol, r.err);
  ck_assert_msg(strstr(r.err, "\\x1B[2J\\u009D"), "%s: %s", protocol, r.err);
  assert_terminal_clean(r.err, "stderr", protocol);
  assert_terminal_clean(r.out, "stdout", protocol);
  itest_cli_free(&r);
}
END_TEST

/* Without -v too: a server's error message quoted on stderr (and in stdout's JSON) can't
 * drive the terminal. */
#define EVIL_ERROR_JSON                                                                            \
  "{\"error\":{\"message\":\"bad \\u001b[2J \xc2\x9b"                                              \
  "31m \\u007f\"}}"
#define EVIL_FAULT                                                                                 \
  "<?xml version=\"1.0\"?><methodResponse><fault><value><struct><member><name>faultCode</name>"    \
  "<value><int>400</int></value></member><member><name>faultString</name><value><string>bad "      \
  "\xc2\x9b"                                                                                       \
  "31m \x7f</string></value></member></struct></value></fault></methodResponse>"

START_TEST(a_server_error_message_reaches_stderr_escaped) {
  const char *protocol = protocols[_i];
  int rest = strcmp(protocol, "rest") == 0;
  const char *body = rest ? EVIL_ERROR_JSON : EVIL_FAULT;
  char answer[1024];
  snprintf(answer, sizeof answer,
           "HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n\r\n%s",
           rest ? "400 Bad Request" : "200 OK", content_type_of(protocol), strlen(body), body);
  const char *const answers[] = {answer, NULL};
  canned k = canned_start(answers);
  const char *args[] = {
      "--url",  k.url,  "--username", REFSERVER_TEST_USER, "--protocol", protocol, "--retries", "0",
      "update", "--id", "7",          "sms_quota=9",       NULL};
  cli_result r = itest_run_cli(args, key_env);
  canned_stop(&k);
  ck_assert_msg(r.status == 6, "%s: exit %d: %s", protocol, r.status, r.err);
  ck_assert_msg(strstr(r.err, "bad "), "%s: %s", protocol, r.err);
  /* The library's excerpt of a server's text already turns C0 and C1 controls into spaces
   * (http_failure.c); what is left of the text is shown, and nothing can drive the terminal. */
  ck_assert_msg(strstr(r.err, "31m"), "%s: %s", protocol, r.err);
  assert_terminal_clean(r.err, "stderr", protocol);
  assert_terminal_clean(r.out, "stdout", protocol);
  ck_assert_msg(r.json != NULL, "%s: stdout is not JSON: %s", protocol, r.out);
  itest_cli_free(&r);
}
END_TEST

/* --output text shows a server's string values escaped, JSON shows them as JSON escapes. */
#define EVIL_CUSTOMER_JSON "{\"links\":[],\"item\":{\"id\":7,\"name\":\"x\\u001b[2J\xc2\x9by\"}}"
#define EVIL_CUSTOMER_XML                                                                          \
  "<?xml version=\"1.0\"?><methodResponse><params><param><value><struct><member><name>id</name>"   \
  "<value><int>7</int></value></member><member><name>name</name><value><string>x\xc2\x9by"         \
  "</string></value></member></struct></value></param></params></methodResponse>"

START_TEST(a_server_value_reaches_stdout_escaped) {
  const char *protocol = protocols[_i % 2];
  int text = _i / 2;
  const char *body = strcmp(protocol, "rest") == 0 ? EVIL_CUSTOMER_JSON : EVIL_CUSTOMER_XML;
  char answer[1024];
  snprintf(answer, sizeof answer,
           "HTTP/1.1 200 OK\r\nContent-Type: %s\r\nContent-Length: %zu\r\n\r\n%s",
           content_type_of(protocol), strlen(body), body);
  const char *const answers[] = {answer, NULL};
  canned k = canned_start(answers);
  const char *args[] = {
      "--url",     k.url, "--username", REFSERVER_TEST_USER,    "--protocol", protocol,
      "--retries", "0",   "--output",   text ? "text" : "json", "get",        "--id",
      "7",         NULL};
  cli_result r = itest_run_cli(args, key_env);
  canned_stop(&k);
  char row[32];
  snprintf(row, sizeof row, "%s %s", protocol, text ? "text" : "json");
  ck_assert_msg(r.status == 0, "%s: exit %d: %s", row, r.status, r.err);
  ck_assert_msg(strstr(r.out, "\\u009By"), "%s: %s", row, r.out);
  assert_terminal_clean(r.out, "stdout", row);
  itest_cli_free(&r);
}
END_TEST

/* ---- stdout's JSON is valid UTF-8 ---- */

typedef struct argv_case {
  const char *args[8];
  int exit_code;
  const char *says; /* in stderr's line, escaped */
} argv_case;

static const argv_case argv_cases[] = {
    /* refused before anything is sent: it would reach the server */
    {{"--url", "http://127.0.0.1:1/\xff", "get", "--id", "3"}, 2, "base URL is not valid UTF-8"},
    {{"--username", "de\xffmo", "get", "--id", "3"}, 2, "username is not valid UTF-8"},
    {{"--protocol", "xmlrpc", "--xmlrpc-prefix", "customers\xc0.", "get", "--id", "3"},
     2,
     "XML-RPC prefix is not valid UTF-8"},
    {{"--proxy", "http://127.0.0.1:1\xfe", "get", "--id", "3"}, 2, "proxy URL is not valid UTF-8"},
    /* refused as before (an id, a property, a value), the bytes escaped in the message */
    {{"update", "--id", "3", "na\xffme=x"}, 3, "na\\xFFme: unknown property"},
    {{"update", "--id", "3",
      "name=a\x85\x9b"
      "b"},
     3,
     "\"a\\x85\\x9Bb\""},
    {{"update", "--id", "3",
      "name=a\xc2\x9b"
      "b"},
     3,
     "name:"},
    {{"update", "--id", "3\xff", "name=x"}, 3, "id: not an integer"},
    {{"--protocol", "x\xff\xc2\x9b", "get", "--id", "3"}, 2, "not x\\xFF\\u009B"},
    {{"--fo\xffo"}, 2, "unknown option --fo\\xFFo"},
};
#define ARGV_CASES (int)(sizeof argv_cases / sizeof argv_cases[0])

START_TEST(stdout_is_valid_utf8_whatever_the_command_line_held) {
  const argv_case *c = &argv_cases[_i];
  NEED_SERVER();
  const char *args[16] = {
      "--url", refserver_url(rs), "--username", REFSERVER_TEST_USER, "--retries", "0"};
  size_t n = 6;
  for (size_t i = 0; c->args[i]; i++)
    args[n++] = c->args[i];
  args[n] = NULL;
  size_t before = refserver_request_count(rs);
  cli_result r = itest_run_cli(args, key_env);
  char row[32];
  snprintf(row, sizeof row, "case %d", _i);
  ck_assert_msg(r.status == c->exit_code, "%s: exit %d: %s", row, r.status, r.err);
  ck_assert_msg(r.json != NULL, "%s: stdout is not JSON: %s", row, r.out);
  ck_assert_msg(strstr(r.err, c->says), "%s: %s", row, r.err);
  ck_assert_uint_eq(itest_lines(r.err), 1);
  assert_terminal_clean(r.out, "stdout", row);
  assert_terminal_clean(r.err, "stderr", row);
  ck_assert_uint_eq(refserver_request_count(rs), before);
  itest_cli_free(&r);
}
END_TEST

/* ---- a key file that is not a regular file ---- */

START_TEST(a_key_file_that_is_not_a_regular_file_is_refused_at_once) {
  NEED_SERVER();
  char dir[] = "/tmp/custapi-keyfile-XXXXXX";
  ck_assert_ptr_nonnull(mkdtemp(dir));
  char fifo[64], sock[64];
  snprintf(fifo, sizeof fifo, "%s/fifo", dir);
  snprintf(sock, sizeof sock, "%s/sock", dir);
  ck_assert_int_eq(mkfifo(fifo, 0600), 0); /* nobody will ever write to it */
  int s = socket(AF_UNIX, SOCK_STREAM, 0);
  struct sockaddr_un a = {.sun_family = AF_UNIX};
  snprintf(a.sun_path, sizeof a.sun_path, "%s", sock);
  ck_assert_int_eq(bind(s, (struct sockaddr *)&a, sizeof a), 0);
  const struct {
    const char *path, *says;
  } cases[] = {{fifo, "is not a regular file (a FIFO)"},
               {dir, "is not a regular file (a directory)"},
               {"/dev/null", "is not a regular file (a device)"},
               {"/dev/zero", "is not a regular file (a device)"},
               {sock, "is not a regular file (a socket)"}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const char *args[] = {"--url",
                          refserver_url(rs),
                          "--username",
                          REFSERVER_TEST_USER,
                          "--api-key-file",
                          cases[i].path,
                          "get",
                          "--id",
                          "3",
                          NULL};
    size_t before = refserver_request_count(rs);
    cli_result r = itest_run_cli(args, NULL);
    ck_assert_msg(r.status == 2, "%s: exit %d: %s", cases[i].path, r.status, r.err);
    ck_assert_msg(strstr(r.err, cases[i].says), "%s: %s", cases[i].path, r.err);
    ck_assert_uint_eq(itest_lines(r.err), 1);
    ck_assert_int_lt(r.elapsed_ms, 5000); /* at once: a FIFO used to block forever */
    ck_assert_uint_eq(refserver_request_count(rs), before);
    itest_cli_free(&r);
  }
  /* "-" is standard input, which may well be a pipe: still read. */
  const char *args[] = {"--url",
                        refserver_url(rs),
                        "--username",
                        REFSERVER_TEST_USER,
                        "--api-key-file",
                        "-",
                        "get",
                        "--id",
                        "3",
                        NULL};
  cli_result r = itest_run_cli_input(args, NULL, REFSERVER_TEST_KEY "\n");
  ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
  itest_cli_free(&r);
  close(s);
  unlink(sock);
  unlink(fifo);
  rmdir(dir);
}
END_TEST

/* ---- a response head over the limit ---- */

#define HEAD_MAX 102400 /* libcurl's CURL_MAX_HTTP_HEADER, the limit custapi keeps */

/* An update's answer whose head (status line to the blank line) is exactly `head_size` bytes:
 * padded with X-Pad lines of at most 1000 bytes, or with one long line when `one_line`. */
static char *answer_with_head(const char *protocol, size_t head_size, int one_line) {
  const char *body = strcmp(protocol, "rest") == 0
                         ? "{\"links\":[],\"item\":{\"id\":7}}"
                         : "<?xml version=\"1.0\"?><methodResponse><params><param><value><i4>7"
                           "</i4></value></param></params></methodResponse>";
  char start[256];
  int n = snprintf(start, sizeof start,
                   "HTTP/1.1 200 OK\r\nContent-Type: %s\r\nContent-Length: %zu\r\n",
                   content_type_of(protocol), strlen(body));
  size_t left = head_size - (size_t)n - 2; /* the blank line */
  char *a = malloc(head_size + strlen(body) + 1);
  memcpy(a, start, (size_t)n);
  size_t o = (size_t)n;
  while (left > 0) {
    /* "X-Pad: " + value + CRLF; a short remainder joins the line before it. */
    size_t line = one_line || left < 2000 ? left : 1000;
    ck_assert_uint_ge(line, 10);
    memcpy(a + o, "X-Pad: ", 7);
    memset(a + o + 7, 'p', line - 9);
    memcpy(a + o + line - 2, "\r\n", 2);
    o += line;
    left -= line;
  }
  memcpy(a + o, "\r\n", 2);
  o += 2;
  ck_assert_uint_eq(o, head_size);
  strcpy(a + o, body);
  return a;
}

/* _i: protocol x (many lines at the limit, one past it; one line far past it). */
START_TEST(a_response_head_over_the_limit_is_a_protocol_error) {
  const char *protocol = protocols[_i % 2];
  int kind = _i / 2;
  size_t size = kind == 0 ? HEAD_MAX : kind == 1 ? HEAD_MAX + 1 : 200 * 1024;
  char *answer = answer_with_head(protocol, size, kind == 2);
  const char *const answers[] = {answer, NULL};
  canned k = canned_start(answers);
  const char *args[] = {
      "--url",  k.url,  "--username", REFSERVER_TEST_USER, "--protocol", protocol, "--retries", "0",
      "update", "--id", "7",          "sms_quota=9",       NULL};
  cli_result r = itest_run_cli(args, key_env);
  canned_stop(&k);
  free(answer);
  if (kind == 0) {
    ck_assert_msg(r.status == 0, "%s at the limit: exit %d: %s", protocol, r.status, r.err);
  } else {
    ck_assert_msg(r.status == 9, "%s %zu bytes: exit %d: %s", protocol, size, r.status, r.err);
    ck_assert_str_eq(itest_error_category(&r), "protocol");
    ck_assert_msg(strstr(r.err, "response header too large (over 102400 bytes)"), "%s: %s",
                  protocol, r.err);
    ck_assert_ptr_null(strstr(r.err, "emory"));
  }
  itest_cli_free(&r);
}
END_TEST

/* ---- a full disk ---- */

/* The command with stdout on `path` (stderr captured as usual). */
static cli_result run_with_stdout(const char *path, const char *const *args) {
  char err_path[] = "/tmp/custapi-err-XXXXXX";
  int e = mkstemp(err_path);
  ck_assert_int_ge(e, 0);
  const char *exe = itest_custapi_exe();
  const char *argv[16] = {exe};
  size_t n = 1;
  for (size_t i = 0; args[i]; i++)
    argv[n++] = args[i];
  argv[n] = NULL;
  pid_t pid = fork();
  ck_assert_int_ge(pid, 0);
  if (pid == 0) {
    int o = open(path, O_WRONLY);
    if (o < 0)
      _exit(126);
    dup2(o, 1);
    dup2(e, 2);
    setenv("CUSTAPI_API_KEY", REFSERVER_TEST_KEY, 1);
    execv(exe, (char *const *)argv);
    _exit(127);
  }
  int status;
  waitpid(pid, &status, 0);
  close(e);
  cli_result r = {0};
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = strdup("");
  r.err = itest_slurp(err_path);
  unlink(err_path);
  return r;
}

START_TEST(a_full_disk_under_stdout_is_an_error) {
  if (access("/dev/full", W_OK) != 0) {
    fprintf(stderr, "note: no /dev/full here: the full-disk case is not run\n");
    return;
  }
  NEED_SERVER();
  /* JSON, text, and an update that was applied before its answer could not be written */
  const char *const json[] = {"validate", "name=x", NULL};
  const char *const text[] = {"--output", "text", "validate", "name=x", NULL};
  const char *const update[] = {
      "--url", refserver_url(rs), "--username", REFSERVER_TEST_USER, "update", "--id",
      "3",     "sms_quota=4",     NULL};
  const char *const *runs[] = {json, text, update};
  for (size_t i = 0; i < 3; i++) {
    cli_result r = run_with_stdout("/dev/full", runs[i]);
    ck_assert_msg(r.status == 11, "run %zu: exit %d: %s", i, r.status, r.err);
    ck_assert_msg(strstr(r.err, "can't write the answer to standard output: No space left on "
                                "device"),
                  "run %zu: %s", i, r.err);
    ck_assert_uint_eq(itest_lines(r.err), 1);
    itest_cli_free(&r);
  }
}
END_TEST

START_TEST(a_full_disk_under_the_results_file_names_it) {
  if (access("/dev/full", W_OK) != 0) {
    fprintf(stderr, "note: no /dev/full here: the full-disk case is not run\n");
    return;
  }
  NEED_SERVER();
  const char *args[] = {"bulk", "--input", "-", "--results", "/dev/full", NULL};
  cli_result r = itest_run_on_server(ITEST_KEY_ENV, args);
  ck_assert_msg(r.status == 11, "exit %d: %s", r.status, r.err);
  ck_assert_msg(strstr(r.err, "can't write the results file /dev/full: No space left on device"),
                "%s", r.err);
  itest_cli_free(&r);
}
END_TEST

static Suite *edges_suite(void) {
  Suite *s = suite_create("edges");
  TCase *t = tcase_create("canned");
  tcase_set_timeout(t, getenv("CUSTAPI_UNDER_VALGRIND") ? 600 : 60);
  tcase_add_loop_test(t, verbose_escapes_what_the_server_sent, 0, 2);
  tcase_add_loop_test(t, a_server_error_message_reaches_stderr_escaped, 0, 2);
  tcase_add_loop_test(t, a_server_value_reaches_stdout_escaped, 0, 4);
  tcase_add_loop_test(t, a_response_head_over_the_limit_is_a_protocol_error, 0, 6);
  suite_add_tcase(s, t);
  t = itest_tcase(s, "server", up_plain, down_plain);
  tcase_add_loop_test(t, stdout_is_valid_utf8_whatever_the_command_line_held, 0, ARGV_CASES);
  tcase_add_test(t, a_key_file_that_is_not_a_regular_file_is_refused_at_once);
  tcase_add_test(t, a_full_disk_under_stdout_is_an_error);
  tcase_add_test(t, a_full_disk_under_the_results_file_names_it);
  return s;
}

int main(void) { return itest_main(edges_suite); }
