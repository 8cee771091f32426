/* The gateway's start-up line on stderr: where callers connect and where their calls go, so
 * that an operator sees at once what a service manager started (-q silences it). */
#include <stdio.h>
#include <string.h>

#include "gw_internal.h"

const char *gw_upstream_mode_name(gw_upstream_mode mode) {
  switch (mode) {
  case GW_UPSTREAM_REST:
    return "rest";
  case GW_UPSTREAM_XMLRPC:
    return "xmlrpc";
  default:
    return "same";
  }
}

void gw_say_listening(const gw_config *cfg, int tls, unsigned port, const char *upstream_url,
                      unsigned metrics_port) {
  const char *colon = strrchr(cfg->listen, ':'); /* gw_config_check found one */
  fprintf(stderr, "custapi gateway: listening on %s://%.*s:%u, upstream %s (%s)\n",
          tls ? "https" : "http", (int)(colon - cfg->listen), cfg->listen, port, upstream_url,
          gw_upstream_mode_name(cfg->upstream));
  if (cfg->metrics) {
    colon = strrchr(cfg->metrics, ':');
    fprintf(stderr, "custapi gateway: metrics on http://%.*s:%u/metrics\n",
            (int)(colon - cfg->metrics), cfg->metrics, metrics_port);
  }
  fflush(stderr);
}
