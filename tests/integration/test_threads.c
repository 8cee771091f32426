/*
 * The library's thread promise: distinct clients on distinct threads at once share nothing
 * that one could spoil for another. Eight threads, each with a client of each protocol,
 * update and read back their own customers against one reference server; a second case makes
 * the server answer 503 now and then, so that retries (and their per-client jitter) run on
 * every thread too. Built for ThreadSanitizer as well (scripts/test's TSan stage runs it).
 */
#include <pthread.h>

#include "itest.h"

SERVER_FIXTURE(plain, NULL)
SERVER_FIXTURE(flaky, "--fault", "http503:12", NULL)

#define THREADS 8
#define ROUNDS 6

typedef struct worker {
  int index;
  const char *url;
  char failure[CUSTAPI_ERROR_MESSAGE_MAX + 64]; /* "" when every check held */
} worker;

static custapi_client *client_of(const worker *w, custapi_protocol protocol, char *why,
                                 size_t size) {
  custapi_options o = CUSTAPI_OPTIONS_INIT;
  o.base_url = w->url;
  o.protocol = protocol;
  o.username = REFSERVER_TEST_USER;
  o.api_key = REFSERVER_TEST_KEY;
  o.retries = 5;
  custapi_client *c = NULL;
  custapi_error err;
  if (custapi_client_new(&c, &o, &err) < 0)
    snprintf(why, size, "client: %s", err.message);
  return c;
}

/* One round: update over one protocol, read back over the other, compare. */
static int round_trip(worker *w, custapi_client *writer, custapi_client *reader, int32_t id,
                      long quota) {
  custapi_customer *p = NULL;
  custapi_result *u = NULL, *g = NULL;
  custapi_customer_new(&p, 0);
  int rc = p ? custapi_customer_set_int(p, "sms_quota", quota, NULL) : -1;
  if (rc == 0 && (rc = custapi_update(&u, writer, id, p, CUSTAPI_VALIDATE_PARTIAL)) < 0)
    snprintf(w->failure, sizeof w->failure, "update %d: %s", (int)id,
             custapi_client_last_error(writer)->message);
  if (rc == 0 && (rc = custapi_get(&g, reader, id)) < 0)
    snprintf(w->failure, sizeof w->failure, "get %d: %s", (int)id,
             custapi_client_last_error(reader)->message);
  if (rc == 0) {
    const custapi_field *f = custapi_customer_get(custapi_result_customer(g), "sms_quota");
    if (!f || f->type != CUSTAPI_VALUE_INTEGER || f->integer != quota) {
      snprintf(w->failure, sizeof w->failure, "customer %d: sms_quota is not %ld", (int)id, quota);
      rc = -1;
    }
  }
  custapi_result_free(u);
  custapi_result_free(g);
  custapi_customer_free(p);
  return rc;
}

static void *work(void *arg) {
  worker *w = arg;
  custapi_client *rest = client_of(w, CUSTAPI_PROTOCOL_REST, w->failure, sizeof w->failure);
  custapi_client *xmlrpc = client_of(w, CUSTAPI_PROTOCOL_XMLRPC, w->failure, sizeof w->failure);
  for (int r = 0; rest && xmlrpc && r < ROUNDS; r++) {
    int32_t id = (int32_t)(1 + w->index * 2 + r % 2); /* this thread's own customers */
    long quota = 1000L * (w->index + 1) + r;
    if ((r % 2 ? round_trip(w, xmlrpc, rest, id, quota) : round_trip(w, rest, xmlrpc, id, quota)) <
        0)
      break;
  }
  custapi_client_free(rest);
  custapi_client_free(xmlrpc);
  return NULL;
}

static void run_threads(void) {
  NEED_SERVER();
  worker workers[THREADS];
  pthread_t threads[THREADS];
  size_t before = refserver_request_count(rs);
  for (int i = 0; i < THREADS; i++) {
    workers[i] = (worker){.index = i, .url = refserver_url(rs)};
    ck_assert_int_eq(pthread_create(&threads[i], NULL, work, &workers[i]), 0);
  }
  for (int i = 0; i < THREADS; i++)
    ck_assert_int_eq(pthread_join(threads[i], NULL), 0);
  for (int i = 0; i < THREADS; i++)
    ck_assert_msg(workers[i].failure[0] == '\0', "thread %d: %s", i, workers[i].failure);
  /* Every round made two calls at least (a retry adds more). */
  ck_assert_uint_ge(refserver_request_count(rs), before + THREADS * ROUNDS * 2);
}

START_TEST(eight_threads_update_and_read_over_both_protocols) { run_threads(); }
END_TEST

START_TEST(eight_threads_retry_each_on_its_own) { run_threads(); }
END_TEST

static Suite *threads_suite(void) {
  Suite *s = suite_create("threads");
  TCase *t = itest_tcase(s, "plain", up_plain, down_plain);
  tcase_add_test(t, eight_threads_update_and_read_over_both_protocols);
  t = itest_tcase(s, "flaky", up_flaky, down_flaky);
  tcase_add_test(t, eight_threads_retry_each_on_its_own);
  return s;
}

int main(void) { return itest_main(threads_suite); }
