/*
 * The synchronous API: custapi_get, custapi_update (validation first, fill-required's read),
 * the probe's request, and their dry runs, each one call run to its end on the client's loop.
 */
#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "client.h"
#include "client_internal.h"
#include "codec.h"
#include "customer.h"
#include "error.h"
#include "result.h"
#include "transport.h"

/* Adds text before an error's message, cutting what does not fit. */
static void message_prepend(custapi_error *err, const char *prefix) {
  size_t len = strlen(err->message), n = strlen(prefix);
  if (n >= sizeof err->message)
    return;
  if (len + n >= sizeof err->message)
    len = sizeof err->message - 1 - n;
  memmove(err->message + n, err->message, len);
  memcpy(err->message, prefix, n);
  err->message[n + len] = '\0';
}

/* Reads customer `id` into *out (a call of its own). */
static int read_customer(custapi_customer **out, int *http_status, int *attempts, custapi_client *c,
                         int32_t id) {
  *out = NULL;
  custapi_http_request req = {0};
  custapi_error err = CUSTAPI_ERROR_INIT;
  if (custapi__id_check(id, &err) < 0)
    return custapi__client_fail(c, &err);
  int rc = c->backend->encode_get(&req, &c->endpoint, id, &err);
  if (rc < 0)
    return custapi__client_fail(c, &err);
  call k = {0};
  k.caller = &c->caller;
  k.ops = c->backend;
  k.endpoint = &c->endpoint;
  k.request = &req;
  k.id = id;
  rc = custapi__call_run(&k);
  custapi__http_request_clear(&req);
  if (attempts)
    *attempts = k.attempts;
  if (http_status)
    *http_status = k.http_status;
  if (rc < 0) {
    custapi_customer_free(k.customer);
    return custapi__client_fail(c, &k.err);
  }
  *out = k.customer;
  return 0;
}

int custapi_get(custapi_result **out, custapi_client *c, int32_t id) {
  assert(out && c);
  *out = NULL;
  if (c->busy)
    return custapi__client_refuse_if_busy(c);
  custapi_error_clear(&c->error);
  uint64_t start = custapi__now_ms();
  custapi_result *r;
  if (custapi__result_new(&r) < 0)
    return custapi__client_fail(
        c, &(custapi_error){.category = CUSTAPI_CATEGORY_INTERNAL, .message = "out of memory"});
  int rc = read_customer(&r->customer, &r->http_status, &r->attempts, c, id);
  if (rc < 0) {
    custapi_result_free(r);
    return rc;
  }
  r->protocol = c->backend->name;
  r->elapsed_ms = (long)(custapi__now_ms() - start);
  *out = r;
  return 0;
}

/* ---- probe ---- */

int custapi__client_probe(custapi_probe_info *out, int *http_status, int *attempts,
                          custapi_client *c) {
  *out = (custapi_probe_info){0};
  if (c->busy)
    return custapi__client_refuse_if_busy(c);
  custapi_error_clear(&c->error);
  custapi_http_request req = {0};
  custapi_error err = CUSTAPI_ERROR_INIT;
  int rc = c->backend->encode_probe(&req, &c->endpoint, &err);
  if (rc < 0)
    return custapi__client_fail(c, &err);
  call k = {0};
  k.caller = &c->caller;
  k.ops = c->backend;
  k.endpoint = &c->endpoint;
  k.request = &req;
  k.is_probe = 1;
  rc = custapi__call_run(&k);
  custapi__http_request_clear(&req);
  *http_status = k.http_status;
  *attempts = k.attempts;
  if (rc < 0) {
    custapi__probe_info_clear(&k.probe);
    return custapi__client_fail(c, &k.err);
  }
  *out = k.probe;
  return 0;
}

/* ---- update ---- */

/* Validation before anything is sent; the properties to send in *to_send (a copy when
 * fill-required had to add some, else NULL: send `properties` as they are). */
static int prepare_update(custapi_customer **to_send, custapi_client *c, int32_t id,
                          const custapi_customer *properties, custapi_validate_mode mode,
                          int may_read) {
  *to_send = NULL;
  custapi_error err = CUSTAPI_ERROR_INIT;
  if (custapi__id_check(id, &err) < 0)
    return custapi__client_fail(c, &err);
  int rc = custapi_validate(properties, mode, c->validate_flags, c->warn, c->warn_payload, &err);
  if (rc < 0)
    return custapi__client_fail(c, &err);
  if (mode != CUSTAPI_VALIDATE_FILL_REQUIRED)
    return 0;
  const char *missing[3];
  size_t n = custapi_validate_missing(missing, properties);
  if (n == 0)
    return 0;
  if (!may_read) {
    if (c->warn) {
      char msg[160];
      int o = snprintf(msg, sizeof msg,
                       "dry run: fill-required would first read customer %d "
                       "and add:",
                       (int)id);
      for (size_t i = 0; i < n && o > 0 && (size_t)o < sizeof msg; i++)
        o += snprintf(msg + o, sizeof msg - (size_t)o, "%s %s", i ? "," : "", missing[i]);
      c->warn(NULL, msg, c->warn_payload);
    }
    return 0;
  }
  custapi_customer *current;
  if ((rc = read_customer(&current, NULL, NULL, c, id)) < 0)
    return rc;
  custapi_customer *filled;
  if (custapi_customer_dup(&filled, properties) < 0) {
    custapi_customer_free(current);
    return custapi__client_fail(
        c, &(custapi_error){.category = CUSTAPI_CATEGORY_INTERNAL, .message = "out of memory"});
  }
  for (size_t i = 0; i < n; i++) {
    const custapi_field *f = custapi_customer_get(current, missing[i]);
    if (!f || f->type != CUSTAPI_VALUE_STRING)
      continue;
    if (custapi__customer_put_string(filled, missing[i], f->string, f->string_len) < 0) {
      custapi_customer_free(current);
      custapi_customer_free(filled);
      return custapi__client_fail(
          c, &(custapi_error){.category = CUSTAPI_CATEGORY_INTERNAL, .message = "out of memory"});
    }
  }
  custapi_customer_free(current);
  rc = custapi_validate(filled, CUSTAPI_VALIDATE_STRICT, c->validate_flags, c->warn,
                        c->warn_payload, &err);
  if (rc < 0) {
    custapi_customer_free(filled);
    char prefix[64];
    snprintf(prefix, sizeof prefix, "after filling from customer %d: ", (int)id);
    message_prepend(&err, prefix);
    return custapi__client_fail(c, &err);
  }
  *to_send = filled;
  return 0;
}

int custapi_update(custapi_result **out, custapi_client *c, int32_t id,
                   const custapi_customer *properties, custapi_validate_mode mode) {
  assert(out && c && properties);
  *out = NULL;
  if (c->busy)
    return custapi__client_refuse_if_busy(c);
  custapi_error_clear(&c->error);
  uint64_t start = custapi__now_ms();
  custapi_customer *filled;
  int rc = prepare_update(&filled, c, id, properties, mode, 1);
  if (rc < 0)
    return rc;
  custapi_http_request req = {0};
  custapi_error err = CUSTAPI_ERROR_INIT;
  rc = c->backend->encode_update(&req, &c->endpoint, id, filled ? filled : properties, &err);
  custapi_customer_free(filled);
  if (rc < 0)
    return custapi__client_fail(c, &err);
  call k = {0};
  k.caller = &c->caller;
  k.ops = c->backend;
  k.endpoint = &c->endpoint;
  k.request = &req;
  k.id = id;
  k.is_update = 1;
  rc = custapi__call_run(&k);
  custapi__http_request_clear(&req);
  if (rc < 0) {
    custapi_result_free(k.result);
    rc = custapi__client_fail(c, &k.err);
    c->maybe_applied = k.maybe_applied;
    return rc;
  }
  k.result->protocol = c->backend->name;
  k.result->attempts = k.attempts;
  if (!k.result->http_status)
    k.result->http_status = k.http_status;
  k.result->elapsed_ms = (long)(custapi__now_ms() - start);
  *out = k.result;
  return 0;
}

int custapi_update_dry_run(char **out, custapi_client *c, int32_t id,
                           const custapi_customer *properties, custapi_validate_mode mode) {
  assert(out && c && properties);
  *out = NULL;
  custapi_error_clear(&c->error);
  custapi_customer *filled;
  int rc = prepare_update(&filled, c, id, properties, mode, 0);
  if (rc < 0)
    return rc;
  custapi_http_request req = {0};
  custapi_error err = CUSTAPI_ERROR_INIT;
  rc = c->backend->encode_update(&req, &c->endpoint, id, properties, &err);
  custapi_customer_free(filled);
  if (rc < 0)
    return custapi__client_fail(c, &err);
  rc = custapi__transport_format_request(out, c->caller.transport, &req, &err);
  custapi__http_request_clear(&req);
  return rc < 0 ? custapi__client_fail(c, &err) : 0;
}

/* Formats a request built by the codec, sends nothing. */
static int format_request(char **out, custapi_client *c, custapi_http_request *req) {
  custapi_error err = CUSTAPI_ERROR_INIT;
  int rc = custapi__transport_format_request(out, c->caller.transport, req, &err);
  custapi__http_request_clear(req);
  return rc < 0 ? custapi__client_fail(c, &err) : 0;
}

int custapi_get_dry_run(char **out, custapi_client *c, int32_t id) {
  assert(out && c);
  *out = NULL;
  custapi_error_clear(&c->error);
  custapi_error err = CUSTAPI_ERROR_INIT;
  custapi_http_request req = {0};
  if (custapi__id_check(id, &err) < 0 || c->backend->encode_get(&req, &c->endpoint, id, &err) < 0)
    return custapi__client_fail(c, &err);
  return format_request(out, c, &req);
}

int custapi__client_probe_dry_run(char **out, custapi_client *c) {
  *out = NULL;
  custapi_error_clear(&c->error);
  custapi_http_request req = {0};
  custapi_error err = CUSTAPI_ERROR_INIT;
  if (c->backend->encode_probe(&req, &c->endpoint, &err) < 0)
    return custapi__client_fail(c, &err);
  return format_request(out, c, &req);
}
