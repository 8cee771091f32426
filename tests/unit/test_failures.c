/*
 * One path for every answer that is not a 2xx (http_failure.c through codec_table.c): the same
 * answer gives the same error, to the byte, whichever protocol asked and whatever was asked
 * (an update, a brief update, a read, a probe); and what the error quotes of the body.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "codec_table.h"
#include "rest.h"
#include "result.h"
#include "xmlrpc.h"

static const int statuses[] = {400, 401, 403, 404, 409, 413, 422, 429, 500, 502, 503};

typedef struct body_case {
  const char *body;
  const char *content_type;
  const char *says; /* what the message quotes after "HTTP nnn Phrase", exactly ("" nothing) */
} body_case;

#define LONG_TEXT                                                                                  \
  "The server could not complete the request because something it depends on is down, and "        \
  "this sentence goes on well past the two hundred bytes an error message quotes of what a "       \
  "server says, so that the cut shows."

static const body_case bodies[] = {
    {"{\"error\":5,\"message\":\"Odd failure\"}", "application/json", ": Odd failure"},
    {"{\"message\":\"flat\"}", "application/json", ": flat"},
    {"{\"error\":{\"message\":\"nested\",\"code\":7}}", "application/json", ": nested"},
    {"{\"error\":\"short form\"}", NULL, ": short form"},
    {"{\"errors\":[{\"message\":\"first\"},{\"message\":\"second\"}]}", "application/json",
     ": first"},
    {"{\"errors\":[\"as text\"]}", "application/json", ": as text"},
    {"{\"title\":\"Conflict\",\"detail\":\"email taken\"}", "application/problem+json",
     ": email taken"},
    {"{\"error\":{\"code\":5}}", "application/json", ""},
    {"{\"message\":\"line one\\nline\\ttwo \\u0085 \\u202e three\"}", "application/json",
     ": line one line two three"},
    {"{not json", "application/json", ""},
    {"[1,2]", "application/json", ""},
    {LONG_TEXT, "text/plain",
     ": The server could not complete the request because something it depends on is down, "
     "and this sentence goes on well past the two hundred bytes an error message quotes of "
     "what a server says, so that the..."},
    {"<!DOCTYPE html><html><body><h1>Oops</h1></body></html>", "text/html", ""},
    {"<html><body>no type</body></html>", NULL, ""},
    {"Service down for maintenance", "text/html; charset=utf-8", ""},
    {"<?xml version=\"1.0\"?><error/>", "text/xml", ""},
    {"", NULL, ""},
    {" \r\n\t ", "text/plain", ""},
    {"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", "image/png", ""},
    {"caf\xC3\xA9 \xFF\xFE broken \xE4\xB8", "text/plain", ": caf\xC3\xA9 ?? broken ??"},
    {"  plain \x01 text\x7f\r\n second line ", "text/plain", ": plain text second line"},
};

static custapi_http_response response_of(int status, const body_case *b) {
  custapi_http_response r = {0};
  r.status = status;
  r.body = b->body;
  /* The binary body holds NULs: its length is counted by hand. */
  r.body_len = b->body[0] == '\x89' ? 16 : strlen(b->body);
  r.content_type = b->content_type;
  return r;
}

/* Every way an answer can be decoded, over both protocols. */
static void decode_all(custapi_error errs[8], int rcs[8], const custapi_http_response *r) {
  const custapi_backend_ops *ops[2] = {&custapi__rest_backend, &custapi__xmlrpc_backend};
  const custapi_endpoint endpoint = {"https://mail.example.com", NULL};
  for (int p = 0; p < 2; p++) {
    custapi_error *e = &errs[p * 4];
    int *rc = &rcs[p * 4];
    custapi_result *res = NULL;
    custapi_customer *c = NULL;
    custapi_probe_info info;
    rc[0] = custapi__decode_update(ops[p], &res, r, 0, NULL, &e[0]);
    ck_assert_ptr_null(res);
    rc[1] = custapi__decode_update(ops[p], &res, r, CUSTAPI_DECODE_NO_CUSTOMER, NULL, &e[1]);
    ck_assert_ptr_null(res);
    rc[2] = custapi__decode_get(ops[p], &c, r, NULL, &e[2]);
    ck_assert_ptr_null(c);
    rc[3] = custapi__decode_probe(ops[p], &info, r, &endpoint, &e[3]);
    ck_assert_ptr_null(info.methods);
  }
}

START_TEST(the_same_answer_gives_the_same_error_over_both_protocols) {
  const body_case *b = &bodies[_i];
  for (size_t s = 0; s < sizeof statuses / sizeof statuses[0]; s++) {
    custapi_http_response r = response_of(statuses[s], b);
    custapi_error errs[8];
    int rcs[8];
    decode_all(errs, rcs, &r);
    char line[64], want[400];
    custapi__http_status_line(line, sizeof line, r.status);
    snprintf(want, sizeof want, "%s%s", line, b->says);
    custapi_category category = custapi__http_status_category(r.status);
    for (int k = 0; k < 8; k++) {
      ck_assert_msg(rcs[k] == -(int)category, "body %d, status %d, way %d: rc %d", _i, r.status, k,
                    rcs[k]);
      ck_assert_int_eq(errs[k].category, category);
      ck_assert_int_eq(errs[k].http_status, r.status);
      ck_assert_int_eq(errs[k].has_fault_code, 0);
      ck_assert_str_eq(errs[k].property, "");
      ck_assert_str_eq(errs[k].message, want);
    }
  }
}
END_TEST

START_TEST(statuses_outside_success_map_to_their_categories) {
  static const struct {
    int status;
    custapi_category category;
  } cases[] = {
      {400, CUSTAPI_CATEGORY_REJECTED}, {401, CUSTAPI_CATEGORY_AUTH},
      {403, CUSTAPI_CATEGORY_AUTH},     {404, CUSTAPI_CATEGORY_NOT_FOUND},
      {409, CUSTAPI_CATEGORY_REJECTED}, {413, CUSTAPI_CATEGORY_REJECTED},
      {422, CUSTAPI_CATEGORY_REJECTED}, {429, CUSTAPI_CATEGORY_SERVER},
      {500, CUSTAPI_CATEGORY_SERVER},   {502, CUSTAPI_CATEGORY_SERVER},
      {503, CUSTAPI_CATEGORY_SERVER},   {301, CUSTAPI_CATEGORY_PROTOCOL},
      {100, CUSTAPI_CATEGORY_PROTOCOL}, {600, CUSTAPI_CATEGORY_PROTOCOL},
  };
  body_case empty = {"", NULL, ""};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    custapi_http_response r = response_of(cases[i].status, &empty);
    custapi_error errs[8];
    int rcs[8];
    decode_all(errs, rcs, &r);
    for (int k = 0; k < 8; k++) {
      ck_assert_int_eq(errs[k].category, cases[i].category);
      ck_assert_int_eq(errs[k].http_status, cases[i].status);
      ck_assert_str_eq(errs[k].message, errs[0].message);
    }
  }
}
END_TEST

static Suite *failures_suite(void) {
  Suite *s = suite_create("failures");
  TCase *t = tcase_create("one-path");
  tcase_add_loop_test(t, the_same_answer_gives_the_same_error_over_both_protocols, 0,
                      (int)(sizeof bodies / sizeof bodies[0]));
  tcase_add_test(t, statuses_outside_success_map_to_their_categories);
  suite_add_tcase(s, t);
  return s;
}

int main(void) {
  SRunner *r = srunner_create(failures_suite());
  srunner_run_all(r, CK_NORMAL);
  int failed = srunner_ntests_failed(r);
  srunner_free(r);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
