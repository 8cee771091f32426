/*
 * What a bulk run's callbacks may do (issue 13's review): a callback that calls the running
 * client again (update, get, bulk) is refused with usage and the run goes on unharmed, while
 * another client may be used freely; a done callback returning any negative int, INT_MIN
 * among them, stops the run with a status of the model.
 */
#include <limits.h>

#include "itest.h"

SERVER_FIXTURE(plain, NULL)

typedef struct reentry {
  custapi_client *running; /* the bulk's own client */
  custapi_client *other;   /* a second client of the same server */
  int calls, refused, other_ok;
} reentry;

static int call_back_in(const custapi_bulk_outcome *o, void *payload) {
  reentry *r = payload;
  ck_assert_int_eq(o->status, 0);
  custapi_customer *p;
  custapi_error err;
  ck_assert_int_eq(custapi_customer_new(&p, 0), 0);
  ck_assert_int_eq(custapi_customer_set(p, "sms_quota", "9", &err), 0);
  custapi_result *res = NULL;
  r->calls += 3;
  /* The running client: refused, each of them. */
  if (custapi_update(&res, r->running, o->id, p, CUSTAPI_VALIDATE_PARTIAL) == CUSTAPI_EUSAGE &&
      custapi_client_last_error(r->running)->category == CUSTAPI_CATEGORY_USAGE)
    r->refused++;
  ck_assert_ptr_null(res);
  if (custapi_get(&res, r->running, o->id) == CUSTAPI_EUSAGE)
    r->refused++;
  ck_assert_ptr_null(res);
  custapi_bulk_summary sum = CUSTAPI_BULK_SUMMARY_INIT;
  custapi_bulk_options bo = CUSTAPI_BULK_OPTIONS_INIT;
  FILE *in = fmemopen((void *)"{\"id\":3,\"sms_quota\":1}\n", 24, "r");
  if (custapi_bulk_run(&sum, r->running, in, &bo) == CUSTAPI_EUSAGE)
    r->refused++;
  fclose(in);
  /* Another client: fine. */
  if (custapi_get(&res, r->other, o->id) == 0)
    r->other_ok++;
  custapi_result_free(res);
  custapi_customer_free(p);
  return 0;
}

START_TEST(a_callback_calling_the_running_client_is_refused_and_the_run_goes_on) {
  custapi_protocol protocol = _i ? CUSTAPI_PROTOCOL_XMLRPC : CUSTAPI_PROTOCOL_REST;
  reentry r = {itest_library_client(protocol), itest_library_client(protocol), 0, 0, 0};
  const char text[] = "{\"id\":21,\"sms_quota\":5}\n{\"id\":22,\"sms_quota\":6}\n"
                      "{\"id\":23,\"sms_quota\":7}\n";
  FILE *in = fmemopen((void *)text, strlen(text), "r");
  custapi_bulk_options o = CUSTAPI_BULK_OPTIONS_INIT;
  o.concurrency = 2;
  o.done = call_back_in;
  o.done_payload = &r;
  custapi_bulk_summary sum = CUSTAPI_BULK_SUMMARY_INIT;
  ck_assert_int_eq(custapi_bulk_run(&sum, r.running, in, &o), 0);
  fclose(in);
  ck_assert_int_eq(sum.succeeded, 3);
  ck_assert_int_eq(r.calls, 9);
  ck_assert_int_eq(r.refused, 9);
  ck_assert_int_eq(r.other_ok, 3);
  /* After the run the client is free again. */
  custapi_result *res;
  ck_assert_int_eq(custapi_get(&res, r.running, 22), 0);
  ck_assert_int_eq(custapi_customer_get(custapi_result_customer(res), "sms_quota")->integer, 6);
  custapi_result_free(res);
  custapi_client_free(r.other);
  custapi_client_free(r.running);
}
END_TEST

static int stop_with(const custapi_bulk_outcome *o, void *payload) {
  (void)o;
  return *(const int *)payload;
}

START_TEST(a_done_callback_may_return_any_negative_int) {
  static const struct {
    int returned, status;
  } cases[] = {
      {INT_MIN, CUSTAPI_EINTERNAL},
      {INT_MIN + 1, CUSTAPI_EINTERNAL},
      {-1000, CUSTAPI_EINTERNAL},
      {CUSTAPI_EINTERNAL - 1, CUSTAPI_EINTERNAL},
      {CUSTAPI_EINTERNAL, CUSTAPI_EINTERNAL},
      {CUSTAPI_EUSAGE, CUSTAPI_EUSAGE},
  };
  custapi_client *c = itest_library_client(CUSTAPI_PROTOCOL_REST);
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const char text[] = "{\"id\":24,\"sms_quota\":5}\n{\"id\":25,\"sms_quota\":6}\n";
    FILE *in = fmemopen((void *)text, strlen(text), "r");
    custapi_bulk_options o = CUSTAPI_BULK_OPTIONS_INIT;
    o.concurrency = 1;
    o.done = stop_with;
    o.done_payload = (void *)&cases[i].returned;
    custapi_bulk_summary sum = CUSTAPI_BULK_SUMMARY_INIT;
    ck_assert_int_eq(custapi_bulk_run(&sum, c, in, &o), cases[i].status);
    fclose(in);
    ck_assert_int_eq(custapi_client_last_error(c)->category, -cases[i].status);
    ck_assert_ptr_nonnull(strstr(custapi_client_last_error(c)->message, "stopped by the caller"));
  }
  custapi_client_free(c);
}
END_TEST

static Suite *bulk_callbacks_suite(void) {
  Suite *s = suite_create("bulk_callbacks");
  TCase *t = itest_tcase(s, "callbacks", up_plain, down_plain);
  tcase_add_loop_test(t, a_callback_calling_the_running_client_is_refused_and_the_run_goes_on, 0,
                      2);
  tcase_add_test(t, a_done_callback_may_return_any_negative_int);
  return s;
}

int main(void) { return itest_main(bulk_callbacks_suite); }
