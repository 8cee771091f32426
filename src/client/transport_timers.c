/*
 * The transport's timers (a retry's backoff, a call waiting out a hold, the gateway's
 * deadlines), sorted by due time and fired from the loop, and the watch of another event source
 * that shares the loop.
 */
#include "alloc.h"
#include "error.h"
#include "transport_private.h"

int custapi__transport_add_timer(custapi_transport *t, long delay_ms, custapi_timer_fn fn,
                                 void *payload, custapi_error *err) {
  timer *k = custapi__calloc(1, sizeof *k);
  if (!k)
    return custapi__error_oom(err);
  /* Due at once: 0, before any time the clock can show, so that no clock is read for it (a
   * new call's first attempt, once per update in bulk). */
  k->due_ms = delay_ms > 0 ? custapi__now_ms() + (uint64_t)delay_ms : 0;
  k->fn = fn;
  k->payload = payload;
  timer **p = &t->timers;
  while (*p && (*p)->due_ms <= k->due_ms)
    p = &(*p)->next;
  k->next = *p;
  *p = k;
  t->timer_count++;
  return 0;
}

void custapi__transport_cancel_timers(custapi_transport *t, custapi_timer_fn fn, void *payload) {
  for (timer **p = &t->timers; *p;) {
    timer *k = *p;
    if (k->fn == fn && k->payload == payload) {
      *p = k->next;
      t->timer_count--;
      custapi__free(k);
    } else {
      p = &k->next;
    }
  }
}

void custapi__transport_watch(custapi_transport *t, const custapi_transport_watch *watch) {
  t->watching = watch != NULL;
  t->watch = watch ? *watch : (custapi_transport_watch){0};
}

void custapi__transport_fire_timers(custapi_transport *t) {
  uint64_t now = 0; /* the clock is read once, and only for a timer that is not due at once */
  int now_read = 0;
  /* At most as many as there are now: a callback adding a timer due at once each time would
   * otherwise keep the loop here for ever (it reaches the next step instead). */
  size_t budget = t->timer_count;
  while (t->timers && budget--) {
    if (t->timers->due_ms > now && !now_read) {
      now = custapi__now_ms();
      now_read = 1;
    }
    if (t->timers->due_ms > now)
      break;
    timer *k = t->timers;
    t->timers = k->next;
    t->timer_count--;
    custapi_timer_fn fn = k->fn;
    void *payload = k->payload;
    custapi__free(k);
    fn(payload); /* may add timers or start transfers */
  }
}
