/*
 * The XML-RPC probe's verdict: does system.listMethods list the customer methods under the
 * configured prefix, and if not, under which one? Method names and prefixes are XML-RPC's
 * business, so the verdict is the codec's; the client only reports it.
 */
#include <string.h>

#include "alloc.h"
#include "error.h"
#include "xmlrpc.h"

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
static int suggest_prefix(custapi_probe_info *info) {
  const char *update = "UpdateCustomer";
  size_t ulen = strlen(update);
  for (size_t i = 0; i < info->method_count; i++) {
    const char *m = info->methods[i];
    size_t len = strlen(m);
    if (len < ulen || strcmp(m + len - ulen, update) != 0)
      continue;
    if (lists_customer_methods(info, m, len - ulen)) {
      info->suggested_prefix = custapi__strndup(m, len - ulen);
      return info->suggested_prefix ? 0 : -1;
    }
  }
  return 0;
}

int custapi__xmlrpc_probe_verdict(custapi_probe_info *info, const char *prefix,
                                  custapi_error *err) {
  info->prefix_matches = lists_customer_methods(info, prefix, strlen(prefix));
  if (info->prefix_matches)
    return 0;
  if (suggest_prefix(info) < 0)
    return custapi__error_oom(err);
  if (info->suggested_prefix)
    custapi__error_set(&info->verdict, CUSTAPI_CATEGORY_USAGE, NULL,
                       "the install does not offer %sUpdateCustomer and %sGetCustomer; it "
                       "offers them with the prefix '%s' (--xmlrpc-prefix '%s')",
                       prefix, prefix, info->suggested_prefix, info->suggested_prefix);
  else
    custapi__error_set(&info->verdict, CUSTAPI_CATEGORY_PROTOCOL, NULL,
                       "the install does not list %sUpdateCustomer and %sGetCustomer, under "
                       "any prefix",
                       prefix, prefix);
  return 0;
}
