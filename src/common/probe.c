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
  int prefix_matches;
  char *suggested_prefix;
  custapi_error error;
};

void custapi__probe_info_clear(custapi_probe_info *info) {
  for (size_t i = 0; i < info->method_count; i++)
    custapi__free(info->methods[i]);
  custapi__free(info->methods);
  *info = (custapi_probe_info){0};
}

void custapi_probe_free(custapi_probe *p) {
  if (!p)
    return;
  custapi__probe_info_clear(&p->info);
  custapi__free(p->suggested_prefix);
  custapi__free(p);
}

static int lists(const custapi_probe_info *info, const char *prefix, size_t prefix_len,
                 const char *method) {
  for (size_t i = 0; i < info->method_count; i++) {
    const char *m = info->methods[i];
    if (strncmp(m, prefix, prefix_len) == 0 && strcmp(m + prefix_len, method) == 0)
      return 1;
  }
  return 0;
}

static int lists_customer_methods(const custapi_probe_info *info, const char *prefix,
                                  size_t prefix_len) {
  return lists(info, prefix, prefix_len, "UpdateCustomer") &&
         lists(info, prefix, prefix_len, "GetCustomer");
}

/* A prefix under which both customer methods are listed, from the listed names themselves. */
static int suggest_prefix(custapi_probe *p) {
  const char *update = "UpdateCustomer";
  size_t ulen = strlen(update);
  for (size_t i = 0; i < p->info.method_count; i++) {
    const char *m = p->info.methods[i];
    size_t len = strlen(m);
    if (len < ulen || strcmp(m + len - ulen, update) != 0)
      continue;
    if (lists_customer_methods(&p->info, m, len - ulen)) {
      p->suggested_prefix = custapi__strndup(m, len - ulen);
      return p->suggested_prefix ? 0 : -1;
    }
  }
  return 0;
}

/* Out of memory, left on the client like every other failure of a call on it. */
static int client_oom(custapi_client *client) {
  custapi_error oom;
  custapi__error_oom(&oom);
  return custapi__client_fail(client, &oom);
}

int custapi_probe_run(custapi_probe **out, custapi_client *client) {
  assert(out && client);
  *out = NULL;
  custapi_probe *p = custapi__calloc(1, sizeof *p);
  if (!p)
    return client_oom(client);
  const char *base, *prefix;
  int insecure, attempts;
  custapi__client_facts(client, &base, &prefix, &insecure, &p->protocol);
  p->tls = strncasecmp(base, "https://", 8) != 0 ? "none" : insecure ? "insecure" : "verified";
  p->prefix_matches = -1;
  int rc = custapi__client_probe(&p->info, &p->http_status, &attempts, client);
  if (rc < 0) {
    custapi__error_copy(&p->error, custapi_client_last_error(client));
    if (!p->http_status)
      p->http_status = p->error.http_status;
    *out = p;
    return rc;
  }
  p->usable = 1;
  if (p->info.has_methods) {
    p->prefix_matches = lists_customer_methods(&p->info, prefix, strlen(prefix));
    if (!p->prefix_matches) {
      if (suggest_prefix(p) < 0) {
        custapi_probe_free(p);
        return client_oom(client);
      }
      p->usable = 0;
      if (p->suggested_prefix)
        custapi__error_set(&p->error, CUSTAPI_CATEGORY_USAGE, NULL,
                           "the install does not offer %sUpdateCustomer and %sGetCustomer; it "
                           "offers them with the prefix '%s' (--xmlrpc-prefix '%s')",
                           prefix, prefix, p->suggested_prefix, p->suggested_prefix);
      else
        custapi__error_set(&p->error, CUSTAPI_CATEGORY_PROTOCOL, NULL,
                           "the install does not list %sUpdateCustomer and %sGetCustomer, under "
                           "any prefix",
                           prefix, prefix);
      rc = custapi__client_fail(client, &p->error);
    }
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
  return p->prefix_matches;
}

const char *custapi_probe_suggested_prefix(const custapi_probe *p) {
  assert(p);
  return p->suggested_prefix;
}

const custapi_error *custapi_probe_error(const custapi_probe *p) {
  assert(p);
  return p->usable ? NULL : &p->error;
}
