/*
 * Per-id ordering: every update of an id takes a numbered place in that id's line when it has
 * arrived, and runs only when the places before it are done. A mutex and one condition
 * variable; lines exist only while someone stands in them (few at once).
 */
#include <pthread.h>
#include <stdlib.h>

#include "alloc.h"
#include "gw_internal.h"

typedef struct line {
  struct line *next;
  int32_t id;
  unsigned long next_ticket, serving;
} line;

struct gw_order {
  pthread_mutex_t lock;
  pthread_cond_t moved;
  line *lines;
};

int gw_order_new(gw_order **out) {
  gw_order *o = custapi__calloc(1, sizeof *o);
  if (!o)
    return CUSTAPI_EINTERNAL;
  pthread_mutex_init(&o->lock, NULL);
  pthread_cond_init(&o->moved, NULL);
  *out = o;
  return 0;
}

void gw_order_free(gw_order *o) {
  if (!o)
    return;
  while (o->lines) {
    line *l = o->lines;
    o->lines = l->next;
    custapi__free(l);
  }
  pthread_cond_destroy(&o->moved);
  pthread_mutex_destroy(&o->lock);
  custapi__free(o);
}

static line *find(gw_order *o, int32_t id) {
  for (line *l = o->lines; l; l = l->next)
    if (l->id == id)
      return l;
  return NULL;
}

unsigned long gw_order_take(gw_order *o, int32_t id) {
  pthread_mutex_lock(&o->lock);
  line *l;
  while (!(l = find(o, id))) {
    line *fresh = custapi__calloc(1, sizeof *fresh);
    if (!fresh) {
      /* Out of memory: wait for any line to move and try again, rather than break order. */
      pthread_cond_wait(&o->moved, &o->lock);
      continue;
    }
    fresh->id = id;
    fresh->next = o->lines;
    o->lines = fresh;
  }
  unsigned long ticket = l->next_ticket++;
  pthread_mutex_unlock(&o->lock);
  return ticket;
}

void gw_order_wait(gw_order *o, int32_t id, unsigned long ticket) {
  pthread_mutex_lock(&o->lock);
  line *l;
  while ((l = find(o, id)) && l->serving != ticket)
    pthread_cond_wait(&o->moved, &o->lock);
  pthread_mutex_unlock(&o->lock);
}

void gw_order_done(gw_order *o, int32_t id) {
  pthread_mutex_lock(&o->lock);
  for (line **p = &o->lines; *p; p = &(*p)->next) {
    line *l = *p;
    if (l->id != id)
      continue;
    if (++l->serving == l->next_ticket) {
      *p = l->next;
      custapi__free(l);
    }
    break;
  }
  pthread_cond_broadcast(&o->moved);
  pthread_mutex_unlock(&o->lock);
}
