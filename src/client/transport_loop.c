/*
 * The loop: one turn waits for libcurl's sockets (and a watch's descriptors) at most until the
 * next timer, drives every transfer, hands the ended ones to their callbacks and fires the timers
 * due.
 */
#include <time.h>

#include "error.h"
#include "transport_private.h"

static void finish_transfers(custapi_transport *t) {
  CURLMsg *m;
  int left;
  while ((m = curl_multi_info_read(t->multi, &left))) {
    if (m->msg != CURLMSG_DONE)
      continue;
    char *priv = NULL;
    curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &priv);
    custapi_transfer *x = (custapi_transfer *)(void *)priv;
    CURLcode code = m->data.result;
    curl_multi_remove_handle(t->multi, m->easy_handle); /* m is invalid from here */
    if (!x)
      continue;
    x->code = code;
    for (custapi_transfer **p = &t->active; *p; p = &(*p)->next) {
      if (*p == x) {
        *p = x->next;
        t->active_count--;
        break;
      }
    }
    x->next = NULL;
    custapi__trace_stream_flush(&x->trace); /* the transfer's last words, before its outcome */
    if (x->done)
      x->done(x, x->payload);
    else
      custapi__transfer_release(t, x);
  }
}

/* Waits for libcurl's sockets and the watch's descriptors, then drives the transfers. */
static int poll_and_perform(custapi_transport *t, long wait_ms, custapi_error *err) {
  struct curl_waitfd extra[CUSTAPI_TRANSPORT_WATCH_MAX];
  unsigned n = t->watching ? t->watch.fd_count : 0;
  if (n > CUSTAPI_TRANSPORT_WATCH_MAX)
    n = CUSTAPI_TRANSPORT_WATCH_MAX;
  for (unsigned i = 0; i < n; i++)
    extra[i] = (struct curl_waitfd){t->watch.fds[i], CURL_WAIT_POLLIN, 0};
  if (wait_ms != 0 &&
      curl_multi_poll(t->multi, n ? extra : NULL, n, (int)wait_ms, NULL) != CURLM_OK)
    return custapi__error_set(err, CUSTAPI_CATEGORY_INTERNAL, NULL, "libcurl's poll failed");
  int running = 0;
  if (t->active_count) {
    if (curl_multi_perform(t->multi, &running) != CURLM_OK)
      return custapi__error_set(err, CUSTAPI_CATEGORY_INTERNAL, NULL,
                                "libcurl's transfer loop failed");
    finish_transfers(t);
  }
  return 0;
}

int custapi__transport_step(custapi_transport *t, custapi_error *err) {
  /* Timers due now first (a new call's first attempt is one): its transfer then goes out in
   * this step's perform rather than after a poll and a perform of its own. */
  custapi__transport_fire_timers(t);
  if (!t->active_count && !t->timers && !t->watching)
    return 0; /* nothing to wait for */
  long wait_ms = 1000;
  if (t->timers) {
    uint64_t now = custapi__now_ms();
    wait_ms = t->timers->due_ms > now ? (long)(t->timers->due_ms - now) : 0;
  }
  if (t->watching && t->watch.timeout_ms) {
    long w = t->watch.timeout_ms(t->watch.payload);
    if (w >= 0 && w < wait_ms)
      wait_ms = w;
  }
  if (t->active_count) {
    long curl_ms = -1;
    curl_multi_timeout(t->multi, &curl_ms);
    if (curl_ms >= 0 && curl_ms < wait_ms)
      wait_ms = curl_ms; /* 0: a transfer just added wants perform at once, no poll first */
  }
  if (t->active_count || t->watching) {
    if (poll_and_perform(t, wait_ms, err) < 0)
      return CUSTAPI_EINTERNAL;
  } else if (wait_ms > 0) {
    struct timespec ts = {wait_ms / 1000, (wait_ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
  }
  if (t->watching && t->watch.after_turn)
    t->watch.after_turn(t->watch.payload);
  custapi__transport_fire_timers(t);
  return 0;
}
