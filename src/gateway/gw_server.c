/*
 * The gateway's front: libmicrohttpd with a thread per connection (each call runs its upstream
 * exchange on its connection's own transport, so a slow install or a retry holds one caller,
 * not all), a cap on request bodies, a timeout for idle or slow callers, a connection limit.
 * SIGINT/SIGTERM: stop accepting, let the calls in flight finish, drain the shadow reads, print
 * the summary, return 0.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../xmlrpc/xmlrpc.h"
#include "alloc.h"
#include "client.h"
#include "error.h"
#include "gw_internal.h"
#include "text.h"

/* How long a shutdown waits for the calls in flight before it stops anyway. */
#define DRAIN_MAX_MS 120000L

typedef struct server {
  gw_ctx ctx;
  atomic_long in_flight; /* calls received and not yet completed */
} server;

/* One request on a connection. */
typedef struct request {
  char *uri; /* as sent, query included */
  char *body;
  size_t len, cap;
  int too_large;
  int counted;
  int seen;     /* the first call (headers only) has been made */
  int answered; /* a response is queued */
  uint64_t start_ms;
} request;

/* ---- configuration ---- */

int gw_config_check(const gw_config *cfg, custapi_error *err) {
  gw_listen_addr addr;
  int loopback = 0;
  int rc = custapi__client_check_url(cfg->url, cfg->allow_plain_http, err);
  if (rc < 0 || (rc = gw_listen_parse(&addr, &loopback, cfg->listen, "--listen", err)) < 0)
    return rc;
  if (!loopback && !cfg->allow_remote)
    return custapi__error_set(
        err, CUSTAPI_CATEGORY_USAGE, NULL,
        "--listen %s is not a loopback address: callers' credentials would cross the network "
        "(use --tls-cert/--tls-key, and --allow-remote to accept that)",
        cfg->listen);
  if (!cfg->tls_cert != !cfg->tls_key)
    return custapi__error_set(err, CUSTAPI_CATEGORY_USAGE, NULL, "%s",
                              "--tls-cert and --tls-key go together");
  if (cfg->shadow != (cfg->report != NULL))
    return custapi__error_set(err, CUSTAPI_CATEGORY_USAGE, NULL, "%s",
                              "--shadow and --report FILE go together");
  if (custapi_validate_mode_as_given(cfg->mode, "the gateway", err) < 0)
    return CUSTAPI_EUSAGE;
  if (cfg->record && cfg->report && strcmp(cfg->record, cfg->report) == 0)
    return custapi__error_set(err, CUSTAPI_CATEGORY_USAGE, NULL, "%s",
                              "--record and --report must be different files");
  return gw_files_check(cfg, err);
}

/* ---- libmicrohttpd callbacks ---- */

/* The raw URI, query included, before libmicrohttpd splits it: pass-through sends it as is. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn) {
  (void)conn;
  server *srv = cls;
  request *rq = custapi__calloc(1, sizeof *rq);
  if (!rq)
    return NULL;
  rq->uri = custapi__strdup(uri ? uri : "/");
  rq->start_ms = custapi__now_ms();
  atomic_fetch_add(&srv->in_flight, 1);
  rq->counted = 1;
  return rq;
}

static void log_call(const server *srv, const request *rq, const char *method, const char *path,
                     const gw_reply *reply) {
  if (!srv->ctx.cfg->verbose)
    return;
  /* The path only: a query might carry a token. Never a header. What the caller sent (the
   * method, the decoded path, a note quoting it) is shown escaped, as a server's answer is. */
  const char *note = reply->note[0] ? reply->note : "answered";
  flockfile(stderr); /* one line, whole, among the other connections' */
  fputs("custapi: gateway: ", stderr);
  custapi__text_put_visible(stderr, method, strlen(method));
  fputc(' ', stderr);
  custapi__text_put_visible(stderr, path, strnlen(path, 200));
  fprintf(stderr, " -> %d (", reply->status);
  custapi__text_put_visible(stderr, note, strlen(note));
  fprintf(stderr, ") %lu ms\n", (unsigned long)(custapi__now_ms() - rq->start_ms));
  funlockfile(stderr);
}

static enum MHD_Result queue_reply(struct MHD_Connection *conn, const gw_reply *reply) {
  struct MHD_Response *resp = MHD_create_response_from_buffer(
      reply->body_len, reply->body ? reply->body : (void *)"", MHD_RESPMEM_MUST_COPY);
  if (!resp)
    return MHD_NO;
  if (reply->content_type)
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, reply->content_type);
  if (reply->upstream.location[0])
    MHD_add_response_header(resp, MHD_HTTP_HEADER_LOCATION, reply->upstream.location);
  if (reply->upstream.retry_after[0])
    MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, reply->upstream.retry_after);
  if (reply->allow)
    MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, reply->allow);
  enum MHD_Result ok = MHD_queue_response(conn, (unsigned)reply->status, resp);
  MHD_destroy_response(resp);
  return ok;
}

/* Answers the request (the whole of it, or a body found too large). */
static enum MHD_Result answer(server *srv, struct MHD_Connection *conn, const char *url,
                              const char *method, request *rq) {
  rq->answered = 1;
  gw_request greq = {0};
  greq.method = method;
  greq.path = url;
  greq.uri = rq->uri;
  greq.body = rq->body;
  greq.body_len = rq->len;
  greq.too_large = rq->too_large;
  greq.authorization = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");
  greq.content_type = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Type");
  greq.accept = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Accept");
  greq.bad_header = gw_header_with_control(conn);
  const union MHD_ConnectionInfo *ci =
      MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
  custapi_transport **slot = ci ? (custapi_transport **)ci->socket_context : NULL;
  custapi_transport *local = NULL;
  gw_reply reply;
  gw_handle(&reply, &srv->ctx, slot ? slot : &local, &greq);
  custapi__transport_free(local);
  log_call(srv, rq, method, url, &reply);
  enum MHD_Result ok = queue_reply(conn, &reply);
  gw_reply_clear(&reply);
  return ok;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls) {
  (void)version;
  server *srv = cls;
  request *rq = *con_cls;
  if (!rq || !rq->uri)
    return MHD_NO; /* out of memory in on_uri */
  if (!rq->seen) {
    rq->seen = 1; /* the headers: the body, if any, and the end follow */
    const char *length = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
    char *end;
    errno = 0;
    unsigned long long declared = length ? strtoull(length, &end, 10) : 0;
    if (length && !errno && end != length && declared > srv->ctx.cfg->max_body) {
      /* Refused before the body is read: a declared 1 GB is not read to its end. */
      rq->too_large = 1;
      return answer(srv, conn, url, method, rq);
    }
    return MHD_YES;
  }
  if (rq->answered) {
    *upload_size = 0; /* the rest of a body too large: dropped */
    return MHD_YES;
  }
  if (*upload_size) {
    size_t n = *upload_size;
    *upload_size = 0;
    if (rq->too_large || rq->len + n > srv->ctx.cfg->max_body) {
      rq->too_large = 1; /* (chunked) read and dropped: the caller gets its answer at the end */
      return MHD_YES;
    }
    if (rq->len + n + 1 > rq->cap) {
      size_t cap = (rq->len + n + 1) * 2;
      char *grown = custapi__realloc(rq->body, cap);
      if (!grown)
        return MHD_NO;
      rq->body = grown;
      rq->cap = cap;
    }
    memcpy(rq->body + rq->len, upload, n);
    rq->len += n;
    rq->body[rq->len] = '\0';
    return MHD_YES;
  }
  return answer(srv, conn, url, method, rq); /* the whole request has arrived */
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe) {
  (void)conn, (void)toe;
  server *srv = cls;
  request *rq = *con_cls;
  if (rq) {
    if (rq->counted)
      atomic_fetch_sub(&srv->in_flight, 1);
    if (rq->body)
      custapi__wipe(rq->body, rq->len);
    custapi__free(rq->body);
    custapi__free(rq->uri);
    custapi__free(rq);
  }
  *con_cls = NULL;
}

/* Each connection's upstream transport lives in its socket context, freed when it closes. */
static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe) {
  (void)conn;
  if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
    gw_metrics_connection(&((server *)cls)->ctx.stats, 1);
    *socket_context = custapi__calloc(1, sizeof(custapi_transport *));
  } else if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
    gw_metrics_connection(&((server *)cls)->ctx.stats, -1);
  }
  if (toe == MHD_CONNECTION_NOTIFY_CLOSED && *socket_context) {
    custapi_transport **slot = *socket_context;
    custapi__transport_free(*slot);
    custapi__free(slot);
    *socket_context = NULL;
  }
}

/* ---- start-up and shutdown ---- */

static char *read_pem(const char *path, custapi_error *err) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return custapi__error_set(err, CUSTAPI_CATEGORY_USAGE, NULL, "%s: %s", path, strerror(errno)),
           NULL;
  char *buf = custapi__malloc(1024 * 1024 + 1);
  size_t n = buf ? fread(buf, 1, 1024 * 1024, f) : 0;
  fclose(f);
  if (!buf)
    return custapi__error_oom(err), NULL;
  buf[n] = '\0';
  if (n == 0) {
    custapi__free(buf);
    return custapi__error_set(err, CUSTAPI_CATEGORY_USAGE, NULL, "%s: empty", path), NULL;
  }
  return buf;
}

static struct MHD_Daemon *start_daemon(server *srv, gw_listen_addr *addr, const char *cert,
                                       const char *key) {
  const gw_config *cfg = srv->ctx.cfg;
  unsigned flags =
      MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL | MHD_USE_ITC;
  if (addr->sa.sa_family == AF_INET6)
    flags |= MHD_USE_IPv6;
  if (cert)
    flags |= MHD_USE_TLS;
  struct MHD_OptionItem ops[12];
  size_t n = 0;
  ops[n++] = (struct MHD_OptionItem){MHD_OPTION_SOCK_ADDR, 0, addr};
  ops[n++] = (struct MHD_OptionItem){MHD_OPTION_URI_LOG_CALLBACK, (intptr_t)on_uri, srv};
  ops[n++] = (struct MHD_OptionItem){MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, srv};
  ops[n++] = (struct MHD_OptionItem){MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)on_connection, srv};
  ops[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_TIMEOUT, cfg->caller_timeout_s, NULL};
  ops[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_LIMIT, cfg->max_connections, NULL};
  if (cert) {
    ops[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0, (void *)cert};
    ops[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0, (void *)key};
  }
  ops[n] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
  return MHD_start_daemon(flags, 0, NULL, NULL, on_request, srv, MHD_OPTION_ARRAY, ops,
                          MHD_OPTION_END);
}

static void wait_for_calls(server *srv) {
  uint64_t until = custapi__now_ms() + DRAIN_MAX_MS;
  while (atomic_load(&srv->in_flight) > 0 && custapi__now_ms() < until) {
    struct timespec ts = {0, 10 * 1000000L};
    nanosleep(&ts, NULL);
  }
}

int gw_run(const gw_config *cfg, custapi_error *err) {
  int rc = gw_config_check(cfg, err);
  if (rc < 0)
    return rc;
  gw_listen_addr addr;
  int loopback;
  if ((rc = gw_listen_parse(&addr, &loopback, cfg->listen, "--listen", err)) < 0)
    return rc;

  server srv = {0};
  srv.ctx.cfg = cfg;
  srv.ctx.record_fd = -1;
  /* The base URL without trailing slashes, as the client keeps it. */
  char *base = custapi__strdup(cfg->url);
  char *cert = NULL, *key = NULL;
  int report_fd = -1;
  struct MHD_Daemon *daemon = NULL;
  gw_metrics_server *metrics = NULL;
  if (!base || gw_order_new(&srv.ctx.order) < 0) {
    rc = custapi__error_oom(err);
    goto out;
  }
  custapi__base_url_trim(base);
  srv.ctx.endpoint.base_url = base;
  srv.ctx.endpoint.xmlrpc_prefix =
      cfg->xmlrpc_prefix ? cfg->xmlrpc_prefix : CUSTAPI_XMLRPC_DEFAULT_PREFIX;
  if (cfg->tls_cert &&
      (!(cert = read_pem(cfg->tls_cert, err)) || !(key = read_pem(cfg->tls_key, err)))) {
    rc = custapi__status_of(err->category);
    goto out;
  }
  if (cfg->record && (srv.ctx.record_fd = gw_append_open(cfg->record, "--record", err)) < 0) {
    rc = CUSTAPI_EUSAGE;
    goto out;
  }
  if (cfg->report && (report_fd = gw_append_open(cfg->report, "--report", err)) < 0) {
    rc = CUSTAPI_EUSAGE;
    goto out;
  }

  /* Every thread inherits the mask: the stop signals reach sigwait below, and only it. */
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop, NULL);
  signal(SIGPIPE, SIG_IGN);

  gw_config shadow_cfg = *cfg;
  shadow_cfg.url = base;
  shadow_cfg.xmlrpc_prefix = srv.ctx.endpoint.xmlrpc_prefix;
  if (cfg->shadow && (rc = gw_shadow_start(&srv.ctx.shadow, &shadow_cfg, srv.ctx.order,
                                           &srv.ctx.stats, report_fd, err)) < 0)
    goto out;
  if (cfg->metrics && (rc = gw_metrics_start(&metrics, cfg, &srv.ctx.stats, err)) < 0)
    goto out;
  errno = 0;
  daemon = start_daemon(&srv, &addr, cert, key);
  if (!daemon) {
    /* TLS files are named only when some were given: they are then as likely the cause. */
    int why = errno;
    rc = custapi__error_set(err, CUSTAPI_CATEGORY_USAGE, NULL, "can't listen on %s (%s%s)",
                            cfg->listen, why ? strerror(why) : "address in use or not available",
                            cert ? ", or the TLS certificate or key unusable" : "");
    goto out;
  }
  const union MHD_DaemonInfo *info = MHD_get_daemon_info(daemon, MHD_DAEMON_INFO_BIND_PORT);
  unsigned port = info ? info->port : 0;
  if (cfg->port_file && (rc = gw_port_file_write(cfg->port_file, port, err)) < 0)
    goto out;
  if (!cfg->quiet)
    gw_say_listening(cfg, cert != NULL, port, base, gw_metrics_port(metrics));
  int sig = 0;
  while (sigwait(&stop, &sig) != 0)
    ;
  MHD_quiesce_daemon(daemon); /* no new connections; the open ones go on */
  wait_for_calls(&srv);
  MHD_stop_daemon(daemon);
  daemon = NULL;
  gw_shadow_stop(srv.ctx.shadow);
  srv.ctx.shadow = NULL;
  gw_metrics_print_summary(stdout, &srv.ctx.stats, sig == SIGINT ? "SIGINT" : "SIGTERM");
  rc = 0;

out:
  if (daemon)
    MHD_stop_daemon(daemon);
  gw_metrics_stop(metrics);
  gw_shadow_stop(srv.ctx.shadow);
  gw_order_free(srv.ctx.order);
  if (srv.ctx.record_fd >= 0)
    close(srv.ctx.record_fd);
  if (report_fd >= 0)
    close(report_fd);
  if (key)
    custapi__wipe(key, strlen(key));
  custapi__free(key);
  custapi__free(cert);
  custapi__free(base);
  return rc;
}
