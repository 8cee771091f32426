/*
 * Per-id ordering on the loop: each id with updates in progress has a line, a FIFO of
 * continuations. The first place runs; each one, when done, runs the next. No locks: only the
 * loop touches it. Lines exist only while someone stands in them (few at once).
 */
#include "alloc.h"
#include "gw_internal.h"

typedef struct line {
  struct line *next;
  int32_t id;
  gw_turn *head, *tail; /* head: the place now running */
} line;

struct gw_order {
  line *lines;
};

int gw_order_new(gw_order **out) {
  *out = custapi__calloc(1, sizeof **out);
  return *out ? 0 : CUSTAPI_EINTERNAL;
}

void gw_order_free(gw_order *o) {
  if (!o)
    return;
  while (o->lines) {
    line *l = o->lines;
    o->lines = l->next;
    custapi__free(l); /* the places are their owners' */
  }
  custapi__free(o);
}

static line **find(gw_order *o, int32_t id) {
  line **p = &o->lines;
  while (*p && (*p)->id != id)
    p = &(*p)->next;
  return p;
}

int gw_order_enter(gw_order *o, gw_turn *turn) {
  turn->next = NULL;
  line **p = find(o, turn->id);
  if (*p) {
    (*p)->tail->next = turn;
    (*p)->tail = turn;
    return 0;
  }
  line *l = custapi__calloc(1, sizeof *l);
  if (!l)
    return -1;
  l->id = turn->id;
  l->head = l->tail = turn;
  l->next = o->lines;
  o->lines = l;
  return 1;
}

void gw_order_done(gw_order *o, int32_t id) {
  line **p = find(o, id);
  line *l = *p;
  if (!l)
    return;
  gw_turn *next = l->head->next;
  if (!next) {
    *p = l->next;
    custapi__free(l);
    return;
  }
  l->head = next;
  next->run(next); /* may end at once, and run the one after it */
}
