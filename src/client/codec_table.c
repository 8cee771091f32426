/* The one table of backends, found by protocol (libgit2's static backend table). The client
 * layer is the only one that knows every codec: the codecs know only the model below them. */
#include <string.h>
#include <strings.h>

#include "alloc.h"
#include "codec.h"
#include "codec_table.h"
#include "customer.h"
#include "error.h"
#include "http.h"
#include "rest.h"
#include "trace.h"
#include "xmlrpc.h"

static const struct {
  custapi_protocol protocol;
  const custapi_backend_ops *ops;
} backends[] = {
    {CUSTAPI_PROTOCOL_REST, &custapi__rest_backend},
    {CUSTAPI_PROTOCOL_XMLRPC, &custapi__xmlrpc_backend},
};

#define BACKEND_COUNT (sizeof backends / sizeof backends[0])

const custapi_backend_ops *custapi__backend_for(custapi_protocol protocol) {
  for (size_t i = 0; i < BACKEND_COUNT; i++)
    if (backends[i].protocol == protocol)
      return backends[i].ops;
  return NULL;
}

int custapi__backend_by_name(custapi_protocol *out, const char *name) {
  for (size_t i = 0; name && i < BACKEND_COUNT; i++)
    if (strcasecmp(name, backends[i].ops->name) == 0) {
      *out = backends[i].protocol;
      return 0;
    }
  return -1;
}

void custapi__backends_global_init(void) {
  for (size_t i = 0; i < BACKEND_COUNT; i++)
    if (backends[i].ops->global_init)
      backends[i].ops->global_init();
}

static int base64_value(unsigned char ch) {
  if (ch >= 'A' && ch <= 'Z')
    return ch - 'A';
  if (ch >= 'a' && ch <= 'z')
    return ch - 'a' + 26;
  if (ch >= '0' && ch <= '9')
    return ch - '0' + 52;
  return ch == '+' ? 62 : ch == '/' ? 63 : -1;
}

int custapi__answer_ask_from_header(custapi_answer_ask *ask, const char *authorization) {
  ask->username = ask->secret = NULL;
  ask->owned = NULL;
  if (!authorization || strncasecmp(authorization, "Basic ", 6) != 0)
    return 0;
  const char *token = authorization + 6;
  while (*token == ' ')
    token++;
  size_t len = strcspn(token, " \r\n");
  char *out = custapi__malloc(len / 4 * 3 + 4);
  if (!out)
    return CUSTAPI_EINTERNAL;
  size_t o = 0;
  unsigned bits = 0, acc = 0;
  for (size_t i = 0; i < len && token[i] != '='; i++) {
    int v = base64_value((unsigned char)token[i]);
    if (v < 0) { /* not base64: nothing to redact by */
      custapi__free(out);
      return 0;
    }
    acc = (acc << 6) | (unsigned)v;
    if ((bits += 6) >= 8) {
      bits -= 8;
      out[o++] = (char)((acc >> bits) & 0xFF);
    }
  }
  out[o] = '\0';
  char *colon = memchr(out, ':', o);
  if (!colon || colon[1] == '\0' || memchr(out, '\0', o)) {
    custapi__wipe(out, o);
    custapi__free(out);
    return 0;
  }
  *colon = '\0';
  ask->owned = out;
  ask->username = out;
  ask->secret = colon + 1;
  return 0;
}

void custapi__answer_ask_clear(custapi_answer_ask *ask) {
  if (ask->owned) {
    custapi__wipe(ask->owned, strlen(ask->owned) + 1 + strlen(ask->owned + strlen(ask->owned) + 1));
    custapi__free(ask->owned);
  }
  ask->owned = NULL;
  ask->username = ask->secret = NULL;
}

/* The id a decoded answer carries: 1 with *id, or 0 when it names none (a customer without an
 * "id" member, XML-RPC's integer). An id sent as a decimal string counts as that number. */
static int answer_id(int64_t *id, const custapi_customer *c, const custapi_result *res) {
  if (!c && res && res->has_answer_id) {
    *id = res->answer_id;
    return 1;
  }
  return c ? custapi__customer_answer_id(c, id) : 0;
}

int custapi__answer_redact_customer(custapi_customer *c, const custapi_answer_ask *ask,
                                    custapi_error *err) {
  if (!ask->secret || !*ask->secret)
    return 0;
  for (size_t i = 0; i < custapi_customer_count(c); i++) {
    const custapi_field *f = custapi_customer_at(c, i);
    if (f->type != CUSTAPI_VALUE_STRING)
      continue;
    size_t len = 0;
    char *clean = custapi__trace_redact_credentials(f->string, f->string_len, ask->username,
                                                    ask->secret, &len);
    char *name = clean ? custapi__strdup(f->name) : NULL;
    int rc = 0;
    if (name && (len != f->string_len || memcmp(clean, f->string, len) != 0))
      rc = custapi__customer_put_string(c, name, clean, len);
    custapi__free(name);
    custapi__free(clean);
    if (!name || rc < 0)
      return custapi__error_oom(err);
  }
  return 0;
}

/* What a 2xx decoded into, held to `ask`: the customer asked for, no credentials shown. */
static int answer_check(custapi_customer *c, const custapi_result *res,
                        const custapi_http_response *r, const custapi_answer_ask *ask,
                        int is_update, custapi_error *err) {
  int64_t id;
  if (ask && ask->id && answer_id(&id, c, res) && id != ask->id) {
    int rc = custapi__error_set(err, CUSTAPI_CATEGORY_PROTOCOL, "id",
                                "HTTP %d answer carries customer %lld, not customer %d that was "
                                "asked for%s",
                                r->status, (long long)id, (int)ask->id,
                                is_update ? "; the update may have been applied" : "");
    if (err)
      err->http_status = r->status;
    return rc;
  }
  return c && ask ? custapi__answer_redact_customer(c, ask, err) : 0;
}

int custapi__decode_update(const custapi_backend_ops *ops, custapi_result **out,
                           const custapi_http_response *r, unsigned flags,
                           const custapi_answer_ask *ask, custapi_error *err) {
  *out = NULL;
  if (!custapi__http_is_success(r->status))
    return custapi__http_failure(err, r);
  int rc = ops->decode_update(out, r, flags, err);
  if (rc == 0 && (rc = answer_check((*out)->customer, *out, r, ask, 1, err)) < 0) {
    custapi_result_free(*out);
    *out = NULL;
  }
  return rc;
}

int custapi__decode_get(const custapi_backend_ops *ops, custapi_customer **out,
                        const custapi_http_response *r, const custapi_answer_ask *ask,
                        custapi_error *err) {
  *out = NULL;
  if (!custapi__http_is_success(r->status))
    return custapi__http_failure(err, r);
  int rc = ops->decode_get(out, r, err);
  if (rc == 0 && (rc = answer_check(*out, NULL, r, ask, 0, err)) < 0) {
    custapi_customer_free(*out);
    *out = NULL;
  }
  return rc;
}

int custapi__decode_probe(const custapi_backend_ops *ops, custapi_probe_info *out,
                          const custapi_http_response *r, const custapi_endpoint *endpoint,
                          custapi_error *err) {
  *out = (custapi_probe_info){0};
  if (!custapi__http_is_success(r->status))
    return custapi__http_failure(err, r);
  return ops->decode_probe(out, r, endpoint, err);
}
