/* probe: one protocol's endpoint checked the way a user would before relying on it. */
#include <assert.h>
#include <string.h>
#include <strings.h>

#include "alloc.h"
#include "client.h"
#include "error.h"

struct custapi_probe {
  const char *protocol; /* static */
  const char *tls;      /* static */
  int usable;
  int http_status;
  custapi_probe_info info;
  custapi_error error;
};

void custapi_probe_free(custapi_probe *p) {
  if (!p)
    return;
  custapi__probe_info_clear(&p->info);
  custapi__free(p);
}

/* Out of memory, left on the client like every other failure of a call on it. */
static int client_oom(custapi_client *client) {
  custapi_error oom = CUSTAPI_ERROR_INIT;
  custapi__error_oom(&oom);
  return custapi__client_fail(client, &oom);
}

int custapi_probe_run(custapi_probe **out, custapi_client *client) {
  assert(out && client);
  *out = NULL;
  custapi_probe *p = custapi__calloc(1, sizeof *p);
  if (!p)
    return client_oom(client);
  const char *base;
  int insecure, attempts;
  custapi__client_facts(client, &base, &insecure, &p->protocol);
  p->tls = strncasecmp(base, "https://", 8) != 0 ? "none" : insecure ? "insecure" : "verified";
  int rc = custapi__client_probe(&p->info, &p->http_status, &attempts, client);
  if (rc < 0) {
    custapi__error_copy(&p->error, custapi_client_last_error(client));
    if (!p->http_status)
      p->http_status = p->error.http_status;
    *out = p;
    return rc;
  }
  /* The verdict on the methods listed (XML-RPC) is the codec's (custapi__xmlrpc_probe_verdict). */
  p->usable = p->info.verdict.category == CUSTAPI_CATEGORY_OK;
  if (!p->usable) {
    custapi__error_copy(&p->error, &p->info.verdict);
    rc = custapi__client_fail(client, &p->error);
  }
  *out = p;
  return rc;
}

int custapi_probe_usable(const custapi_probe *p) {
  assert(p);
  return p->usable;
}

const char *custapi_probe_protocol(const custapi_probe *p) {
  assert(p);
  return p->protocol;
}

int custapi_probe_http_status(const custapi_probe *p) {
  assert(p);
  return p->http_status;
}

const char *custapi_probe_tls(const custapi_probe *p) {
  assert(p);
  return p->tls;
}

size_t custapi_probe_method_count(const custapi_probe *p) {
  assert(p);
  return p->info.method_count;
}

const char *custapi_probe_method_at(const custapi_probe *p, size_t i) {
  assert(p);
  return i < p->info.method_count ? p->info.methods[i] : NULL;
}

int custapi_probe_prefix_matches(const custapi_probe *p) {
  assert(p);
  return p->info.has_methods ? p->info.prefix_matches : -1;
}

const char *custapi_probe_suggested_prefix(const custapi_probe *p) {
  assert(p);
  return p->info.suggested_prefix;
}

const custapi_error *custapi_probe_error(const custapi_probe *p) {
  assert(p);
  return p->usable ? NULL : &p->error;
}

int custapi_probe_dry_run(char **out, custapi_client *client) {
  assert(out && client);
  return custapi__client_probe_dry_run(out, client);
}
