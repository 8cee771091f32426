/*
 * The same answer, the same error, whichever protocol asked (issue 13): a canned server gives
 * the command the same non-2xx answer over REST and over XML-RPC, and the two runs must end
 * alike: exit code, category, message and http_status. Bodies of every kind a server sends
 * with an error (odd JSON shapes, long text, HTML, nothing, binary, broken UTF-8) times the
 * statuses that matter.
 */
#include "canned.h"

static const char *const key_env[] = {ITEST_KEY_ENV, NULL};

static const int statuses[] = {400, 401, 403, 404, 409, 413, 422, 429, 500, 502, 503};

static const struct {
  const char *type, *body;
} bodies[] = {
    {"application/json", "{\"error\":5,\"message\":\"Odd failure\"}"},
    {"application/json", "{\"errors\":[{\"message\":\"first\"},{\"message\":\"second\"}]}"},
    {"application/json", "{\"error\":{\"message\":\"nested\"}}"},
    {"application/json", "{\"error\":{\"code\":5}}"},
    {"text/plain",
     "A long plain-text explanation from a proxy in front of the install, which goes on and on "
     "about what went wrong, well past the length any one-line error message should quote, so "
     "that the cut and its marker show in both protocols' messages alike.\nSecond line."},
    {"text/html", "<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>"},
    {"text/plain", ""},
    {"application/octet-stream", "\x89PNG\r\n\x1a\n\xff\xfe\x03\x7f binary"},
    {"text/plain", "caf\xc3\xa9 \xc3 broken \xff utf-8"},
};

static char *answer_of(int status, const char *type, const char *body) {
  char line[32];
  snprintf(line, sizeof line, "%d Whatever", status);
  return canned_answer(line, type, body);
}

static json_object *error_of(const cli_result *r) {
  json_object *e = NULL;
  ck_assert_msg(r->json && json_object_object_get_ex(r->json, "error", &e), "no error: %s", r->out);
  return e;
}

START_TEST(the_same_answer_ends_alike_over_both_protocols) {
  for (size_t s = 0; s < sizeof statuses / sizeof statuses[0]; s++) {
    char *a = answer_of(statuses[s], bodies[_i].type, bodies[_i].body);
    const char *const answers[] = {a, a, NULL};
    canned k = canned_start(answers);
    cli_result r[2];
    const char *protocols[] = {"rest", "xmlrpc"};
    for (int p = 0; p < 2; p++) {
      const char *args[] = {"--url",      k.url,        "--username", "demo", "--retries", "0",
                            "--protocol", protocols[p], "get",        "--id", "3",         NULL};
      r[p] = itest_run_cli(args, key_env);
    }
    canned_stop(&k);
    free(a);
    json_object *e0 = error_of(&r[0]), *e1 = error_of(&r[1]);
    ck_assert_msg(r[0].status == r[1].status, "body %d, status %d: exit %d vs %d", _i, statuses[s],
                  r[0].status, r[1].status);
    ck_assert_str_eq(itest_str(e0, "category"), itest_str(e1, "category"));
    ck_assert_str_eq(itest_str(e0, "message"), itest_str(e1, "message"));
    ck_assert_int_eq(json_object_get_int(itest_member(e0, "http_status")), statuses[s]);
    ck_assert_int_eq(json_object_get_int(itest_member(e1, "http_status")), statuses[s]);
    ck_assert_str_eq(r[0].err, r[1].err); /* the one line on stderr too */
    itest_cli_free(&r[0]);
    itest_cli_free(&r[1]);
  }
}
END_TEST

/* The two answers the issue reproduced, word for word. (Bodies here hold no CANNED_SPLIT
 * byte: the responder would split the write there.) */
START_TEST(the_reproduced_answers_read_as_expected) {
  char *odd = answer_of(500, "application/json", bodies[0].body);
  char *text = answer_of(500, "text/plain", bodies[4].body);
  const char *const answers[] = {odd, odd, text, text, NULL};
  canned k = canned_start(answers);
  const char *protocols[] = {"rest", "xmlrpc"};
  for (int which = 0; which < 2; which++)
    for (int p = 0; p < 2; p++) {
      const char *args[] = {"--url",      k.url,        "--username", "demo", "--retries", "0",
                            "--protocol", protocols[p], "get",        "--id", "3",         NULL};
      cli_result r = itest_run_cli(args, key_env);
      const char *m = itest_str(error_of(&r), "message");
      if (which == 0)
        ck_assert_str_eq(m, "HTTP 500 Internal Server Error: Odd failure");
      else
        ck_assert_msg(strncmp(m, "HTTP 500 Internal Server Error: A long plain-text", 49) == 0 &&
                          strcmp(m + strlen(m) - 3, "...") == 0,
                      "%s: %s", protocols[p], m);
      itest_cli_free(&r);
    }
  canned_stop(&k);
  free(odd);
  free(text);
}
END_TEST

static Suite *same_answer_suite(void) {
  Suite *s = suite_create("same_answer");
  TCase *t = tcase_create("answers");
  tcase_set_timeout(t, getenv("CUSTAPI_UNDER_VALGRIND") ? 1200 : 120);
  tcase_add_loop_test(t, the_same_answer_ends_alike_over_both_protocols, 0,
                      (int)(sizeof bodies / sizeof bodies[0]));
  tcase_add_test(t, the_reproduced_answers_read_as_expected);
  suite_add_tcase(s, t);
  return s;
}

int main(void) { return itest_main(same_answer_suite); }
