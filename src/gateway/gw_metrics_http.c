/*
 * --metrics HOST:PORT: /metrics (Prometheus' text format) and /healthz on a port of the
 * gateway's own, never one of the install's paths on the callers' port. Served on the gateway's
 * one loop, as the callers are (external epoll mode: gw_metrics_fd is polled with the rest,
 * gw_metrics_run after each turn); a scrape reads the counters and never waits on the install.
 * Loopback unless --allow-remote.
 */
#include <microhttpd.h>
#include <string.h>

#include "alloc.h"
#include "error.h"
#include "gw_internal.h"

#define METRICS_TYPE "text/plain; version=0.0.4; charset=utf-8"

struct gw_metrics_server {
  struct MHD_Daemon *daemon;
  gw_stats *stats;
  gw_upstream_mode mode;
};

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned status, const char *type,
                             char *body, size_t len, enum MHD_ResponseMemoryMode memory) {
  struct MHD_Response *resp = MHD_create_response_from_buffer(len, body, memory);
  if (!resp)
    return MHD_NO;
  MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
  if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
    MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
  enum MHD_Result ok = MHD_queue_response(conn, status, resp);
  MHD_destroy_response(resp);
  return ok;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls) {
  (void)version, (void)upload;
  gw_metrics_server *m = cls;
  if (!*con_cls) { /* the headers: answer once the request has ended */
    *con_cls = m;
    return MHD_YES;
  }
  if (*upload_size) {
    *upload_size = 0; /* a body is read and dropped */
    return MHD_YES;
  }
  static char ok[] = "ok\n", not_found[] = "not found: /metrics or /healthz\n",
              not_allowed[] = "GET or HEAD\n";
  if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
    return reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain", not_allowed,
                 sizeof not_allowed - 1, MHD_RESPMEM_PERSISTENT);
  if (strcmp(url, "/healthz") == 0)
    return reply(conn, MHD_HTTP_OK, "text/plain", ok, sizeof ok - 1, MHD_RESPMEM_PERSISTENT);
  if (strcmp(url, "/metrics") != 0)
    return reply(conn, MHD_HTTP_NOT_FOUND, "text/plain", not_found, sizeof not_found - 1,
                 MHD_RESPMEM_PERSISTENT);
  char *page;
  size_t len;
  if (gw_metrics_render(&page, &len, m->stats, m->mode) < 0)
    return MHD_NO; /* out of memory: the scrape fails, the gateway goes on */
  enum MHD_Result rc = reply(conn, MHD_HTTP_OK, METRICS_TYPE, page, len, MHD_RESPMEM_MUST_COPY);
  custapi__free(page);
  return rc;
}

int gw_metrics_start(gw_metrics_server **out, const gw_config *cfg, gw_stats *s,
                     custapi_error *err) {
  *out = NULL;
  gw_listen_addr addr;
  int loopback = 0;
  int rc = gw_listen_parse(&addr, &loopback, cfg->metrics, "--metrics", err);
  if (rc < 0)
    return rc;
  if (!loopback && !cfg->allow_remote)
    return custapi__error_set(err, CUSTAPI_CATEGORY_USAGE, NULL,
                              "--metrics %s is not a loopback address (add --allow-remote to "
                              "serve the counters to the network)",
                              cfg->metrics);
  gw_metrics_server *m = custapi__calloc(1, sizeof *m);
  if (!m)
    return custapi__error_oom(err);
  m->stats = s;
  m->mode = cfg->upstream;
  unsigned flags = MHD_USE_EPOLL;
  if (addr.sa.sa_family == AF_INET6)
    flags |= MHD_USE_IPv6;
  m->daemon = MHD_start_daemon(flags, 0, NULL, NULL, on_request, m, MHD_OPTION_SOCK_ADDR, &addr,
                               MHD_OPTION_CONNECTION_TIMEOUT, 10u, MHD_OPTION_CONNECTION_LIMIT, 16u,
                               MHD_OPTION_END);
  if (!m->daemon) {
    custapi__free(m);
    return custapi__error_set(err, CUSTAPI_CATEGORY_USAGE, NULL,
                              "can't listen on --metrics %s (address in use?)", cfg->metrics);
  }
  *out = m;
  return 0;
}

unsigned gw_metrics_port(const gw_metrics_server *m) {
  const union MHD_DaemonInfo *info =
      m ? MHD_get_daemon_info(m->daemon, MHD_DAEMON_INFO_BIND_PORT) : NULL;
  return info ? info->port : 0;
}

int gw_metrics_fd(const gw_metrics_server *m) {
  const union MHD_DaemonInfo *info =
      m ? MHD_get_daemon_info(m->daemon, MHD_DAEMON_INFO_EPOLL_FD) : NULL;
  return info ? info->epoll_fd : -1;
}

void gw_metrics_run(gw_metrics_server *m) {
  if (m)
    MHD_run(m->daemon);
}

void gw_metrics_stop(gw_metrics_server *m) {
  if (!m)
    return;
  MHD_stop_daemon(m->daemon);
  custapi__free(m);
}
