/*
 * The asynchronous API used by bulk: many updates in flight on the client's one loop, each a
 * call of the same machinery, its completion handed to the caller's callback.
 */
#include <assert.h>

#include "alloc.h"
#include "client.h"
#include "client_internal.h"
#include "codec.h"
#include "customer.h"
#include "error.h"
#include "result.h"
#include "transport.h"

typedef struct async_update {
  call k; /* first member: call_finish's on_done hands back the call, i.e. this */
  struct async_update *next;
  custapi_client *client;
  custapi_http_request request;
  uint64_t start_ms;
  custapi__update_done_fn done;
  void *payload;
} async_update;

static void unlink_async(custapi_client *c, async_update *a) {
  for (async_update **p = &c->async_calls; *p; p = &(*p)->next) {
    if (*p == a) {
      *p = a->next;
      return;
    }
  }
}

static void async_done(call *k) {
  async_update *a = (async_update *)(void *)k;
  custapi_client *c = a->client;
  unlink_async(c, a);
  custapi__http_request_clear(&a->request);
  custapi__update_outcome o = {0};
  o.status = k->rc;
  o.attempts = k->attempts;
  o.http_status = k->http_status;
  o.elapsed_ms = (long)(custapi__now_ms() - a->start_ms);
  if (k->rc == 0) {
    k->result->protocol = c->backend->name;
    k->result->attempts = k->attempts;
    if (!k->result->http_status)
      k->result->http_status = k->http_status;
    k->result->elapsed_ms = o.elapsed_ms;
    o.result = k->result;
  } else {
    o.error = &k->err;
    o.maybe_applied = k->maybe_applied;
  }
  a->done(&o, a->payload);
  custapi_result_free(k->result);
  custapi__free(a);
}

int custapi__client_check_update(custapi_client *c, int32_t id, const custapi_customer *properties,
                                 custapi_validate_mode mode, custapi_error *err) {
  int rc = custapi_validate_mode_as_given(mode, "bulk", err);
  if (rc < 0)
    return rc;
  if (custapi__id_check(id, err) < 0)
    return CUSTAPI_EINVALID;
  return custapi_validate(properties, mode, c->validate_flags, c->warn, c->warn_payload, err);
}

int custapi__update_start(custapi_client *c, int32_t id, const custapi_customer *properties,
                          unsigned flags, custapi__update_done_fn done, void *payload,
                          custapi_error *err) {
  assert(c && properties && done);
  async_update *a = custapi__calloc(1, sizeof *a);
  if (!a)
    return custapi__error_oom(err);
  int rc = c->backend->encode_update(&a->request, &c->endpoint, id, properties, err);
  if (rc < 0) {
    custapi__free(a);
    return rc;
  }
  a->k.on_done = async_done;
  a->client = c;
  a->k.caller = &c->caller;
  a->k.ops = c->backend;
  a->k.request = &a->request;
  a->k.id = id;
  a->k.is_update = 1;
  a->k.brief = (flags & CUSTAPI__UPDATE_BRIEF) != 0;
  a->start_ms = custapi__now_ms();
  a->done = done;
  a->payload = payload;
  /* The first attempt starts from the loop, so `done` is never called before this returns. */
  if ((rc = custapi__call_begin(&a->k, err)) < 0) {
    custapi__http_request_clear(&a->request);
    custapi__free(a);
    return rc;
  }
  a->next = c->async_calls;
  c->async_calls = a;
  return 0;
}

int custapi__client_step(custapi_client *c, custapi_error *err) {
  return custapi__transport_step(c->caller.transport, err);
}

void custapi__client_watch(custapi_client *c, const custapi_transport_watch *watch) {
  custapi__transport_watch(c->caller.transport, watch);
}

void custapi__client_abort_async(custapi_client *c, const custapi_error *why, int maybe_applied) {
  custapi__transport_abort_all(c->caller.transport);
  while (c->async_calls) {
    call *k = &c->async_calls->k;
    k->err = *why;
    k->maybe_applied = maybe_applied;
    custapi__call_finish(k, custapi__status_of(why->category)); /* unlinks and frees it */
  }
}
