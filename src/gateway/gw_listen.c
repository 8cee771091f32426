/* HOST:PORT as --listen and --metrics take it: an IPv4 address, localhost or [IPv6], and a
 * port 0 to 65535 (0: a free one). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "gw_internal.h"

int gw_listen_parse(gw_listen_addr *addr, int *loopback, const char *text, const char *option,
                    custapi_error *err) {
  const char *colon = text ? strrchr(text, ':') : NULL;
  if (!colon)
    return custapi__error_set(err, CUSTAPI_CATEGORY_USAGE, NULL,
                              "%s: expected HOST:PORT (e.g. 127.0.0.1:8080), got '%s'", option,
                              text ? text : "");
  char host[64];
  size_t hlen = (size_t)(colon - text);
  int v6 = hlen >= 2 && text[0] == '[' && text[hlen - 1] == ']';
  if (hlen >= sizeof host)
    return custapi__error_set(err, CUSTAPI_CATEGORY_USAGE, NULL, "%s: host too long", option);
  snprintf(host, sizeof host, "%.*s", (int)(v6 ? hlen - 2 : hlen), v6 ? text + 1 : text);
  if (strcmp(host, "localhost") == 0)
    snprintf(host, sizeof host, "127.0.0.1");
  char *end;
  errno = 0;
  long port = strtol(colon + 1, &end, 10);
  if (errno || end == colon + 1 || *end || port < 0 || port > 65535)
    return custapi__error_set(err, CUSTAPI_CATEGORY_USAGE, NULL,
                              "%s: the port must be 0 to 65535, not '%s'", option, colon + 1);
  memset(addr, 0, sizeof *addr);
  if (v6) {
    addr->v6.sin6_family = AF_INET6;
    addr->v6.sin6_port = htons((uint16_t)port);
    if (inet_pton(AF_INET6, host, &addr->v6.sin6_addr) != 1)
      return custapi__error_set(err, CUSTAPI_CATEGORY_USAGE, NULL, "%s: not an IPv6 address: '%s'",
                                option, host);
    *loopback = IN6_IS_ADDR_LOOPBACK(&addr->v6.sin6_addr);
  } else {
    addr->v4.sin_family = AF_INET;
    addr->v4.sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, host, &addr->v4.sin_addr) != 1)
      return custapi__error_set(err, CUSTAPI_CATEGORY_USAGE, NULL,
                                "%s: not an IPv4 address, localhost or [IPv6]: '%s'", option, host);
    *loopback = (ntohl(addr->v4.sin_addr.s_addr) >> 24) == 127;
  }
  return 0;
}
