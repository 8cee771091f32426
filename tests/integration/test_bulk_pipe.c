/*
 * A bulk run reading a pipe whose writer is slow (a producer feeding `custapi bulk --input -`,
 * custapi for Python's records): what has been read goes out while the writer thinks, rather
 * than waiting for the next record or a full window, and the caller's stop callback is still
 * heard while the writer is silent.
 */
#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include "itest.h"

SERVER_FIXTURE(plain, NULL)

typedef struct slow_writer {
  int fd; /* the pipe's write end */
  pthread_mutex_t mu;
  pthread_cond_t cv;
  int first_done;      /* the run reported the first record */
  int gave_up_waiting; /* the writer went on without it: the run had waited on the pipe */
} slow_writer;

static void write_all(int fd, const char *s) {
  size_t n = strlen(s);
  while (n > 0) {
    ssize_t w = write(fd, s, n);
    ck_assert_int_gt(w, 0);
    s += w;
    n -= (size_t)w;
  }
}

/* Writes one record, then the next only once the run has reported the first (or after 10 s,
 * which the test counts as a failure), then ends the input. */
static void *write_slowly(void *payload) {
  slow_writer *w = payload;
  write_all(w->fd, "{\"id\":31,\"sms_quota\":3}\n");
  struct timespec until;
  clock_gettime(CLOCK_REALTIME, &until);
  until.tv_sec += 10;
  pthread_mutex_lock(&w->mu);
  while (!w->first_done)
    if (pthread_cond_timedwait(&w->cv, &w->mu, &until) != 0) {
      w->gave_up_waiting = 1;
      break;
    }
  pthread_mutex_unlock(&w->mu);
  write_all(w->fd, "{\"id\":32,\"sms_quota\":3}\n");
  close(w->fd);
  return NULL;
}

static int note_done(const custapi_bulk_outcome *o, void *payload) {
  slow_writer *w = payload;
  ck_assert_int_eq(o->status, 0);
  pthread_mutex_lock(&w->mu);
  w->first_done = 1;
  pthread_cond_signal(&w->cv);
  pthread_mutex_unlock(&w->mu);
  return 0;
}

START_TEST(a_record_goes_out_while_the_pipes_writer_holds_the_next) {
  custapi_protocol protocol = _i ? CUSTAPI_PROTOCOL_XMLRPC : CUSTAPI_PROTOCOL_REST;
  custapi_client *c = itest_library_client(protocol);
  int fds[2];
  ck_assert_int_eq(pipe(fds), 0);
  slow_writer w = {.fd = fds[1]};
  pthread_mutex_init(&w.mu, NULL);
  pthread_cond_init(&w.cv, NULL);
  pthread_t writer;
  ck_assert_int_eq(pthread_create(&writer, NULL, write_slowly, &w), 0);
  FILE *in = fdopen(fds[0], "r");
  custapi_bulk_options o = CUSTAPI_BULK_OPTIONS_INIT;
  o.done = note_done;
  o.done_payload = &w;
  custapi_bulk_summary sum = CUSTAPI_BULK_SUMMARY_INIT;
  ck_assert_int_eq(custapi_bulk_run(&sum, c, in, &o), 0);
  pthread_join(writer, NULL);
  fclose(in);
  ck_assert_int_eq(w.gave_up_waiting, 0); /* the first went out before the second came */
  ck_assert_int_eq(sum.succeeded, 2);
  pthread_cond_destroy(&w.cv);
  pthread_mutex_destroy(&w.mu);
  custapi_client_free(c);
}
END_TEST

/* Says stop once the first record is done. */
static int stop_after_one(void *payload) {
  const int *done = payload;
  return *done ? CUSTAPI_BULK_STOP : CUSTAPI_BULK_GO_ON;
}

static int count_done(const custapi_bulk_outcome *o, void *payload) {
  ck_assert_int_eq(o->status, 0);
  ++*(int *)payload;
  return 0;
}

START_TEST(a_stop_is_heard_while_the_pipes_writer_is_silent) {
  custapi_client *c = itest_library_client(CUSTAPI_PROTOCOL_REST);
  int fds[2];
  ck_assert_int_eq(pipe(fds), 0);
  write_all(fds[1], "{\"id\":33,\"sms_quota\":4}\n"); /* and then nothing, the pipe left open */
  FILE *in = fdopen(fds[0], "r");
  int done = 0;
  custapi_bulk_options o = CUSTAPI_BULK_OPTIONS_INIT;
  o.done = count_done;
  o.done_payload = &done;
  o.stop = stop_after_one;
  o.stop_payload = &done;
  custapi_bulk_summary sum = CUSTAPI_BULK_SUMMARY_INIT;
  /* Before, the run sat in read(2) on the silent pipe, and this never returned. */
  ck_assert_int_eq(custapi_bulk_run(&sum, c, in, &o), 0);
  ck_assert_int_eq(done, 1);
  ck_assert_int_eq(sum.succeeded, 1);
  fclose(in);
  close(fds[1]);
  custapi_client_free(c);
}
END_TEST

static Suite *bulk_pipe_suite(void) {
  Suite *s = suite_create("bulk_pipe");
  TCase *t = itest_tcase(s, "pipe", up_plain, down_plain);
  tcase_add_loop_test(t, a_record_goes_out_while_the_pipes_writer_holds_the_next, 0, 2);
  tcase_add_test(t, a_stop_is_heard_while_the_pipes_writer_is_silent);
  return s;
}

int main(void) { return itest_main(bulk_pipe_suite); }
